// The pieces of the upgrade flow (engine/upgrade.cpp documents the order): the chain of
// clusters, the scripts around each step, the step plugin call and the verification.
//
// What a step plugin receives and returns is the SDK's StepInput and StepResult (pgorch/step.hpp;
// plugins/step/README.md is the reference): the host writes the one and reads the other with the
// same types the plugins use. A result's expected_changes (what the step changes on purpose, a
// migration) make those differences expected, with their reason; its report (sdk::StepReport)
// goes into the human reports, its details into report.json.
#pragma once

#include "engine/engine.hpp"
#include "engine/verify.hpp"
#include "engine/version_plan.hpp"
#include "report/upgrade_report.hpp"

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace pgorch::cluster { class Cluster; }
namespace pgorch::plugins { class Plugin; }

namespace pgorch::engine {

// Verification rules of a step: the scenario's `verify:` plus the step's own.
VerifyRules rules_for(const scenario::Scenario& sc, const scenario::UpgradeStep* step);

class UpgradeChain {
public:
    UpgradeChain(RunContext& ctx, report::UpgradeResults& results);

    // Finds every step plugin and checks the verify patterns (an Error is invalid input), then
    // resolves every version of the chain with the step rules.
    Status prepare();
    // Provisions every version of the chain and the tools each needs, before the first step.
    Status provision();
    // The chain's versions, as resolved (and provisioned).
    const VersionPlan& plan() const { return plan_; }
    // Provisions the start version, creates and starts the first cluster, runs the initial
    // pre, setup and post scripts (recorded in results.initial).
    Status start();
    // Runs step `i` (0-based) and appends its result. An Error whose code is check_failed means
    // the step failed (a script, the plugin or the verification); other codes end the run.
    Status run_step(size_t i);
    // The result of a step that did not run.
    report::UpgradeStepResult skipped(size_t i) const;

    cluster::Cluster* current() const { return current_; }

private:
    // Runs scripts in order on the current cluster; stops at the first failure.
    Status run_scripts(const std::string& kind, const std::vector<scenario::FileRef>& files,
                       const std::string& log_prefix, std::vector<report::UpgradeScript>& out);
    // Calls the plugin; fills the step's metrics and logs; the cluster it left the data in.
    Expected<cluster::Cluster*> call_plugin(size_t i, const boost::json::object& to, report::UpgradeStepResult& res);
    // Server check, "after" snapshot and comparison with `before`, on the step's cluster and on
    // each cluster the plugin listed in "verify" (their problems prefixed with "[<id>] ").
    Status verify(size_t i, const Snapshot& before, const std::string& target_version, report::UpgradeStepResult& res);
    // verify() of one more cluster: its problems and unexpected differences go into `into`
    // prefixed with "[<id>] "; returns its own verdict as JSON (with "server_version").
    // The server check, the "after" snapshot (saved as `snapshot_file`, its server version in
    // `server_version`) and its comparison with `before`; `log_hint` is appended to a failed
    // server check.
    Verdict check_cluster(cluster::Cluster& c, const Snapshot& before, const std::string& target_version,
                          const VerifyRules& rules, const fs::path& snapshot_file, const std::string& log_hint,
                          report::UpgradeStepResult& res, std::string& server_version);
    boost::json::object verify_other(const std::string& id, const Snapshot& before, const std::string& target_version,
                                     const VerifyRules& rules, const std::string& folder,
                                     report::UpgradeStepResult& res, Verdict& into);
    long long database_size();

    // upgrade_verify.cpp: snapshot reuse and the optional checks.
    // The "before" snapshot of the current cluster: the last "after" one when nothing ran on the
    // cluster since (no script) and the rules snapshot the same kinds, else a new one. Adds the
    // time of a new one to res.snapshot_ms.
    Expected<Snapshot> before_snapshot(const VerifyRules& rules, report::UpgradeStepResult& res);
    Expected<Snapshot> snapshot_of(cluster::Cluster& c, const VerifyRules& rules, const Snapshot* like);
    void keep_snapshot(Snapshot after, const VerifyRules& rules);
    void forget_snapshot();
    // The collation pre-flight on the current cluster, before the step: warnings are logged and
    // reported; with `collations: fail` a changed version fails the step before it runs.
    Status preflight(const VerifyRules& rules, report::UpgradeStepResult& res);
    // amcheck (when asked) and the collation post-check of a verified cluster, into `v`.
    void post_checks(const SqlRunner& sql, const Snapshot& after, const VerifyRules& rules, Verdict& v,
                     report::UpgradeStepResult& res);

    RunContext& ctx_;
    report::UpgradeResults& results_;
    std::vector<plugins::Plugin*> plugins_;
    std::vector<std::string> initdb_args_;
    VersionPlan plan_;                      // slot 0: the start, slot i: step i's target
    cluster::Cluster* current_ = nullptr;
    std::vector<std::string> verify_also_;  // the last step result's "verify" ids
    std::string extensions_updated_;        // the last step result's "extensions_updated"
    std::vector<std::string> step_expected_;  // the last step result's "expected_changes": patterns
    std::vector<std::string> step_databases_; // ... databases
    std::string step_reason_;               // ... and their reason
    std::optional<Snapshot> last_after_;    // the current cluster's last "after" snapshot, while still valid
    std::string last_after_cluster_;
    VerifyRules last_after_rules_;
};

}  // namespace pgorch::engine
