// Runs a validated scenario: chooses the runtime, sets up the run folder, dispatches to the perf or
// upgrade flow, writes the reports, and maps the outcome to an exit code.
#pragma once

#include "cluster/install.hpp"
#include "core/error.hpp"
#include "scenario/model.hpp"

#include <boost/json.hpp>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace pgorch::runtime { class Runtime; }
namespace pgorch::cluster { class ClusterManager; }
namespace pgorch::plugins { class Registry; class ServiceProvider; }

namespace pgorch::engine {

namespace fs = std::filesystem;

class RunServices;
class Provisioner;

struct RunOptions {
    fs::path work_dir;              // runs go to <work_dir>/<scenario>-<timestamp>
    fs::path cache_dir;             // provisioned versions
    std::string runtime = "auto";   // auto | local | docker
    int jobs = 0;                   // perf targets side by side (0: core count)
    bool bless = false;             // write actual plans as expected files
    bool keep = false;              // keep clusters' data folders after the run
    fs::path junit_file;            // --junit: also write the JUnit XML here ("" = only in results/)
    bool dry_run = false;           // resolve every version and stop: nothing is provisioned or run
};

// Everything a flow needs during one run. Owned by run_scenario(); flows only borrow.
struct RunContext {
    const scenario::Scenario* scenario = nullptr;
    plugins::Registry* registry = nullptr;
    RunOptions options;
    std::string run_id;             // unique, also used for docker labels
    fs::path run_dir;               // <work_dir>/<run_id>: clusters/, logs/, steps/
    fs::path results_dir;           // <run_dir>/results (reports, artifacts)
    runtime::Runtime* runtime = nullptr;
    cluster::ClusterManager* clusters = nullptr;
    RunServices* services = nullptr;   // the ServiceProvider plugins see
    Provisioner* provisioner = nullptr;
    std::atomic<bool>* cancel = nullptr;
    bool cancelled() const { return cancel && cancel->load(); }
};

// The outcome of a flow: the exit code and where its reports are.
struct RunOutcome {
    ExitCode code = ExitCode::passed;
    std::string summary;                    // one line for the console
    std::vector<fs::path> reports;          // written report files
};

// Runs the scenario; never throws for user-caused problems.
RunOutcome run_scenario(const scenario::Scenario& sc, plugins::Registry& registry, const RunOptions& options,
                        std::atomic<bool>& cancel);

// Provisions one version through its distro plugin, outside any scenario (pgorch-host provision).
Expected<cluster::Install> provision_version(plugins::Registry& registry, const RunOptions& options,
                                             const std::string& db_type, const std::string& version,
                                             const std::string& edition, const std::vector<std::string>& packages,
                                             std::atomic<bool>& cancel);

// validate: every version of the scenario resolved on this machine (local runtime), nothing
// provisioned: the lines `run --dry-run` prints, or the Error `run` would stop with.
Expected<std::vector<std::string>> resolve_versions(const scenario::Scenario& sc, plugins::Registry& registry,
                                                    const RunOptions& options, std::atomic<bool>& cancel);

// pgorch-host versions: what each method of each distro (or of `db_type`) can provide here,
// for one major or all ("" ): {"pgdg": {"offers": [...], "problems": [...]}, ...}.
Expected<boost::json::object> version_listings(plugins::Registry& registry, const RunOptions& options,
                                               const std::string& db_type, const std::string& major,
                                               std::atomic<bool>& cancel);

// A perf target's own resources: a container of its `docker_image`, with its own clusters,
// services and provisioner. Destroying it stops its clusters and removes its container.
class TargetScope {
public:
    virtual ~TargetScope() = default;
};

// For a perf target whose `docker_image` differs from the run's image on the docker runtime:
// starts its container and points `target_ctx` (a copy of `ctx`) at its own runtime, clusters,
// services and provisioner. nullptr when the run's resources serve the target (no override, the
// same image, or a local run: then the override is ignored with a warning). An Error when the
// container cannot be started.
Expected<std::unique_ptr<TargetScope>> open_target_scope(const RunContext& ctx, const scenario::DbTarget& target,
                                                         std::size_t index, RunContext& target_ctx);

// run --dry-run: prints the resolved versions (one line each) and says nothing ran.
RunOutcome dry_run_outcome(const std::vector<std::string>& lines);

// Flows (each in its own file): the perf module and the upgrade module.
RunOutcome run_perf(RunContext& ctx);
RunOutcome run_upgrade(RunContext& ctx);

}  // namespace pgorch::engine
