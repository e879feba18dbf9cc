// run_scenario: the run folder, the runtime, the services plugins see, then the perf or upgrade flow.
#include "engine/engine.hpp"

#include "cluster/cluster.hpp"
#include "core/log.hpp"
#include "core/paths.hpp"
#include "core/secret.hpp"
#include "engine/leftovers.hpp"
#include "engine/provision.hpp"
#include "engine/secret_options.hpp"
#include "engine/services.hpp"
#include "engine/version_plan.hpp"
#include "plugins/registry.hpp"
#include "runtime/docker_runtime.hpp"
#include "runtime/local_runtime.hpp"

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <optional>
#include <thread>

namespace pgorch::engine {

namespace json = boost::json;

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

// The docker runtime's options from a scenario's `docker:` section (the image defaults to
// pgorch's own base image); the scenario folder is shared with the container.
runtime::DockerOptions docker_options(const scenario::DockerSettings& s, const fs::path& scenario_dir) {
    runtime::DockerOptions o;
    o.image = s.image ? s.image->value : "pgorch-debian:bookworm";
    if (s.registry) o.registry = s.registry->value;
    if (s.container_name) o.container_name = s.container_name->value;
    // host_port/container_port are not mapped: the container uses the host network, where
    // every cluster listens on 127.0.0.1 on a free port like in the local runtime.
    if (!scenario_dir.empty()) o.shared_dirs.push_back(scenario_dir);
    return o;
}

// Options of the distro plugins, typed by the validation (`args: <distro>: "--key=value ..."`,
// e.g. `pgdg: --methods=deb --apt_repository="deb http://... bookworm-pgdg main"`).
void set_distro_options(const scenario::Scenario& sc, Provisioner& provisioner) {
    for (const auto& entry : sc.distro_options) provisioner.set_options(entry.first, entry.second);
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
    return runtime::make_docker_runtime(docker_options(settings, sc.dir), run_id, run_dir);
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
    auto rt = runtime::make_docker_runtime(docker_options(settings, sc.dir), ctx.run_id + suffix, ctx.run_dir);
    if (!rt) return rt.error();
    auto res = make_resources(std::move(*rt), *ctx.registry, ctx.options, ctx.run_dir, ctx.results_dir, sc.dir,
                              *ctx.cancel);
    if (!res) return res.error();
    set_distro_options(sc, *res->provisioner);
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
        Error e = Error::of(errors::Code::folder_unusable,
                            "cannot create the run folder \"" + ctx.run_dir.string() + "\": " + ec.message(),
                            "Set --work-dir or PGORCH_WORK_DIR to a writable folder.");
        return {e.code, e.render(), {}};
    }
    register_secret_options(sc, registry);
    log::set_file(ctx.run_dir / "logs" / "pgorch.log");
    spdlog::info("run {}: folder {}", ctx.run_id, ctx.run_dir.string());
    auto lock = RunLock::create(ctx.run_dir);  // held until the run ends; a crash leaves it free
    if (!lock) return {lock.error().code, lock.error().render(), {}};
    clean_crashed_runs(options.work_dir, ctx.run_dir);

    auto rt = choose_runtime(sc, options, ctx.run_id, ctx.run_dir);
    if (!rt) return {rt.error().code, rt.error().render(), {}};
    auto res = make_resources(std::move(*rt), registry, options, ctx.run_dir, ctx.results_dir, sc.dir, cancel);
    if (!res) return {res.error().code, res.error().render(), {}};
    set_distro_options(sc, *res->provisioner);
    if (Status s = make_run_dirs(*res->runtime, {ctx.run_dir, ctx.run_dir / "clusters", ctx.run_dir / "logs",
                                                 ctx.results_dir});
        !s)
        return {s.error().code, s.error().render(), {}};
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
    secrets::scrub_tree(ctx.run_dir / "logs");  // the server logs PostgreSQL wrote itself
    if (cancel.load()) out.code = ExitCode::interrupted;
    finish_data_folders(ctx.run_dir, out.code, options.keep);
    (void)lock->mark(RunState::finished);
    out.reports.push_back(ctx.run_dir / "logs" / "pgorch.log");
    spdlog::info("run {}: {}", ctx.run_id, out.code == ExitCode::passed ? "passed" : "not passed");
    log::close_file();
    return out;
}

RunOutcome dry_run_outcome(const std::vector<std::string>& lines) {
    std::string text = "versions:\n";
    for (const auto& l : lines) text += "  " + l + "\n";
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
    return {ExitCode::passed, "dry run: every version resolved; nothing was provisioned or run", {}};
}

namespace {

// Resources on the local runtime in a throwaway folder, for commands outside any run.
struct Scratch {
    fs::path dir;
    RunLock lock;  // so that gc leaves the cache alone meanwhile
    std::optional<RunResources> res;
    ~Scratch() {
        if (res) res->clusters.reset();
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};

Status open_scratch(Scratch& s, plugins::Registry& registry, const RunOptions& options, const std::string& what,
                    std::atomic<bool>& cancel) {
    s.dir = options.work_dir / (what + "-" + std::to_string(getpid()));
    std::error_code ec;
    fs::create_directories(s.dir, ec);
    fs::create_directories(options.cache_dir, ec);
    auto lock = RunLock::create(s.dir);
    if (!lock) return lock.error();
    s.lock = std::move(*lock);
    auto res = make_resources(runtime::make_local_runtime(s.dir), registry, options, s.dir, s.dir / "results",
                              fs::current_path(), cancel);
    if (!res) return res.error();
    s.res = std::move(*res);
    return {};
}

}  // namespace

Expected<std::vector<std::string>> resolve_versions(const scenario::Scenario& sc, plugins::Registry& registry,
                                                    const RunOptions& options, std::atomic<bool>& cancel) {
    Scratch s;
    if (Status st = open_scratch(s, registry, options, "validate", cancel); !st) return st.error();
    CancelWatcher watcher(cancel, *s.res->runtime);
    set_distro_options(sc, *s.res->provisioner);
    ToolBroker broker(*s.res->provisioner, *s.res->runtime, s.dir / "tools");
    std::vector<std::string> lines;
    std::vector<VersionPlan> plans;
    if (sc.kind == scenario::Kind::upgrade) plans.push_back(VersionPlan::for_upgrade(sc, registry));
    else
        for (std::size_t i = 0; i < sc.db_params.size(); ++i) plans.push_back(VersionPlan::for_target(sc, i));
    std::optional<Error> refused;
    for (auto& p : plans) {
        if (Status st = p.resolve(*s.res->provisioner); !st) return st.error();
        for (auto& l : p.describe(&broker, &refused)) lines.push_back(std::move(l));
        if (refused) return *refused;
    }
    return lines;
}

Expected<json::object> version_listings(plugins::Registry& registry, const RunOptions& options, const std::string& db_type,
                                        const std::string& major, std::atomic<bool>& cancel) {
    Scratch s;
    if (Status st = open_scratch(s, registry, options, "versions", cancel); !st) return st.error();
    CancelWatcher watcher(cancel, *s.res->runtime);
    json::object out;
    for (const plugins::Plugin* p : registry.list()) {
        if (p->kind() != plugins::Kind::distro || (!db_type.empty() && p->name() != db_type)) continue;
        auto l = s.res->provisioner->listing(p->name(), major);
        if (!l) return l.error();
        out[p->name()] = l->to_json();
    }
    if (!db_type.empty() && out.empty())
        return plugins::no_plugin(plugins::Kind::distro, db_type);
    return out;
}

Expected<cluster::Install> provision_version(plugins::Registry& registry, const RunOptions& options,
                                             const std::string& db_type, const std::string& version,
                                             const std::string& edition, const std::vector<std::string>& packages,
                                             std::atomic<bool>& cancel) {
    Scratch s;
    if (Status st = open_scratch(s, registry, options, "provision", cancel); !st) return st.error();
    CancelWatcher watcher(cancel, *s.res->runtime);
    VersionSlot slot;  // a selector ("17") is resolved as in a scenario
    slot.role = "provision";
    slot.db_type = db_type;
    slot.written = version;
    slot.edition = edition;
    slot.packages = packages;
    if (Status st = Resolver(*s.res->provisioner).resolve(slot); !st) return st.error();
    return s.res->provisioner->provision(ProvisionRequest{db_type, slot.version, edition, packages, slot.method, {}});
}

}  // namespace pgorch::engine
