// run_scenario: the run folder, the runtime, the services plugins see, then the perf or upgrade flow.
#include "engine/engine.hpp"

#include "cluster/cluster.hpp"
#include "core/args.hpp"
#include "core/log.hpp"
#include "core/paths.hpp"
#include "engine/provision.hpp"
#include "engine/services.hpp"
#include "plugins/registry.hpp"
#include "runtime/docker_runtime.hpp"
#include "runtime/local_runtime.hpp"

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <optional>
#include <thread>

namespace pgorch::engine {
namespace {

// "<scenario>-20261121-084512-<pid>": sortable, unique on this machine.
std::string make_run_id(const std::string& scenario_name) {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    return scenario_name + "-" + stamp + "-" + std::to_string(getpid());
}

// Everything one run owns, built in order and torn down in reverse.
struct RunResources {
    std::unique_ptr<runtime::Runtime> runtime;
    std::unique_ptr<cluster::ClusterManager> clusters;
    std::unique_ptr<RunServices> services;
    std::unique_ptr<Provisioner> provisioner;
};

// Builds runtime, clusters, services and provisioner for a run folder.
Expected<RunResources> make_resources(std::unique_ptr<runtime::Runtime> rt, plugins::Registry& registry,
                                      const RunOptions& options, const fs::path& run_dir, const fs::path& results_dir,
                                      const fs::path& scenario_dir, std::atomic<bool>& cancel) {
    RunResources r;
    r.runtime = std::move(rt);
    // Installed versions run as the service user: it must reach the cache (a mktemp -d folder
    // is 0700 and makes initdb report "postgres not found", which says nothing of the cause).
    if (auto* local = dynamic_cast<runtime::LocalRuntime*>(r.runtime.get()))
        if (Status st = local->check_reachable(options.cache_dir, "cache"); !st) return st.error();
    r.clusters = std::make_unique<cluster::ClusterManager>(*r.runtime, run_dir);
    std::map<std::string, std::string> settings = {
        {"work_dir", options.work_dir.string()},     {"cache_dir", options.cache_dir.string()},
        {"run_dir", run_dir.string()},               {"results_dir", results_dir.string()},
        {"scenario_dir", scenario_dir.string()},     {"runtime", r.runtime->name()},
        // pgorch's own tools (pgorch-catversion) sit next to pgorch-host.
        {"tools_dir", paths::executable().parent_path().string()},
    };
    // RunServices and Provisioner refer to each other: the services learn the provisioner below.
    auto holder = std::make_shared<Provisioner*>(nullptr);
    ProvisionFn fn = [holder](const std::string& t, const std::string& v, const std::string& e,
                              const std::vector<std::string>& p) -> Expected<cluster::Install> {
        return (*holder)->provision(t, v, e, p);
    };
    r.services = std::make_unique<RunServices>(*r.runtime, *r.clusters, fn, settings, results_dir, cancel);
    r.provisioner = std::make_unique<Provisioner>(registry, *r.services);
    *holder = r.provisioner.get();
    return r;
}

// Options of the distro plugins from the scenario's `args: <distro>: "--key=value ..."` (e.g.
// `pgdg: --methods=deb --apt_repository="deb http://... bookworm-pgdg main"`).
void set_distro_options(const scenario::Scenario& sc, plugins::Registry& registry, Provisioner& provisioner) {
    for (const auto& [name, text] : sc.args) {
        if (!registry.find(plugins::Kind::distro, name)) continue;
        auto words = split_args(text.value);
        if (!words) continue;  // refused by validation already
        boost::json::object o;
        for (std::string w : *words) {
            while (!w.empty() && w.front() == '-') w.erase(0, 1);
            std::size_t eq = w.find('=');
            std::string key = w.substr(0, eq);
            std::replace(key.begin(), key.end(), '-', '_');
            if (!key.empty()) o[key] = eq == std::string::npos ? std::string("true") : w.substr(eq + 1);
        }
        provisioner.set_options(name, std::move(o));
    }
}

// The runtime of a run: docker when asked (--runtime docker) or when the scenario has a docker:
// section and an engine answers (auto); otherwise local. A forced docker with no engine is an error.
Expected<std::unique_ptr<runtime::Runtime>> choose_runtime(const scenario::Scenario& sc, const RunOptions& options,
                                                           const std::string& run_id, const fs::path& run_dir) {
    const scenario::Text* target_image = nullptr;  // the first db_params entry's docker_image
    for (const auto& t : sc.db_params)
        if (t.docker_image && !target_image) target_image = &*t.docker_image;
    bool want_docker = options.runtime == "docker" || (options.runtime == "auto" && (sc.docker || target_image));
    if (!want_docker) return runtime::make_local_runtime(run_dir);
    auto version = runtime::docker_engine_version();
    if (!version) {
        if (options.runtime == "docker") return version.error();
        spdlog::warn("scenario \"{}\" has a docker: section but no docker engine answers ({}); running locally "
                     "(use --runtime docker to make this an error)",
                     sc.name, version.error().message);
        return runtime::make_local_runtime(run_dir);
    }
    spdlog::info("docker engine API {}: running in a container", *version);
    scenario::DockerSettings settings = sc.docker ? *sc.docker : scenario::DockerSettings{};
    if (!settings.image && target_image) settings.image = *target_image;
    return runtime::make_docker_runtime(settings, run_id, run_dir, sc.dir);
}

// Creates a folder the service user can use (the run folder is shared with PostgreSQL).
Status make_run_dirs(runtime::Runtime& rt, const std::vector<fs::path>& dirs) {
    for (const auto& d : dirs)
        if (Status s = rt.make_dir(d); !s) return s;
    return {};
}

// Propagates Ctrl-C to the runtime (which stops running commands) while a run is under way.
// The flag is set by a signal handler, which cannot notify, so it is looked at every 100 ms; the
// end of the run wakes the watcher at once (no exit waits for a sleep to finish).
class CancelWatcher {
public:
    CancelWatcher(std::atomic<bool>& cancel, runtime::Runtime& rt)
        : thread_([this, &cancel, &rt] {
              std::unique_lock lk(mu_);
              while (!done_) {
                  if (cancel.load()) {
                      lk.unlock();
                      spdlog::warn("interrupted: stopping what this run started");
                      rt.cancel();
                      return;
                  }
                  wake_.wait_for(lk, std::chrono::milliseconds(100));
              }
          }) {}
    ~CancelWatcher() {
        {
            std::lock_guard lk(mu_);
            done_ = true;
        }
        wake_.notify_all();
        thread_.join();
    }

private:
    std::mutex mu_;
    std::condition_variable wake_;
    bool done_ = false;
    std::thread thread_;  // last: started once the members above exist
};

// The resources of one perf target in its own container; torn down in reverse order.
class ContainerScope : public TargetScope {
public:
    explicit ContainerScope(RunResources r) : res_(std::move(r)), watcher_(std::nullopt) {}
    void watch(std::atomic<bool>& cancel) { watcher_.emplace(cancel, *res_.runtime); }
    RunResources& resources() { return res_; }
    ~ContainerScope() override {
        watcher_.reset();
        if (res_.clusters) res_.clusters->stop_all();
        res_.provisioner.reset();
        res_.services.reset();
        res_.clusters.reset();
        res_.runtime.reset();  // finishes the docker runtime: the container is removed
    }

private:
    RunResources res_;
    std::optional<CancelWatcher> watcher_;
};

}  // namespace

Expected<std::unique_ptr<TargetScope>> open_target_scope(const RunContext& ctx, const scenario::DbTarget& target,
                                                         std::size_t index, RunContext& target_ctx) {
    target_ctx = ctx;
    if (!target.docker_image) return std::unique_ptr<TargetScope>();
    const scenario::Scenario& sc = *ctx.scenario;
    const std::string& image = target.docker_image->value;
    if (!ctx.runtime || ctx.runtime->name() != "docker") {
        spdlog::warn("db_params entry {} names docker image \"{}\" but the run is not in docker; it runs locally",
                     index, image);
        return std::unique_ptr<TargetScope>();
    }
    scenario::DockerSettings settings = sc.docker ? *sc.docker : scenario::DockerSettings{};
    if (settings.image && settings.image->value == image) return std::unique_ptr<TargetScope>();
    // The run's first image is the first target's when the scenario's docker: names none.
    if (!settings.image) {
        const scenario::DbTarget* first = nullptr;
        for (const auto& t : sc.db_params)
            if (t.docker_image && !first) first = &t;
        if (first == &target) return std::unique_ptr<TargetScope>();
    }
    settings.image = *target.docker_image;
    std::string suffix = "-t" + std::to_string(index + 1);
    if (settings.container_name) settings.container_name->value += suffix;
    spdlog::info("db_params entry {} ({}): its own container of \"{}\"", index, target.db_version.value, image);
    auto rt = runtime::make_docker_runtime(settings, ctx.run_id + suffix, ctx.run_dir, sc.dir);
    if (!rt) return rt.error();
    auto res = make_resources(std::move(*rt), *ctx.registry, ctx.options, ctx.run_dir, ctx.results_dir, sc.dir,
                              *ctx.cancel);
    if (!res) return res.error();
    set_distro_options(sc, *ctx.registry, *res->provisioner);
    auto scope = std::make_unique<ContainerScope>(std::move(*res));
    scope->watch(*ctx.cancel);
    RunResources& r = scope->resources();
    target_ctx.runtime = r.runtime.get();
    target_ctx.clusters = r.clusters.get();
    target_ctx.services = r.services.get();
    target_ctx.provisioner = r.provisioner.get();
    return std::unique_ptr<TargetScope>(std::move(scope));
}

RunOutcome run_scenario(const scenario::Scenario& sc, plugins::Registry& registry, const RunOptions& options,
                        std::atomic<bool>& cancel) {
    RunContext ctx;
    ctx.scenario = &sc;
    ctx.registry = &registry;
    ctx.options = options;
    ctx.cancel = &cancel;
    ctx.run_id = make_run_id(sc.name);
    ctx.run_dir = options.work_dir / ctx.run_id;
    ctx.results_dir = ctx.run_dir / "results";

    std::error_code ec;
    fs::create_directories(ctx.run_dir / "logs", ec);
    fs::create_directories(ctx.results_dir, ec);
    fs::create_directories(options.cache_dir, ec);
    if (ec) {
        return {ExitCode::environment,
                "cannot create the run folder \"" + ctx.run_dir.string() + "\": " + ec.message() +
                    " (set --work-dir or PGORCH_WORK_DIR to a writable folder)",
                {}};
    }
    log::set_file(ctx.run_dir / "logs" / "pgorch.log");
    spdlog::info("run {}: folder {}", ctx.run_id, ctx.run_dir.string());

    auto rt = choose_runtime(sc, options, ctx.run_id, ctx.run_dir);
    if (!rt) return {rt.error().code, rt.error().str(), {}};
    auto res = make_resources(std::move(*rt), registry, options, ctx.run_dir, ctx.results_dir, sc.dir, cancel);
    if (!res) return {res.error().code, res.error().str(), {}};
    set_distro_options(sc, registry, *res->provisioner);
    if (Status s = make_run_dirs(*res->runtime, {ctx.run_dir, ctx.run_dir / "clusters", ctx.run_dir / "logs",
                                                 ctx.results_dir});
        !s)
        return {s.error().code, s.error().str(), {}};
    ctx.runtime = res->runtime.get();
    ctx.clusters = res->clusters.get();
    ctx.services = res->services.get();
    ctx.provisioner = res->provisioner.get();

    RunOutcome out;
    {
        CancelWatcher watcher(cancel, *ctx.runtime);
        out = sc.kind == scenario::Kind::perf ? run_perf(ctx) : run_upgrade(ctx);
        ctx.clusters->stop_all();
    }
    if (cancel.load()) out.code = ExitCode::interrupted;
    if (!options.keep && out.code != ExitCode::check_failed) {
        // Data folders are large; logs and results stay. A failed check keeps them for inspection.
        fs::remove_all(ctx.run_dir / "clusters", ec);
    }
    out.reports.push_back(ctx.run_dir / "logs" / "pgorch.log");
    spdlog::info("run {}: {}", ctx.run_id, out.code == ExitCode::passed ? "passed" : "not passed");
    log::close_file();
    return out;
}

Expected<cluster::Install> provision_version(plugins::Registry& registry, const RunOptions& options,
                                             const std::string& db_type, const std::string& version,
                                             const std::string& edition, const std::vector<std::string>& packages,
                                             std::atomic<bool>& cancel) {
    fs::path run_dir = options.work_dir / ("provision-" + std::to_string(getpid()));
    std::error_code ec;
    fs::create_directories(run_dir, ec);
    fs::create_directories(options.cache_dir, ec);
    auto res = make_resources(runtime::make_local_runtime(run_dir), registry, options, run_dir, run_dir / "results",
                              fs::current_path(), cancel);
    if (!res) return res.error();
    Expected<cluster::Install> install = Error::environment("not provisioned");
    {
        CancelWatcher watcher(cancel, *res->runtime);
        install = res->provisioner->provision(db_type, version, edition, packages);
    }
    res->clusters.reset();
    fs::remove_all(run_dir, ec);
    return install;
}

}  // namespace pgorch::engine
