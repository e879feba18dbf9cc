// results/conf.yaml in the original tool's shape, the expected/conf.yaml comparison, exit codes.
#include "report/perf_results.hpp"

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

using namespace pgorch;
using namespace pgorch::report;

namespace {

// One target, one case: a matching plan and a timing within its limit.
PerfResults passing() {
    PerfResults r;
    r.scenario = "seed";
    TargetResult t;
    t.db_type = "pgdg";
    t.version = "16.4";
    CaseResult c;
    c.name = "case_1";
    ExplainResult x;
    x.query = "explain_query.sql";
    x.verdict = pgorch::sdk::PlanVerdict::match;
    x.matched_expected_file = "explain_expected_1.txt";
    c.explain.push_back(x);
    TimingResult tm;
    tm.query = "timing_query.sql";
    tm.verdict = pgorch::sdk::TimingVerdict::within;
    tm.success = true;
    tm.detail = {{"limit_ms", 1875.0}, {"stats", boost::json::object{{"median", 1001.5}}}};
    c.timing.push_back(tm);
    t.cases.push_back(c);
    r.targets.push_back(t);
    return r;
}

// The issue's example, as the original tool's users have it in expected/conf.yaml.
const char* seed_expected = R"(test_results:
- test_version: '16.4'
  test_edition: null
  cases:
  - case_name: case_1
    explain_results:
    - query: explain_query.sql
      result: match
      matched_expected_file: explain_expected_1.txt
    timing_results:
    - query: timing_query.sql
      result: within expected
      status: success
)";

}  // namespace

TEST_CASE("results yaml has the seed's shape", "[perf]") {
    std::string text = results_yaml(passing());
    YAML::Node n = YAML::Load(text);
    const YAML::Node t = n["test_results"][0];
    CHECK(t["test_version"].Scalar() == "16.4");
    CHECK(t["test_version"].Tag() == "!");  // quoted: stays a string for any reader
    CHECK(t["test_edition"].IsNull());
    CHECK(text.find("test_edition: null") != std::string::npos);
    const YAML::Node c = t["cases"][0];
    CHECK(c["case_name"].Scalar() == "case_1");
    CHECK(c["explain_results"][0]["matched_expected_file"].Scalar() == "explain_expected_1.txt");
    CHECK(c["timing_results"][0]["result"].Scalar() == "within expected");
    CHECK(c["timing_results"][0]["status"].Scalar() == "success");

    auto diff = compare_yaml_text(seed_expected, text);
    REQUIRE(diff.ok());
    CHECK(diff->empty());
    CHECK(exit_code(passing()) == ExitCode::passed);
}

TEST_CASE("a mismatch and an edition show up in the yaml", "[perf]") {
    PerfResults r = passing();
    r.targets[0].edition = "se-1c";
    r.targets[0].cases[0].explain[0].verdict = pgorch::sdk::PlanVerdict::mismatch;
    r.targets[0].cases[0].explain[0].matched_expected_file.reset();
    YAML::Node n = YAML::Load(results_yaml(r));
    CHECK(n["test_results"][0]["test_edition"].Scalar() == "se-1c");
    CHECK(n["test_results"][0]["cases"][0]["explain_results"][0]["matched_expected_file"].IsNull());
    CHECK(exit_code(r) == ExitCode::check_failed);
}

TEST_CASE("comparison reports readable paths", "[perf]") {
    PerfResults r = passing();
    r.targets[0].cases[0].explain[0].verdict = pgorch::sdk::PlanVerdict::mismatch;
    r.targets[0].cases[0].explain[0].matched_expected_file.reset();
    r.targets[0].cases[0].timing[0].verdict = pgorch::sdk::TimingVerdict::exceeds;
    r.targets[0].cases[0].timing[0].success = false;
    auto diff = compare_yaml_text(seed_expected, results_yaml(r));
    REQUIRE(diff.ok());
    std::vector<std::string> want{
        "test_results[0].cases[0].explain_results[0].result: expected match, got mismatch",
        "test_results[0].cases[0].explain_results[0].matched_expected_file: expected explain_expected_1.txt, got null",
        "test_results[0].cases[0].timing_results[0].result: expected within expected, got exceeds expected",
        "test_results[0].cases[0].timing_results[0].status: expected success, got failure",
    };
    CHECK(*diff == want);
}

TEST_CASE("comparison is order-aware and reports missing and extra entries", "[perf]") {
    auto d = compare_yaml_text("a: [1, 2]\nb: x\n", "a: [2, 1, 3]\nc: y\n");
    REQUIRE(d.ok());
    std::vector<std::string> want{"a[0]: expected 1, got 2", "a[1]: expected 2, got 1", "a[2]: unexpected (got 3)",
                                  "b: missing (expected x)", "c: unexpected (got y)"};
    CHECK(*d == want);
    CHECK_FALSE(compare_yaml_text("a: [", "a: 1").ok());
}

TEST_CASE("exit codes: provisioning failure is 3, a failed hook is 1", "[perf]") {
    PerfResults r = passing();
    ScriptRun hook;
    hook.kind = "pre_hook";
    hook.name = "pre_hook.sh";
    hook.exit_code = 1;
    r.targets[0].cases[0].hooks.push_back(hook);
    r.targets[0].cases[0].error = "pre_hook \"pre_hook.sh\" exited with code 1";
    CHECK(r.targets[0].cases[0].failed());
    CHECK(exit_code(r) == ExitCode::check_failed);
    YAML::Node n = YAML::Load(results_yaml(r));
    CHECK(n["test_results"][0]["cases"][0]["error"].Scalar() == "pre_hook \"pre_hook.sh\" exited with code 1");

    TargetResult bad;
    bad.db_type = "pgdg";
    bad.version = "99.1";
    bad.error = Error::environment("pgdg: version \"99.1\" is not available");
    r.targets.push_back(bad);
    CHECK(exit_code(r) == ExitCode::environment);
    n = YAML::Load(results_yaml(r));
    CHECK(n["test_results"][1]["cases"].size() == 0);
    CHECK(n["test_results"][1]["error"].Scalar() == "pgdg: version \"99.1\" is not available");

    PerfResults differs = passing();
    differs.expected_differences.push_back("x: expected 1, got 2");
    CHECK(exit_code(differs) == ExitCode::check_failed);
}

TEST_CASE("json report and summary table carry the details", "[perf]") {
    PerfResults r = passing();
    boost::json::object j = results_json(r);
    CHECK(j.at("exit_code").as_int64() == 0);
    const auto& t = j.at("test_results").as_array()[0].as_object();
    CHECK(t.at("test_version").as_string() == "16.4");
    const auto& timing = t.at("cases").as_array()[0].as_object().at("timing_results").as_array()[0].as_object();
    CHECK(timing.at("limit_ms").as_double() == 1875.0);
    std::string table = summary_table(r);
    CHECK(table.find("pgdg 16.4") != std::string::npos);
    CHECK(table.find("1/1 match") != std::string::npos);
    CHECK(table.find("1/1 within 1001.5/1875") != std::string::npos);
}
