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
        std::vector<std::string> cells = {markdown_escape(r.case_name), markdown_escape(r.kind() + (r.query.empty() ? "" : " " + r.query))};
        for (const ComparedValue& v : r.values) cells.push_back(markdown_escape(v.text));
        cells.push_back(r.differs ? "**DIFFERS: " + markdown_escape(r.note) + "**" : "same (" + markdown_escape(r.note) + ")");
        out += row(cells);
    }
    out += "\n";
    for (const ComparedRow& r : c.rows) {
        if (r.check != sdk::PerfCheck::plan || r.values.empty()) continue;
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

// A table with its caption; nothing when it has no row.
std::string table_text(const Table& t) {
    if (t.headers.empty() || t.rows.empty()) return "";
    std::string out;
    if (!t.caption.empty()) out += "*" + markdown_escape(t.caption) + "*\n\n";
    std::vector<std::string> headers, rule;
    for (const std::string& h : t.headers) headers.push_back(markdown_escape(h)), rule.emplace_back("---");
    out += row(headers) + row(rule);
    for (const auto& cells : t.rows) {
        std::vector<std::string> texts;
        for (const Cell& c : cells) {
            std::string x = markdown_escape(c.text);
            texts.push_back(c.tone == Tone::bad || c.tone == Tone::error ? "**" + x + "**" : x);
        }
        out += row(texts);
    }
    return out + "\n";
}

// A chart of a section as a table with a bar of block characters (a merge-request comment
// shows no SVG): label, value, bar scaled to the largest value.
std::string chart_text(const Chart& c) {
    if (c.bars.empty()) return "";
    double top = 0;
    for (const Bar& b : c.bars) top = std::max(top, b.value);
    std::string out = "*" + markdown_escape(c.title) + "*\n\n" + row({" ", markdown_escape(c.unit.empty() ? "value" : c.unit), " "}) +
                      row({"---", "---:", "---"});
    for (const Bar& b : c.bars) {
        int width = top > 0 ? static_cast<int>(b.value / top * 20 + 0.5) : 0;
        if (b.value > 0 && width == 0) width = 1;
        std::string bar;
        for (int i = 0; i < width; ++i) bar += "\xE2\x96\x88";  // U+2588 FULL BLOCK
        out += row({markdown_escape(b.label), markdown_escape(b.value_text.empty() ? std::to_string(b.value) : b.value_text),
                    bar.empty() ? " " : bar});
    }
    return out + "\n";
}

// Text for inside <summary>: no Markdown there, only HTML escaping.
std::string summary_text(std::string_view raw) {
    std::string out;
    for (char c : clean_text(raw)) {
        if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else if (c == '&') out += "&amp;";
        else if (c != '\n' && c != '\r') out += c;
    }
    return out;
}

// A section at a heading level (2: "##"): heading, facts, tables, charts, notes, the verbatim
// block, then its children one level down; a collapsed one inside <details>.
std::string section_text(const Section& s, int level) {
    std::string out;
    std::string heading = markdown_escape(s.heading);
    if (s.tone != Tone::plain) heading += std::string(" — ") + tone_word(s.tone);
    if (s.collapsed) {
        std::string plain = summary_text(s.heading);
        if (s.tone != Tone::plain) plain += std::string(" — ") + tone_word(s.tone);
        out += "<details><summary>" + plain + "</summary>\n\n";
    } else {
        out += std::string(static_cast<std::size_t>(std::min(level, 6)), '#') + " " + heading + "\n\n";
    }
    if (!s.facts.empty()) out += facts_list(s.facts) + "\n";
    out += table_text(s.table);
    for (const Table& t : s.tables) out += table_text(t);
    for (const Chart& c : s.charts) out += chart_text(c);
    for (const std::string& n : s.notes) out += markdown_escape(n) + "\n\n";
    if (!s.detail.empty()) out += fenced(s.detail, "text") + "\n";
    for (const Section& child : s.children) out += section_text(child, level + 1);
    if (s.collapsed) out += "</details>\n\n";
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
    for (const Section& s : doc.sections) out += section_text(s, 2);
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
