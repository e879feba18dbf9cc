// parse_scenario on the seed's examples (tests/fixtures/scenarios/good/*): every field.
#include "scenario/locate.hpp"
#include "scenario/parser.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>

namespace fs = std::filesystem;
using namespace pgorch::scenario;

namespace {

const fs::path kGood = PGORCH_GOOD_SCENARIOS;  // a build-tree copy with placeholder packages

// Parses a good fixture and requires it to have no error.
Scenario parse_good(const std::string& name, Diagnostics* diag_out = nullptr) {
    Scenario s;
    Diagnostics d = parse_scenario(kGood / name, s);
    for (const auto& e : d.errors) UNSCOPED_INFO(e.str());
    REQUIRE(d.ok());
    if (diag_out) *diag_out = d;
    return s;
}

// The path of a resolved file relative to the scenario folder.
std::string rel(const Scenario& s, const FileRef& f) {
    return f.path.lexically_relative(s.dir).generic_string();
}

std::vector<std::string> rels(const Scenario& s, const std::vector<FileRef>& fs) {
    std::vector<std::string> out;
    for (const auto& f : fs) out.push_back(rel(s, f));
    return out;
}

}  // namespace

TEST_CASE("the seed's perf example parses field by field", "[scenario]") {
    Diagnostics d;
    Scenario s = parse_good("perf_example", &d);
    CHECK(s.kind == Kind::perf);
    CHECK(s.name == "perf_example");
    CHECK(s.dir.is_absolute());
    CHECK(s.manifest == s.dir / "conf.yaml");

    REQUIRE(s.db_params.size() == 3);
    const auto& t0 = s.db_params[0];
    CHECK(t0.db_type.value == "ttdb");
    CHECK(t0.db_version.value == "15.6.1");
    REQUIRE(t0.db_edition);
    CHECK(t0.db_edition->value == "se-1c");
    CHECK(t0.db_port == 5440);
    CHECK(t0.db_version.where.file == (kGood / "perf_example" / "conf.yaml").string());
    CHECK(t0.db_version.where.line == 6);
    CHECK(t0.db_version.where.column == 17);
    CHECK(s.db_params[1].db_type.value == "pgdg");
    CHECK(s.db_params[1].db_version.value == "15.6.2");
    CHECK(s.db_params[1].db_port == 5443);
    CHECK_FALSE(s.db_params[1].db_edition);
    // Omitted db_type defaults to pgdg; a YAML number keeps its written text.
    CHECK(s.db_params[2].db_type.value == "pgdg");
    CHECK(s.db_params[2].db_version.value == "16.10");
    CHECK_FALSE(s.db_params[2].db_port);

    CHECK(rels(s, s.db_initial_script) == std::vector<std::string>{"fill_db.sh"});
    REQUIRE(s.configuration);
    CHECK(rel(s, *s.configuration) == "1c.conf");
    CHECK(s.configuration->as_written == "1c.conf");
    // initial_script is found under scripts/ when not at the top of the folder.
    CHECK(rels(s, s.initial_script) == std::vector<std::string>{"scripts/init_additional.sh"});
    CHECK(s.performance_coefficient == Approx(0.8));

    REQUIRE(s.docker);
    CHECK(s.docker->host_port == 5430);
    CHECK(s.docker->container_port == 5432);
    CHECK(s.docker->container_name->value == "pg_orchestrator_container");
    CHECK(s.docker->registry->value == "your_registry_url");
    CHECK(s.docker->image->value == "your_docker_image");

    REQUIRE(s.cases.size() == 4);
    const auto& c1 = s.cases[0];
    CHECK(c1.name.value == "case_1");
    REQUIRE(c1.pre_hook);
    REQUIRE(c1.post_hook);
    CHECK(rel(s, *c1.pre_hook) == "cases/case_1/pre_hook.sh");
    CHECK(rel(s, *c1.post_hook) == "cases/case_1/post_hook.sh");
    REQUIRE(c1.explain_queries.size() == 2);
    CHECK(rel(s, c1.explain_queries[0].query) == "cases/case_1/explain_query_1.sql");
    CHECK(rels(s, c1.explain_queries[0].expected) ==
          std::vector<std::string>{"cases/case_1/explain_expected_1.txt", "cases/case_1/explain_expected_2.txt"});
    CHECK(rels(s, c1.explain_queries[1].expected) == std::vector<std::string>{"cases/case_1/explain_expected_3.txt"});
    REQUIRE(c1.timing_queries.size() == 2);
    CHECK(rel(s, c1.timing_queries[0].query) == "cases/case_1/timing_query_1.sql");
    CHECK(c1.timing_queries[0].expected_time_ms == 1500);
    CHECK(c1.timing_queries[1].expected_time_ms == 2000);

    CHECK(rel(s, *s.cases[1].pre_hook) == "cases/case_2/pre_hook.sh");
    CHECK_FALSE(s.cases[1].post_hook);
    CHECK(rel(s, s.cases[1].explain_queries.at(0).query) == "cases/case_2/explain_query.sql");
    REQUIRE(s.cases[2].timing_queries.size() == 1);
    CHECK(s.cases[2].timing_queries[0].expected_time_ms == Approx(1234.56));
    CHECK(s.cases[3].name.value == "case_4");
    CHECK(s.cases[3].explain_queries.empty());
    CHECK(s.cases[3].timing_queries.empty());
    CHECK(d.warnings.empty());

    CHECK(summarize(s) == "perf: ttdb 15.6.1 (se-1c), pgdg 15.6.2, pgdg 16.10 (4 cases, 3 explain, 3 timing queries)");
}

TEST_CASE("the seed's upgrade example parses field by field", "[scenario]") {
    Scenario s = parse_good("upgrade_example");
    CHECK(s.kind == Kind::upgrade);
    CHECK(s.start.db_type.value == "pgdg");  // omitted in the seed
    CHECK(s.start.db_version.value == "14.11.0");
    CHECK(s.start.db_edition->value == "be");
    CHECK(rels(s, s.start.packages) ==
          std::vector<std::string>{"packages/tantor-be-server-15_15.10.0_amd64.deb"});
    CHECK(rels(s, s.initial_pre_scripts) == std::vector<std::string>{"scripts/setup_environment.sh"});
    CHECK(rels(s, s.initial_post_scripts) == std::vector<std::string>{"scripts/cleanup_environment.sh"});
    REQUIRE(s.args.count("initdb") == 1);
    CHECK(s.args.at("initdb").value == "--encoding=UTF8 --locale=ru_RU.UTF-8");
    CHECK(s.args.at("initdb").where.line == 8);
    REQUIRE(s.docker);
    CHECK(s.docker->container_port == 5432);

    REQUIRE(s.steps.size() == 3);
    const auto& st = s.steps[0];
    CHECK(st.type.value == "pg_upgrade");
    CHECK(st.target.db_version.value == "15.6.0");
    CHECK(st.target.db_edition->value == "se");
    CHECK(st.target.db_type.value == "pgdg");  // inherited
    CHECK(rels(s, st.pre_scripts) == std::vector<std::string>{"scripts/prepare_upgrade.sh"});
    CHECK(rels(s, st.post_scripts) == std::vector<std::string>{"scripts/finalize_upgrade.sh"});
    CHECK(st.args.at("pg_upgrade").value == "--link");
    CHECK(st.where.line == 19);
    CHECK(s.steps[1].type.value == "minor");
    CHECK(s.steps[1].target.db_version.value == "15.6.1");
    CHECK(s.steps[1].args.empty());
    CHECK(s.steps[2].type.value == "pg_dumpall");
    CHECK(s.steps[2].target.db_version.value == "16.2.0");
    CHECK(summarize(s) ==
          "upgrade: pgdg 14.11.0 (be) -> pg_upgrade 15.6.0 -> minor 15.6.1 -> pg_dumpall 16.2.0 (3 steps)");
}

TEST_CASE("the seed's test scenarios parse", "[scenario]") {
    Scenario perf = parse_good("perf_test");
    REQUIRE(perf.cases.size() == 1);
    const auto& c = perf.cases[0];
    // Case files named with their cases/ path resolve at the top of the folder.
    CHECK(rel(perf, c.explain_queries.at(0).query) == "cases/case_1/explain_query.sql");
    CHECK(c.explain_queries[0].query.as_written == "cases/case_1/explain_query.sql");
    CHECK(rel(perf, c.timing_queries.at(0).query) == "cases/case_1/timing_query.sql");
    CHECK(c.timing_queries[0].expected_time_ms == 1000);
    CHECK(perf.performance_coefficient == 1.0);  // the default
    CHECK(perf.docker->image->value == "your_docker_image");
    CHECK_FALSE(perf.docker->host_port);

    Scenario up = parse_good("upgrade_test");
    CHECK(up.start.db_type.value == "ttdb");
    CHECK(up.docker->container_name->value == "test_container");
    CHECK(up.docker->container_port == 5445);
    REQUIRE(up.steps.size() == 3);
    for (const auto& st : up.steps) CHECK(st.target.db_type.value == "ttdb");
    CHECK(up.steps[1].type.value == "minor");
    CHECK(up.steps[1].args.at("pg_upgrade").value == "--link");
    CHECK(up.steps[2].target.db_version.value == "16.6.0");
}

TEST_CASE("script fields take a string or a list", "[scenario]") {
    Scenario s = parse_good("string_or_list");
    CHECK(s.start.db_version.value == "15.18");
    CHECK(rels(s, s.initial_setup_script) == std::vector<std::string>{"scripts/setup.sql"});
    CHECK(rels(s, s.initial_pre_scripts) == std::vector<std::string>{"scripts/pre_all.sh"});
    CHECK(rels(s, s.initial_post_scripts) ==
          std::vector<std::string>{"scripts/post_all.sh", "scripts/post_all_2.sh"});
    CHECK(rels(s, s.pre_scripts) == std::vector<std::string>{"scripts/step_pre.sh"});
    CHECK(rels(s, s.post_scripts) == std::vector<std::string>{"scripts/step_post.sh"});
    CHECK(rels(s, s.verifiers) == std::vector<std::string>{"scripts/verify.sql"});
    CHECK(rels(s, s.start.packages) == std::vector<std::string>{"packages/pkg_a.deb", "pkg_b.deb"});
    CHECK(s.args.at("pg_ctl").value == R"(-o "-c work_mem=64MB")");
    REQUIRE(s.steps.size() == 2);
    CHECK(s.steps[0].target.db_version.value == "16.10");
    CHECK(s.steps[0].target.db_type.value == "pgdg");
    CHECK(rels(s, s.steps[0].verifiers) ==
          std::vector<std::string>{"scripts/verify.sql", "scripts/verify_more.sql"});
    CHECK(rels(s, s.steps[0].pre_scripts) == std::vector<std::string>{"scripts/step_pre.sh"});
    CHECK(s.steps[1].target.db_type.value == "ttdb");
    CHECK(s.steps[1].target.db_version.value == "16.10.1");
    CHECK(rels(s, s.steps[1].target.packages) == std::vector<std::string>{"pkg_b.deb"});

    // verify: top level and per step, each list a string or a list.
    REQUIRE(s.verify);
    REQUIRE(s.verify->ignore.size() == 1);
    CHECK(s.verify->ignore[0].value == "views");
    REQUIRE(s.verify->expected_changes.size() == 2);
    CHECK(s.verify->expected_changes[1].value == "rows:sales.orders");
    CHECK(s.verify->jobs == 3);
    CHECK(s.verify->amcheck == true);
    REQUIRE(s.verify->collations);
    CHECK(s.verify->collations->value == "fail");
    REQUIRE(s.steps[0].verify);
    CHECK_FALSE(s.steps[0].verify->amcheck);
    CHECK(s.steps[0].verify->ignore.at(0).value == "functions");
    CHECK(s.steps[0].verify->expected_changes.empty());
    CHECK_FALSE(s.steps[1].verify);
}

TEST_CASE("a perf scenario without cases parses with a warning", "[scenario]") {
    fs::path dir = fs::temp_directory_path() / "pgorch-test-scenario-nocases";
    fs::create_directories(dir);
    {
        std::ofstream(dir / "conf.yaml") << "kind: perf\ndb_params:\n  - db_version: 17.11\n";
    }
    Scenario s;
    Diagnostics d = parse_scenario(dir, s);
    CHECK(d.ok());
    REQUIRE(d.warnings.size() == 1);
    CHECK(d.warnings[0].message == "no cases: nothing will be measured");
    CHECK(s.db_params.at(0).db_version.value == "17.11");
    fs::remove_all(dir);
}

TEST_CASE("a missing scenario folder is an error, not an exception", "[scenario]") {
    Scenario s;
    Diagnostics d;
    REQUIRE_NOTHROW(d = parse_scenario(kGood / "no_such_scenario", s));
    REQUIRE(d.errors.size() == 1);
    CHECK(d.errors[0].message.find("not found") != std::string::npos);
}

TEST_CASE("locate: names and paths of scenarios", "[scenario]") {
    auto names = list_scenarios(kGood);
    CHECK(names == std::vector<std::string>{"perf_example", "perf_test", "string_or_list", "upgrade_example",
                                            "upgrade_test"});
    CHECK(list_scenarios(kGood / "nowhere").empty());

    auto by_name = resolve_scenario("perf_test", kGood);
    REQUIRE(by_name.ok());
    CHECK(*by_name == (kGood / "perf_test").lexically_normal());
    auto by_path = resolve_scenario((kGood / "upgrade_test").string(), "/nonexistent");
    REQUIRE(by_path.ok());
    CHECK(by_path->filename() == "upgrade_test");
    auto by_file = resolve_scenario((kGood / "upgrade_test" / "conf.yaml").string(), "/nonexistent");
    REQUIRE(by_file.ok());
    CHECK(*by_file == *by_path);

    auto missing = resolve_scenario("test", kGood);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message == "scenario \"test\" not found");
    CHECK(missing.error().hint ==
          "You must input the scenario name, example: perf_example, perf_test, string_or_list, "
          "upgrade_example, upgrade_test.");
    auto not_a_scenario = resolve_scenario(kGood.string(), kGood);
    REQUIRE_FALSE(not_a_scenario.ok());
    CHECK(not_a_scenario.error().message.find("has no conf.yaml") != std::string::npos);
}

TEST_CASE("a db_params entry may name its own docker image", "[scenario]") {
    fs::path dir = fs::temp_directory_path() / "pgorch-test-scenario-docker-image";
    fs::create_directories(dir);
    {
        std::ofstream(dir / "conf.yaml") << "kind: perf\ndocker:\n  image: pgorch-debian:bookworm\n"
                                            "db_params:\n  - db_version: '15.18'\n"
                                            "  - db_version: '17.6'\n    docker_image: pgorch-debian:trixie\n"
                                            "  - db_version: '17.6'\n    docker_image: [a, b]\n";
    }
    Scenario s;
    Diagnostics d = parse_scenario(dir, s);
    // The third entry's image is not a string: an error at its line.
    REQUIRE(d.errors.size() == 1);
    CHECK(d.errors[0].message.find("docker_image") != std::string::npos);
    CHECK(d.errors[0].where->line == 9);
    REQUIRE(s.db_params.size() == 3);
    CHECK_FALSE(s.db_params[0].docker_image);
    REQUIRE(s.db_params[1].docker_image);
    CHECK(s.db_params[1].docker_image->value == "pgorch-debian:trixie");
    CHECK(s.db_params[1].docker_image->where.line == 7);
    REQUIRE(s.docker);
    CHECK(s.docker->image->value == "pgorch-debian:bookworm");
    fs::remove_all(dir);
}
