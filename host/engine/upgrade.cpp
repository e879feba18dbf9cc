// The upgrade flow (kind: upgrade).
//
// Order of everything, precisely:
//   1. every step's plugin is looked up and the `verify:` patterns are checked (nothing runs on
//      a bad scenario: exit 2);
//   2. every version of the chain is resolved (selectors such as "17", the step rules: same
//      version, one major, never down; exit 2 or 3), then provisioned with the tools each
//      needs (engine/version_plan.hpp; exit 3), all before anything runs (`run --dry-run`
//      stops here and prints them); a cluster "c0-<version>" is created on the start version
//      with `args.initdb`, initialized, started;
//   3. initial_pre_scripts run on that fresh, empty, running cluster;
//   4. initial_setup_script fills it with data;
//   5. initial_post_scripts run after the setup, before step 1;
//   6. for every step, in order: the scenario-wide pre_scripts then the
//      step's; the "before" snapshot; the step plugin; the scenario-wide post_scripts then the
//      step's (on the cluster the step left the data in); the verifiers (scenario-wide, then the
//      step's; any non-zero exit fails the step); the verification: the server accepts
//      connections and runs the target version, and the "after" snapshot equals the "before"
//      one under the `verify:` rules.
// A failed step ends the chain (later steps are "skipped"). Exit code: 0 all passed, 1 a script,
// step or verification failed, 2 invalid scenario, 3 environment (provisioning), 130 interrupted.
// Scripts run with the current cluster's client_env() (PGHOST, PGPORT, PGUSER ...).
#include "engine/engine.hpp"

#include "cluster/cluster.hpp"
#include "cluster/scripts.hpp"
#include "core/args.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "engine/provision.hpp"
#include "engine/services.hpp"
#include "engine/upgrade_steps.hpp"
#include "engine/verify.hpp"
#include "plugins/registry.hpp"
#include "report/upgrade_report.hpp"
#include "report/write_reports.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <fstream>

namespace pgorch::engine {

namespace json = boost::json;

namespace {

// Writes report.json, results/conf.yaml, junit.xml, report.md and report.html; returns their paths.
std::vector<fs::path> write_reports(RunContext& ctx, const report::UpgradeResults& results) {
    std::vector<fs::path> out;
    const fs::path json_path = ctx.results_dir / "report.json";
    const fs::path yaml_path = ctx.results_dir / "conf.yaml";
    if (Status s = files::write_text(json_path, json::serialize(report::upgrade_json(results)) + "\n"); s) out.push_back(json_path);
    else spdlog::error("{}", s.error().str());
    if (Status s = files::write_text(yaml_path, report::upgrade_yaml(results)); s) out.push_back(yaml_path);
    else spdlog::error("{}", s.error().str());
    for (fs::path& p : report::write_run_reports(results, {ctx.run_id, 0}, ctx.results_dir, ctx.options.junit_file))
        out.push_back(std::move(p));
    return out;
}

// The exit code of a whole run: the most telling failure.
ExitCode exit_code_of(const report::UpgradeResults& r, ExitCode setup_code) {
    if (!r.error.empty()) return setup_code;
    return r.passed() ? ExitCode::passed : ExitCode::check_failed;
}

}  // namespace

// Validates, provisions, builds the first cluster, runs the chain and writes the reports.
RunOutcome run_upgrade(RunContext& ctx) {
    auto t0 = std::chrono::steady_clock::now();
    const scenario::Scenario& sc = *ctx.scenario;
    report::UpgradeResults results;
    results.scenario = sc.name;
    results.run_id = ctx.run_id;
    results.db_type = sc.start.db_type.value.empty() ? "pgdg" : sc.start.db_type.value;
    results.start_version = sc.start.db_version.value;
    results.results_dir = ctx.results_dir.string();
    RunOutcome outcome;

    auto finish = [&](ExitCode setup_code) {
        results.duration_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        outcome.reports = write_reports(ctx, results);
        outcome.code = exit_code_of(results, setup_code);
        if (ctx.cancelled()) outcome.code = ExitCode::interrupted;
        std::string summary = "\n" + report::upgrade_summary(results);
        log::print(summary);
        outcome.summary = report::upgrade_one_line(results);
        return outcome;
    };

    // A failure outside any step: recorded (reports keep the text, report.json its code too).
    auto failed = [&](const Error& e) {
        results.error = e.str();
        results.failure = e;
        return finish(e.code);
    };
    UpgradeChain chain(ctx, results);
    if (Status s = chain.prepare(); !s) return failed(s.error());
    if (ctx.options.dry_run) {
        ToolBroker broker(*ctx.provisioner, *ctx.runtime, ctx.run_dir / "tools");
        std::optional<Error> refused;
        auto lines = chain.plan().describe(&broker, &refused);
        if (refused) return failed(*refused);
        return dry_run_outcome(std::move(lines));
    }
    if (Status s = chain.provision(); !s) return failed(s.error());
    if (Status s = chain.start(); !s) return failed(s.error());
    for (size_t i = 0; i < sc.steps.size(); ++i) {
        if (ctx.cancelled()) return failed(Error::of(errors::Code::interrupted, "interrupted"));
        Status s = chain.run_step(i);
        if (!s) {
            // Steps after a failed one are reported as skipped.
            for (size_t j = i + 1; j < sc.steps.size(); ++j) results.steps.push_back(chain.skipped(j));
            if (s.error().code != ExitCode::check_failed) return failed(s.error());
            break;
        }
    }
    return finish(ExitCode::check_failed);
}

}  // namespace pgorch::engine
