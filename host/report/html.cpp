// Rendering a report document as one self-contained HTML page.
#include "report/html.hpp"
#include "report/svg_chart.hpp"

#include <pgorch/diff.hpp>

#include <Poco/SAX/AttributesImpl.h>
#include <Poco/XML/XMLWriter.h>

#include <algorithm>
#include <initializer_list>
#include <sstream>
#include <utility>
#include <vector>

namespace pgorch::report {

namespace {

using Poco::XML::XMLWriter;
using Attrs = std::initializer_list<std::pair<const char*, std::string>>;

// No selector or value may hold '<' or '&': the style element is written raw.
const char* const kStyle = R"(
body { font-family: sans-serif; margin: 1.5em auto; max-width: 1100px; color: #222; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ddd; } h3 { font-size: 1em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
table.facts td:first-child { font-weight: bold; background: #fafafa; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 3px; color: #fff; font-size: 0.85em; }
.b-ok { background: #3a8f4b; } .b-bad { background: #c0392b; } .b-error { background: #8e44ad; } .b-skip { background: #999; } .b-plain { background: #4a6fa5; }
td.ok { color: #2d7a3d; } td.bad { color: #c0392b; font-weight: bold; } td.error { color: #8e44ad; font-weight: bold; } td.skip { color: #888; }
pre { background: #f7f7f7; border: 1px solid #ddd; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
pre .add { color: #1a7f37; background: #e6ffec; } pre .del { color: #b42318; background: #ffebe9; } pre .hunk { color: #6f42c1; }
div.failure { border-left: 4px solid #c0392b; padding-left: 0.8em; margin: 1em 0; }
div.failure.error { border-color: #8e44ad; } div.failure.skip { border-color: #999; }
figure { margin: 1em 0; } figcaption { font-weight: bold; margin-bottom: 0.3em; }
.legend { font-size: 0.85em; color: #555; }
p.caption { font-style: italic; margin-bottom: 0.2em; }
details.section { margin: 0.6em 0; } details.section > summary { cursor: pointer; }
details.section > summary > h2, details.section > summary > h3, details.section > summary > h4 { display: inline; }
)";

// The CSS class of a tone.
const char* tone_class(Tone t) {
    switch (t) {
    case Tone::ok: return "ok";
    case Tone::bad: return "bad";
    case Tone::error: return "error";
    case Tone::skip: return "skip";
    default: return "plain";
    }
}

// XMLWriter with a tag stack; HTML elements are never written self-closing (`<td/>` is not
// an empty cell in HTML), so close() first ends the start tag.
class Page {
public:
    explicit Page(std::ostream& os) : w_(os, XMLWriter::CANONICAL) { w_.setNewLine("\n"); }
    XMLWriter& writer() { return w_; }

    void open(const char* tag, Attrs attrs = {}) {
        Poco::XML::AttributesImpl a;
        for (const auto& [k, v] : attrs) a.addAttribute("", "", k, "CDATA", clean_text(v));
        w_.startElement("", "", tag, a);
        tags_.emplace_back(tag);
    }
    void close() {
        w_.rawCharacters("");
        w_.endElement("", "", tags_.back());
        tags_.pop_back();
    }
    // A void element (meta): self-closing is valid HTML for those.
    void empty(const char* tag, Attrs attrs) {
        Poco::XML::AttributesImpl a;
        for (const auto& [k, v] : attrs) a.addAttribute("", "", k, "CDATA", clean_text(v));
        w_.emptyElement("", "", tag, a);
    }
    void text(const std::string& s) { w_.characters(clean_text(s)); }
    void element(const char* tag, const std::string& s, Attrs attrs = {}) {
        open(tag, attrs);
        text(s);
        close();
    }
    void newline() { w_.rawCharacters("\n"); }
    void start() { w_.startDocument(); }
    void end() { w_.endDocument(); }

private:
    XMLWriter w_;
    std::vector<std::string> tags_;
};

// A colored verdict word.
void badge(Page& p, const std::string& word, Tone tone) {
    p.element("span", word, {{"class", std::string("badge b-") + tone_class(tone)}});
}

// Facts as a two-column table.
void facts_table(Page& p, const Facts& facts) {
    if (facts.empty()) return;
    p.open("table", {{"class", "facts"}});
    for (const auto& [k, v] : facts) {
        p.open("tr");
        p.element("td", k);
        p.element("td", v);
        p.close();
        p.newline();
    }
    p.close();
    p.newline();
}

// A section table; cells carry their tone as a class.
void data_table(Page& p, const Table& t) {
    if (t.headers.empty() || t.rows.empty()) return;
    if (!t.caption.empty()) p.element("p", t.caption, {{"class", "caption"}});
    p.open("table");
    p.open("tr");
    for (const std::string& h : t.headers) p.element("th", h);
    p.close();
    p.newline();
    for (const auto& row : t.rows) {
        p.open("tr");
        for (const Cell& c : row) {
            if (c.tone == Tone::plain) p.element("td", c.text);
            else p.element("td", c.text, {{"class", tone_class(c.tone)}});
        }
        p.close();
        p.newline();
    }
    p.close();
    p.newline();
}

// A diff with its added, removed and hunk lines marked; other text as it is.
void detail_block(Page& p, const std::string& text, const std::string& language) {
    p.open("pre");
    if (language != "diff") {
        p.text(text);
    } else {
        std::size_t pos = 0;
        while (pos < text.size()) {
            std::size_t end = text.find('\n', pos);
            std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos + 1);
            pos = end == std::string::npos ? text.size() : end + 1;
            const char* cls = line.rfind("+++", 0) == 0 || line.rfind("---", 0) == 0 ? nullptr
                              : line.rfind("@@", 0) == 0                              ? "hunk"
                              : line.rfind("+", 0) == 0                               ? "add"
                              : line.rfind("-", 0) == 0                               ? "del"
                                                                                      : nullptr;
            if (cls) p.element("span", line, {{"class", cls}});
            else p.text(line);
        }
    }
    p.close();
    p.newline();
}

// A distribution comparison: a table with a row per query (a difference in red), then every
// plan side by side, a column per target, the lines that differ from the first target's marked.
void comparison(Page& p, const DistroComparison& c) {
    p.element("h2", "Distributions compared: major " + c.major);
    p.element("p", std::to_string(c.differences()) + " difference(s) between " + sdk::join(c.targets, ", "));
    Table t{{"case", "query"}, {}};
    for (const auto& x : c.targets) t.headers.push_back(x);
    t.headers.emplace_back("difference");
    for (const ComparedRow& r : c.rows) {
        std::vector<Cell> cells = {{r.case_name}, {r.kind() + (r.query.empty() ? "" : " " + r.query)}};
        for (const ComparedValue& v : r.values) cells.push_back({v.text});
        cells.push_back(r.differs ? Cell{"DIFFERS: " + r.note, Tone::bad} : Cell{"same: " + r.note, Tone::ok});
        t.rows.push_back(std::move(cells));
    }
    data_table(p, t);
    for (const ComparedRow& r : c.rows) {
        if (r.check != sdk::PerfCheck::plan || r.values.empty()) continue;
        p.element("h3", r.case_name + " / " + r.query + ": " + r.note);
        p.open("table");
        p.open("tr");
        for (const auto& x : c.targets) p.element("th", x);
        p.close();
        p.open("tr");
        const std::vector<std::string> first = sdk::split_lines(r.values.front().plan);
        for (std::size_t i = 0; i < r.values.size(); ++i) {
            // Against the first target's plan (the first against the second): lines only here are marked.
            const std::vector<std::string> mine = sdk::split_lines(r.values[i].plan);
            const std::vector<std::string> other = i == 0 ? (r.values.size() > 1 ? sdk::split_lines(r.values[1].plan) : mine) : first;
            p.open("td");
            p.open("pre");
            for (const sdk::DiffLine& d : sdk::diff_lines(other, mine)) {
                if (d.op == sdk::DiffLine::Op::removed) continue;
                if (d.op == sdk::DiffLine::Op::added) p.element("span", d.text + "\n", {{"class", i == 0 ? "del" : "add"}});
                else p.text(d.text + "\n");
            }
            p.close();
            p.close();
        }
        p.close();
        p.close();
        p.newline();
    }
}

// The charts heading, a legend for timings, and a figure per chart.
void charts(Page& p, const Document& doc) {
    if (doc.charts.empty()) return;
    p.element("h2", doc.charts_heading);
    if (doc.charts_heading == "Timings")
        p.element("p", "Bar: median per target; dashed mark: the limit; whisker: min .. p95.", {{"class", "legend"}});
    for (const Chart& c : doc.charts) {
        p.open("figure");
        p.element("figcaption", c.title);
        write_svg_chart(p.writer(), c);
        p.close();
        p.newline();
    }
}

// The word a section's badge shows.
const char* badge_word(Tone t) {
    return t == Tone::ok ? "passed" : t == Tone::bad ? "failed" : t == Tone::error ? "error" : "not run";
}

// A section at a heading level (2: h2): heading with its badge, facts, tables, charts, notes,
// the verbatim block, then its children; a collapsed one is a <details> whose <summary> is the
// heading (it opens without JavaScript).
void section(Page& p, const Section& s, int level) {
    static const char* const tags[] = {"h2", "h3", "h4", "h5", "h6"};
    const char* tag = tags[std::clamp(level, 2, 6) - 2];
    if (s.collapsed) {
        p.open("details", {{"class", "section"}});
        p.open("summary");
    }
    p.open(tag);
    p.text(s.heading + " ");
    if (s.tone != Tone::plain) badge(p, badge_word(s.tone), s.tone);
    p.close();
    if (s.collapsed) p.close();
    p.newline();
    facts_table(p, s.facts);
    data_table(p, s.table);
    for (const Table& t : s.tables) data_table(p, t);
    for (const Chart& c : s.charts) {
        p.open("figure");
        p.element("figcaption", c.title);
        write_svg_chart(p.writer(), c);
        p.close();
        p.newline();
    }
    for (const std::string& n : s.notes) p.element("p", n);
    if (!s.detail.empty()) detail_block(p, s.detail, "text");
    for (const Section& child : s.children) section(p, child, level + 1);
    if (s.collapsed) {
        p.close();
        p.newline();
    }
}

}  // namespace

// <!DOCTYPE html>, then head (charset, title, style) and body, through XMLWriter.
std::string to_html(const Document& doc) {
    std::ostringstream os;
    os << "<!DOCTYPE html>\n";
    {
        Page p(os);
        p.start();
        p.open("html", {{"lang", "en"}});
        p.open("head");
        p.empty("meta", {{"charset", "utf-8"}});
        p.element("title", doc.title);
        p.open("style");
        p.writer().rawCharacters(kStyle);
        p.close();
        p.close();
        p.newline();
        p.open("body");
        p.element("h1", doc.title);
        p.open("p");
        badge(p, doc.verdict, doc.tone);
        p.text(" " + doc.summary);
        p.close();
        p.newline();
        facts_table(p, doc.facts);
        for (const Section& s : doc.sections) section(p, s, 2);
        for (const DistroComparison& c : doc.comparisons) comparison(p, c);
        charts(p, doc);
        if (!doc.failures.empty()) {
            p.element("h2", "Failures");
            for (const Failure& f : doc.failures) {
                p.open("div", {{"class", std::string("failure ") + tone_class(f.tone)}});
                p.element("h3", f.title);
                if (!f.message.empty()) p.element("p", f.message);
                if (!f.detail.empty()) detail_block(p, f.detail, f.language);
                p.close();
                p.newline();
            }
        }
        p.close();
        p.close();
        p.end();
    }
    os << "\n";
    return os.str();
}

// The HTML report of a perf run.
std::string perf_html(const PerfResults& results, const ReportMeta& meta) {
    return to_html(perf_document(results, meta));
}

// The HTML report of an upgrade run.
std::string upgrade_html(const UpgradeResults& results, const ReportMeta& meta) {
    return to_html(upgrade_document(results, meta));
}

}  // namespace pgorch::report
