// Upgrade results rendering: verdict, seed-shaped YAML, JSON, one-line summary.
#include "report/upgrade_report.hpp"

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

using namespace pgorch::report;

namespace {

UpgradeResults two_steps(bool second_fails) {
    UpgradeResults r;
    r.scenario = "upgrade-15";
    r.db_type = "pgdg";
    r.start_version = "15.18";
    UpgradeStepResult a;
    a.index = 1;
    a.method = "minor";
    a.from_version = "15.18";
    a.to_version = "15.20";
    a.verdict = "passed";
    a.duration_ms = 1500;
    a.downtime_ms = 1400;
    UpgradeStepResult b = a;
    b.index = 2;
    b.method = "pg_upgrade";
    b.variant = "link";
    b.from_version = "15.20";
    if (second_fails) {
        b.verdict = "failed";
        b.error = "verification failed: 0 problem(s), 1 unexpected difference(s)";
        b.differences = {"db \"app\": table \"public.orders\": rows 1000 -> 999"};
    }
    r.steps = {a, b};
    return r;
}

}  // namespace

TEST_CASE("upgrade results pass only when every step passed", "[upgrade_report]") {
    CHECK(two_steps(false).passed());
    CHECK_FALSE(two_steps(true).passed());
    UpgradeResults r = two_steps(false);
    r.steps[1].verdict = "skipped";
    CHECK_FALSE(r.passed());
    r = two_steps(false);
    r.error = "cannot provision";
    CHECK_FALSE(r.passed());
}

TEST_CASE("results/conf.yaml keeps the seed's keys and adds results", "[upgrade_report]") {
    YAML::Node y = YAML::Load(upgrade_yaml(two_steps(true)));
    CHECK(y["kind"].as<std::string>() == "upgrade");
    CHECK(y["db_version"].as<std::string>() == "15.18");
    CHECK(y["result"].as<std::string>() == "failed");
    REQUIRE(y["steps"].size() == 2);
    CHECK(y["steps"][0]["type"].as<std::string>() == "minor");
    CHECK(y["steps"][0]["db_version"].as<std::string>() == "15.20");
    CHECK(y["steps"][0]["downtime_ms"].as<long>() == 1400);
    CHECK(y["steps"][1]["variant"].as<std::string>() == "link");
    CHECK(y["steps"][1]["differences"][0].as<std::string>() == "db \"app\": table \"public.orders\": rows 1000 -> 999");
}

TEST_CASE("summary and one line name the failed step and the difference", "[upgrade_report]") {
    UpgradeResults r = two_steps(true);
    std::string s = upgrade_summary(r);
    CHECK(s.find("pg_upgrade (link)") != std::string::npos);
    CHECK(s.find("table \"public.orders\": rows 1000 -> 999") != std::string::npos);
    CHECK(upgrade_one_line(r).rfind("upgrade: 2 step(s), 1 passed, 1 failed (step 2 pg_upgrade:", 0) == 0);
    auto j = upgrade_json(r);
    CHECK(j.at("passed").as_bool() == false);
    CHECK(j.at("steps").as_array().at(1).as_object().at("verdict").as_string() == "failed");
}
