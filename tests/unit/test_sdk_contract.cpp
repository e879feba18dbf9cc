// The SDK's typed contract (pgorch/step.hpp, distro.hpp, perf.hpp, cluster.hpp): each type reads
// back what it writes, reads the JSON the documented shapes give, and names what is missing.
#include <pgorch/cluster.hpp>
#include <pgorch/distro.hpp>
#include <pgorch/perf.hpp>
#include <pgorch/step.hpp>

#include <catch2/catch.hpp>

namespace sdk = pgorch::sdk;
namespace json = boost::json;

TEST_CASE("StepInput and StepResult round-trip and name missing fields", "[sdk][contract]") {
    sdk::StepInput in;
    in.cluster = "c0-15.18";
    in.new_cluster = "c1-15.20";
    in.from = json::object{{"version", "15.18"}, {"bindir", "/a/bin"}};
    in.to = json::object{{"version", "15.20"}, {"bindir", "/b/bin"}, {"catalog_version", 202209061}};
    in.initdb_args = {"--encoding=UTF8", "--locale=C"};
    in.options = json::object{{"pg_upgrade", "--link"}, {"analyze", true}};
    in.step_index = 1;
    in.step_type = "pg_upgrade";
    in.work_dir = "/run/steps/01-pg_upgrade";
    in.artifact_prefix = "steps/01-pg_upgrade/";
    in.scenario_dir = "/s";
    const json::object j = in.to_json();
    CHECK(j.at("step").at("index").as_int64() == 1);
    CHECK(j.at("contract").as_int64() == sdk::kStepContract);
    const sdk::StepInput back = sdk::StepInput::from_json(j);
    CHECK(back.to_json() == j);
    CHECK(back.to_layout().catalog_version == 202209061);
    CHECK_NOTHROW(back.require({"cluster", "to", "work_dir"}));

    sdk::StepInput empty = sdk::StepInput::from_json(json::object{{"cluster", "c0"}});
    try {
        empty.require({"cluster", "to", "work_dir"});
        FAIL("require accepted an input without \"to\"");
    } catch (const sdk::Failure& f) {
        CHECK(f.code() == PGORCH_ERR_INVALID);
        CHECK(std::string(f.what()) == "input needs \"cluster\", \"to\" and \"work_dir\"");
    }

    sdk::StepResult r;
    r.cluster = "c1-15.20";
    r.previous_cluster = "c0-15.18";
    r.metrics = json::object{{"downtime_ms", 12.5}, {"mode", "link"}};
    r.logs = {"steps/01-pg_upgrade/pg_upgrade.out"};
    r.verify = {"standby1"};
    r.extensions_updated = "why";
    const json::object rj = r.to_json();
    CHECK(sdk::StepResult::from_json(rj).to_json() == rj);
    // Optional fields stay out when empty; a result that is not an object reads as empty.
    sdk::StepResult bare;
    bare.cluster = "c";
    CHECK_FALSE(bare.to_json().contains("verify"));
    CHECK(sdk::StepResult::from_json(json::value(nullptr)).cluster.empty());
}

TEST_CASE("ProvisionRequest: the distro's input and the provision service's request", "[sdk][contract]") {
    sdk::ProvisionRequest rq{"", "15.20", "", {"/s/packages/a.deb"}, "deb", json::object{{"jobs", 4}}};
    const json::object j = rq.to_json();
    CHECK_FALSE(j.contains("db_type"));
    CHECK(j.at("edition").is_null());
    CHECK(j.at("method").as_string() == "deb");
    const auto back = sdk::ProvisionRequest::from_json(j);
    CHECK(back.to_json() == j);
    CHECK(back.options.at("jobs").as_int64() == 4);

    // The service's request names the distro; one package may be a string.
    auto svc = sdk::ProvisionRequest::from_json(json::object{{"db_type", "ttdb"}, {"version", "15.6.0"},
                                                              {"edition", "se"}, {"package", "/p/x.deb"}});
    CHECK(svc.db_type == "ttdb");
    CHECK(svc.edition == "se");
    CHECK(svc.packages == std::vector<std::string>{"/p/x.deb"});
    CHECK_THROWS_AS(sdk::ProvisionRequest::from_json(json::object{{"db_type", "pgdg"}}), sdk::Failure);

    auto lv = sdk::ListVersionsRequest::from_json(json::object{{"major", 17}});
    CHECK(lv.major == "17");
    CHECK(sdk::DistroValidateRequest{{}, "15", "se"}.to_json().at("edition").as_string() == "se");
    CHECK_FALSE(sdk::DistroValidateRequest{}.to_json().contains("version"));
}

TEST_CASE("perf check results use the verdict enums and the original tool's words", "[sdk][contract][perf]") {
    CHECK(std::string(sdk::to_string(sdk::PlanVerdict::match)) == "match");
    CHECK(std::string(sdk::to_string(sdk::TimingVerdict::exceeds)) == "exceeds expected");
    CHECK(sdk::plan_verdict_of("not run") == sdk::PlanVerdict::not_run);
    CHECK_FALSE(sdk::timing_verdict_of("exceeded").has_value());

    sdk::PlanCheckInput in;
    in.cluster = "t1-15.20";
    in.query_file = "q.sql";
    in.query = "SELECT 1";
    in.expected = {{"e1.txt", "/s/e1.txt", std::string("Result\n")}, {"e2.txt", "/s/e2.txt", std::nullopt}};
    in.bless = true;
    const auto back = sdk::PlanCheckInput::from_json(in.to_json());
    REQUIRE(back.expected.size() == 2);
    CHECK_FALSE(back.expected[1].text.has_value());
    CHECK(back.plans()[0].text == std::optional<std::string>("Result\n"));
    CHECK(back.bless);
    CHECK_THROWS_AS(sdk::PlanCheckInput::from_json(json::object{{"query", "x"}}), sdk::Failure);

    sdk::PlanCheckResult r;
    r.result = sdk::PlanVerdict::mismatch;
    r.actual = "Seq Scan\n";
    r.diff = "--- a\n+++ b\n";
    r.closest_expected_file = "e1.txt";
    r.changed_lines = 2;
    r.bless = sdk::PlanCheckResult::Bless{"e1.txt", "Seq Scan\n"};
    const json::object rj = r.to_json();
    CHECK(rj.at("result").as_string() == "mismatch");
    CHECK(rj.at("matched_expected_file").is_null());
    CHECK(sdk::PlanCheckResult::from_json(rj).to_json() == rj);
    // A result word the contract does not know is an error, never a pass.
    CHECK(sdk::PlanCheckResult::from_json(json::object{{"result", "fine"}}).result == sdk::PlanVerdict::error);

    sdk::TimingCheckResult t;
    t.result = sdk::TimingVerdict::within;
    t.success = true;
    t.limit_ms = 1875;
    t.stats = sdk::compute_stats({1, 2, 3});
    t.warmup_samples = {9};
    const json::object tj = t.to_json();
    CHECK(tj.at("status").as_string() == "success");
    CHECK(sdk::TimingCheckResult::from_json(tj).to_json() == tj);
    auto ti = sdk::TimingCheckInput::from_json(json::object{{"cluster", "t1"}, {"expected_time_ms", 250}});
    CHECK(ti.expected_time_ms == 250);
    CHECK(ti.performance_coefficient == 1.0);
}

TEST_CASE("requirements declare a perf check; an unknown one is refused", "[sdk][contract][perf]") {
    CHECK(sdk::StepRequirements::parse(R"({"perf_check": "plan"})").perf_check == sdk::PerfCheck::plan);
    CHECK(sdk::StepRequirements::parse(R"({"versions": "same"})").perf_check == sdk::PerfCheck::none);
    CHECK_THROWS_WITH(sdk::StepRequirements::parse(R"({"perf_check": "speed"})"),
                      "requirements have an unknown perf check \"speed\"");
}

TEST_CASE("ClusterRequest carries each op's fields; ClusterInfo reads what it writes", "[sdk][contract]") {
    sdk::ClusterRequest rq;
    rq.op = "create";
    rq.cluster = "c1-17.2";
    rq.install = json::object{{"bindir", "/b"}, {"version", "17.2"}};
    rq.initdb_args = {"--data-checksums"};
    const json::object j = rq.to_json();
    CHECK_FALSE(j.contains("mode"));
    CHECK(sdk::ClusterRequest::from_json(j).to_json() == j);
    // "id" for "cluster", and initdb arguments as one text.
    auto old = sdk::ClusterRequest::from_json(json::object{{"op", "create"}, {"id", "x"}, {"initdb_args", "-E UTF8"}});
    CHECK(old.cluster == "x");
    CHECK(old.initdb_args == std::vector<std::string>{"-E", "UTF8"});
    CHECK(sdk::ClusterRequest::from_json(json::object{{"op", "set_parameter"}, {"name", "a"}}).to_json().contains("value"));

    sdk::ClusterInfo c;
    c.id = "c1";
    c.datadir = "/d";
    c.port = 5432;
    c.running = true;
    c.install = json::object{{"bindir", "/b"}};
    const auto back = sdk::ClusterInfo::from_json(c.to_json());
    CHECK(back.bindir == "/b");
    CHECK(back.port == 5432);
    CHECK(back.running);
}
