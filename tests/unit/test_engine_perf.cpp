// The perf flow (engine/perf.cpp, perf_target.cpp) on fakes: every target's cluster, scripts and
// cases in order, explain and timing queries dispatched to the perf check plugins with the typed
// inputs, targets side by side, a target or a hook that fails, an interrupt.
#include "support/engine_world.hpp"
#include "support/meeting.hpp"

#include <pgorch/perf.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace pgorch;
using plugins::Callback;
using plugins::Kind;
using test::EngineWorld;
using test::FakePlugin;
namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// The perf check plugins, fakes that answer from the input: explain matches the second expected
// file except on `mismatch_on` (a cluster id), timing is always within its limit.
struct PerfChecks {
    FakePlugin* explain;
    FakePlugin* timing;
};

PerfChecks perf_checks(EngineWorld& w, const std::string& mismatch_on = "") {
    FakePlugin& explain = w.add(Kind::step, "explain");
    explain.step_requirements.perf_check = sdk::PerfCheck::plan;
    explain.callbacks[Callback::run] = [mismatch_on](plugins::ServiceProvider&, const json::object& in) {
        const sdk::PlanCheckInput q = sdk::PlanCheckInput::from_json(in);
        sdk::PlanCheckResult r;
        r.actual = "Seq Scan on t";
        if (q.cluster == mismatch_on) {
            r.result = sdk::PlanVerdict::mismatch;
            r.diff = "-Index Scan\n+Seq Scan on t\n";
        } else {
            r.result = sdk::PlanVerdict::match;
            r.matched_expected_file = q.expected.at(1).name;
        }
        return FakePlugin::ok(r.to_json());
    };
    FakePlugin& timing = w.add(Kind::step, "timing");
    timing.step_requirements.perf_check = sdk::PerfCheck::timing;
    timing.callbacks[Callback::run] = [](plugins::ServiceProvider&, const json::object& in) {
        const sdk::TimingCheckInput q = sdk::TimingCheckInput::from_json(in);
        sdk::TimingCheckResult r;
        r.result = sdk::TimingVerdict::within;
        r.success = true;
        r.expected_time_ms = q.expected_time_ms;
        r.performance_coefficient = q.performance_coefficient;
        r.limit_ms = q.expected_time_ms / q.performance_coefficient;
        return FakePlugin::ok(r.to_json());
    };
    return {&explain, &timing};
}

// Two targets, setup scripts and configuration, one case with hooks, a plan and a timing.
void two_targets(EngineWorld& w) {
    for (const char* f : {"init.sh", "fill.sh", "cases/case_1/pre.sh", "cases/case_1/post.sh"}) w.file(f, "true\n");
    w.file("1c.conf", "work_mem = '64MB'\n");
    w.file("cases/case_1/q1.sql", "SELECT * FROM t WHERE id = 1;\n");
    w.file("cases/case_1/t1.sql", "SELECT count(*) FROM t;\n");
    w.file("cases/case_1/plan_a.txt", "Index Scan using t_pkey on t\n");
    w.file("cases/case_1/plan_b.txt", "Seq Scan on t\n");
    w.scenario(R"(kind: perf
db_params:
  - db_type: fakedb
    db_version: '15.1'
  - db_type: fakedb
    db_version: '15.2'
initial_script: init.sh
configuration: 1c.conf
db_initial_script: fill.sh
performance_coefficient: 0.5
cases:
  - name: case_1
    pre_hook: pre.sh
    post_hook: post.sh
    explain_queries:
      - query: q1.sql
        expected: [plan_a.txt, plan_b.txt]
    timing_queries:
      - query: t1.sql
        expected_time_ms: 100
)");
}

json::object report(const EngineWorld& w) {
    std::ifstream in(w.ctx.results_dir / "report.json");
    std::stringstream text;
    text << in.rdbuf();
    REQUIRE_FALSE(text.str().empty());
    return json::parse(text.str()).as_object();
}

// The inputs a fake got, by cluster id.
std::map<std::string, json::object> by_cluster(const FakePlugin& p) {
    std::map<std::string, json::object> out;
    for (const auto& in : p.inputs(Callback::run)) out[std::string(in.at("cluster").as_string())] = in;
    return out;
}

}  // namespace

TEST_CASE("perf flow: each target's cluster, scripts and case run in order; plans and timings go to the perf checks", "[engine][perf]") {
    EngineWorld w;
    two_targets(w);
    PerfChecks checks = perf_checks(w, "t2-15.2");
    w.ctx.options.jobs = 1;  // one target after the other: the journal reads in order

    engine::RunOutcome out = engine::run_perf(w.ctx);
    INFO(w.journal.str());
    CHECK(out.code == ExitCode::check_failed);  // the second target's plan does not match
    std::vector<std::string> expected;
    for (const char* id : {"t1-15.1", "t2-15.2"}) {
        const std::string c = std::string("cluster ") + id + ": ";
        for (const std::string& l : {c + "init", c + "start", std::string("exec bash init.sh"), c + "configure 1c.conf",
                                     c + "stop fast", c + "start", std::string("exec bash fill.sh"),
                                     std::string("exec bash pre.sh"), std::string("plugin step explain: run"),
                                     std::string("plugin step timing: run"), std::string("exec bash post.sh"), c + "stop fast"})
            expected.push_back(l);
    }
    std::vector<std::string> events;
    for (auto& l : w.journal.lines())
        if (!l.starts_with("plugin distro")) events.push_back(l);
    CHECK(events == expected);
    // Both versions were provisioned before the first cluster was made.
    CHECK(w.distro->calls(Callback::provision) == 2);
    CHECK(w.journal.index("plugin distro fakedb: provision") < w.journal.index("cluster t1-15.1: init"));

    // What the perf checks got: the typed inputs, the files read by the host.
    auto plans = by_cluster(*checks.explain);
    REQUIRE(plans.size() == 2);
    const sdk::PlanCheckInput p = sdk::PlanCheckInput::from_json(plans.at("t1-15.1"));
    CHECK(p.query_file == "q1.sql");
    CHECK(p.query == "SELECT * FROM t WHERE id = 1;\n");
    REQUIRE(p.expected.size() == 2);
    CHECK(p.expected[0].name == "plan_a.txt");
    CHECK(p.expected[0].text == "Index Scan using t_pkey on t\n");
    CHECK(p.expected[1].path == (w.scenario_dir / "cases/case_1/plan_b.txt").string());
    CHECK_FALSE(p.bless);
    auto timings = by_cluster(*checks.timing);
    REQUIRE(timings.size() == 2);
    const sdk::TimingCheckInput t = sdk::TimingCheckInput::from_json(timings.at("t2-15.2"));
    CHECK(t.query == "SELECT count(*) FROM t;\n");
    CHECK(t.expected_time_ms == 100);
    CHECK(t.performance_coefficient == 0.5);

    // Their verdicts land in the results, per target.
    json::object r = report(w);
    const json::array& targets = r.at("test_results").as_array();
    REQUIRE(targets.size() == 2);
    auto explain_of = [&](std::size_t i) { return targets[i].at("cases").at(0).at("explain_results").at(0); };
    CHECK(explain_of(0).at("result") == "match");
    CHECK(explain_of(0).at("matched_expected_file") == "plan_b.txt");
    CHECK(explain_of(1).at("result") == "mismatch");
    CHECK(targets[1].at("cases").at(0).at("timing_results").at(0).at("result") == "within expected");
    CHECK(fs::exists(w.scenario_dir / "results" / "conf.yaml"));
}

TEST_CASE("perf flow: targets run side by side, the perf checks called from several threads at once", "[engine][perf]") {
    EngineWorld w;
    two_targets(w);
    PerfChecks checks = perf_checks(w);
    auto meeting = std::make_shared<test::Meeting>();
    FakePlugin::Fn answer = checks.explain->callbacks[Callback::run];
    checks.explain->callbacks[Callback::run] = [meeting, answer](plugins::ServiceProvider& host, const json::object& in) {
        meeting->meet(2, 10s);  // targets run one after the other: the first waits 10 s alone
        return answer(host, in);
    };
    w.ctx.options.jobs = 2;
    CHECK(engine::run_perf(w.ctx).code == ExitCode::passed);
    CHECK(meeting->peak == 2);
}

TEST_CASE("perf flow: a target that cannot start fails alone; the other target's cases run", "[engine][perf]") {
    EngineWorld w;
    two_targets(w);
    PerfChecks checks = perf_checks(w);
    w.fake_clusters.on_op = [](test::FakeCluster& c, const std::string& op) -> Status {
        if (c.id() == "t1-15.1" && op == "start") return Error::failed("server \"t1-15.1\" does not start: port in use");
        return {};
    };
    engine::RunOutcome out = engine::run_perf(w.ctx);
    CHECK(out.code != ExitCode::passed);
    auto plans = by_cluster(*checks.explain);
    CHECK(plans.count("t1-15.1") == 0);
    CHECK(plans.count("t2-15.2") == 1);
    json::object r = report(w);
    CHECK_THAT(json::serialize(r.at("test_results").at(0)), Catch::Contains("does not start: port in use"));
    CHECK(r.at("test_results").at(1).at("cases").at(0).at("explain_results").at(0).at("result") == "match");
}

TEST_CASE("perf flow: a failed pre_hook leaves the case's queries not run and skips its post_hook", "[engine][perf]") {
    EngineWorld w;
    two_targets(w);
    PerfChecks checks = perf_checks(w);
    w.runtime.on_exec = [](const runtime::ExecRequest& r) {
        return test::FakeRuntime::result(r.argv.back().ends_with("pre.sh") ? 4 : 0, "", "no such table\n");
    };
    CHECK(engine::run_perf(w.ctx).code == ExitCode::check_failed);
    CHECK(checks.explain->calls(Callback::run) == 0);
    CHECK(checks.timing->calls(Callback::run) == 0);
    CHECK(w.journal.count("exec bash post.sh") == 0);
    json::object c = report(w).at("test_results").at(0).at("cases").at(0).as_object();
    CHECK(c.at("explain_results").at(0).at("result") == "not run");
    CHECK_THAT(json::serialize(c), Catch::Contains("pre_hook \\\"pre.sh\\\" exited with code 4"));
}

TEST_CASE("perf flow: an interrupt stops every target, what did not run is not run, exit 130", "[engine][perf][cancel]") {
    EngineWorld w;
    two_targets(w);
    PerfChecks checks = perf_checks(w);
    FakePlugin::Fn answer = checks.explain->callbacks[Callback::run];
    checks.explain->callbacks[Callback::run] = [&w, answer](plugins::ServiceProvider& host, const json::object& in) {
        w.cancel = true;  // Ctrl-C during the first plan
        w.runtime.cancel();
        return answer(host, in);
    };
    w.ctx.options.jobs = 1;
    engine::RunOutcome out = engine::run_perf(w.ctx);
    CHECK(out.code == ExitCode::interrupted);
    CHECK(checks.explain->calls(Callback::run) == 1);
    CHECK(checks.timing->calls(Callback::run) == 0);
    CHECK_FALSE(w.journal.has("cluster t2-15.2: init"));
}
