// Provisioning database versions through their distro plugins (pgdg, ttdb ...): the plugin's
// provision callback gets {"version","edition","package":[...],"options":{...}} and returns an
// install layout. Results are memoized per (db_type, version, edition) for the run.
#pragma once

#include "cluster/install.hpp"
#include "core/error.hpp"
#include "engine/services.hpp"
#include "plugins/registry.hpp"

#include <boost/json.hpp>

#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace pgorch::engine {

class Provisioner {
public:
    // `services` is what the distro plugin's callbacks see (exec, settings such as cache_dir).
    Provisioner(plugins::Registry& registry, plugins::ServiceProvider& services);

    // Options handed to a distro plugin (the scenario's or the user's settings for it).
    void set_options(const std::string& db_type, boost::json::object options);

    // The installation of an exact version; an Error names the distro and what went wrong
    // (an unknown version lists the available ones).
    Expected<cluster::Install> provision(const std::string& db_type, const std::string& version,
                                         const std::string& edition = {},
                                         const std::vector<std::string>& packages = {});

    // Versions the distro can provide here ({} when the plugin has no list_versions).
    Expected<std::vector<std::string>> list_versions(const std::string& db_type);

    // provision() as a ProvisionFn, for RunServices (the Provisioner must outlive it).
    ProvisionFn as_function();

private:
    plugins::Registry& registry_;
    plugins::ServiceProvider& services_;
    std::map<std::string, boost::json::object> options_;
    std::map<std::tuple<std::string, std::string, std::string>, cluster::Install> done_;
    std::mutex mu_;
};

}  // namespace pgorch::engine
