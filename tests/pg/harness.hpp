// What the pg integration tests share: a run folder, the local runtime, a cluster manager,
// the pgdg plugin loaded through the registry, the run services and a provisioner.
#pragma once

#include "cluster/cluster.hpp"
#include "engine/provision.hpp"
#include "engine/services.hpp"
#include "plugins/registry.hpp"
#include "runtime/local_runtime.hpp"

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace pgtest {

namespace fs = std::filesystem;
using namespace pgorch;

struct Harness {
    // cache: the shared test cache unless given; run folders under <build>/pg-work.
    explicit Harness(const std::string& name, fs::path cache = PGORCH_PG_CACHE);
    ~Harness();

    fs::path run_dir, cache_dir;
    std::atomic<bool> cancel{false};
    std::unique_ptr<runtime::LocalRuntime> rt;
    std::unique_ptr<cluster::ClusterManager> clusters;
    std::unique_ptr<plugins::Registry> registry;
    std::unique_ptr<engine::RunServices> services;
    std::unique_ptr<engine::Provisioner> provisioner;

    // Provisions pgdg `version`; fails the test (REQUIRE) on error.
    cluster::Install install(const std::string& version);
    // The newest pgdg version of `major` a method provides here today (`full`: a full toolset;
    // else any, a server-only build included), resolved as a scenario's "15" would be, and
    // provisioned. Tests use it instead of a version a mirror can drop.
    cluster::Install latest(const std::string& major, bool full = true);
    // create + init + start of a cluster; fails the test on error.
    cluster::Cluster* started(const std::string& id, const cluster::Install& in, std::vector<std::string> initdb_args = {});
};

// The first value of a one-row result.
std::string scalar(cluster::Cluster& c, const std::string& sql);
// Postmasters whose command line mentions `dir` (their -D data folder lies under it).
std::vector<long> postmasters_under(const fs::path& dir);

}  // namespace pgtest
