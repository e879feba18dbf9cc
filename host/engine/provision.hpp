// Provisioning database versions through their distro plugins (pgdg, ttdb ...): the plugin's
// provision callback gets a ProvisionRequest (pgorch/distro.hpp) and returns an install layout;
// its list_versions callback says what each method can provide.
// Results are memoized per (db_type, version, edition, method) for the run.
//
// Concurrency: perf targets provision side by side. Calls for one key (one installation, one
// listing) run one at a time: the first caller calls the plugin, the others wait for its result
// (and try again themselves when it failed). No lock is held across a plugin call, so calls for
// other keys go on meanwhile, and a distro may call the provision service from inside its own
// callback (a distro built on another one provisions that one so). A callback that asks, on its
// own thread, for the very key it is providing gets an error instead of waiting for itself.
#pragma once

#include "cluster/install.hpp"
#include "core/error.hpp"
#include "engine/services.hpp"
#include "plugins/registry.hpp"

#include <pgorch/distro.hpp>

#include <boost/json.hpp>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace pgorch::engine {

// A value computed once, by one caller at a time; its lock guards only its own fields and is
// never held while the value is computed.
template <class T>
class OnceSlot {
public:
    // The value when an earlier call produced it; else compute() by this caller while the other
    // callers wait (a failure is not kept: the next caller computes again). A call made from
    // inside compute() on the same thread gets reentered() instead of waiting for itself.
    template <class Compute, class Reentered>
    Expected<T> get(Compute compute, Reentered reentered) {
        std::unique_lock lk(mu_);
        while (!value_ && busy_) {
            if (owner_ == std::this_thread::get_id()) return reentered();
            cv_.wait(lk);
        }
        if (value_) return *value_;
        busy_ = true;
        owner_ = std::this_thread::get_id();
        lk.unlock();
        struct Done {  // wakes the waiters however compute() ends
            OnceSlot& s;
            ~Done() {
                {
                    std::lock_guard g(s.mu_);
                    s.busy_ = false;
                    s.owner_ = {};
                }
                s.cv_.notify_all();
            }
        };
        Expected<T> r = [&] {
            Done done{*this};
            Expected<T> v = compute();
            if (v) {
                std::lock_guard g(mu_);
                value_ = *v;
            }
            return v;
        }();
        return r;
    }

private:
    std::mutex mu_;
    std::condition_variable cv_;
    bool busy_ = false;
    std::thread::id owner_;
    std::optional<T> value_;
};

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

    // The distro's validate() for one version a scenario names (`check` gets the distro's options
    // here); a distro without validate finds nothing. An Error when the call itself fails.
    Expected<sdk::DistroValidateResult> check(const std::string& db_type, sdk::DistroValidateRequest check);

    // provision() as a ProvisionFn, for RunServices (the Provisioner must outlive it).
    ProvisionFn as_function();

private:
    using Key = std::tuple<std::string, std::string, std::string, std::string>;
    boost::json::object options_of(const std::string& db_type);
    Expected<cluster::Install> call_provision(plugins::Plugin& plugin, const ProvisionRequest& request);
    Expected<sdk::VersionListing> call_listing(plugins::Plugin& plugin, const std::string& db_type,
                                               const std::string& major);

    plugins::Registry& registry_;
    plugins::ServiceProvider& services_;
    std::mutex mu_;  // guards the maps below, never held across a plugin call
    std::map<std::string, boost::json::object> options_;
    std::map<Key, std::shared_ptr<OnceSlot<cluster::Install>>> slots_;
    std::map<std::pair<std::string, std::string>, std::shared_ptr<OnceSlot<sdk::VersionListing>>> listings_;
};

}  // namespace pgorch::engine
