// The Markdown report (`results/report.md`): the run's document (report/document.hpp) as
// GitHub-flavoured Markdown: title, verdict, facts, a table per target or for the chain, and each
// failure with its diff in a fenced block. Charts are in the HTML report only.
#pragma once

#include "report/document.hpp"

#include <string>
#include <string_view>

namespace pgorch::report {

// Renders a document. Texts from the scenario or PostgreSQL are escaped, so a name cannot start
// a table cell, a link or inline HTML; code blocks use a fence longer than any backtick run inside.
std::string to_markdown(const Document& doc);

// Convenience: the Markdown report of a perf or an upgrade run.
std::string perf_markdown(const PerfResults& results, const ReportMeta& meta);
std::string upgrade_markdown(const UpgradeResults& results, const ReportMeta& meta);

// Inline text with Markdown's special characters backslash-escaped and line breaks as spaces.
std::string markdown_escape(std::string_view text);

}  // namespace pgorch::report
