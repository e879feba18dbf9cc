// Writing junit.xml, report.md and report.html; failures are warnings.
#include "report/write_reports.hpp"

#include "core/files.hpp"
#include "report/document.hpp"
#include "report/html.hpp"
#include "report/junit.hpp"
#include "report/markdown.hpp"

#include <spdlog/spdlog.h>

#include <functional>
#include <optional>
#include <string>

namespace pgorch::report {

namespace {

// Renders one report and writes it to each path; a rendering bug or a write error is a warning.
void emit(const char* what, const std::function<std::string()>& render, const std::vector<fs::path>& paths,
          std::vector<fs::path>& written) {
    std::string text;
    try {
        text = render();
    } catch (const std::exception& e) {  // a bug in a report must not fail the run it reports
        spdlog::warn("the {} report could not be rendered: {}", what, e.what());
        return;
    }
    for (const fs::path& p : paths) {
        if (Status st = files::write_text(p, text); st) written.push_back(p);
        else spdlog::warn("{}", st.error().str());
    }
}

// The three reports of a run, whatever its kind; Markdown and HTML render one document.
template <class Results>
std::vector<fs::path> write_all(const Results& results, const ReportMeta& meta, const fs::path& dir,
                                const fs::path& junit_copy, std::string (*junit)(const Results&, const ReportMeta&),
                                Document (*document)(const Results&, const ReportMeta&)) {
    std::vector<fs::path> written;
    std::vector<fs::path> junit_paths{dir / "junit.xml"};
    if (!junit_copy.empty()) junit_paths.push_back(junit_copy);
    emit("JUnit XML", [&] { return junit(results, meta); }, junit_paths, written);
    std::optional<Document> doc;  // built by the first renderer that needs it
    auto the_doc = [&]() -> const Document& {
        if (!doc) doc = document(results, meta);
        return *doc;
    };
    emit("Markdown", [&] { return to_markdown(the_doc()); }, {dir / "report.md"}, written);
    emit("HTML", [&] { return to_html(the_doc()); }, {dir / "report.html"}, written);
    return written;
}

}  // namespace

// The three reports of a perf run.
std::vector<fs::path> write_run_reports(const PerfResults& results, const ReportMeta& meta, const fs::path& dir,
                                        const fs::path& junit_copy) {
    return write_all(results, meta, dir, junit_copy, &perf_junit, &perf_document);
}

// The three reports of an upgrade run.
std::vector<fs::path> write_run_reports(const UpgradeResults& results, const ReportMeta& meta, const fs::path& dir,
                                        const fs::path& junit_copy) {
    return write_all(results, meta, dir, junit_copy, &upgrade_junit, &upgrade_document);
}

}  // namespace pgorch::report
