// Plan preparation, normalization, matching and closest-expected selection of the explain plugin.
#include <pgorch/perf_plan.hpp>

#include <catch2/catch.hpp>

using namespace pgorch::sdk;

TEST_CASE("prepare_explain_query strips trailing semicolons and comments", "[explain]") {
    CHECK(prepare_explain_query("SELECT 1;\n") == "SELECT 1");
    CHECK(prepare_explain_query("-- the query\nSELECT *\nFROM t ;  \n\n-- end\n") == "-- the query\nSELECT *\nFROM t");
    CHECK(prepare_explain_query("SELECT 1;;\r\n") == "SELECT 1");
    CHECK(prepare_explain_query("-- nothing\n\n").empty());
    CHECK(prepare_explain_query("").empty());
}

TEST_CASE("plan_text joins rows like psql -XAt", "[explain]") {
    CHECK(plan_text({"Seq Scan on public.t", "  Output: a"}) == "Seq Scan on public.t\n  Output: a\n");
    CHECK(plan_text({}).empty());
}

TEST_CASE("default normalization drops whitespace noise and query identifiers", "[explain]") {
    PlanNormalization none;
    std::string plan = "Seq Scan on public.t   \n\n  Output: a\t\nQuery Identifier: 123456789\n";
    CHECK(normalize_plan(plan, none) == "Seq Scan on public.t\n  Output: a\n");
    // leading indentation is significant: it is the plan's tree structure
    CHECK(normalize_plan("  Output: a\n", none) != normalize_plan("Output: a\n", none));
}

TEST_CASE("opt-in normalizations", "[explain]") {
    auto n = PlanNormalization::parse({"numbers_in_names", "worker_counts", "costs", "actuals"});
    CHECK(n.numbers_in_names);
    CHECK(n.worker_counts);
    std::vector<std::string> unknown;
    PlanNormalization::parse({"costs", "bogus"}, &unknown);
    CHECK(unknown == std::vector<std::string>{"bogus"});

    PlanNormalization names;
    names.numbers_in_names = true;
    CHECK(normalize_plan("Seq Scan on public.t t_1\n  Filter: (a = $3)\nSubPlan 2\n", names) ==
          "Seq Scan on public.t t_N\n  Filter: (a = $N)\nSubPlan N\n");

    PlanNormalization workers;
    workers.worker_counts = true;
    CHECK(normalize_plan("  Workers Planned: 2\n  Workers Launched: 1\n", workers) ==
          "  Workers Planned: N\n  Workers Launched: N\n");

    PlanNormalization costs;
    costs.costs = true;
    CHECK(normalize_plan("Seq Scan on t  (cost=0.00..35.50 rows=2550 width=4)\n", costs) == "Seq Scan on t\n");

    PlanNormalization actuals;
    actuals.actuals = true;
    CHECK(normalize_plan("Seq Scan on t (actual time=0.01..0.02 rows=1 loops=1)\nPlanning Time: 0.1 ms\n"
                         "Execution Time: 0.2 ms\n", actuals) == "Seq Scan on t\n");
}

TEST_CASE("match_plan names the first matching expected file", "[explain]") {
    std::vector<ExpectedPlan> expected{{"e1.txt", std::string("Index Scan using i on t\n")},
                                       {"e2.txt", std::string("Seq Scan on t  \n\n")},
                                       {"e3.txt", std::string("Seq Scan on t\n")}};
    PlanMatch m = match_plan("Seq Scan on t\n", expected, {});
    CHECK(m.matched);
    REQUIRE(m.matched_index);
    CHECK(*m.matched_index == 1);
    CHECK(m.diff.empty());
}

TEST_CASE("a mismatch is diffed against the closest expected file", "[explain]") {
    std::string actual = "Hash Join\n  Hash Cond: (a.id = b.id)\n  ->  Seq Scan on a\n  ->  Hash\n        ->  Seq Scan on b\n";
    std::vector<ExpectedPlan> expected{
        {"far.txt", std::string("Nested Loop\n  ->  Index Scan using a_pkey on a\n")},
        {"missing.txt", std::nullopt},
        {"near.txt", std::string("Hash Join\n  Hash Cond: (a.id = b.id)\n  ->  Seq Scan on a\n  ->  Hash\n        ->  Index Scan on b\n")},
    };
    PlanMatch m = match_plan(actual, expected, {});
    CHECK_FALSE(m.matched);
    REQUIRE(m.closest_index);
    CHECK(*m.closest_index == 2);
    CHECK(m.closest_changed_lines == 2);
    CHECK(m.diff.find("--- expected/near.txt\n+++ actual\n") == 0);
    CHECK(m.diff.find("-        ->  Index Scan on b\n+        ->  Seq Scan on b\n") != std::string::npos);
}

TEST_CASE("with no existing expected file the diff shows the whole plan", "[explain]") {
    PlanMatch m = match_plan("Result\n", {{"new.txt", std::nullopt}}, {});
    CHECK_FALSE(m.matched);
    CHECK_FALSE(m.closest_index);
    CHECK(m.diff == "--- (none)\n+++ actual\n@@ -0,0 +1 @@\n+Result\n");
}
