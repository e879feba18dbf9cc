#include "scenario/parser.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace pgorch;

namespace {

// A perf scenario whose explain query names an expected file that does not exist.
fs::path make_scenario(const std::string& expected_name) {
    fs::path dir = fs::temp_directory_path() / ("pgorch-bless-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "cases" / "case_1");
    std::ofstream(dir / "cases" / "case_1" / "explain_query.sql") << "SELECT 1;\n";
    std::ofstream(dir / "conf.yaml") << "kind: perf\n"
                                        "db_params:\n"
                                        "  - db_type: pgdg\n"
                                        "    db_version: '15.20'\n"
                                        "cases:\n"
                                        "  - name: case_1\n"
                                        "    explain_queries:\n"
                                        "      - query: explain_query.sql\n"
                                        "        expected:\n"
                                        "          - "
                                     << expected_name << "\n";
    return dir;
}

}  // namespace

TEST_CASE("a missing expected plan is an error, unless bless is about to create it", "[scenario][bless]") {
    fs::path dir = make_scenario("explain_expected_1.txt");

    scenario::Scenario plain;
    auto d1 = scenario::parse_scenario(dir, plain);
    REQUIRE(d1.errors.size() == 1);
    CHECK(d1.errors[0].message.find("\"explain_expected_1.txt\" not found") != std::string::npos);
    CHECK(d1.errors[0].where->line == 10);

    scenario::Scenario blessed;
    auto d2 = scenario::parse_scenario(dir, blessed, {.allow_missing_expected = true});
    REQUIRE(d2.ok());
    REQUIRE(blessed.cases.size() == 1);
    REQUIRE(blessed.cases[0].explain_queries[0].expected.size() == 1);
    // Created where the seed's layout puts it: next to the case's query.
    CHECK(blessed.cases[0].explain_queries[0].expected[0].path == dir / "cases" / "case_1" / "explain_expected_1.txt");
    fs::remove_all(dir);
}

TEST_CASE("bless never creates an expected file outside the scenario folder", "[scenario][bless]") {
    fs::path dir = make_scenario("../../outside.txt");
    scenario::Scenario sc;
    auto d = scenario::parse_scenario(dir, sc, {.allow_missing_expected = true});
    REQUIRE_FALSE(d.ok());
    CHECK(d.errors[0].message.find("outside the scenario folder") != std::string::npos);
    fs::remove_all(dir);
}
