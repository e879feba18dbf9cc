// Results of an upgrade run and their forms: report.json (everything), results/conf.yaml (the
// seed's scenario shape with a result per step) and the console summary.
#pragma once

#include "core/error.hpp"

#include <pgorch/report.hpp>

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace pgorch::report {

// One script pgorch ran (initial_*, setup, pre/post scripts, verifiers).
struct UpgradeScript {
    std::string kind;         // initial_pre_script, initial_setup_script, initial_post_script, pre_script, post_script, verifier
    std::string name;         // as written in the scenario
    bool ok = false;
    int exit_code = -1;
    double duration_ms = 0;
    std::string log;          // results-relative log file
    std::string error;        // why it failed, "" when ok
    std::string error_code;   // its catalog code ("PGO-1006"), "" when ok
};

struct UpgradeStepResult {
    int index = 0;                    // 1-based
    std::string method;               // step type: minor, pg_upgrade, pg_dumpall ...
    std::string variant;              // e.g. "link" for pg_upgrade --link ("" when none)
    std::string from_version, to_version;
    std::string cluster_before, cluster_after;
    std::string verdict = "skipped";  // passed | failed | skipped
    std::string error;                // the first reason it failed
    std::string error_code;           // its catalog code ("PGO-1005"), "" when it did not fail
    double duration_ms = 0;           // the plugin's run, measured by the host
    double downtime_ms = -1;          // old server stopped -> new accepting (plugin metric), -1 unknown
    long long size_before = -1, size_after = -1;  // sum of pg_database_size, bytes
    double snapshot_ms = 0;           // both snapshots
    boost::json::object metrics;      // what the plugin reported
    std::vector<std::string> logs;    // results-relative files
    std::vector<UpgradeScript> scripts;
    boost::json::object verification; // engine::Verdict::to_json(), empty when not reached
    std::vector<std::string> differences;  // readable diff lines (unexpected first)
    sdk::StepReport report;           // what the step adds to the human reports (its result's "report")
    boost::json::object details;      // the step's own findings (its result's "details"), kept in report.json
};

struct UpgradeResults {
    std::string scenario, run_id, db_type, start_version;
    std::string results_dir;
    std::vector<UpgradeScript> initial;
    std::vector<UpgradeStepResult> steps;
    std::string error;                // a failure outside any step (provisioning, setup)
    std::optional<Error> failure;     // the Error behind `error` (its code, the console form)
    double duration_ms = 0;
    // Every version of the chain as written and as resolved, with its installation (method,
    // toolset, borrowed tools): [{"role", "db_type", "db_version", "version", "install"}...].
    boost::json::array versions;
    bool passed() const;
};

boost::json::object upgrade_json(const UpgradeResults& r);
// The seed's conf.yaml shape (kind, db_type, db_version, steps: type, db_version ...) with
// `result`, timings, sizes and differences added per step.
std::string upgrade_yaml(const UpgradeResults& r);
// A table of the steps, then each failure's reason and differences.
std::string upgrade_summary(const UpgradeResults& r);
// "upgrade: 4 step(s), 3 passed, 1 failed (step 2 pg_upgrade: ...)".
std::string upgrade_one_line(const UpgradeResults& r);

}  // namespace pgorch::report
