// Writing the CI and human reports of a run next to report.json: junit.xml, report.md and
// report.html (and the JUnit XML once more at --junit FILE, a stable path for CI jobs).
#pragma once

#include "report/document.hpp"

#include <filesystem>
#include <vector>

namespace pgorch::report {

namespace fs = std::filesystem;

// Writes <dir>/junit.xml, <dir>/report.md and <dir>/report.html, and the JUnit XML to
// `junit_copy` too unless it is empty. A report that cannot be rendered or written is logged
// as a warning and left out (it never fails the run). Returns the files written.
std::vector<fs::path> write_run_reports(const PerfResults& results, const ReportMeta& meta, const fs::path& dir,
                                        const fs::path& junit_copy = {});
std::vector<fs::path> write_run_reports(const UpgradeResults& results, const ReportMeta& meta, const fs::path& dir,
                                        const fs::path& junit_copy = {});

}  // namespace pgorch::report
