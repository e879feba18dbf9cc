// pgorch-host plugins: list, describe, or call a plugin.
#include "cli/commands.hpp"
#include "core/paths.hpp"
#include "plugins/describe.hpp"

#include <spdlog/spdlog.h>

#include <iostream>

namespace pgorch::cli {
namespace {

// The services a plugin gets from `plugins --call`: logging and settings, nothing that runs.
class CallServices : public plugins::ServiceProvider {
public:
    explicit CallServices(const Options& o)
        : cache_(o.cache_dir.empty() ? paths::default_cache_dir() : o.cache_dir),
          work_(o.work_dir.empty() ? paths::default_work_dir() : o.work_dir) {}
    void log(std::string_view plugin, int32_t level, std::string_view message) override {
        auto lvl = level >= PGORCH_LOG_ERROR  ? spdlog::level::err
                   : level == PGORCH_LOG_WARN ? spdlog::level::warn
                   : level == PGORCH_LOG_INFO ? spdlog::level::info
                                              : spdlog::level::debug;
        spdlog::log(lvl, "[{}] {}", plugin, message);
    }
    std::optional<std::string> setting(std::string_view key) override {
        if (key == "cache_dir") return cache_.string();
        if (key == "work_dir" || key == "run_dir") return work_.string();
        if (key == "runtime") return std::string("local");
        return std::nullopt;
    }

private:
    fs::path cache_, work_;
};

const plugins::Plugin* find_any(const plugins::Registry& r, const std::string& name) {
    if (auto* p = r.find(plugins::Kind::step, name)) return p;
    return r.find(plugins::Kind::distro, name);
}

int no_such_plugin(const plugins::Registry& r, const std::string& name) {
    std::string names;
    for (auto* p : r.list()) names += (names.empty() ? "" : ", ") + p->name();
    Error e = plugins::no_plugin(std::nullopt, name,
                                 names.empty() ? "No plugin was loaded: check the plugin folders with \"pgorch-host plugins\"."
                                               : "Loaded plugins: " + names + ".");
    print_error(e);
    return static_cast<int>(e.code);
}

}  // namespace

int cmd_plugins(const Options& o) {
    plugins::Registry registry;
    load_plugins(o, registry, false);
    if (o.describe) {
        const plugins::Plugin* p = find_any(registry, *o.describe);
        if (!p) return no_such_plugin(registry, *o.describe);
        if (o.json) std::cout << boost::json::serialize(plugins::to_json(*p)) << "\n";
        else std::cout << plugins::describe(*p);
        return 0;
    }
    if (o.call) {
        plugins::Plugin* p = registry.find(plugins::Kind::step, *o.call);
        plugins::Callback cb = plugins::Callback::run;
        if (!p) {
            p = registry.find(plugins::Kind::distro, *o.call);
            cb = plugins::Callback::provision;
        }
        if (!p) return no_such_plugin(registry, *o.call);
        boost::system::error_code ec;
        boost::json::value input = boost::json::parse(o.input, ec);
        if (ec || !input.is_object()) {
            print_error(Error::of(errors::Code::command_line, "--input is not a JSON object",
                                  "Pass a JSON object, for example --input '{}'."));
            return static_cast<int>(ExitCode::invalid_input);
        }
        CallServices services(o);
        plugins::CallOutcome out = p->call(cb, services, input.as_object());
        if (!out.ok()) {  // the exit code follows the status (PGORCH_ERR_UNAVAILABLE: 3)
            Error e = error_of_status(out.status, out.error, errors::Code::plugin_failed,
                                      "plugin \"" + p->name() + "\" failed: ");
            print_error(e);
            return static_cast<int>(e.code);
        }
        std::cout << boost::json::serialize(out.result) << "\n";
        return 0;
    }
    // The list: loaded plugins, then refusals.
    if (o.json) {
        boost::json::array loaded, refused;
        for (auto* p : registry.list()) loaded.push_back(plugins::to_json(*p));
        for (auto& r : registry.refusals()) refused.push_back({{"file", r.file.string()}, {"reason", r.reason}});
        std::cout << boost::json::serialize(boost::json::object{{"plugins", loaded}, {"refused", refused}}) << "\n";
        return 0;
    }
    std::printf("%-8s %-18s %-9s %s\n", "KIND", "NAME", "VERSION", "FILE");
    for (auto* p : registry.list())
        std::printf("%-8s %-18s %-9s %s\n", plugins::to_string(p->kind()), p->name().c_str(), p->version().c_str(),
                    p->path().string().c_str());
    for (auto& r : registry.refusals()) std::printf("refused: %s\n", r.reason.c_str());
    std::printf("searched: ");
    bool first = true;
    for (auto& d : plugins::Registry::default_search_path(o.plugin_dirs)) {
        std::printf("%s%s", first ? "" : ":", d.string().c_str());
        first = false;
    }
    std::printf("\n");
    return 0;
}

}  // namespace pgorch::cli
