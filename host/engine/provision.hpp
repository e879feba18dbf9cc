// Provisioning database versions through their distro plugins (pgdg, ttdb ...): the plugin's
// provision callback gets a ProvisionRequest (pgorch/distro.hpp) and returns an install layout;
// its list_versions callback says what each method can provide.
// Results are memoized per (db_type, version, edition, method) for the run.
//
// Concurrency: perf targets provision side by side. One lock per key serialises only the calls
// for the same installation; the table of keys has its own short lock, never held across a
// plugin call, so a distro may call the provision service from inside its own callback.
#pragma once

#include "cluster/install.hpp"
#include "core/error.hpp"
#include "engine/services.hpp"
#include "plugins/registry.hpp"

#include <pgorch/distro.hpp>

#include <boost/json.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace pgorch::engine {

// One installation to provision: the SDK's request type (db_type, version, edition, packages,
// method; the options are the distro's, set with set_options), so the input a distro plugin gets
// is written by the same type it reads.
using ProvisionRequest = sdk::ProvisionRequest;

class Provisioner {
public:
    // `services` is what the distro plugin's callbacks see (exec, settings such as cache_dir).
    Provisioner(plugins::Registry& registry, plugins::ServiceProvider& services);

    // Options handed to a distro plugin (the scenario's or the user's settings for it).
    void set_options(const std::string& db_type, boost::json::object options);

    // The installation of an exact version; an Error names the distro and what went wrong
    // (an unknown version lists the available ones).
    Expected<cluster::Install> provision(const ProvisionRequest& request);
    Expected<cluster::Install> provision(const std::string& db_type, const std::string& version,
                                         const std::string& edition = {},
                                         const std::vector<std::string>& packages = {});

    // What each method of the distro can provide here (`major` "": every major). Memoized per
    // (db_type, major) for the run. A plugin without list_versions gives an empty listing with
    // a problem saying so.
    Expected<sdk::VersionListing> listing(const std::string& db_type, const std::string& major = {});
    // The distinct exact versions of listing(db_type), sorted.
    Expected<std::vector<std::string>> list_versions(const std::string& db_type);

    // provision() as a ProvisionFn, for RunServices (the Provisioner must outlive it).
    ProvisionFn as_function();

private:
    using Key = std::tuple<std::string, std::string, std::string, std::string>;
    struct Slot {
        std::mutex mu;                          // held while this key's plugin call runs
        std::optional<cluster::Install> done;
    };
    boost::json::object options_of(const std::string& db_type);

    plugins::Registry& registry_;
    plugins::ServiceProvider& services_;
    std::mutex mu_;  // guards the maps below, never held across a plugin call
    std::map<std::string, boost::json::object> options_;
    std::map<Key, std::shared_ptr<Slot>> slots_;
    std::map<std::pair<std::string, std::string>, std::shared_ptr<std::pair<std::mutex, std::optional<sdk::VersionListing>>>>
        listings_;
};

}  // namespace pgorch::engine
