// Results of a perf run: the model the engine fills, `results/conf.yaml` in the original tool's
// shape, the JSON report with everything, the comparison with `expected/conf.yaml`, the console
// summary table and the exit code.
#pragma once

#include "core/error.hpp"

#include <pgorch/perf.hpp>

#include <boost/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace YAML { class Node; }

namespace pgorch::report {

namespace fs = std::filesystem;

// One script or hook run: initial_script, db_initial_script, pre_hook, post_hook.
struct ScriptRun {
    std::string kind;              // "initial_script", "db_initial_script", "pre_hook", "post_hook"
    std::string name;              // as written in the scenario
    bool ok = false;
    int exit_code = -1;
    bool timed_out = false;
    double duration_ms = 0;
    std::string output_tail;       // last lines of stdout+stderr
    std::string log;               // full output file
    std::string error;             // why it failed (empty when ok)
};

// The verdict of each query, in the SDK's perf check contract (pgorch/perf.hpp): the original
// tool's words plus "error" (the query could not run) and "not run" (a hook failed before it).
struct ExplainResult {
    std::string query;                            // as written
    sdk::PlanVerdict verdict = sdk::PlanVerdict::not_run;
    std::optional<std::string> matched_expected_file;
    std::string error;
    boost::json::object detail;                   // the plugin's result: actual, diff, ...
    std::string result() const { return sdk::to_string(verdict); }
    bool failed() const { return verdict != sdk::PlanVerdict::match; }
};

struct TimingResult {
    std::string query;                            // as written
    sdk::TimingVerdict verdict = sdk::TimingVerdict::not_run;
    bool success = false;                         // results/conf.yaml's status: success | failure
    std::string error;
    boost::json::object detail;                   // the plugin's result: limit_ms, stats, ...
    std::string result() const { return sdk::to_string(verdict); }
    std::string status() const { return success ? "success" : "failure"; }
    bool failed() const { return !success; }
};

struct CaseResult {
    std::string name;
    std::vector<ScriptRun> hooks;                 // pre_hook, post_hook as they ran
    std::vector<ExplainResult> explain;
    std::vector<TimingResult> timing;
    std::string error;                            // a failed hook, in one sentence
    double duration_ms = 0;
    bool failed() const;
};

struct TargetResult {
    std::string db_type;
    std::string version;                          // the exact version run ("16.4"; "17" resolved to "17.12")
    std::string written;                          // db_version as written ("17")
    std::optional<std::string> edition;           // db_edition, or null
    std::string exact_version;                    // as the binaries report it
    boost::json::object install;                  // the installation's layout (method, tools, borrowed)
    std::string cluster_id;                       // "t1-15.20"
    std::vector<ScriptRun> setup;                 // initial_script, db_initial_script
    std::vector<CaseResult> cases;
    std::optional<Error> error;                   // the target could not be set up or was interrupted
    std::string server_log, log_dir;
    double duration_ms = 0;
    bool failed() const;
};

// A file --bless wrote (or could not write).
struct BlessedFile {
    std::string target, case_name, query, file;
    fs::path path;
    bool created = false;                         // the file did not exist before
    std::string error;
};

struct PerfResults {
    std::string scenario;
    fs::path scenario_dir;
    std::vector<TargetResult> targets;
    std::vector<BlessedFile> blessed;
    std::vector<std::string> expected_differences; // vs expected/conf.yaml ("" when none compared)
    bool compared_with_expected = false;
    double duration_ms = 0;
    // The step plugins that ran the plan and the timing checks (scenario/perf_checks.hpp): a
    // JUnit failure's type names them.
    std::string plan_plugin, timing_plugin;
};

// `results/conf.yaml` as text: test_results: - test_version (quoted string), test_edition,
// cases: - case_name, explain_results: - query, result, matched_expected_file; timing_results:
// - query, result, status. A target or case that failed gets an extra `error:` key.
std::string results_yaml(const PerfResults& results);

// The JSON report: the YAML's content and everything else (plans, diffs, stats, durations, logs).
boost::json::object results_json(const PerfResults& results);

// Structural comparison, order-aware for lists. Each difference is one readable line:
// `test_results[0].cases[1].explain_results[0].result: expected match, got mismatch`.
std::vector<std::string> compare_yaml(const YAML::Node& expected, const YAML::Node& actual);

// Parses both texts and compares them; an Error when one is not YAML.
Expected<std::vector<std::string>> compare_yaml_text(const std::string& expected, const std::string& actual);

// The console table: one row per target and case with plan and timing verdicts.
std::string summary_table(const PerfResults& results);

// 3 when a target could not be provisioned, 130 when interrupted, 1 when any plan mismatches,
// timing exceeds, script or hook fails, bless failed, or results differ from expected/conf.yaml;
// else 0.
ExitCode exit_code(const PerfResults& results);

}  // namespace pgorch::report
