#include "core/error.hpp"

#include <catch2/catch.hpp>

using namespace pgorch;

TEST_CASE("error renders location, message and hint", "[error]") {
    Error e = Error::invalid("unknown key \"db_verison\"", "Did you mean \"db_version\"?");
    e.at({"conf.yaml", 3, 1});
    CHECK(e.str() == "conf.yaml:3:1: unknown key \"db_verison\"\n  hint: Did you mean \"db_version\"?");
    CHECK(e.render() == "conf.yaml:3:1: error[PGO-2000]: unknown key \"db_verison\"\n  hint: Did you mean \"db_version\"?");
    CHECK(e.code == ExitCode::invalid_input);
}

TEST_CASE("expected carries a value or an error", "[error]") {
    Expected<int> v = 3;
    REQUIRE(v.ok());
    CHECK(*v == 3);
    Expected<int> e = Error::environment("no engine");
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().code == ExitCode::environment);
}
