// JUnit XML for CI: the results as suites and test cases, written with Poco's XMLWriter.
#include "report/junit.hpp"

#include <Poco/SAX/AttributesImpl.h>
#include <Poco/XML/XMLWriter.h>
#include <fmt/format.h>

#include <algorithm>
#include <sstream>

namespace pgorch::report {

namespace {

using Poco::XML::XMLWriter;

struct TestCase {
    std::string classname, name;
    double time_ms = 0;
    enum class Outcome { passed, failure, error, skipped } outcome = Outcome::passed;
    std::string message, type, text;     // failure/error/skipped: message, type and body
    std::string system_out;
};

struct Suite {
    std::string name;
    double time_ms = 0;
    std::vector<std::pair<std::string, std::string>> properties;
    std::vector<TestCase> cases;
    std::size_t count(TestCase::Outcome o) const {
        return static_cast<std::size_t>(std::count_if(cases.begin(), cases.end(), [o](const TestCase& c) { return c.outcome == o; }));
    }
};

// A class name segment: readers split class names at dots ("15.20" would become two packages).
std::string segment(std::string s) {
    std::replace(s.begin(), s.end(), '.', '_');
    return s;
}

// A passed test case.
TestCase make(std::string classname, std::string name, double ms) {
    TestCase c;
    c.classname = std::move(classname);
    c.name = std::move(name);
    c.time_ms = ms;
    return c;
}

// Sets a test case's outcome and its message, type and text.
void set(TestCase& c, TestCase::Outcome o, std::string message, std::string type, std::string text = {}) {
    c.outcome = o;
    c.message = std::move(message);
    c.type = std::move(type);
    c.text = std::move(text);
}

// A perf setup script or hook: failure when it exited non-zero or timed out.
TestCase perf_script(const std::string& classname, const ScriptRun& s) {
    TestCase c = make(classname, s.kind + " " + s.name, s.duration_ms);
    if (!s.ok) {
        std::string why = !s.error.empty() ? s.error : s.timed_out ? "timed out" : fmt::format("exited with code {}", s.exit_code);
        set(c, TestCase::Outcome::failure, why, s.kind, s.output_tail);
    }
    if (!s.log.empty()) c.system_out = "log: " + s.log + "\n";
    return c;
}

// A test case per setup script, hook, explain and timing query of one target.
Suite perf_suite(const PerfResults& r, const TargetResult& t, const ReportMeta& meta) {
    Suite s;
    s.name = target_label(t);
    s.time_ms = t.duration_ms;
    if (!meta.run_id.empty()) s.properties.emplace_back("run_id", meta.run_id);
    s.properties.emplace_back("kind", "perf");
    s.properties.emplace_back("db_type", t.db_type);
    s.properties.emplace_back("version", t.version);
    if (t.edition) s.properties.emplace_back("edition", *t.edition);
    if (!t.exact_version.empty()) s.properties.emplace_back("exact_version", t.exact_version);
    if (!t.written.empty() && t.written != t.version) s.properties.emplace_back("db_version", t.written);
    if (auto* m = t.install.if_contains("method"); m && m->is_string()) s.properties.emplace_back("method", std::string(m->as_string()));
    s.properties.emplace_back("cluster", t.cluster_id);
    if (meta.performance_coefficient > 0)
        s.properties.emplace_back("performance_coefficient", fmt::format("{}", meta.performance_coefficient));
    const std::string target_class = segment(r.scenario) + "." + segment(s.name);
    // A failure's type names the perf check plugin that ran the query.
    const std::string& plan_check = r.plan_plugin;
    const std::string& timing_check = r.timing_plugin;
    if (t.error) {
        TestCase c = make(target_class, "set up " + s.name, 0);
        set(c, t.error->code == ExitCode::interrupted ? TestCase::Outcome::skipped : TestCase::Outcome::error,
            t.error->message, t.error->tag(), t.error->hint);
        s.cases.push_back(std::move(c));
    }
    for (const ScriptRun& x : t.setup) s.cases.push_back(perf_script(target_class, x));
    for (const CaseResult& cr : t.cases) {
        const std::string cls = target_class + "." + segment(cr.name);
        for (const ScriptRun& h : cr.hooks) s.cases.push_back(perf_script(cls, h));
        const std::string not_run = cr.error.empty() ? "not run" : "not run: " + cr.error;
        for (const ExplainResult& x : cr.explain) {
            TestCase c = make(cls, "explain " + x.query, detail_number(x.detail, "duration_ms").value_or(0));
            if (x.verdict == sdk::PlanVerdict::mismatch) {
                std::string closest = detail_text(x.detail, "closest_expected_file");
                set(c, TestCase::Outcome::failure,
                    closest.empty() ? "plan does not match an expected file" : "plan does not match; closest \"" + closest + "\"",
                    "plan mismatch", detail_text(x.detail, "diff"));
            } else if (x.verdict == sdk::PlanVerdict::not_run) {
                set(c, TestCase::Outcome::skipped, x.error.empty() ? not_run : x.error, "");
            } else if (x.verdict != sdk::PlanVerdict::match) {
                set(c, TestCase::Outcome::error, x.error.empty() ? x.result() : x.error, plan_check);
            }
            if (auto actual = detail_text(x.detail, "actual"); !actual.empty()) c.system_out = actual;
            s.cases.push_back(std::move(c));
        }
        for (const TimingResult& tm : cr.timing) {
            TimingNumbers n = timing_numbers(tm);
            TestCase c = make(cls, "timing " + tm.query, n.total_ms);
            std::string numbers = n.known ? fmt::format("median {:.3f} ms, limit {:.3f} ms, min {:.3f} ms, p95 {:.3f} ms, "
                                                        "max {:.3f} ms, spread {:.3f} ms, {} sample(s)\n",
                                                        n.median, n.limit, n.min, n.p95, n.max, n.spread, n.samples)
                                          : "";
            if (tm.success) c.system_out = numbers;
            else if (tm.verdict == sdk::TimingVerdict::not_run)
                set(c, TestCase::Outcome::skipped, tm.error.empty() ? not_run : tm.error, "");
            else if (tm.verdict == sdk::TimingVerdict::exceeds && n.known)
                set(c, TestCase::Outcome::failure,
                    fmt::format("median {:.3f} ms exceeds the limit {:.3f} ms", n.median, n.limit), timing_check, numbers);
            else if (tm.verdict == sdk::TimingVerdict::exceeds) set(c, TestCase::Outcome::failure, tm.result(), timing_check);
            else set(c, TestCase::Outcome::error, tm.error.empty() ? tm.result() : tm.error, timing_check);
            s.cases.push_back(std::move(c));
        }
    }
    return s;
}

// XML attributes from name/value pairs, values cleaned for XML.
Poco::XML::AttributesImpl attributes(std::initializer_list<std::pair<const char*, std::string>> attrs) {
    Poco::XML::AttributesImpl a;
    for (const auto& [k, v] : attrs) a.addAttribute("", "", k, "CDATA", clean_text(v));
    return a;
}

// One element with optional text; empty elements are written self-closing.
void element(XMLWriter& w, const char* tag, const Poco::XML::AttributesImpl& a, const std::string& text = {}) {
    if (text.empty()) {
        w.emptyElement("", "", tag, a);
        return;
    }
    w.startElement("", "", tag, a);
    w.characters(clean_text(text));
    w.endElement("", "", tag);
}

// Counts of all suites, then each suite with its properties and test cases.
std::string write(const std::string& name, double time_ms, const std::vector<Suite>& suites) {
    std::size_t tests = 0, failures = 0, errors = 0, skipped = 0;
    for (const Suite& s : suites) {
        tests += s.cases.size();
        failures += s.count(TestCase::Outcome::failure);
        errors += s.count(TestCase::Outcome::error);
        skipped += s.count(TestCase::Outcome::skipped);
    }
    std::ostringstream os;
    XMLWriter w(os, XMLWriter::WRITE_XML_DECLARATION | XMLWriter::PRETTY_PRINT);
    w.setNewLine("\n");
    w.setIndent("  ");
    w.startDocument();
    w.startElement("", "", "testsuites",
                   attributes({{"name", name}, {"tests", std::to_string(tests)}, {"failures", std::to_string(failures)},
                               {"errors", std::to_string(errors)}, {"skipped", std::to_string(skipped)},
                               {"time", format_seconds(time_ms)}}));
    for (std::size_t i = 0; i < suites.size(); ++i) {
        const Suite& s = suites[i];
        w.startElement("", "", "testsuite",
                       attributes({{"name", s.name}, {"id", std::to_string(i)}, {"tests", std::to_string(s.cases.size())},
                                   {"failures", std::to_string(s.count(TestCase::Outcome::failure))},
                                   {"errors", std::to_string(s.count(TestCase::Outcome::error))},
                                   {"skipped", std::to_string(s.count(TestCase::Outcome::skipped))},
                                   {"time", format_seconds(s.time_ms)}}));
        if (!s.properties.empty()) {
            w.startElement("", "", "properties");
            for (const auto& [k, v] : s.properties) element(w, "property", attributes({{"name", k}, {"value", v}}));
            w.endElement("", "", "properties");
        }
        for (const TestCase& c : s.cases) {
            auto a = attributes({{"classname", c.classname}, {"name", c.name}, {"time", format_seconds(c.time_ms)}});
            if (c.outcome == TestCase::Outcome::passed && c.system_out.empty()) {
                w.emptyElement("", "", "testcase", a);
                continue;
            }
            w.startElement("", "", "testcase", a);
            switch (c.outcome) {
            case TestCase::Outcome::failure:
                element(w, "failure", attributes({{"message", c.message}, {"type", c.type}}), c.text);
                break;
            case TestCase::Outcome::error:
                element(w, "error", attributes({{"message", c.message}, {"type", c.type}}), c.text);
                break;
            case TestCase::Outcome::skipped: element(w, "skipped", attributes({{"message", c.message}})); break;
            default: break;
            }
            if (!c.system_out.empty()) element(w, "system-out", attributes({}), c.system_out);
            w.endElement("", "", "testcase");
        }
        w.endElement("", "", "testsuite");
    }
    w.endElement("", "", "testsuites");
    w.endDocument();
    return os.str() + "\n";
}

// A step's failure text: its differences (unexpected first) and its logs.
std::string step_text(const UpgradeStepResult& s) {
    std::string text;
    for (const auto& d : s.differences) text += d + "\n";
    for (const auto& l : s.logs) text += "log: " + l + "\n";
    return text;
}

// An upgrade script: failure when it did not exit 0.
TestCase upgrade_script(const std::string& classname, const std::string& prefix, const UpgradeScript& x) {
    TestCase c = make(classname, prefix + x.kind + " " + x.name, x.duration_ms);
    if (!x.ok)
        set(c, TestCase::Outcome::failure, x.error.empty() ? fmt::format("exited with code {}", x.exit_code) : x.error,
            x.error_code.empty() ? x.kind : x.error_code, x.log.empty() ? "" : "log: " + x.log + "\n");
    else if (!x.log.empty()) c.system_out = "log: " + x.log + "\n";
    return c;
}

}  // namespace

// A suite per target, then "expected results" when there was something to compare or bless.
std::string perf_junit(const PerfResults& r, const ReportMeta& meta) {
    std::vector<Suite> suites;
    for (const TargetResult& t : r.targets) suites.push_back(perf_suite(r, t, meta));
    if (r.compared_with_expected || !r.blessed.empty()) {
        Suite s;
        s.name = "expected results";
        const std::string cls = segment(r.scenario) + ".expected";
        if (r.compared_with_expected) {
            TestCase c = make(cls, "results/conf.yaml matches expected/conf.yaml", 0);
            if (!r.expected_differences.empty()) {
                std::string text;
                for (const auto& d : r.expected_differences) text += d + "\n";
                set(c, TestCase::Outcome::failure, fmt::format("{} difference(s) from expected/conf.yaml", r.expected_differences.size()),
                    "expected results", text);
            }
            s.cases.push_back(std::move(c));
        }
        for (const BlessedFile& b : r.blessed) {
            TestCase c = make(cls, "bless " + b.file + " (" + b.target + ")", 0);
            if (!b.error.empty()) set(c, TestCase::Outcome::error, b.error, "bless");
            s.cases.push_back(std::move(c));
        }
        suites.push_back(std::move(s));
    }
    return write(r.scenario, r.duration_ms, suites);
}

// One suite: initial scripts, then per step its scripts and the step itself.
std::string upgrade_junit(const UpgradeResults& r, const ReportMeta& meta) {
    Suite s;
    s.name = "upgrade " + r.db_type + " " + r.start_version;
    s.time_ms = r.duration_ms;
    std::string versions = r.start_version;
    for (const auto& st : r.steps) versions += " -> " + st.to_version;
    const std::string run_id = meta.run_id.empty() ? r.run_id : meta.run_id;
    if (!run_id.empty()) s.properties.emplace_back("run_id", run_id);
    s.properties.emplace_back("kind", "upgrade");
    s.properties.emplace_back("db_type", r.db_type);
    s.properties.emplace_back("db_version", r.start_version);
    s.properties.emplace_back("versions", versions);
    if (!r.results_dir.empty()) s.properties.emplace_back("results_dir", r.results_dir);
    const std::string cls = segment(r.scenario) + ".upgrade";
    bool initial_failed = false, step_failed = false;
    for (const auto& x : r.initial) {
        s.cases.push_back(upgrade_script(cls, "", x));
        initial_failed |= !x.ok;
    }
    std::string previous = r.start_version;
    for (const auto& st : r.steps) {
        const std::string from = st.from_version.empty() ? previous : st.from_version;
        previous = st.to_version;
        const std::string step = fmt::format("step {} ", st.index);
        for (const auto& x : st.scripts) s.cases.push_back(upgrade_script(cls, step, x));
        TestCase c = make(cls, fmt::format("step {} {} {} -> {}", st.index, st.method, from, st.to_version), st.duration_ms);
        if (st.verdict == "skipped") set(c, TestCase::Outcome::skipped, "an earlier step failed", "");
        else if (st.verdict != "passed") {
            step_failed = true;
            // The run's own error comes from this step when it was not a failed check
            // (provisioning, a cluster that did not start): that is an error, not a failure.
            // The type is the error's catalog code (PGO-1005 ...).
            set(c, r.error.empty() ? TestCase::Outcome::failure : TestCase::Outcome::error, st.error,
                !st.error_code.empty() ? st.error_code : r.error.empty() ? "verification" : "environment", step_text(st));
        }
        std::string out = fmt::format("method {}{}, duration {}, downtime {}, size {} -> {}\n", st.method,
                                      st.variant.empty() ? "" : " (" + st.variant + ")", format_ms(st.duration_ms),
                                      format_ms(st.downtime_ms), format_bytes(st.size_before), format_bytes(st.size_after));
        if (st.verdict != "skipped") c.system_out = out;
        s.cases.push_back(std::move(c));
        // What the step added (a migration each, a stairway rung ...), after the step itself.
        for (const auto& t : st.report.tests) {
            TestCase x = make(cls + "." + segment(st.method), fmt::format("step {} {}", st.index, t.name), t.time_ms);
            if (t.outcome == "failed") set(x, TestCase::Outcome::failure, t.message, st.method, t.detail);
            else if (t.outcome == "error") set(x, TestCase::Outcome::error, t.message, st.method, t.detail);
            else if (t.outcome == "skipped") set(x, TestCase::Outcome::skipped, t.message, "");
            x.system_out = t.output;
            s.cases.push_back(std::move(x));
        }
    }
    if (!r.error.empty() && !step_failed && !initial_failed) {
        TestCase c = make(cls, "set up the upgrade chain", 0);
        set(c, TestCase::Outcome::error, r.error, r.failure ? r.failure->tag() : "setup");
        s.cases.push_back(std::move(c));
    }
    return write(r.scenario, r.duration_ms, {s});
}

}  // namespace pgorch::report
