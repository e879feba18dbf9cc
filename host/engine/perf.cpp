// The perf flow: every db_params entry side by side (bounded by --jobs), then --bless, the
// results (results/conf.yaml, report.json), the comparison with expected/conf.yaml and the
// console summary.
#include "engine/engine.hpp"
#include "engine/perf_target.hpp"
#include "engine/services.hpp"
#include "engine/version_plan.hpp"

#include "core/files.hpp"
#include "core/log.hpp"
#include "plugins/registry.hpp"
#include "report/perf_results.hpp"
#include "report/write_reports.hpp"
#include "scenario/perf_checks.hpp"

#include <pgorch/options.hpp>
#include <pgorch/perf_plan.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <thread>

namespace pgorch::engine {

namespace json = boost::json;
using perf::PerfCheckPlugin;
using perf::PerfPlugins;

namespace {

// The plugin the table of scenario/perf_checks.hpp names for a perf check, from the registry; it
// must declare that check's contract. Its options were typed (and its validate callback called)
// by the validation.
Status prepare_check(RunContext& ctx, const scenario::PerfCheckKey& key, PerfCheckPlugin& out) {
    const std::string name(key.plugin);
    out.plugin = ctx.registry->find(plugins::Kind::step, name);
    if (!out.plugin) return plugins::no_plugin(plugins::Kind::step, name, "It runs the " + key.queries() + ".");
    if (out.plugin->requirements().perf_check != key.check)
        return Error::of(errors::Code::unknown_plugin, "step plugin \"" + name + "\" cannot run the " + key.queries() +
                                                           ": it does not declare \"perf_check\": \"" +
                                                           sdk::to_string(key.check) + "\"");
    if (auto it = ctx.scenario->perf_check_options.find(name); it != ctx.scenario->perf_check_options.end())
        out.options = it->second;
    return {};
}

// What one target needs before any target runs: its container (a docker_image of its own), its
// versions resolved, provisioned and given their tools.
struct PreparedTarget {
    std::unique_ptr<TargetScope> scope;
    RunContext ctx;
    VersionPlan plan;
    std::optional<Error> error;
    std::vector<std::string> lines;  // --dry-run
};

// Runs fn(i) for every target on up to `jobs` threads; each thread takes the next index.
void for_each_target(RunContext& ctx, const std::function<void(std::size_t)>& fn) {
    const std::size_t n = ctx.scenario->db_params.size();
    std::size_t jobs = ctx.options.jobs > 0 ? static_cast<std::size_t>(ctx.options.jobs)
                                            : std::max(1u, std::thread::hardware_concurrency());
    jobs = std::min(jobs, n);
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
        for (std::size_t i = next++; i < n; i = next++) fn(i);
    };
    std::vector<std::thread> threads;
    for (std::size_t j = 1; j < jobs; ++j) threads.emplace_back(worker);
    worker();
    for (auto& t : threads) t.join();
}

// Phase 1 of a target: scope, resolution, then provisioning (or, for --dry-run, the plan).
void prepare_target(RunContext& ctx, std::size_t i, PreparedTarget& p) {
    const auto& target = ctx.scenario->db_params[i];
    try {
        auto scope = open_target_scope(ctx, target, i, p.ctx);
        if (!scope) {
            p.error = scope.error();
            return;
        }
        p.scope = std::move(*scope);
        p.plan = VersionPlan::for_target(*ctx.scenario, i);
        if (Status s = p.plan.resolve(*p.ctx.provisioner); !s) {
            p.error = s.error();
            return;
        }
        ToolBroker broker(*p.ctx.provisioner, *p.ctx.runtime, p.ctx.run_dir / "tools");
        if (ctx.options.dry_run) {
            std::optional<Error> refused;
            p.lines = p.plan.describe(&broker, &refused);
            if (refused) p.error = *refused;
            return;
        }
        if (Status s = p.plan.provision(*p.ctx.provisioner, broker, ctx.cancel); !s) p.error = s.error();
    } catch (const std::exception& e) {  // a bug: say so, keep the others going
        p.error = Error::failed(std::string("internal error: ") + e.what());
    }
}

// The result of a target that did not run: its error, or the one that stopped the run.
report::TargetResult not_run(const scenario::DbTarget& target, std::size_t i, const Error& e) {
    report::TargetResult r;
    r.db_type = target.db_type.empty() ? "pgdg" : target.db_type.value;
    r.written = target.db_version.value;
    r.version = target.db_version.value;
    if (target.db_edition) r.edition = target.db_edition->value;
    r.cluster_id = perf::target_cluster_id(i, r.version);
    r.error = e;
    spdlog::error("[{}] {}", r.cluster_id, e.str());  // with file:line:column and the hint when it has them
    return r;
}

// Prepares every target (versions resolved and provisioned before any of them runs), then runs
// them side by side. A target that cannot be prepared stops the run before anything ran.
// `lines` gets the --dry-run plan.
void run_targets(RunContext& ctx, const PerfPlugins& plugins, std::vector<report::TargetResult>& out,
                 std::vector<std::string>& lines) {
    const auto& targets = ctx.scenario->db_params;
    std::vector<PreparedTarget> prepared(targets.size());
    for_each_target(ctx, [&](std::size_t i) { prepare_target(ctx, i, prepared[i]); });
    out.resize(targets.size());
    const PreparedTarget* failed = nullptr;
    for (const auto& p : prepared)
        if (p.error && !failed) failed = &p;
    for (std::size_t i = 0; i < targets.size(); ++i) {
        for (const auto& l : prepared[i].lines) lines.push_back(l);
        if (prepared[i].error) out[i] = not_run(targets[i], i, *prepared[i].error);
        else if (failed)
            out[i] = not_run(targets[i], i, Error::environment("not run: " + failed->plan.slots.front().role +
                                                               " could not be prepared"));
    }
    if (failed || ctx.options.dry_run) return;
    for_each_target(ctx, [&](std::size_t i) {
        try {
            out[i] = perf::run_target(prepared[i].ctx, targets[i], i, *prepared[i].plan.slots.front().install, plugins);
        } catch (const std::exception& e) {  // a bug: keep the other targets going
            out[i] = not_run(targets[i], i, Error::failed(std::string("internal error: ") + e.what()));
        }
        prepared[i].scope.reset();  // a target's own container goes as soon as it is done
    });
}

// Writes the first expected file of each mismatching plan (once per file: a later target whose
// plan differs from what was written stays a mismatch) and marks the blessed plans as matching.
void bless(RunContext& ctx, PerfPlugins& plugins, report::PerfResults& results) {
    // The plan check's own normalization, so that a plan written once is not "blessed" again.
    const auto norm = sdk::PlanNormalization::parse(sdk::option_list(plugins.plan.options, "normalize"));
    std::map<fs::path, std::string> written;
    for (report::TargetResult& t : results.targets)
        for (std::size_t ci = 0; ci < t.cases.size(); ++ci)
            for (std::size_t xi = 0; xi < t.cases[ci].explain.size(); ++xi) {
                report::ExplainResult& x = t.cases[ci].explain[xi];
                const json::value* b = x.detail.if_contains("bless");
                const auto& q = ctx.scenario->cases[ci].explain_queries[xi];
                const json::value* bless_text = b && b->is_object() ? b->as_object().if_contains("text") : nullptr;
                if (!bless_text || !bless_text->is_string() || q.expected.empty()) continue;
                const scenario::FileRef& file = q.expected.front();
                const std::string text(bless_text->as_string());
                auto mark = [&] {
                    x.verdict = sdk::PlanVerdict::match;
                    x.matched_expected_file = file.as_written;
                    x.detail["blessed"] = true;
                };
                if (auto it = written.find(file.path); it != written.end()) {
                    if (sdk::match_plan(text, {{file.as_written, it->second}}, norm).matched) mark();
                    continue;
                }
                report::BlessedFile bf{t.db_type + " " + t.version, t.cases[ci].name, x.query, file.as_written,
                                       file.path, !fs::exists(file.path), {}};
                if (Status st = files::write_text(file.path, text); !st) bf.error = st.error().message;
                else {
                    written[file.path] = text;
                    mark();
                    spdlog::info("blessed {} ({})", file.path.string(), bf.target);
                }
                results.blessed.push_back(std::move(bf));
            }
}

// results/conf.yaml in the scenario folder and results_dir, the expected comparison, report.json.
Status write_results(RunContext& ctx, report::PerfResults& results, std::vector<fs::path>& reports) {
    const std::string yaml = report::results_yaml(results);
    const fs::path scenario_results = ctx.scenario->dir / "results" / "conf.yaml";
    for (const fs::path& p : {scenario_results, ctx.results_dir / "conf.yaml"}) {
        if (Status st = files::write_text(p, yaml); !st) return st;
        reports.push_back(p);
    }
    const fs::path expected = ctx.scenario->dir / "expected" / "conf.yaml";
    if (fs::exists(expected)) {
        results.compared_with_expected = true;
        std::ifstream in(expected, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        auto diff = report::compare_yaml_text(text.str(), yaml);
        if (diff) results.expected_differences = std::move(*diff);
        else results.expected_differences.push_back("expected/conf.yaml: " + diff.error().message);
    }
    const fs::path json_path = ctx.results_dir / "report.json";
    if (Status st = files::write_text(json_path, json::serialize(report::results_json(results)) + "\n"); !st) return st;
    reports.push_back(json_path);
    return {};
}

// The table, then each target that could not run, each mismatching plan's diff and each failed
// query's or hook's reason.
void print_console(const report::PerfResults& results) {
    std::string out = "\n" + report::summary_table(results);
    for (const auto& t : results.targets)
        if (t.error) out += "\n" + (t.error->where ? "" : t.db_type + " " + t.version + ": ") + t.error->render() + "\n";
    for (const auto& t : results.targets)
        for (const auto& c : t.cases) {
            for (const auto& x : c.explain) {
                auto* d = x.detail.if_contains("diff");
                if (x.verdict == sdk::PlanVerdict::mismatch && d && d->is_string())
                    out += fmt::format("\n{} {} / {} / {}: error[{}]: plan mismatch\n{}", t.db_type, t.version, c.name,
                                       x.query, errors::tag(errors::Code::plan_mismatch), std::string(d->as_string()));
                else if (!x.error.empty())
                    out += fmt::format("\n{} {} / {} / {}: {}\n", t.db_type, t.version, c.name, x.query, x.error);
            }
            for (const auto& tm : c.timing)
                if (!tm.error.empty())
                    out += fmt::format("\n{} {} / {} / {}: {}\n", t.db_type, t.version, c.name, tm.query, tm.error);
            for (const auto& h : c.hooks)
                if (!h.ok)
                    out += fmt::format("\n{} {} / {}: error[{}]: {}\n", t.db_type, t.version, c.name,
                                       errors::tag(errors::Code::script_failed), h.error);
        }
    log::print(out);
}

// "perf: 2 targets, 8 plans (1 mismatch), 4 timings (0 over the limit)".
std::string one_line(const report::PerfResults& r) {
    std::size_t plans = 0, mismatched = 0, timings = 0, exceeded = 0, failed_cases = 0, failed_targets = 0;
    for (const auto& t : r.targets) {
        failed_targets += t.error.has_value();
        for (const auto& c : t.cases) {
            failed_cases += c.failed();
            for (const auto& x : c.explain) ++plans, mismatched += x.failed();
            for (const auto& tm : c.timing) ++timings, exceeded += tm.failed();
        }
    }
    std::string s = fmt::format("perf: {} target(s), {} plan(s) ({} not matching), {} timing(s) ({} failing), {} failed case(s)",
                                r.targets.size(), plans, mismatched, timings, exceeded, failed_cases);
    if (failed_targets) s += fmt::format(", {} target(s) not set up", failed_targets);
    if (r.compared_with_expected)
        s += r.expected_differences.empty() ? ", matches expected/conf.yaml"
                                            : fmt::format(", {} difference(s) from expected/conf.yaml", r.expected_differences.size());
    return s;
}

}  // namespace

// Plugins and options first (nothing runs on a bad option), then targets, bless, reports.
RunOutcome run_perf(RunContext& ctx) {
    auto t0 = std::chrono::steady_clock::now();
    const scenario::Scenario& sc = *ctx.scenario;
    RunOutcome outcome;
    auto fail = [&](const Error& e) {
        outcome.code = e.code;
        outcome.summary = e.render();
        return outcome;
    };
    PerfPlugins plugins;
    for (const scenario::PerfCheckKey& key : scenario::kPerfChecks)
        if (scenario::first_use(sc, key.check))
            if (Status st = prepare_check(ctx, key, plugins.of(key.check)); !st) return fail(st.error());

    report::PerfResults results;
    results.scenario = sc.name;
    results.scenario_dir = sc.dir;
    results.plan_plugin = scenario::perf_check_key(sdk::PerfCheck::plan).plugin;
    results.timing_plugin = scenario::perf_check_key(sdk::PerfCheck::timing).plugin;
    std::vector<std::string> plan_lines;
    run_targets(ctx, plugins, results.targets, plan_lines);
    if (ctx.options.dry_run) {
        for (const auto& t : results.targets)
            if (t.error) return fail(*t.error);
        return dry_run_outcome(plan_lines);
    }
    if (ctx.options.bless) bless(ctx, plugins, results);
    results.duration_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();

    if (Status st = write_results(ctx, results, outcome.reports); !st) return fail(st.error());
    // junit.xml, report.md and report.html: a warning, never a failed run, when one cannot be written.
    for (fs::path& p : report::write_run_reports(results, {ctx.run_id, sc.performance_coefficient}, ctx.results_dir,
                                                 ctx.options.junit_file))
        outcome.reports.push_back(std::move(p));
    print_console(results);
    outcome.code = report::exit_code(results);
    outcome.summary = one_line(results);
    return outcome;
}

}  // namespace pgorch::engine
