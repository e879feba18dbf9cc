#include "engine/provision.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace pgorch::engine {

namespace json = boost::json;

namespace {

// The Error for a failed plugin call, with the status mapped to an exit code.
Error call_error(const std::string& db_type, const plugins::CallOutcome& out) {
    std::string msg = "distro \"" + db_type + "\": " + (out.error.empty() ? "call failed" : out.error);
    switch (out.status) {
    case PGORCH_ERR_INVALID: return Error::invalid(msg);
    case PGORCH_ERR_ENVIRONMENT:
    case PGORCH_ERR_UNAVAILABLE: return Error::environment(msg);
    case PGORCH_ERR_CANCELLED: return Error{ExitCode::interrupted, msg, {}, std::nullopt};
    default: return Error::failed(msg);
    }
}

}  // namespace

Provisioner::Provisioner(plugins::Registry& registry, plugins::ServiceProvider& services)
    : registry_(registry), services_(services) {}

void Provisioner::set_options(const std::string& db_type, json::object options) {
    std::lock_guard lk(mu_);
    options_[db_type] = std::move(options);
}

// Looks up the distro plugin and calls its provision callback once per key.
Expected<cluster::Install> Provisioner::provision(const std::string& db_type, const std::string& version,
                                                  const std::string& edition, const std::vector<std::string>& packages) {
    std::lock_guard lk(mu_);
    auto key = std::make_tuple(db_type, version, edition);
    if (auto it = done_.find(key); it != done_.end()) return it->second;
    plugins::Plugin* p = registry_.find(plugins::Kind::distro, db_type);
    if (!p)
        return Error::invalid("no distro plugin \"" + db_type + "\"",
                              "Run `pgorch-host plugins` to see the distributions this host has.");
    json::array pkgs;
    for (const auto& s : packages) pkgs.emplace_back(s);
    json::object input{{"version", version},
                       {"edition", edition.empty() ? json::value(nullptr) : json::value(edition)},
                       {"package", std::move(pkgs)},
                       {"options", options_.count(db_type) ? options_[db_type] : json::object{}}};
    auto t0 = std::chrono::steady_clock::now();
    plugins::CallOutcome out = p->call(plugins::Callback::provision, services_, input);
    if (!out.ok()) return call_error(db_type, out);
    auto in = cluster::Install::from_json(out.result);
    if (!in) {
        Error e = in.error();
        e.message = "distro \"" + db_type + "\" returned a bad layout: " + e.message;
        return e;
    }
    if (in->distro.empty()) in->distro = db_type;
    if (in->edition.empty()) in->edition = edition;
    spdlog::info("provisioned {} {} via {} in {:.2f} s: {}", db_type, in->version, in->method,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), in->bindir.string());
    done_[key] = *in;
    return *in;
}

Expected<std::vector<std::string>> Provisioner::list_versions(const std::string& db_type) {
    plugins::Plugin* p = registry_.find(plugins::Kind::distro, db_type);
    if (!p) return Error::invalid("no distro plugin \"" + db_type + "\"");
    if (!p->has(plugins::Callback::list_versions)) return std::vector<std::string>{};
    json::object opts;
    {
        std::lock_guard lk(mu_);
        if (options_.count(db_type)) opts = options_[db_type];
    }
    plugins::CallOutcome out = p->call(plugins::Callback::list_versions, services_, json::object{{"options", opts}});
    if (!out.ok()) return call_error(db_type, out);
    std::vector<std::string> v;
    if (out.result.is_object())
        if (auto* a = out.result.as_object().if_contains("versions"); a && a->is_array())
            for (const auto& x : a->as_array())
                if (x.is_string()) v.emplace_back(x.as_string());
    return v;
}

ProvisionFn Provisioner::as_function() {
    return [this](const std::string& db_type, const std::string& version, const std::string& edition,
                  const std::vector<std::string>& packages) { return provision(db_type, version, edition, packages); };
}

}  // namespace pgorch::engine
