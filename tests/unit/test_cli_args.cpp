#include "cli/args.hpp"

#include <catch2/catch.hpp>

using namespace pgorch;

TEST_CASE("cli parses a command, its operand and options in any order", "[cli]") {
    auto o = cli::parse({"-v", "run", "scenarios/quickstart", "--jobs", "2", "--bless", "--runtime=local"});
    REQUIRE(o.ok());
    CHECK(o->command == "run");
    REQUIRE(o->operands.size() == 1);
    CHECK(o->operands[0] == "scenarios/quickstart");
    CHECK(o->jobs == 2);
    CHECK(o->bless);
    CHECK(o->runtime == "local");
    CHECK(o->verbosity == 1);
}

TEST_CASE("cli collects repeated plugin folders and the plugins options", "[cli]") {
    auto o = cli::parse({"plugins", "--plugin-dir", "/a", "--plugin-dir=/b", "--call", "noop", "--input", "{\"x\":1}"});
    REQUIRE(o.ok());
    REQUIRE(o->plugin_dirs.size() == 2);
    CHECK(o->plugin_dirs[1] == "/b");
    CHECK(o->call == std::optional<std::string>("noop"));
    CHECK(o->input == "{\"x\":1}");
}

TEST_CASE("cli refuses unknown commands and options with a hint", "[cli]") {
    auto bad = cli::parse({"runn", "x"});
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message == "unknown command \"runn\"");
    CHECK_FALSE(bad.error().hint.empty());

    auto opt = cli::parse({"run", "--frobnicate"});
    REQUIRE_FALSE(opt.ok());
    CHECK(opt.error().message == "unknown option \"--frobnicate\"");
}

TEST_CASE("cli checks option values", "[cli]") {
    CHECK_FALSE(cli::parse({"run", "x", "--jobs", "0"}).ok());
    CHECK_FALSE(cli::parse({"run", "x", "--jobs", "2x"}).ok());
    CHECK_FALSE(cli::parse({"run", "x", "--runtime", "kubernetes"}).ok());
    auto missing = cli::parse({"run", "x", "--work-dir"});
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message == "option \"--work-dir\" needs a value");
}

TEST_CASE("cli help is offered for every command", "[cli]") {
    for (const char* c : {"run", "validate", "list", "plugins", "provision"}) {
        auto o = cli::parse({c, "--help"});
        REQUIRE(o.ok());
        CHECK(o->help);
        CHECK(cli::usage(c).find(std::string("usage: pgorch-host ") + c) != std::string::npos);
    }
}
