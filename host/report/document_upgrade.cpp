// The human report of an upgrade run (report/document.hpp).
#include "report/document.hpp"

#include <fmt/format.h>

namespace pgorch::report {

namespace {

// passed, skipped, or failed.
Tone step_tone(const UpgradeStepResult& s) {
    if (s.verdict == "passed") return Tone::ok;
    if (s.verdict == "skipped") return Tone::skip;
    return Tone::bad;
}

// "pg_upgrade (link)".
std::string method_label(const UpgradeStepResult& s) {
    return s.variant.empty() ? s.method : s.method + " (" + s.variant + ")";
}

// Why a script failed, in one line.
std::string script_why(const UpgradeScript& s) {
    return s.error.empty() ? fmt::format("exited with code {}", s.exit_code) : s.error;
}

// "failed", "error" (the run stopped outside a check) or "interrupted".
std::string upgrade_verdict(const UpgradeResults& r) {
    if (r.passed()) return "passed";
    if (r.error == "interrupted") return "interrupted";
    bool checked = false;
    for (const auto& s : r.initial) checked |= !s.ok;
    for (const auto& s : r.steps) checked |= s.verdict == "failed";
    if (!r.error.empty() && !checked) return "error";
    return "failed";
}

}  // namespace

Tone tone_of(std::string_view w) {
    if (w == "ok") return Tone::ok;
    if (w == "bad") return Tone::bad;
    if (w == "error") return Tone::error;
    if (w == "skip") return Tone::skip;
    return Tone::plain;
}

Section section_of(const sdk::ReportSection& rs) {
    Section s;
    s.heading = rs.heading;
    s.tone = tone_of(rs.tone);
    s.facts = rs.facts;
    for (const auto& t : rs.tables) {
        Table table;
        table.caption = t.caption;
        table.headers = t.headers;
        for (const auto& row : t.rows) {
            std::vector<Cell> cells;
            for (const auto& c : row) cells.push_back({c.text, tone_of(c.tone)});
            table.rows.push_back(std::move(cells));
        }
        s.tables.push_back(std::move(table));
    }
    for (const auto& c : rs.charts) {
        Chart chart{c.title, c.unit, {}};
        for (const auto& b : c.bars)
            chart.bars.push_back({b.label, b.value, b.value_text, std::nullopt, std::nullopt, std::nullopt, tone_of(b.tone)});
        s.charts.push_back(std::move(chart));
    }
    s.notes = rs.notes;
    s.detail = rs.detail;
    s.collapsed = rs.collapsed;
    for (const auto& ch : rs.children) s.children.push_back(section_of(ch));
    return s;
}

// Facts, the steps table, duration and downtime charts, then each failure with its evidence.
Document upgrade_document(const UpgradeResults& r, const ReportMeta& meta) {
    Document d;
    d.title = "pgorch upgrade report: " + r.scenario;
    d.verdict = upgrade_verdict(r);
    d.tone = d.verdict == "passed" ? Tone::ok : d.verdict == "failed" ? Tone::bad : d.verdict == "error" ? Tone::error : Tone::skip;
    d.summary = upgrade_one_line(r);
    std::string chain = r.start_version;
    for (const auto& s : r.steps) chain += " -> " + s.to_version;
    d.facts.emplace_back("scenario", r.scenario);
    std::string run_id = meta.run_id.empty() ? r.run_id : meta.run_id;
    if (!run_id.empty()) d.facts.emplace_back("run id", run_id);
    d.facts.emplace_back("db_type", r.db_type);
    d.facts.emplace_back("versions", chain);
    d.facts.emplace_back("duration", format_ms(r.duration_ms));
    if (!r.results_dir.empty()) d.facts.emplace_back("results", r.results_dir);

    Section s;
    s.heading = "Upgrade chain " + r.db_type + " " + r.start_version;
    s.tone = d.tone;
    for (const auto& x : r.initial)
        s.facts.emplace_back(x.kind + " " + x.name, (x.ok ? "ok, " : "failed, ") + format_ms(x.duration_ms));
    s.table.headers = {"step", "method", "from -> to", "verdict", "duration", "downtime", "size before", "size after"};
    for (const auto& st : r.steps)
        s.table.rows.push_back({{std::to_string(st.index)}, {method_label(st)},
                                {(st.from_version.empty() ? "?" : st.from_version) + " -> " + st.to_version},
                                {st.verdict, step_tone(st)},
                                {st.verdict == "skipped" ? "-" : format_ms(st.duration_ms)}, {format_ms(st.downtime_ms)},
                                {format_bytes(st.size_before)}, {format_bytes(st.size_after)}});
    d.sections.push_back(std::move(s));
    for (const auto& st : r.steps)
        for (const auto& rs : st.report.sections) d.sections.push_back(section_of(rs));

    d.charts_heading = "Durations";
    Chart duration{"duration per step", "ms", {}}, downtime{"downtime per step", "ms", {}};
    for (const auto& st : r.steps) {
        if (st.verdict == "skipped") continue;
        std::string label = fmt::format("{} {}", st.index, method_label(st));
        duration.bars.push_back({label, st.duration_ms, format_ms(st.duration_ms), std::nullopt, std::nullopt, std::nullopt,
                                 step_tone(st)});
        if (st.downtime_ms >= 0)
            downtime.bars.push_back({label, st.downtime_ms, format_ms(st.downtime_ms), std::nullopt, std::nullopt,
                                     std::nullopt, step_tone(st)});
    }
    if (!duration.bars.empty()) d.charts.push_back(std::move(duration));
    if (!downtime.bars.empty()) d.charts.push_back(std::move(downtime));

    for (const auto& x : r.initial)
        if (!x.ok)
            d.failures.push_back({x.kind + " \"" + x.name + "\" failed", script_why(x), x.log.empty() ? "" : "log: " + x.log + "\n",
                                  "text", Tone::bad});
    for (const auto& st : r.steps) {
        if (st.verdict != "failed") continue;
        const std::string where = fmt::format("step {} {} {} -> {}", st.index, st.method, st.from_version, st.to_version);
        for (const auto& x : st.scripts)
            if (!x.ok)
                d.failures.push_back({where + ": " + x.kind + " \"" + x.name + "\" failed", script_why(x),
                                      x.log.empty() ? "" : "log: " + x.log + "\n", "text", Tone::bad});
        std::string detail;
        for (const auto& line : st.differences) detail += line + "\n";
        for (const auto& log : st.logs) detail += "log: " + log + "\n";
        d.failures.push_back({where + ": failed", st.error, detail, "text", r.error.empty() ? Tone::bad : Tone::error});
    }
    bool step_failed = false;
    for (const auto& st : r.steps) step_failed |= st.verdict == "failed";
    if (!r.error.empty() && !step_failed)
        d.failures.push_back({"the run stopped", r.error, "", "text", r.error == "interrupted" ? Tone::skip : Tone::error});
    return d;
}

}  // namespace pgorch::report
