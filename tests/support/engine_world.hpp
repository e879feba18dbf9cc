// Everything a flow of the engine needs for one run, with nothing real underneath: a
// FakeRuntime, FakeClusters behind a real ClusterManager, the real RunServices and Provisioner,
// a registry holding FakePlugins (a distro "fakedb" that provisions any version), and a scenario
// folder in a temporary folder. A test adds its step plugins, writes conf.yaml and its scripts,
// runs the flow and reads the journal, the plugins' inputs and the results.
#pragma once

#include "engine/engine.hpp"
#include "engine/provision.hpp"
#include "engine/services.hpp"
#include "fake_cluster.hpp"
#include "fake_plugin.hpp"
#include "fake_runtime.hpp"
#include "journal.hpp"
#include "scenario/parser.hpp"
#include "scenario/validate.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <fstream>
#include <memory>
#include <random>
#include <string>

namespace pgorch::test {

namespace fs = std::filesystem;

// The head of an upgrade scenario on the fake distro, from 15.1: a test appends scripts and steps.
inline const std::string kChainOf15_1 = "kind: upgrade\ndb_type: fakedb\ndb_version: '15.1'\n";

class EngineWorld {
public:
    Journal journal;  // first: every fake below writes to it
    FakeRuntime runtime{&journal};
    FakeClusters fake_clusters{&journal};
    plugins::Registry registry;
    FakePlugin* distro = nullptr;  // "fakedb", owned by the registry
    std::atomic<bool> cancel{false};
    fs::path dir, scenario_dir;
    std::unique_ptr<cluster::ClusterManager> clusters;
    std::unique_ptr<engine::RunServices> services;
    std::unique_ptr<engine::Provisioner> provisioner;
    scenario::Scenario sc;
    engine::RunContext ctx;

    EngineWorld() {
        std::random_device rd;
        dir = fs::temp_directory_path() / ("pgorch-engine-" + std::to_string(rd()));
        scenario_dir = dir / "scenario";
        fs::create_directories(scenario_dir);
        distro = &add(plugins::Kind::distro, "fakedb");
        distro->callbacks[plugins::Callback::provision] = [](plugins::ServiceProvider&, const json::object& in) {
            return FakePlugin::ok(layout(std::string(in.at("version").as_string())));
        };
        ctx.registry = &registry;
        ctx.run_id = "test-run";
        ctx.options.work_dir = dir / "work";
        ctx.options.cache_dir = dir / "cache";
        ctx.run_dir = ctx.options.work_dir / ctx.run_id;
        ctx.results_dir = ctx.run_dir / "results";
        fs::create_directories(ctx.run_dir / "logs");
        fs::create_directories(ctx.results_dir);
        clusters = std::make_unique<cluster::ClusterManager>(runtime, ctx.run_dir, fake_clusters.factory());
        engine::ProvisionFn provision = [this](const std::string& t, const std::string& v, const std::string& e,
                                               const std::vector<std::string>& p) { return provisioner->provision(t, v, e, p); };
        services = std::make_unique<engine::RunServices>(
            runtime, *clusters, provision,
            std::map<std::string, std::string>{{"run_dir", ctx.run_dir.string()}, {"results_dir", ctx.results_dir.string()},
                                               {"runtime", "local"}},
            ctx.results_dir, cancel);
        provisioner = std::make_unique<engine::Provisioner>(registry, *services);
        ctx.runtime = &runtime;
        ctx.clusters = clusters.get();
        ctx.services = services.get();
        ctx.provisioner = provisioner.get();
        ctx.cancel = &cancel;
    }
    ~EngineWorld() {
        provisioner.reset();
        services.reset();
        clusters.reset();
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    EngineWorld(const EngineWorld&) = delete;
    EngineWorld& operator=(const EngineWorld&) = delete;

    // A fake plugin in the registry (the registry owns it).
    FakePlugin& add(plugins::Kind kind, const std::string& name) {
        auto p = std::make_unique<FakePlugin>(kind, name, &journal);
        FakePlugin& ref = *p;
        REQUIRE(registry.add(std::move(p)));
        return ref;
    }
    // The layout fakedb returns for a version: a full toolset (the layout lists no tools).
    static json::object layout(const std::string& version) {
        return {{"distro", "fakedb"}, {"version", version}, {"bindir", "/fake/" + version + "/bin"},
                {"libdir", "/fake/" + version + "/lib"}, {"sharedir", "/fake/" + version + "/share"},
                {"catalog_version", 202209061}, {"method", "fake"}};
    }
    // Writes a file of the scenario folder (a script, a case file).
    void file(const std::string& relative, const std::string& text) {
        fs::path p = scenario_dir / relative;
        fs::create_directories(p.parent_path());
        std::ofstream(p) << text;
    }
    // Writes and parses conf.yaml; the flows run this scenario.
    const scenario::Scenario& scenario(const std::string& yaml) {
        file("conf.yaml", yaml);
        sc = {};
        scenario::Diagnostics d = scenario::parse_scenario(scenario_dir, sc);
        INFO((d.ok() ? std::string() : d.errors.front().str()));
        REQUIRE(d.ok());
        ctx.scenario = &sc;
        return sc;
    }
    // Checks the scenario against the registry's plugins as `validate` and `run` do before
    // anything runs: the plugins' options are typed (UpgradeStep::options ...) for the flows.
    void validate() {
        scenario::Diagnostics d;
        scenario::validate_against_plugins(sc, scenario::RegistryCatalog(registry), d);
        INFO((d.ok() ? std::string() : d.errors.front().str()));
        REQUIRE(d.ok());
    }
    // The fake cluster of that id (it must exist).
    FakeCluster& cluster(const std::string& id) {
        auto* c = dynamic_cast<FakeCluster*>(clusters->find(id));
        REQUIRE(c != nullptr);
        return *c;
    }
};

}  // namespace pgorch::test
