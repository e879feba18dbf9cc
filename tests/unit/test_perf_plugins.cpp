// The explain and timing plugins through the ABI, against a scripted sql service: the statement
// they send, the result they report, option checks.
#include "plugins/registry.hpp"

#include <catch2/catch.hpp>

#include <deque>
#include <string>
#include <vector>

using namespace pgorch;
namespace json = boost::json;

namespace {

// A host whose sql service answers from a script: plan rows, or a duration per call.
struct ScriptedSql : plugins::ServiceProvider {
    std::vector<std::string> statements;
    std::vector<std::string> plan_rows;
    std::deque<double> durations;
    std::string fail_with;

    plugins::ServiceResult sql(std::string_view, const json::object& req) override {
        statements.emplace_back(req.at("sql").as_string());
        if (!fail_with.empty()) return plugins::ServiceResult::fail(PGORCH_ERR_FAILED, fail_with);
        json::array rows;
        for (const auto& r : plan_rows) rows.push_back(json::array{json::value(r)});
        double d = 0;
        if (!durations.empty()) {
            d = durations.front();
            durations.pop_front();
        }
        return plugins::ServiceResult::ok(
            json::object{{"columns", json::array{"QUERY PLAN"}}, {"rows", rows}, {"command", "EXPLAIN"}, {"duration_ms", d}});
    }
};

plugins::Plugin* load(plugins::Registry& reg, const char* name) {
    reg.load_file(std::filesystem::path(PGORCH_PLUGIN_BUILD_DIR) / (std::string("pgorch-step-") + name + ".so"));
    return reg.find(plugins::Kind::step, name);
}

json::object explain_input(json::array expected, json::object options = {}, bool bless = false) {
    return {{"cluster", "t1-15.20"}, {"database", "postgres"}, {"query_file", "q.sql"},
            {"query", "-- lookup\nSELECT * FROM t WHERE id = 1;\n"}, {"expected", std::move(expected)},
            {"options", std::move(options)}, {"bless", bless}};
}

}  // namespace

TEST_CASE("explain plugin sends EXPLAIN (VERBOSE, COSTS OFF) and reports the matching file", "[explain][plugin]") {
    plugins::Registry reg;
    plugins::Plugin* p = load(reg, "explain");
    REQUIRE(p != nullptr);
    ScriptedSql host;
    host.plan_rows = {"Index Scan using t_pkey on public.t", "  Output: id", "  Index Cond: (t.id = 1)"};
    json::array expected{
        json::object{{"name", "e1.txt"}, {"text", "Seq Scan on public.t\n"}},
        json::object{{"name", "e2.txt"}, {"text", "Index Scan using t_pkey on public.t\n  Output: id  \n  Index Cond: (t.id = 1)\n\n"}}};
    auto out = p->call(plugins::Callback::run, host, explain_input(expected));
    INFO(out.error);
    REQUIRE(out.ok());
    REQUIRE(host.statements.size() == 1);
    CHECK(host.statements[0] == "EXPLAIN (VERBOSE, COSTS OFF) -- lookup\nSELECT * FROM t WHERE id = 1");
    CHECK(out.result.at("result").as_string() == "match");
    CHECK(out.result.at("matched_expected_file").as_string() == "e2.txt");
    CHECK(out.result.at("actual").as_string() ==
          "Index Scan using t_pkey on public.t\n  Output: id\n  Index Cond: (t.id = 1)\n");
}

TEST_CASE("explain plugin: mismatch gives a diff, bless gives the text to write", "[explain][plugin]") {
    plugins::Registry reg;
    plugins::Plugin* p = load(reg, "explain");
    REQUIRE(p != nullptr);
    ScriptedSql host;
    host.plan_rows = {"Seq Scan on public.t"};
    json::array expected{json::object{{"name", "e1.txt"}, {"text", "Index Scan using t_pkey on public.t\n"}}};
    auto out = p->call(plugins::Callback::run, host, explain_input(expected, {{"explain_options", "COSTS OFF"}}, true));
    REQUIRE(out.ok());
    CHECK(host.statements[0].rfind("EXPLAIN (COSTS OFF) ", 0) == 0);
    CHECK(out.result.at("result").as_string() == "mismatch");
    CHECK(out.result.at("matched_expected_file").is_null());
    CHECK(out.result.at("diff").as_string() ==
          "--- expected/e1.txt\n+++ actual\n@@ -1 +1 @@\n-Index Scan using t_pkey on public.t\n+Seq Scan on public.t\n");
    CHECK(out.result.at("bless").at("file").as_string() == "e1.txt");
    CHECK(out.result.at("bless").at("text").as_string() == "Seq Scan on public.t\n");
}

TEST_CASE("explain plugin: bad options and failing queries are errors", "[explain][plugin]") {
    plugins::Registry reg;
    plugins::Plugin* p = load(reg, "explain");
    REQUIRE(p != nullptr);
    ScriptedSql host;
    auto v = p->call(plugins::Callback::validate, host, {{"options", json::object{{"normalize", "costs,bogus"}}}});
    CHECK(v.status == PGORCH_ERR_INVALID);
    CHECK(v.error == "unknown normalization \"bogus\" in option \"normalize\"");
    host.fail_with = "relation \"t\" does not exist";
    auto out = p->call(plugins::Callback::run, host, explain_input({}));
    CHECK(out.status == PGORCH_ERR_FAILED);
    CHECK(out.error == "explain of \"q.sql\" failed: relation \"t\" does not exist");
}

TEST_CASE("timing plugin discards warm-up runs and compares the median with the limit", "[timing][plugin]") {
    plugins::Registry reg;
    plugins::Plugin* p = load(reg, "timing");
    REQUIRE(p != nullptr);
    ScriptedSql host;
    host.durations = {5000, 1010, 990, 1500, 1002, 3000};  // warm-up, then 5 measured runs
    json::object in{{"cluster", "t1"}, {"query_file", "timing_query.sql"}, {"query", "SELECT pg_sleep(1);"},
                    {"expected_time_ms", 1500}, {"performance_coefficient", 0.8}, {"options", json::object{}}};
    auto out = p->call(plugins::Callback::run, host, in);
    INFO(out.error);
    REQUIRE(out.ok());
    CHECK(host.statements.size() == 6);  // defaults: warmup 1, repetitions 5
    CHECK(out.result.at("result").as_string() == "within expected");
    CHECK(out.result.at("status").as_string() == "success");
    CHECK(out.result.at("limit_ms").as_double() == Approx(1875));
    const auto& st = out.result.at("stats").as_object();
    CHECK(st.at("median").as_double() == 1010);
    CHECK(st.at("max").as_double() == 3000);
    CHECK(st.at("spread").as_double() == 2010);
    CHECK(st.at("samples").as_array().size() == 5);
    CHECK(st.at("warmup_samples").as_array()[0].as_double() == 5000);

    host.statements.clear();
    host.durations = {400, 450, 420};
    in["options"] = json::object{{"warmup", "0"}, {"repetitions", "3"}};  // text, as from `args:`
    in["expected_time_ms"] = 300;
    in["performance_coefficient"] = 1.0;
    out = p->call(plugins::Callback::run, host, in);
    REQUIRE(out.ok());
    CHECK(host.statements.size() == 3);
    CHECK(out.result.at("result").as_string() == "exceeds expected");
    CHECK(out.result.at("status").as_string() == "failure");
}

TEST_CASE("timing plugin refuses bad options and coefficients", "[timing][plugin]") {
    plugins::Registry reg;
    plugins::Plugin* p = load(reg, "timing");
    REQUIRE(p != nullptr);
    ScriptedSql host;
    auto v = p->call(plugins::Callback::validate, host, {{"options", json::object{{"repetitions", 0}}}});
    CHECK(v.status == PGORCH_ERR_INVALID);
    CHECK(v.error == "option \"repetitions\" must be an integer from 1 to 100000, not 0");
    v = p->call(plugins::Callback::validate, host, {{"options", json::object{{"warmup", "many"}}}});
    CHECK(v.error == "option \"warmup\" must be an integer, not \"many\"");
    json::object in{{"cluster", "t1"}, {"query", "SELECT 1"}, {"expected_time_ms", 10}, {"performance_coefficient", 0}};
    auto out = p->call(plugins::Callback::run, host, in);
    CHECK(out.status == PGORCH_ERR_INVALID);
    CHECK(host.statements.empty());
}
