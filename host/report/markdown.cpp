// Rendering a report document as Markdown.
#include "report/markdown.hpp"

#include <pgorch/diff.hpp>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace pgorch::report {

namespace {

// The word a tone stands for in a heading or a verdict line.
const char* tone_word(Tone t) {
    switch (t) {
    case Tone::ok: return "passed";
    case Tone::bad: return "failed";
    case Tone::error: return "error";
    case Tone::skip: return "not run";
    default: return "";
    }
}

// A fenced code block whose fence is longer than any run of backticks in the text.
std::string fenced(const std::string& text, const std::string& language) {
    std::size_t longest = 0, run = 0;
    for (char c : text) {
        run = c == '`' ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    std::string fence(std::max<std::size_t>(3, longest + 1), '`');
    std::string out = fence + language + "\n" + clean_text(text);
    if (!out.empty() && out.back() != '\n') out += '\n';
    return out + fence + "\n";
}

// One table row; an empty cell shows "-".
std::string row(const std::vector<std::string>& cells) {
    std::string out = "|";
    for (const std::string& c : cells) out += " " + (c.empty() ? std::string("-") : c) + " |";
    return out + "\n";
}

// Facts as a bullet list with bold names.
std::string facts_list(const Facts& facts) {
    std::string out;
    for (const auto& [k, v] : facts) out += "- **" + markdown_escape(k) + ":** " + markdown_escape(v) + "\n";
    return out;
}

// A distribution comparison: a table with a row per query and a mark on every difference, then
// each plan that differs as a unified diff against the first target's (the same plan once).
std::string comparison(const DistroComparison& c) {
    std::string out = "## " + markdown_escape("Distributions compared: major " + c.major) + "\n\n";
    out += markdown_escape(std::to_string(c.differences()) + " difference(s) between " + sdk::join(c.targets, ", ")) + "\n\n";
    std::vector<std::string> headers = {"case", "query"}, rule = {"---", "---"};
    for (const auto& t : c.targets) headers.push_back(markdown_escape(t)), rule.emplace_back("---");
    headers.emplace_back("difference");
    rule.emplace_back("---");
    out += row(headers) + row(rule);
    for (const ComparedRow& r : c.rows) {
        std::vector<std::string> cells = {markdown_escape(r.case_name), markdown_escape(r.kind + (r.query.empty() ? "" : " " + r.query))};
        for (const ComparedValue& v : r.values) cells.push_back(markdown_escape(v.text));
        cells.push_back(r.differs ? "**DIFFERS: " + markdown_escape(r.note) + "**" : "same (" + markdown_escape(r.note) + ")");
        out += row(cells);
    }
    out += "\n";
    for (const ComparedRow& r : c.rows) {
        if (r.kind != "explain" || r.values.empty()) continue;
        out += "### " + markdown_escape(r.case_name + " / " + r.query + ": " + r.note) + "\n\n";
        if (!r.differs) {
            out += fenced(r.values.front().plan, "text") + "\n";
            continue;
        }
        for (std::size_t i = 1; i < r.values.size(); ++i) {
            std::string d = sdk::unified_diff(r.values.front().plan, r.values[i].plan, c.targets.front(), c.targets[i]);
            out += fenced(d.empty() ? r.values[i].plan : d, d.empty() ? "text" : "diff") + "\n";
        }
    }
    return out;
}

}  // namespace

// Punctuation that starts emphasis, links, code, HTML or table cells is escaped, '#' at the
// start; an underscore only at a word's edge (inside a word GitHub does not read it as emphasis).
std::string markdown_escape(std::string_view raw) {
    const std::string text = clean_text(raw);
    static const char* special = "\\`*[]<|~";
    auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\r') continue;
        if (c == '\n') {
            out += ' ';
            continue;
        }
        bool edge_underscore = c == '_' && (i == 0 || i + 1 == text.size() || !word(text[i - 1]) || !word(text[i + 1]));
        if (std::strchr(special, c) || edge_underscore || (c == '#' && out.empty())) out += '\\';
        if (c == '&') {
            out += "&amp;";
            continue;
        }
        out += c;
    }
    return out;
}

// Title, verdict, facts, sections with their tables, failures; charts point to report.html.
std::string to_markdown(const Document& doc) {
    std::string out = "# " + markdown_escape(doc.title) + "\n\n";
    std::string verdict = doc.verdict;
    std::transform(verdict.begin(), verdict.end(), verdict.begin(), [](unsigned char c) { return std::toupper(c); });
    out += "**Verdict: " + verdict + "** — " + markdown_escape(doc.summary) + "\n\n";
    out += facts_list(doc.facts) + "\n";
    for (const Section& s : doc.sections) {
        out += "## " + markdown_escape(s.heading);
        if (s.tone != Tone::plain) out += std::string(" — ") + tone_word(s.tone);
        out += "\n\n";
        if (!s.facts.empty()) out += facts_list(s.facts) + "\n";
        if (!s.table.headers.empty() && !s.table.rows.empty()) {
            std::vector<std::string> headers, rule;
            for (const std::string& h : s.table.headers) headers.push_back(markdown_escape(h)), rule.emplace_back("---");
            out += row(headers) + row(rule);
            for (const auto& cells : s.table.rows) {
                std::vector<std::string> texts;
                for (const Cell& c : cells) {
                    std::string t = markdown_escape(c.text);
                    texts.push_back(c.tone == Tone::bad || c.tone == Tone::error ? "**" + t + "**" : t);
                }
                out += row(texts);
            }
            out += "\n";
        }
    }
    for (const DistroComparison& c : doc.comparisons) out += comparison(c);
    if (!doc.charts.empty()) out += "Charts (" + markdown_escape(doc.charts_heading) + "): see report.html.\n\n";
    if (!doc.failures.empty()) {
        out += "## Failures\n\n";
        for (const Failure& f : doc.failures) {
            out += "### " + markdown_escape(f.title) + "\n\n";
            if (!f.message.empty()) out += markdown_escape(f.message) + "\n\n";
            if (!f.detail.empty()) out += fenced(f.detail, f.language) + "\n";
        }
    }
    return out;
}

// The Markdown report of a perf run.
std::string perf_markdown(const PerfResults& results, const ReportMeta& meta) {
    return to_markdown(perf_document(results, meta));
}

// The Markdown report of an upgrade run.
std::string upgrade_markdown(const UpgradeResults& results, const ReportMeta& meta) {
    return to_markdown(upgrade_document(results, meta));
}

}  // namespace pgorch::report
