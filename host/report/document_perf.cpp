// The human report of a perf run (report/document.hpp).
#include "report/document.hpp"

#include <pgorch/util.hpp>

#include <fmt/format.h>

#include <map>

namespace pgorch::report {

namespace json = boost::json;

namespace {

// The tone of a run verdict word.
Tone tone_of(const std::string& verdict) {
    if (verdict == "passed") return Tone::ok;
    if (verdict == "failed") return Tone::bad;
    if (verdict == "interrupted") return Tone::skip;
    return Tone::error;
}

// "match (explain_expected_1.txt)", "mismatch (closest explain_expected_2.txt, 1 line)".
Cell plan_cell(const ExplainResult& x) {
    if (x.verdict == sdk::PlanVerdict::match)
        return {x.matched_expected_file ? x.result() + " (" + *x.matched_expected_file + ")" : x.result(), Tone::ok};
    if (x.verdict == sdk::PlanVerdict::mismatch) {
        std::string closest = detail_text(x.detail, "closest_expected_file");
        auto lines = detail_number(x.detail, "changed_lines");
        std::string s = x.result();
        if (!closest.empty())
            s += lines ? fmt::format(" (closest {}, {:.0f} line(s) differ)", closest, *lines) : " (closest " + closest + ")";
        return {s, Tone::bad};
    }
    if (x.verdict == sdk::PlanVerdict::not_run) return {x.result(), Tone::skip};
    return {x.result(), Tone::error};
}

// Within the limit, not run, could not run, or over the limit.
Tone timing_tone(const TimingResult& t) {
    if (t.success) return Tone::ok;
    if (t.verdict == sdk::TimingVerdict::not_run) return Tone::skip;
    if (t.verdict == sdk::TimingVerdict::error) return Tone::error;
    return Tone::bad;
}

// The table of one target: a row per explain and per timing query, a row for an empty case.
Table target_table(const TargetResult& t) {
    Table table{{"case", "query", "plan", "median / limit", "p95", "spread", "result"}, {}};
    for (const CaseResult& c : t.cases) {
        for (const ExplainResult& x : c.explain) {
            Cell plan = plan_cell(x);
            table.rows.push_back({{c.name}, {"explain " + x.query}, plan, {"-"}, {"-"}, {"-"}, {x.result(), plan.tone}});
        }
        for (const TimingResult& tm : c.timing) {
            TimingNumbers n = timing_numbers(tm);
            Tone tone = timing_tone(tm);
            if (n.known)
                table.rows.push_back({{c.name}, {"timing " + tm.query}, {"-"},
                                      {format_ms(n.median) + " / " + format_ms(n.limit), tone},
                                      {format_ms(n.p95)}, {format_ms(n.spread)}, {tm.result(), tone}});
            else
                table.rows.push_back({{c.name}, {"timing " + tm.query}, {"-"}, {"-"}, {"-"}, {"-"}, {tm.result(), tone}});
        }
        if (c.explain.empty() && c.timing.empty())
            table.rows.push_back({{c.name}, {"-"}, {"-"}, {"-"}, {"-"}, {"-"},
                                  c.failed() ? Cell{"failed", Tone::bad} : Cell{"ok", Tone::ok}});
    }
    return table;
}

// Why a script failed and the end of its output.
Failure script_failure(const std::string& where, const ScriptRun& s) {
    std::string why = !s.error.empty() ? s.error
                      : s.timed_out    ? "timed out"
                                       : fmt::format("exited with code {}", s.exit_code);
    std::string detail = s.output_tail;
    if (!s.log.empty()) detail += (detail.empty() || detail.back() == '\n' ? "" : "\n") + std::string("log: ") + s.log + "\n";
    return {fmt::format("{}: {} \"{}\" failed", where, s.kind, s.name), why, detail, "text", Tone::bad};
}

// Every failure of one target, in the order it ran.
void target_failures(const TargetResult& t, std::vector<Failure>& out) {
    const std::string label = target_label(t);
    if (t.error)
        out.push_back({label + ": the target could not be set up", t.error->message, t.error->hint, "text",
                       t.error->code == ExitCode::interrupted ? Tone::skip : Tone::error});
    for (const ScriptRun& s : t.setup)
        if (!s.ok) out.push_back(script_failure(label, s));
    for (const CaseResult& c : t.cases) {
        const std::string where = label + " / " + c.name;
        for (const ScriptRun& h : c.hooks)
            if (!h.ok) out.push_back(script_failure(where, h));
        for (const ExplainResult& x : c.explain) {
            if (x.verdict == sdk::PlanVerdict::mismatch) {
                Cell plan = plan_cell(x);
                out.push_back({where + " / " + x.query + ": plan mismatch", plan.text, detail_text(x.detail, "diff"), "diff",
                               Tone::bad});
            } else if (x.verdict != sdk::PlanVerdict::match && x.verdict != sdk::PlanVerdict::not_run) {
                out.push_back({where + " / " + x.query + ": explain " + x.result(), x.error.empty() ? x.result() : x.error, "",
                               "text", Tone::error});
            }
        }
        for (const TimingResult& tm : c.timing) {
            if (tm.success || tm.verdict == sdk::TimingVerdict::not_run) continue;
            TimingNumbers n = timing_numbers(tm);
            if (tm.verdict == sdk::TimingVerdict::exceeds && n.known) {
                std::string samples;
                if (const json::value* st = tm.detail.if_contains("stats"); st && st->is_object())
                    if (const json::value* a = st->as_object().if_contains("samples"); a && a->is_array())
                        for (const json::value& v : a->as_array())
                            if (v.is_number()) samples += fmt::format("{}{:.3f}", samples.empty() ? "" : " ", v.to_number<double>());
                out.push_back({where + " / " + tm.query + ": timing exceeds the limit",
                               fmt::format("median {} exceeds the limit {} (p95 {}, {} sample(s))", format_ms(n.median),
                                           format_ms(n.limit), format_ms(n.p95), n.samples),
                               samples.empty() ? "" : "samples (ms): " + samples + "\n", "text", Tone::bad});
            } else {
                out.push_back({where + " / " + tm.query + ": timing " + tm.result(), tm.error.empty() ? tm.result() : tm.error,
                               "", "text", tm.verdict == sdk::TimingVerdict::error ? Tone::error : Tone::bad});
            }
        }
    }
}

// One chart per timing query (case and file), a bar per target that measured it.
std::vector<Chart> timing_charts(const PerfResults& r) {
    std::vector<Chart> charts;
    std::map<std::pair<std::string, std::string>, std::size_t> index;
    for (const TargetResult& t : r.targets)
        for (const CaseResult& c : t.cases)
            for (const TimingResult& tm : c.timing) {
                TimingNumbers n = timing_numbers(tm);
                if (!n.known) continue;
                auto key = std::make_pair(c.name, tm.query);
                auto [it, added] = index.emplace(key, charts.size());
                if (added) charts.push_back({c.name + " / " + tm.query, "ms", {}});
                charts[it->second].bars.push_back({target_label(t), n.median,
                                                   format_ms(n.median) + " (limit " + format_ms(n.limit) + ")", n.limit,
                                                   n.min, n.p95, timing_tone(tm)});
            }
    return charts;
}

}  // namespace

// Facts, a section per target, the timing charts, then every failure with its evidence.
Document perf_document(const PerfResults& r, const ReportMeta& meta) {
    Document d;
    d.title = "pgorch perf report: " + r.scenario;
    d.verdict = perf_verdict(r);
    d.tone = tone_of(d.verdict);
    std::size_t plans = 0, mismatched = 0, timings = 0, failing = 0;
    for (const TargetResult& t : r.targets)
        for (const CaseResult& c : t.cases) {
            for (const ExplainResult& x : c.explain) ++plans, mismatched += x.failed();
            for (const TimingResult& tm : c.timing) ++timings, failing += tm.failed();
        }
    d.summary = fmt::format("{} target(s), {} plan(s) ({} not matching), {} timing(s) ({} failing)", r.targets.size(),
                            plans, mismatched, timings, failing);
    d.facts.emplace_back("scenario", r.scenario);
    if (!meta.run_id.empty()) d.facts.emplace_back("run id", meta.run_id);
    d.facts.emplace_back("duration", format_ms(r.duration_ms));
    if (meta.performance_coefficient > 0) d.facts.emplace_back("performance_coefficient", fmt::format("{}", meta.performance_coefficient));
    d.facts.emplace_back("expected/conf.yaml",
                         !r.compared_with_expected       ? "not compared (no expected/conf.yaml)"
                         : r.expected_differences.empty() ? "matches"
                                                          : fmt::format("{} difference(s)", r.expected_differences.size()));
    for (const TargetResult& t : r.targets) {
        Section s;
        s.heading = target_label(t);
        s.tone = t.error ? Tone::error : t.failed() ? Tone::bad : Tone::ok;
        if (!t.exact_version.empty()) s.facts.emplace_back("exact version", t.exact_version);
        if (!t.written.empty() && t.written != t.version) s.facts.emplace_back("db_version", t.written + " (resolved)");
        if (auto* m = t.install.if_contains("method"); m && m->is_string())
            s.facts.emplace_back("installation", std::string(m->as_string()) + ", " +
                                                     (t.install.contains("toolset") ? std::string(t.install.at("toolset").as_string()) : "full") +
                                                     " toolset");
        if (auto* b = t.install.if_contains("borrowed"); b && b->is_object())
            for (const auto& kv : b->as_object())
                s.facts.emplace_back(std::string(kv.key()), "borrowed from " + std::string(kv.value().as_string()));
        s.facts.emplace_back("cluster", t.cluster_id);
        s.facts.emplace_back("duration", format_ms(t.duration_ms));
        for (const ScriptRun& x : t.setup)
            s.facts.emplace_back(x.kind + " " + x.name, (x.ok ? "ok, " : "failed, ") + format_ms(x.duration_ms));
        if (t.error) s.facts.emplace_back("error", t.error->message);
        s.table = target_table(t);
        d.sections.push_back(std::move(s));
        target_failures(t, d.failures);
    }
    d.charts_heading = "Timings";
    d.charts = timing_charts(r);
    d.comparisons = compare_distributions(r);
    for (const DistroComparison& c : d.comparisons)
        d.facts.emplace_back("distributions compared (major " + c.major + ")",
                             fmt::format("{} difference(s) between {}", c.differences(), sdk::join(c.targets, ", ")));
    if (!r.expected_differences.empty()) {
        std::string lines;
        for (const std::string& x : r.expected_differences) lines += x + "\n";
        d.failures.push_back({"results differ from expected/conf.yaml",
                              fmt::format("{} difference(s)", r.expected_differences.size()), lines, "text", Tone::bad});
    }
    for (const BlessedFile& b : r.blessed)
        if (!b.error.empty())
            d.failures.push_back({"bless failed: " + b.path.string(), b.error, "", "text", Tone::error});
    return d;
}

}  // namespace pgorch::report
