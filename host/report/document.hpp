// The human report of a run as data: title, verdict, facts, one table per perf target or for the
// upgrade chain, charts and the failures with their diffs. Built once from PerfResults or
// UpgradeResults and rendered as Markdown (report/markdown.hpp) and HTML (report/html.hpp), so
// both files always say the same thing. Texts are kept as they came (the renderers escape them).
#pragma once

#include "report/compare.hpp"
#include "report/perf_results.hpp"
#include "report/upgrade_report.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgorch::report {

// What a report needs besides the results.
struct ReportMeta {
    std::string run_id;                    // "<scenario>-<timestamp>-<pid>", "" when unknown
    double performance_coefficient = 0;    // perf: the scenario's coefficient (0: unknown)
};

// How a cell, a verdict or a bar looks: ok (passed), bad (failed), error, skip (not run), plain.
enum class Tone { plain, ok, bad, error, skip };

struct Cell {
    std::string text;
    Tone tone = Tone::plain;
};

struct Table {
    std::vector<std::string> headers;
    std::vector<std::vector<Cell>> rows;
    std::string caption = {};              // a line above the table ("" for none)
};

// One horizontal bar: `value` drawn from 0, an optional limit mark and an optional whisker.
struct Bar {
    std::string label;
    double value = 0;
    std::string value_text;                // shown next to the bar ("4.2 ms")
    std::optional<double> limit;           // a vertical mark (the timing limit)
    std::optional<double> low, high;       // a whisker (min .. p95)
    Tone tone = Tone::ok;
};

struct Chart {
    std::string title;
    std::string unit;                      // "ms", for the axis
    std::vector<Bar> bars;
};

using Facts = std::vector<std::pair<std::string, std::string>>;

// One target (perf), the chain (upgrade), or what a step adds (sdk::StepReport): facts, tables,
// charts (SVG in HTML, tables in Markdown), notes, a verbatim block and sections below it.
struct Section {
    std::string heading;
    Tone tone = Tone::plain;
    Facts facts;
    Table table;
    std::vector<Table> tables = {};        // more tables, after `table`
    std::vector<Chart> charts = {};
    std::vector<std::string> notes = {};   // paragraphs
    std::string detail = {};               // verbatim text, a code block
    bool collapsed = false;                // folded (<details>) in Markdown and HTML
    std::vector<Section> children = {};    // one heading level below
};

// A failure and its evidence (a diff, the differences, a script's output).
struct Failure {
    std::string title;                     // "pgdg 15.20 / case_1 / explain_query.sql: plan mismatch"
    std::string message;                   // one line
    std::string detail;                    // verbatim text shown in a code block ("" for none)
    std::string language;                  // "diff" or "text"
    Tone tone = Tone::bad;
};

struct Document {
    std::string title;
    std::string verdict;                   // passed | failed | error | interrupted
    Tone tone = Tone::ok;
    std::string summary;                   // one line
    Facts facts;
    std::vector<Section> sections;
    std::string charts_heading;            // "Timings" / "Durations"
    std::vector<Chart> charts;
    std::vector<Failure> failures;
    std::vector<DistroComparison> comparisons;  // perf: distributions side by side (report/compare.hpp)
};

// The perf report: a section per target with a row per explain and timing query (case, query,
// plan result, median / limit, p95, spread, verdict); a chart per timing query with a bar per
// target; each mismatch, exceeded timing, error and failed script as a failure; the
// distributions of one major side by side (compare_distributions).
Document perf_document(const PerfResults& results, const ReportMeta& meta);

// The upgrade report: one section with a row per step (step, method, from -> to, verdict,
// duration, downtime, size before/after), then the sections each step added (its report); a
// duration and a downtime chart; each failed step with its differences, each failed script, and
// the run's own error.
Document upgrade_document(const UpgradeResults& results, const ReportMeta& meta);

// --- formatting shared by the report writers ----------------------------------------------

// "0.019 ms", "4.2 ms", "1.25 s"; "-" when negative (unknown).
std::string format_ms(double ms);
// "512 kB", "12.3 MB"; "-" when negative (unknown).
std::string format_bytes(long long bytes);
// Milliseconds as seconds with 3 decimals ("1.234"), the JUnit time format; 0 when negative.
std::string format_seconds(double ms);
// "pgdg 15.20", with the edition when there is one.
std::string target_label(const TargetResult& t);
// "passed", "failed", "error" (environment) or "interrupted" for a perf run.
std::string perf_verdict(const PerfResults& results);

// The numbers of a timing result, read from its plugin detail; `known` is false when absent.
struct TimingNumbers {
    bool known = false;
    double min = 0, median = 0, p95 = 0, max = 0, spread = 0, limit = 0;
    double total_ms = 0;                   // all samples and warm-up runs together
    std::size_t samples = 0;
};
TimingNumbers timing_numbers(const TimingResult& t);

// A tone of the SDK's report types ("ok", "bad", "error", "skip"; anything else is plain).
Tone tone_of(std::string_view word);
// A step's report section (sdk/include/pgorch/report.hpp) in the document's terms.
Section section_of(const sdk::ReportSection& s);

// A string member of a plugin's detail object ("" when absent or not a string).
std::string detail_text(const boost::json::object& detail, std::string_view key);
// A number member of a plugin's detail object (nullopt when absent or not a number).
std::optional<double> detail_number(const boost::json::object& detail, std::string_view key);

// Text safe for XML 1.0: invalid UTF-8 bytes and control characters (but tab, newline and
// carriage return) become U+FFFD, and registered secrets "***" (core/secret.hpp). Every text
// of the Markdown, HTML, SVG and JUnit renderers passes here before it is escaped.
std::string clean_text(std::string_view text);

}  // namespace pgorch::report
