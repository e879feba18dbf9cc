#include "engine/provision.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace pgorch::engine {

namespace json = boost::json;

namespace {

// The Error for a failed plugin call: an environment failure is one of provisioning (PGO-3005)
// unless the plugin names a code.
Error call_error(const std::string& db_type, const plugins::CallOutcome& out) {
    return error_of_status(out.status, out.error.empty() ? "call failed" : out.error, errors::Code::provision_failed,
                           "distro \"" + db_type + "\": ");
}

Error no_distro(const std::string& db_type) { return plugins::no_plugin(plugins::Kind::distro, db_type); }

// The shared slot of `key` in `table`, created on first use (under the table's short lock).
template <class Table, class K>
auto slot_of(std::mutex& mu, Table& table, const K& key) {
    std::lock_guard lk(mu);
    auto& s = table[key];
    if (!s) s = std::make_shared<typename Table::mapped_type::element_type>();
    return s;
}

}  // namespace

Provisioner::Provisioner(plugins::Registry& registry, plugins::ServiceProvider& services)
    : registry_(registry), services_(services) {}

void Provisioner::set_options(const std::string& db_type, json::object options) {
    std::lock_guard lk(mu_);
    options_[db_type] = std::move(options);
}

json::object Provisioner::options_of(const std::string& db_type) {
    std::lock_guard lk(mu_);
    auto it = options_.find(db_type);
    return it == options_.end() ? json::object{} : it->second;
}

Expected<cluster::Install> Provisioner::provision(const std::string& db_type, const std::string& version,
                                                  const std::string& edition, const std::vector<std::string>& packages) {
    return provision(ProvisionRequest{db_type, version, edition, packages, {}, {}});
}

// Looks up the distro plugin and calls its provision callback once per key.
Expected<cluster::Install> Provisioner::provision(const ProvisionRequest& rq) {
    plugins::Plugin* p = registry_.find(plugins::Kind::distro, rq.db_type);
    if (!p) return no_distro(rq.db_type);
    auto slot = slot_of(mu_, slots_, Key{rq.db_type, rq.version, rq.edition, rq.method});
    return slot->get([&] { return call_provision(*p, rq); },
                     [&]() -> Expected<cluster::Install> {
                         return Error::of(errors::Code::plugin_failed, "distro \"" + rq.db_type + "\": its provision callback asked for " + rq.version +
                                              ", the version it is providing (a provision service call on its own key)");
                     });
}

// One provision call: the layout, with the distro and edition filled in when the plugin left them out.
Expected<cluster::Install> Provisioner::call_provision(plugins::Plugin& p, const ProvisionRequest& rq) {
    sdk::ProvisionRequest request = rq;
    request.db_type.clear();  // the distro's own input does not name it
    request.options = options_of(rq.db_type);
    json::object input = request.to_json();
    auto t0 = std::chrono::steady_clock::now();
    plugins::CallOutcome out = p.call(plugins::Callback::provision, services_, input);
    if (!out.ok()) return call_error(rq.db_type, out);
    auto in = cluster::Install::from_json(out.result);
    if (!in) {
        Error e = in.error();
        e.message = "distro \"" + rq.db_type + "\" returned a bad layout: " + e.message;
        return e;
    }
    if (in->distro.empty()) in->distro = rq.db_type;
    if (in->edition.empty()) in->edition = rq.edition;
    spdlog::info("provisioned {} {} via {} in {:.2f} s: {}", rq.db_type, in->version, in->method,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), in->bindir.string());
    return in;
}

// Calls list_versions once per (db_type, major); concurrent callers of one key wait for the first.
Expected<sdk::VersionListing> Provisioner::listing(const std::string& db_type, const std::string& major) {
    plugins::Plugin* p = registry_.find(plugins::Kind::distro, db_type);
    if (!p) return no_distro(db_type);
    auto slot = slot_of(mu_, listings_, std::pair{db_type, major});
    return slot->get([&] { return call_listing(*p, db_type, major); },
                     [&]() -> Expected<sdk::VersionListing> {
                         return Error::of(errors::Code::plugin_failed, "distro \"" + db_type +
                                              "\": its list_versions callback asked for its own listing");
                     });
}

// One list_versions call; a plugin without the callback gives an empty listing with a problem.
Expected<sdk::VersionListing> Provisioner::call_listing(plugins::Plugin& p, const std::string& db_type,
                                                        const std::string& major) {
    sdk::VersionListing l;
    if (!p.has(plugins::Callback::list_versions)) {
        l.problems.push_back({"", "distro \"" + db_type + "\" cannot list its versions"});
        return l;
    }
    const sdk::ListVersionsRequest request{major, options_of(db_type)};
    plugins::CallOutcome out = p.call(plugins::Callback::list_versions, services_, request.to_json());
    if (!out.ok()) return call_error(db_type, out);
    return sdk::VersionListing::from_json(out.result);
}

Expected<sdk::DistroValidateResult> Provisioner::check(const std::string& db_type, sdk::DistroValidateRequest check) {
    plugins::Plugin* p = registry_.find(plugins::Kind::distro, db_type);
    if (!p) return no_distro(db_type);
    if (!p->has(plugins::Callback::validate)) return sdk::DistroValidateResult{};
    check.options = options_of(db_type);
    plugins::CallOutcome out = p->call(plugins::Callback::validate, services_, check.to_json());
    if (!out.ok()) return call_error(db_type, out);
    return sdk::DistroValidateResult::from_json(out.result);
}

Expected<std::vector<std::string>> Provisioner::list_versions(const std::string& db_type) {
    auto l = listing(db_type);
    if (!l) return l.error();
    std::vector<std::string> v;
    for (const auto& o : l->offers)
        if (std::find(v.begin(), v.end(), o.version) == v.end()) v.push_back(o.version);
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return sdk::compare_versions(a, b) < 0; });
    return v;
}

ProvisionFn Provisioner::as_function() {
    return [this](const std::string& db_type, const std::string& version, const std::string& edition,
                  const std::vector<std::string>& packages) { return provision(db_type, version, edition, packages); };
}

}  // namespace pgorch::engine
