// The HTML report (`results/report.html`): the run's document (report/document.hpp) as one
// self-contained page: inline CSS, charts as inline SVG, no JavaScript and no external resource
// (the machines that read it may reach nothing). Written with Poco::XML::XMLWriter, so every text
// from the scenario or PostgreSQL (names, plans, diffs) is escaped.
#pragma once

#include "report/document.hpp"

#include <string>

namespace pgorch::report {

// Renders a document: title, verdict, facts, a table per section, the charts (perf: a chart per
// timing query with a bar per target, the limit marked and min..p95 as a whisker; upgrade: a
// duration and a downtime chart), then each failure with its diff.
std::string to_html(const Document& doc);

// Convenience: the HTML report of a perf or an upgrade run.
std::string perf_html(const PerfResults& results, const ReportMeta& meta);
std::string upgrade_html(const UpgradeResults& results, const ReportMeta& meta);

}  // namespace pgorch::report
