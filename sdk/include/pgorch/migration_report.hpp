// pgorch SDK: the migration report in GitLab's shape (pgorch/report.hpp sections and JUnit
// tests) built from the runs of pgorch/migration_run.hpp: a table of the migrations (duration,
// result, database size before / after / change, statements, warnings), the warnings, the
// execution-time histogram of all statements, and per migration a folded section with its
// queries (pg_stat_statements: calls, total and mean time, rows), its histogram and its
// statement log. Shared by the migrate and stairway steps.
#pragma once

#include <pgorch/migration_run.hpp>
#include <pgorch/report.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace pgorch::sdk {

// The execution-time histogram of GitLab's report: statements per bucket of duration.
struct Histogram {
    static const std::vector<std::pair<double, std::string>>& buckets() {
        static const std::vector<std::pair<double, std::string>> b = {
            {1, "< 1 ms"}, {10, "1 - 10 ms"}, {100, "10 - 100 ms"}, {1000, "0.1 - 1 s"}, {10000, "1 - 10 s"}, {1e300, ">= 10 s"}};
        return b;
    }
    std::vector<int64_t> counts = std::vector<int64_t>(buckets().size(), 0);
    void add(double ms) {
        for (std::size_t i = 0; i < buckets().size(); ++i)
            if (ms < buckets()[i].first) {
                ++counts[i];
                return;
            }
    }
    json::array to_json() const {
        json::array a;
        for (std::size_t i = 0; i < counts.size(); ++i) a.push_back(json::object{{"bucket", buckets()[i].second}, {"count", counts[i]}});
        return a;
    }
};

// "8.00 KiB", "1.25 MiB", "512 B", with a sign when `sign`; "-" when unknown (negative size).
inline std::string format_size(long long bytes, bool sign = false) {
    char buf[48];
    const char* plus = sign && bytes > 0 ? "+" : "";
    double a = static_cast<double>(std::llabs(bytes));
    const char* minus = bytes < 0 ? "-" : "";
    if (a < 1024) std::snprintf(buf, sizeof buf, "%s%s%lld B", plus, minus, static_cast<long long>(a));
    else if (a < 1024.0 * 1024) std::snprintf(buf, sizeof buf, "%s%s%.2f KiB", plus, minus, a / 1024);
    else if (a < 1024.0 * 1024 * 1024) std::snprintf(buf, sizeof buf, "%s%s%.2f MiB", plus, minus, a / (1024.0 * 1024));
    else std::snprintf(buf, sizeof buf, "%s%s%.2f GiB", plus, minus, a / (1024.0 * 1024 * 1024));
    return buf;
}

// The note GitLab's report carries: a migration that grows nothing may still show +8.00 KiB.
inline const char* size_note() {
    return "Database size: pg_database_size before and after each migration. A migration that adds no data may still "
           "show +8.00 KiB: its row in the versions table can need a new 8 KiB page (PostgreSQL's block size), and so can "
           "a catalog table.";
}

// The bars of a histogram.
inline ReportChart histogram_chart(const std::string& title, const Histogram& h) {
    ReportChart c{title, "statements", {}};
    for (std::size_t i = 0; i < h.counts.size(); ++i)
        c.bars.push_back({Histogram::buckets()[i].second, static_cast<double>(h.counts[i]), std::to_string(h.counts[i]), ""});
    return c;
}

// "V003 add orders" (down: "V003 add orders (down)").
inline std::string migration_name(const MigrationRun& r) {
    std::string n = r.label + (r.description.empty() ? "" : " " + r.description);
    if (r.direction == "down") n += " (down)";
    return n;
}

// A query text on one line, at most `max` characters (the whole text is in report.json).
inline std::string one_line(std::string q, std::size_t max = 160) {
    for (char& c : q)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    std::string out;
    for (char c : q)
        if (!(c == ' ' && !out.empty() && out.back() == ' ')) out += c;
    if (out.size() > max) {
        std::size_t cut = max - 1;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
        out = out.substr(0, cut) + "\xE2\x80\xA6";
    }
    return out;
}

// The folded section of one migration: facts, its queries, its histogram, its error.
inline ReportSection migration_section(const MigrationRun& r) {
    ReportSection s;
    s.heading = migration_name(r) + ": details";
    s.tone = r.success ? "ok" : "bad";
    s.collapsed = true;
    s.facts = {{"file", r.file},
               {"direction", r.direction},
               {"transaction", r.transactional ? "yes" : "no (-- pgorch:no-transaction)"},
               {"duration", Migrator::fmt_ms(r.duration_ms)},
               {"database size", format_size(r.size_before) + " -> " + format_size(r.size_after)},
               {"statements", std::to_string(r.statements.size())},
               {"statement log", r.log}};
    if (!r.error.empty()) s.facts.emplace_back("error", r.error_at + ": " + r.error);
    if (!r.queries.empty()) {
        ReportTable t{"Queries (pg_stat_statements)", {"query", "calls", "total time", "mean time", "rows"}, {}};
        for (const auto& q : r.queries)
            t.rows.push_back({{one_line(q.query), ""}, {std::to_string(q.calls), ""}, {Migrator::fmt_ms(q.total_ms), ""},
                              {Migrator::fmt_ms(q.mean_ms), ""}, {std::to_string(q.rows), ""}});
        s.tables.push_back(std::move(t));
    }
    Histogram h;
    for (const auto& st : r.statements) h.add(st.ms);
    if (!r.statements.empty()) s.charts.push_back(histogram_chart("Execution time of its statements", h));
    return s;
}

// The report of a series of migrations: the table, the warnings, the histogram of all, the
// size note, and a folded section per migration. `facts` go first (database, versions ...).
inline ReportSection migrations_section(const std::string& heading, const std::vector<MigrationRun>& runs,
                                        std::vector<std::pair<std::string, std::string>> facts, bool passed) {
    ReportSection s;
    s.heading = heading;
    s.tone = passed ? "ok" : "bad";
    s.facts = std::move(facts);
    ReportTable table{"Migrations", {"migration", "direction", "duration", "result", "size before", "size after", "size change",
                                     "statements", "warnings"}, {}};
    ReportTable warnings{"Warnings", {"migration", "kind", "warning"}, {}};
    Histogram all;
    for (const auto& r : runs) {
        long long delta = r.size_before >= 0 && r.size_after >= 0 ? r.size_after - r.size_before : 0;
        table.rows.push_back({{migration_name(r), ""},
                              {r.direction, ""},
                              {Migrator::fmt_ms(r.duration_ms), ""},
                              {r.success ? "passed" : "failed", r.success ? "ok" : "bad"},
                              {format_size(r.size_before), ""},
                              {format_size(r.size_after), ""},
                              {r.size_before >= 0 && r.size_after >= 0 ? format_size(delta, true) : "-", ""},
                              {std::to_string(r.statements.size()), ""},
                              {std::to_string(r.warnings.size()), r.warnings.empty() ? "" : "bad"}});
        for (const auto& w : r.warnings) warnings.rows.push_back({{migration_name(r), ""}, {w.kind, ""}, {w.message, "bad"}});
        for (const auto& st : r.statements) all.add(st.ms);
    }
    if (!runs.empty()) s.tables.push_back(std::move(table));
    if (!warnings.rows.empty()) s.tables.push_back(std::move(warnings));
    if (!runs.empty()) s.charts.push_back(histogram_chart("Execution time of all statements", all));
    s.notes.push_back(size_note());
    for (const auto& r : runs) s.children.push_back(migration_section(r));
    return s;
}

// A JUnit test per migration: failed with where and what the server said.
inline ReportTest migration_test(const std::string& prefix, const MigrationRun& r) {
    ReportTest t;
    t.name = prefix + migration_name(r);
    t.outcome = r.success ? "passed" : "failed";
    t.time_ms = r.duration_ms;
    if (!r.success) {
        t.message = r.error_at.empty() ? r.error : r.error_at + ": " + r.error;
        t.detail = "statement log: " + r.log + "\n";
    }
    t.output = "duration " + Migrator::fmt_ms(r.duration_ms) + ", size " + format_size(r.size_before) + " -> " +
               format_size(r.size_after) + ", " + std::to_string(r.statements.size()) + " statement(s), " +
               std::to_string(r.warnings.size()) + " warning(s), log " + r.log + "\n";
    for (const auto& w : r.warnings) t.output += "warning (" + w.kind + "): " + w.message + "\n";
    return t;
}

}  // namespace pgorch::sdk
