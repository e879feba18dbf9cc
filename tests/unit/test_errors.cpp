// The error catalog (sdk/errors.yaml, <pgorch/errors.hpp>): its rules, its docs page, the one
// status-to-exit-code mapping, and how codes travel from a plugin's message into an Error.
#include "core/error.hpp"

#include <catch2/catch.hpp>

#include <pgorch/plugin.hpp>

#include <fstream>
#include <set>
#include <sstream>

using namespace pgorch;
using errors::Code;

TEST_CASE("catalog codes are unique and in the family of their exit code", "[errors]") {
    std::set<int> codes;
    std::set<std::string_view> names;
    std::set<int> families;
    REQUIRE(std::size(errors::kCatalog) >= 30);
    for (const auto& e : errors::kCatalog) {
        const int code = static_cast<int>(e.code);
        INFO(errors::tag(e.code));
        CHECK(codes.insert(code).second);
        CHECK(names.insert(e.name).second);
        const int digit = code / 1000;
        const int want = digit == 9 ? 130 : digit;
        CHECK(e.exit_code == want);
        CHECK(errors::exit_code(e.code) == e.exit_code);
        families.insert(digit);
        // Style of the catalog: a meaning reads like a message, a fix is a sentence.
        CHECK_FALSE(e.meaning.empty());
        CHECK(e.meaning.back() != '.');
        CHECK_FALSE(std::isupper(static_cast<unsigned char>(e.meaning.front())));
        CHECK(e.fix.back() == '.');
    }
    CHECK(families == std::set<int>{1, 2, 3, 9});
    // Each family has its own entry, the code of an error no precise entry describes.
    for (int exit_code : {1, 2, 3, 130}) {
        const errors::Entry* e = errors::find(errors::family_default(exit_code));
        REQUIRE(e);
        CHECK(static_cast<int>(e->code) % 1000 == 0);
        CHECK(e->exit_code == exit_code);
    }
}

TEST_CASE("every code is documented in docs/errors.md", "[errors]") {
    std::ifstream in(std::string(PGORCH_SOURCE_DIR) + "/docs/errors.md");
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    for (const auto& e : errors::kCatalog) {
        INFO(errors::tag(e.code));
        CHECK_THAT(text.str(), Catch::Contains("### " + errors::tag(e.code) + " `" + std::string(e.name) + "`"));
        CHECK_THAT(text.str(), Catch::Contains("- meaning: " + std::string(e.meaning) + "\n"));
    }
}

TEST_CASE("a code is found by its tag, number or name", "[errors]") {
    for (std::string_view text : {"PGO-2005", "pgo-2005", "2005", "unknown_key"}) {
        const errors::Entry* e = errors::lookup(text);
        REQUIRE(e);
        CHECK(e->code == Code::unknown_key);
    }
    for (std::string_view text : {"", "PGO-", "PGO-2999", "20050", "Unknown_Key", "PGO-20x5", "-2005"})
        CHECK(errors::lookup(text) == nullptr);
    CHECK(errors::tag(Code::interrupted) == "PGO-9000");
}

TEST_CASE("one mapping between plugin statuses and exit codes", "[errors]") {
    CHECK(exit_of_status(PGORCH_OK) == ExitCode::passed);
    CHECK(exit_of_status(PGORCH_ERR_FAILED) == ExitCode::check_failed);
    CHECK(exit_of_status(PGORCH_ERR_INVALID) == ExitCode::invalid_input);
    CHECK(exit_of_status(PGORCH_ERR_ENVIRONMENT) == ExitCode::environment);
    // The host or the plugin lacks a service or callback: the environment's, not a failed check.
    CHECK(exit_of_status(PGORCH_ERR_UNAVAILABLE) == ExitCode::environment);
    CHECK(exit_of_status(PGORCH_ERR_CANCELLED) == ExitCode::interrupted);
    CHECK(exit_of_status(77) == ExitCode::check_failed);
    // The way back, for the host's answers to a plugin's service requests.
    for (int exit_code : {1, 2, 3, 130})
        CHECK(errors::exit_of_status(errors::status_of_exit(exit_code)) == exit_code);
}

TEST_CASE("an Error carries a catalog code of its exit code's family", "[errors]") {
    Error e = Error::of(Code::unknown_plugin, "no step plugin \"x\"", "Run `pgorch-host plugins`.");
    CHECK(e.code == ExitCode::invalid_input);
    CHECK(e.tag() == "PGO-2007");
    CHECK(Error::invalid("x").id() == Code::invalid_input);
    CHECK(Error::environment("x").id() == Code::environment);
    CHECK(Error::failed("x").id() == Code::check_failed);
    // as() moves an error to another code, and its exit code with it.
    Error f = Error::failed("script \"a.sh\" exited with code 3");
    f.as(Code::version_unavailable);
    CHECK(f.code == ExitCode::environment);
    CHECK(f.id() == Code::version_unavailable);
    // An exit code changed by hand never leaves a code of another family behind.
    f.code = ExitCode::interrupted;
    CHECK(f.id() == Code::interrupted);
    // An Error made without a code gets the family's own.
    Error g;
    g.code = ExitCode::check_failed;
    CHECK(g.tag() == "PGO-1000");
}

TEST_CASE("errors print as file:line:col: error[PGO-nnnn]: message", "[errors]") {
    Error e = Error::of(Code::unknown_key, "unknown key \"db_verison\" in step 2", "Did you mean \"db_version\"?");
    CHECK(e.render() == "error[PGO-2005]: unknown key \"db_verison\" in step 2\n  hint: Did you mean \"db_version\"?");
    e.at({"scenarios/x/conf.yaml", 7, 5});
    CHECK(e.render() ==
          "scenarios/x/conf.yaml:7:5: error[PGO-2005]: unknown key \"db_verison\" in step 2\n  hint: Did you mean \"db_version\"?");
    // What reports record keeps the original tool's shape, without the code.
    CHECK(e.str() == "scenarios/x/conf.yaml:7:5: unknown key \"db_verison\" in step 2\n  hint: Did you mean \"db_version\"?");
    Error whole = Error::of(Code::manifest_syntax, "\"conf.yaml\" is a FIFO, not a regular file").at({"a/conf.yaml", 0, 0});
    CHECK(whole.render() == "a/conf.yaml: error[PGO-2003]: \"conf.yaml\" is a FIFO, not a regular file");
}

TEST_CASE("a plugin's code travels in its message; the status decides the family", "[errors]") {
    // What the SDK's Failure(Code, ...) sends.
    sdk::Failure f(Code::version_unavailable, "cannot provide PostgreSQL 17.99");
    CHECK(f.code() == PGORCH_ERR_ENVIRONMENT);
    CHECK(std::string(f.what()) == "[PGO-3001] cannot provide PostgreSQL 17.99");
    auto [code, text] = errors::untag(f.what());
    REQUIRE(code);
    CHECK(*code == Code::version_unavailable);
    CHECK(text == "cannot provide PostgreSQL 17.99");
    CHECK_FALSE(errors::untag("[PGO-9999] x").first);
    CHECK_FALSE(errors::untag("[PGO-3001]x").first);
    CHECK(errors::untag("plain").second == "plain");

    // The host's side: the plugin's code, the caller's, or the status's.
    Error tagged = error_of_status(f.code(), f.what(), Code::provision_failed, "distro \"pgdg\": ");
    CHECK(tagged.id() == Code::version_unavailable);
    CHECK(tagged.code == ExitCode::environment);
    CHECK(tagged.message == "distro \"pgdg\": cannot provide PostgreSQL 17.99");
    Error fallback = error_of_status(PGORCH_ERR_FAILED, "pg_upgrade exited with code 1", Code::step_failed);
    CHECK(fallback.id() == Code::step_failed);
    CHECK(fallback.code == ExitCode::check_failed);
    // A code of another family than the status is dropped (the status is what the ABI promises).
    Error other = error_of_status(PGORCH_ERR_FAILED, "[PGO-2005] x", Code::step_failed);
    CHECK(other.id() == Code::step_failed);
    CHECK(other.message == "x");
    CHECK(error_of_status(PGORCH_ERR_INVALID, "bad version", Code::step_failed).id() == Code::plugin_input);
    Error unavailable = error_of_status(PGORCH_ERR_UNAVAILABLE, "sql is not available in this host", Code::environment);
    CHECK(unavailable.id() == Code::service_unavailable);
    CHECK(unavailable.code == ExitCode::environment);
    CHECK(error_of_status(PGORCH_ERR_CANCELLED, "interrupted", Code::step_failed).id() == Code::interrupted);
}
