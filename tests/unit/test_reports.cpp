// JUnit XML, Markdown and HTML reports built from hand-made perf and upgrade results.
#include "cli/args.hpp"
#include "report/html.hpp"
#include "report/junit.hpp"
#include "report/markdown.hpp"
#include "report/write_reports.hpp"

#include <Poco/AutoPtr.h>
#include <Poco/DOM/DOMParser.h>
#include <Poco/DOM/Document.h>
#include <Poco/DOM/Element.h>
#include <Poco/DOM/NodeList.h>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>

using namespace pgorch;
using namespace pgorch::report;
namespace json = boost::json;

namespace {

const std::string kHostile = "<script>alert(1)</script>.sql";
const std::string kPlanDiff = "--- expected/e1.txt\n+++ actual\n@@ -1 +1 @@\n-Seq Scan\n+Filter: (name = 'a<b&\"c')\n";

ScriptRun script(std::string kind, std::string name, bool ok) {
    ScriptRun s;
    s.kind = std::move(kind);
    s.name = std::move(name);
    s.ok = ok;
    s.exit_code = ok ? 0 : 3;
    s.duration_ms = 120;
    s.output_tail = ok ? "" : "the sample data is missing\n";
    return s;
}

TimingResult timing(std::string query, double median, double limit) {
    TimingResult t;
    t.query = std::move(query);
    bool within = median <= limit;
    t.verdict = within ? pgorch::sdk::TimingVerdict::within : pgorch::sdk::TimingVerdict::exceeds;
    t.success = within;
    t.detail = {{"limit_ms", limit},
                {"stats", json::object{{"min", median - 1}, {"median", median}, {"p95", median + 1}, {"max", median + 1},
                                       {"spread", 2.0}, {"samples", json::array{median - 1, median, median + 1}}}}};
    return t;
}

// Target A: a match, a mismatch, a timing within and one over the limit, and a case whose
// pre_hook failed (its queries not run). Target B: could not be provisioned. Target C: timings.
PerfResults perf_fixture() {
    PerfResults r;
    r.scenario = "perf.demo";
    r.duration_ms = 4321;
    r.plan_plugin = "explain";
    r.timing_plugin = "timing";
    TargetResult a;
    a.db_type = "pgdg";
    a.version = "15.20";
    a.exact_version = "15.20";
    a.cluster_id = "t1-15.20";
    a.setup.push_back(script("db_initial_script", "fill.sh", true));
    CaseResult c1;
    c1.name = "c1";
    ExplainResult match;
    match.query = "explain_1.sql";
    match.verdict = pgorch::sdk::PlanVerdict::match;
    match.matched_expected_file = "expected_1.txt";
    match.detail = {{"duration_ms", 12.0}, {"actual", "Index Scan\n"}};
    ExplainResult mismatch;
    mismatch.query = "explain_2.sql";
    mismatch.verdict = pgorch::sdk::PlanVerdict::mismatch;
    mismatch.detail = {{"diff", kPlanDiff}, {"closest_expected_file", "e1.txt"}, {"changed_lines", 2}};
    c1.explain = {match, mismatch};
    c1.timing = {timing("timing_ok.sql", 4, 10), timing(kHostile, 300, 100)};
    CaseResult c2;
    c2.name = "c2";
    c2.hooks.push_back(script("pre_hook", "pre_hook.sh", false));
    c2.error = "pre_hook \"pre_hook.sh\" exited with code 3";
    c2.explain.emplace_back().query = "explain_3.sql";
    c2.timing.emplace_back().query = "timing_3.sql";
    a.cases = {c1, c2};
    TargetResult b;
    b.db_type = "pgdg";
    b.version = "16.4";
    b.cluster_id = "t2-16.4";
    b.error = Error::environment("cannot provision pgdg 16.4", "Check the mirror.");
    TargetResult c = a;
    c.version = "15.18";
    c.cluster_id = "t3-15.18";
    c.cases = {c1};
    c.cases[0].explain = {match};
    c.cases[0].timing = {timing("timing_ok.sql", 5, 10), timing(kHostile, 50, 100)};
    r.targets = {a, b, c};
    return r;
}

UpgradeResults upgrade_fixture() {
    UpgradeResults r;
    r.scenario = "upgrade-15";
    r.run_id = "upgrade-15-20250101-000000-1";
    r.db_type = "pgdg";
    r.start_version = "15.18";
    r.duration_ms = 9000;
    UpgradeScript setup;
    setup.kind = "initial_setup_script";
    setup.name = "setup.sh";
    setup.ok = true;
    r.initial = {setup};
    UpgradeStepResult s1;
    s1.index = 1;
    s1.method = "minor";
    s1.from_version = "15.18";
    s1.to_version = "15.20";
    s1.verdict = "passed";
    s1.duration_ms = 1500;
    s1.downtime_ms = 1400;
    s1.size_before = s1.size_after = 524288;
    UpgradeStepResult s2 = s1;
    s2.index = 2;
    s2.method = "pg_upgrade";
    s2.variant = "link";
    s2.from_version = "15.20";
    s2.to_version = "16.4";
    s2.verdict = "failed";
    s2.duration_ms = 2500;
    s2.downtime_ms = 1200;
    s2.size_after = 2 * 1024 * 1024;
    s2.error = "verification failed: 0 problem(s), 1 unexpected difference(s)";
    s2.differences = {"db \"app\": table \"public.orders\": rows 1000 -> 999"};
    UpgradeScript pre = setup, verifier = setup;
    pre.kind = "pre_script";
    pre.name = "pre.sh";
    verifier.kind = "verifier";
    verifier.name = "check_app.sh";
    verifier.ok = false;
    verifier.exit_code = 1;
    s2.scripts = {pre, verifier};
    UpgradeStepResult s3;
    s3.index = 3;
    s3.method = "minor";
    s3.to_version = "16.6";
    UpgradeStepResult s4 = s3;
    s4.index = 4;
    s4.method = "pg_dumpall";
    r.steps = {s1, s2, s3, s4};
    return r;
}

Poco::AutoPtr<Poco::XML::Document> parse(const std::string& xml) {
    Poco::XML::DOMParser parser;
    return parser.parseString(xml);
}

unsigned long count_tags(Poco::XML::Document& doc, const std::string& tag) {
    Poco::AutoPtr<Poco::XML::NodeList> list = doc.getElementsByTagName(tag);
    return list->length();
}

Poco::XML::Element* element(Poco::XML::Document& doc, const std::string& tag, unsigned long i) {
    Poco::AutoPtr<Poco::XML::NodeList> list = doc.getElementsByTagName(tag);
    REQUIRE(i < list->length());
    return static_cast<Poco::XML::Element*>(list->item(i));
}

// The <testcase> with this name, or nullptr.
Poco::XML::Element* testcase(Poco::XML::Document& doc, const std::string& name) {
    Poco::AutoPtr<Poco::XML::NodeList> list = doc.getElementsByTagName("testcase");
    for (unsigned long i = 0; i < list->length(); ++i) {
        auto* e = static_cast<Poco::XML::Element*>(list->item(i));
        if (e->getAttribute("name") == name) return e;
    }
    return nullptr;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + what.size())) ++n;
    return n;
}

}  // namespace

TEST_CASE("perf JUnit XML counts tests, failures, errors and skipped", "[reports]") {
    auto doc = parse(perf_junit(perf_fixture(), {"run-1", 0.8}));
    Poco::XML::Element* root = doc->documentElement();
    CHECK(root->nodeName() == "testsuites");
    CHECK(root->getAttribute("name") == "perf.demo");
    // A: setup, 2 explain, 2 timing, hook, 2 not run = 8; B: 1 error; C: setup, explain, 2 timing = 4.
    CHECK(root->getAttribute("tests") == "13");
    CHECK(root->getAttribute("failures") == "3");
    CHECK(root->getAttribute("errors") == "1");
    CHECK(root->getAttribute("skipped") == "2");
    CHECK(root->getAttribute("time") == "4.321");
    CHECK(count_tags(*doc, "testsuite") == 3);
    CHECK(count_tags(*doc, "failure") == 3);
    CHECK(count_tags(*doc, "error") == 1);
    CHECK(count_tags(*doc, "skipped") == 2);
    Poco::XML::Element* suite = element(*doc, "testsuite", 0);
    CHECK(suite->getAttribute("name") == "pgdg 15.20");
    CHECK(suite->getAttribute("tests") == "8");
    CHECK(suite->getAttribute("failures") == "3");
    CHECK(element(*doc, "testsuite", 1)->getAttribute("errors") == "1");
    CHECK(element(*doc, "error", 0)->getAttribute("message") == "cannot provision pgdg 16.4");

    Poco::XML::Element* explain = testcase(*doc, "explain explain_2.sql");
    REQUIRE(explain);
    CHECK(explain->getAttribute("classname") == "perf_demo.pgdg 15_20.c1");
    Poco::XML::Element* failure = explain->getChildElement("failure");
    REQUIRE(failure);
    CHECK(failure->getAttribute("message") == "plan does not match; closest \"e1.txt\"");
    CHECK(failure->innerText() == kPlanDiff);  // the diff, escaped in the file, parses back verbatim
    Poco::XML::Element* match = testcase(*doc, "explain explain_1.sql");
    REQUIRE(match);
    CHECK(match->getAttribute("time") == "0.012");
    CHECK_FALSE(match->getChildElement("failure"));
    Poco::XML::Element* slow = testcase(*doc, "timing " + kHostile);
    REQUIRE(slow);
    CHECK(slow->getChildElement("failure")->getAttribute("message") == "median 300.000 ms exceeds the limit 100.000 ms");
    CHECK(slow->getChildElement("failure")->getAttribute("type") == "timing");  // the plugin that ran it
    Poco::XML::Element* hook = testcase(*doc, "pre_hook pre_hook.sh");
    REQUIRE(hook);
    CHECK(hook->getChildElement("failure")->innerText() == "the sample data is missing\n");
    CHECK(testcase(*doc, "explain explain_3.sql")->getChildElement("skipped"));
}

TEST_CASE("JUnit XML escapes plans and carries properties", "[reports]") {
    const std::string xml = perf_junit(perf_fixture(), {"run-1", 0.8});
    CHECK(xml.find("a<b&") == std::string::npos);
    CHECK(xml.find("a&lt;b&amp;") != std::string::npos);
    CHECK(xml.find("<script>") == std::string::npos);
    auto doc = parse(xml);
    Poco::AutoPtr<Poco::XML::NodeList> props = doc->getElementsByTagName("property");
    std::map<std::string, std::string> first;
    for (unsigned long i = 0; i < props->length(); ++i) {
        auto* p = static_cast<Poco::XML::Element*>(props->item(i));
        first.emplace(p->getAttribute("name"), p->getAttribute("value"));
    }
    CHECK(first["run_id"] == "run-1");
    CHECK(first["db_type"] == "pgdg");
    CHECK(first["version"] == "15.20");
    CHECK(first["performance_coefficient"] == "0.8");
}

TEST_CASE("perf JUnit XML stays valid with control characters and bad UTF-8", "[reports]") {
    PerfResults r = perf_fixture();
    r.targets[0].cases[0].explain[1].detail["diff"] = std::string("bell \x07 and \xff\xfe bytes, caf\xc3\xa9\n");
    auto doc = parse(perf_junit(r, {}));
    std::string text = testcase(*doc, "explain explain_2.sql")->getChildElement("failure")->innerText();
    CHECK(text == "bell \xEF\xBF\xBD and \xEF\xBF\xBD\xEF\xBF\xBD bytes, caf\xc3\xa9\n");
}

TEST_CASE("expected results and bless get their own suite", "[reports]") {
    PerfResults r = perf_fixture();
    r.compared_with_expected = true;
    r.expected_differences = {"test_results[0].cases[0].explain_results[1].result: expected match, got mismatch"};
    auto doc = parse(perf_junit(r, {}));
    CHECK(count_tags(*doc, "testsuite") == 4);
    CHECK(doc->documentElement()->getAttribute("failures") == "4");
    Poco::XML::Element* c = testcase(*doc, "results/conf.yaml matches expected/conf.yaml");
    REQUIRE(c);
    CHECK(c->getChildElement("failure")->innerText().find("expected match, got mismatch") != std::string::npos);
}

TEST_CASE("upgrade JUnit XML has a test case per step and script", "[reports]") {
    auto doc = parse(upgrade_junit(upgrade_fixture(), {}));
    Poco::XML::Element* root = doc->documentElement();
    // initial script, step 1, step 2's two scripts, step 2, steps 3 and 4
    CHECK(root->getAttribute("tests") == "7");
    CHECK(root->getAttribute("failures") == "2");
    CHECK(root->getAttribute("errors") == "0");
    CHECK(root->getAttribute("skipped") == "2");
    CHECK(count_tags(*doc, "testsuite") == 1);
    Poco::XML::Element* step2 = testcase(*doc, "step 2 pg_upgrade 15.20 -> 16.4");
    REQUIRE(step2);
    CHECK(step2->getAttribute("time") == "2.500");
    Poco::XML::Element* f = step2->getChildElement("failure");
    REQUIRE(f);
    CHECK(f->getAttribute("message") == "verification failed: 0 problem(s), 1 unexpected difference(s)");
    CHECK(f->innerText().find("db \"app\": table \"public.orders\": rows 1000 -> 999") != std::string::npos);
    REQUIRE(testcase(*doc, "step 2 verifier check_app.sh"));
    CHECK(testcase(*doc, "step 2 verifier check_app.sh")->getChildElement("failure"));
    REQUIRE(testcase(*doc, "step 3 minor 16.4 -> 16.6"));  // from: the previous step's version
    CHECK(testcase(*doc, "step 3 minor 16.4 -> 16.6")->getChildElement("skipped"));
    CHECK(testcase(*doc, "step 1 minor 15.18 -> 15.20"));
}

TEST_CASE("an upgrade that could not run is an error, not a failure", "[reports]") {
    UpgradeResults r = upgrade_fixture();
    r.steps.resize(2);
    r.steps[1].scripts.clear();
    r.steps[1].differences.clear();
    r.steps[1].error = "cannot provision pgdg 16.4";
    r.error = "cannot provision pgdg 16.4";
    auto doc = parse(upgrade_junit(r, {}));
    CHECK(doc->documentElement()->getAttribute("errors") == "1");
    CHECK(doc->documentElement()->getAttribute("failures") == "0");

    UpgradeResults setup = upgrade_fixture();
    setup.steps.clear();
    setup.error = "initdb failed";
    doc = parse(upgrade_junit(setup, {}));
    CHECK(doc->documentElement()->getAttribute("tests") == "2");
    CHECK(doc->documentElement()->getAttribute("errors") == "1");
    REQUIRE(testcase(*doc, "set up the upgrade chain"));
}

TEST_CASE("perf Markdown has a table row per query and the diffs", "[reports]") {
    const std::string md = perf_markdown(perf_fixture(), {"run-1", 0.8});
    CHECK(md.rfind("# pgorch perf report: perf.demo\n", 0) == 0);
    CHECK(md.find("**Verdict: ERROR**") != std::string::npos);  // target B could not be provisioned
    CHECK(md.find("## pgdg 15.20 — failed") != std::string::npos);
    CHECK(md.find("| case | query | plan | median / limit | p95 | spread | result |") != std::string::npos);
    CHECK(md.find("| c1 | explain explain_1.sql | match (expected_1.txt) | - | - | - | match |") != std::string::npos);
    CHECK(md.find("| c1 | timing timing_ok.sql | - | 4.000 ms / 10.0 ms | 5.000 ms | 2.000 ms | within expected |") !=
          std::string::npos);
    CHECK(md.find("| c2 | explain explain_3.sql | not run | - | - | - | not run |") != std::string::npos);
    CHECK(md.find("**mismatch (closest e1.txt, 2 line(s) differ)**") != std::string::npos);
    CHECK(md.find("```diff\n" + kPlanDiff + "```\n") != std::string::npos);
    CHECK_FALSE(std::regex_search(md, std::regex(R"((^|[^\\])<script)")));  // every '<' is escaped
    CHECK(md.find("\\<script>alert(1)\\</script>.sql") != std::string::npos);
    CHECK(md.find("cannot provision pgdg 16.4") != std::string::npos);
}

TEST_CASE("Markdown code fences outgrow the backticks inside", "[reports]") {
    PerfResults r = perf_fixture();
    r.targets[0].cases[0].explain[1].detail["diff"] = "-a\n+```\n";
    const std::string md = perf_markdown(r, {});
    CHECK(md.find("````diff\n-a\n+```\n````\n") != std::string::npos);
    CHECK(markdown_escape("a|b *c* _d_ e_f\nx") == "a\\|b \\*c\\* \\_d\\_ e_f x");
}

TEST_CASE("upgrade Markdown has the steps table and the failure", "[reports]") {
    const std::string md = upgrade_markdown(upgrade_fixture(), {});
    CHECK(md.find("**Verdict: FAILED**") != std::string::npos);
    CHECK(md.find("| step | method | from -> to | verdict | duration | downtime | size before | size after |") != std::string::npos);
    CHECK(md.find("| 1 | minor | 15.18 -> 15.20 | passed | 1.50 s | 1.40 s | 512 kB | 512 kB |") != std::string::npos);
    CHECK(md.find("| 2 | pg_upgrade (link) | 15.20 -> 16.4 | **failed** | 2.50 s | 1.20 s | 512 kB | 2.0 MB |") != std::string::npos);
    CHECK(md.find("| 3 | minor | ? -> 16.6 | skipped | - | - | - | - |") != std::string::npos);
    CHECK(md.find("### step 2 pg_upgrade 15.20 -> 16.4: failed") != std::string::npos);
    CHECK(md.find("db \"app\": table \"public.orders\": rows 1000 -> 999\n") != std::string::npos);
}

TEST_CASE("perf HTML escapes hostile texts and draws one SVG per timing query", "[reports]") {
    const std::string html = perf_html(perf_fixture(), {"run-1", 0.8});
    CHECK(html.rfind("<!DOCTYPE html>\n<html", 0) == 0);
    std::string lower = html;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    CHECK(lower.find("<script") == std::string::npos);
    CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;.sql") != std::string::npos);
    CHECK(html.find("a&lt;b&amp;") != std::string::npos);
    CHECK(html.find("a<b&") == std::string::npos);
    CHECK(html.find(" src=") == std::string::npos);   // nothing external
    CHECK(html.find(" href=") == std::string::npos);
    // c1 has two timing queries measured on A and C; c2's was not run: two charts, two bars each.
    CHECK(occurrences(html, "<svg") == 2);
    CHECK(occurrences(html, "</svg>") == 2);
    CHECK(occurrences(html, "<rect") == 4);
    CHECK(occurrences(html, "stroke-dasharray") == 4);  // the limit marks
    CHECK(html.find("<td/>") == std::string::npos);
    // Everything after the doctype is well-formed XML.
    CHECK_NOTHROW(parse(html.substr(html.find('\n') + 1)));
}

TEST_CASE("upgrade HTML has a duration and a downtime chart", "[reports]") {
    const std::string html = upgrade_html(upgrade_fixture(), {});
    CHECK(occurrences(html, "<svg") == 2);
    CHECK(occurrences(html, "<rect") == 4);  // steps 1 and 2 in each; skipped steps have no bar
    CHECK(html.find("downtime per step") != std::string::npos);
    CHECK(html.find("db &quot;app&quot;: table &quot;public.orders&quot;: rows 1000 -&gt; 999") != std::string::npos);
    CHECK_NOTHROW(parse(html.substr(html.find('\n') + 1)));
}

TEST_CASE("run reports are written next to report.json and to --junit", "[reports]") {
    namespace fs = std::filesystem;
    fs::path dir = fs::temp_directory_path() / ("pgorch-reports-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    auto written = write_run_reports(perf_fixture(), {}, dir / "results", dir / "ci" / "junit.xml");
    CHECK(written.size() == 4);
    for (const char* f : {"results/junit.xml", "results/report.md", "results/report.html", "ci/junit.xml"})
        CHECK(fs::file_size(dir / f) > 0);
    // A path that cannot be written is left out with a warning, the others are written.
    written = write_run_reports(upgrade_fixture(), {}, dir / "up", "/dev/null/junit.xml");
    CHECK(written.size() == 3);
    fs::remove_all(dir);
}

TEST_CASE("run --junit FILE is parsed", "[reports]") {
    auto o = cli::parse({"run", "quickstart", "--junit", "out/junit.xml"});
    REQUIRE(o);
    CHECK(o->junit_file == "out/junit.xml");
    CHECK_FALSE(cli::parse({"run", "quickstart", "--junit"}));
    CHECK(cli::usage("run").find("--junit FILE") != std::string::npos);
}
