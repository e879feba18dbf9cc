// The host services of one run, as plugins see them (plugins::ServiceProvider): exec on the
// run's runtime, SQL and cluster control through the ClusterManager, provisioning, artifacts,
// logging, cancellation and settings. Request/response shapes: sdk/include/pgorch/pgorch_plugin.h.
#pragma once

#include "cluster/cluster.hpp"
#include "plugins/services.hpp"
#include "runtime/runtime.hpp"

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace pgorch::engine {

namespace fs = std::filesystem;
namespace json = boost::json;

// Provisions (db_type, version, edition, package files) into an installation.
using ProvisionFn = std::function<Expected<cluster::Install>(
    const std::string& db_type, const std::string& version, const std::string& edition,
    const std::vector<std::string>& packages)>;

// Maps an Error's exit code to a service status (invalid input, environment, failed, interrupted).
int32_t status_of(const Error& e);

class RunServices : public plugins::ServiceProvider {
public:
    // settings: "work_dir", "cache_dir", "run_dir", "results_dir", "scenario_dir", "runtime" ...
    // results_dir: where write_artifact puts files. `provision` may be empty (then unavailable).
    RunServices(runtime::Runtime& rt, cluster::ClusterManager& clusters, ProvisionFn provision,
                std::map<std::string, std::string> settings, fs::path results_dir, std::atomic<bool>& cancel);

    void log(std::string_view plugin, int32_t level, std::string_view message) override;
    void progress(std::string_view plugin, double fraction, std::string_view message) override;
    // {"argv","env","cwd","timeout_s","as":"postgres"|"invoker","stdin"} -> {"exit_code",...}
    plugins::ServiceResult exec(std::string_view plugin, const json::object& request) override;
    // {"cluster","database","sql","timeout_s","keep_session"} -> SqlResult::to_json() with the
    // server's "notices"; on an SQL error {"error", "sqlstate", "position", "detail", "hint", "context"}.
    plugins::ServiceResult sql(std::string_view plugin, const json::object& request) override;
    // {"op", "cluster", ...}: create {install, initdb_args, port?} (runs initdb), start {timeout_s},
    // stop {mode, timeout_s}, restart, status, info, use_install {install}, destroy,
    // adopt {install, datadir}, configure {file}, set_parameter {name, value}.
    // Response: the cluster's info (destroy: {"destroyed": id}).
    plugins::ServiceResult cluster(std::string_view plugin, const json::object& request) override;
    // {"db_type","version","edition","package":[...]} -> Install::to_json()
    plugins::ServiceResult provision(std::string_view plugin, const json::object& request) override;
    // Refuses absolute names and names with "..".
    int32_t write_artifact(std::string_view plugin, std::string_view name, std::string_view data) override;
    bool cancelled() override;
    std::optional<std::string> setting(std::string_view key) override;

    void set_setting(const std::string& key, std::string value) { settings_[key] = std::move(value); }

private:
    runtime::Runtime& rt_;
    cluster::ClusterManager& clusters_;
    ProvisionFn provision_;
    std::map<std::string, std::string> settings_;
    fs::path results_dir_;
    std::atomic<bool>& cancel_;
};

}  // namespace pgorch::engine
