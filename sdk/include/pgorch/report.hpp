// pgorch SDK: what a step adds to the run's human reports, typed. A step returns it under the
// key "report" of its result; the host renders it in report.md, report.html and junit.xml next
// to the chain's own table, from this same type (host/report/document_upgrade.cpp), so a step
// shows its findings without the host knowing what the step is:
//
//   {"sections": [{"heading": "...", "tone": "ok", "facts": [["database", "app"]],
//                  "tables": [{"caption": "...", "headers": [...], "rows": [[{"text": "...", "tone": "bad"}]]}],
//                  "charts": [{"title": "...", "unit": "ms", "bars": [{"label", "value", "value_text", "tone"}]}],
//                  "notes": ["..."], "detail": "verbatim text", "collapsed": false, "children": [...]}],
//    "tests": [{"name": "V003 add orders", "outcome": "passed|failed|error|skipped", "time_ms": 12.5,
//               "message": "...", "detail": "...", "output": "..."}]}
//
// Tones: "" (plain), "ok", "bad", "error", "skip". report.md renders a section's charts as
// tables (it is meant for a merge-request comment) and a collapsed section as <details>;
// report.html draws them as SVG bars. Each test is a JUnit <testcase> after the step's own.
#pragma once

#include <boost/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace pgorch::sdk {

namespace report_detail {
namespace json = boost::json;
inline std::string text(const json::object& o, const char* key) {
    if (auto* v = o.if_contains(key); v && v->is_string()) return std::string(v->as_string());
    return {};
}
inline double number(const json::object& o, const char* key) {
    if (auto* v = o.if_contains(key); v && v->is_number()) return v->to_number<double>();
    return 0;
}
inline const json::array& array(const json::object& o, const char* key) {
    static const json::array empty;
    if (auto* v = o.if_contains(key); v && v->is_array()) return v->as_array();
    return empty;
}
}  // namespace report_detail

struct ReportCell {
    std::string text, tone;
};

struct ReportTable {
    std::string caption;
    std::vector<std::string> headers;
    std::vector<std::vector<ReportCell>> rows;
};

struct ReportBar {
    std::string label;
    double value = 0;
    std::string value_text, tone;
};

struct ReportChart {
    std::string title, unit;
    std::vector<ReportBar> bars;
};

struct ReportSection {
    std::string heading, tone;
    std::vector<std::pair<std::string, std::string>> facts;
    std::vector<ReportTable> tables;
    std::vector<ReportChart> charts;
    std::vector<std::string> notes;
    std::string detail;                  // verbatim text (a code block)
    bool collapsed = false;              // shown folded: <details> in Markdown and HTML
    std::vector<ReportSection> children;

    boost::json::object to_json() const {
        namespace json = boost::json;
        json::array f, t, c, n, ch;
        for (const auto& [k, v] : facts) f.push_back(json::array{json::value(k), json::value(v)});
        for (const auto& table : tables) {
            json::array headers, rows;
            for (const auto& h : table.headers) headers.emplace_back(h);
            for (const auto& row : table.rows) {
                json::array cells;
                for (const auto& cell : row) cells.push_back(json::object{{"text", cell.text}, {"tone", cell.tone}});
                rows.push_back(std::move(cells));
            }
            t.push_back(json::object{{"caption", table.caption}, {"headers", std::move(headers)}, {"rows", std::move(rows)}});
        }
        for (const auto& chart : charts) {
            json::array bars;
            for (const auto& b : chart.bars)
                bars.push_back(json::object{{"label", b.label}, {"value", b.value}, {"value_text", b.value_text}, {"tone", b.tone}});
            c.push_back(json::object{{"title", chart.title}, {"unit", chart.unit}, {"bars", std::move(bars)}});
        }
        for (const auto& note : notes) n.emplace_back(note);
        for (const auto& child : children) ch.push_back(child.to_json());
        return json::object{{"heading", heading}, {"tone", tone},        {"facts", std::move(f)},
                            {"tables", std::move(t)}, {"charts", std::move(c)}, {"notes", std::move(n)},
                            {"detail", detail},   {"collapsed", collapsed}, {"children", std::move(ch)}};
    }
    // Reads what to_json() writes; what is missing or of another type reads as empty.
    static ReportSection from_json(const boost::json::value& v, int depth = 0) {
        namespace json = boost::json;
        using namespace report_detail;
        ReportSection s;
        if (!v.is_object()) return s;
        const json::object& o = v.as_object();
        s.heading = text(o, "heading");
        s.tone = text(o, "tone");
        s.detail = text(o, "detail");
        if (auto* c = o.if_contains("collapsed"); c && c->is_bool()) s.collapsed = c->as_bool();
        for (const auto& f : array(o, "facts"))
            if (f.is_array() && f.as_array().size() == 2 && f.as_array()[0].is_string() && f.as_array()[1].is_string())
                s.facts.emplace_back(std::string(f.as_array()[0].as_string()), std::string(f.as_array()[1].as_string()));
        for (const auto& tv : array(o, "tables")) {
            if (!tv.is_object()) continue;
            ReportTable t;
            t.caption = text(tv.as_object(), "caption");
            for (const auto& h : array(tv.as_object(), "headers"))
                if (h.is_string()) t.headers.emplace_back(h.as_string());
            for (const auto& r : array(tv.as_object(), "rows")) {
                if (!r.is_array()) continue;
                std::vector<ReportCell> cells;
                for (const auto& cell : r.as_array())
                    if (cell.is_object()) cells.push_back({text(cell.as_object(), "text"), text(cell.as_object(), "tone")});
                    else if (cell.is_string()) cells.push_back({std::string(cell.as_string()), ""});
                t.rows.push_back(std::move(cells));
            }
            s.tables.push_back(std::move(t));
        }
        for (const auto& cv : array(o, "charts")) {
            if (!cv.is_object()) continue;
            ReportChart c{text(cv.as_object(), "title"), text(cv.as_object(), "unit"), {}};
            for (const auto& b : array(cv.as_object(), "bars"))
                if (b.is_object())
                    c.bars.push_back({text(b.as_object(), "label"), number(b.as_object(), "value"),
                                      text(b.as_object(), "value_text"), text(b.as_object(), "tone")});
            s.charts.push_back(std::move(c));
        }
        for (const auto& n : array(o, "notes"))
            if (n.is_string()) s.notes.emplace_back(n.as_string());
        if (depth < 4)
            for (const auto& ch : array(o, "children")) s.children.push_back(from_json(ch, depth + 1));
        return s;
    }
};

// One JUnit test case a step adds.
struct ReportTest {
    std::string name;
    std::string outcome = "passed";      // passed | failed | error | skipped
    double time_ms = 0;
    std::string message, detail, output;
};

struct StepReport {
    std::vector<ReportSection> sections;
    std::vector<ReportTest> tests;

    bool empty() const { return sections.empty() && tests.empty(); }
    boost::json::object to_json() const {
        namespace json = boost::json;
        json::array s, t;
        for (const auto& x : sections) s.push_back(x.to_json());
        for (const auto& x : tests)
            t.push_back(json::object{{"name", x.name}, {"outcome", x.outcome}, {"time_ms", x.time_ms},
                                     {"message", x.message}, {"detail", x.detail}, {"output", x.output}});
        return json::object{{"sections", std::move(s)}, {"tests", std::move(t)}};
    }
    static StepReport from_json(const boost::json::value& v) {
        namespace json = boost::json;
        using namespace report_detail;
        StepReport r;
        if (!v.is_object()) return r;
        for (const auto& s : array(v.as_object(), "sections")) r.sections.push_back(ReportSection::from_json(s));
        for (const auto& tv : array(v.as_object(), "tests")) {
            if (!tv.is_object()) continue;
            const json::object& o = tv.as_object();
            ReportTest t{text(o, "name"), text(o, "outcome"), number(o, "time_ms"), text(o, "message"), text(o, "detail"),
                         text(o, "output")};
            if (t.outcome.empty()) t.outcome = "passed";
            r.tests.push_back(std::move(t));
        }
        return r;
    }
};

}  // namespace pgorch::sdk
