// A step's plugin options written as keys of the step itself (the seed's style), and the path
// option type: parsed from a real conf.yaml, checked against a fake plugin's declaration.
#include "scenario/parser.hpp"
#include "scenario/validate.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace pgorch;
using namespace pgorch::scenario;

namespace {

// A `migrate` step plugin: a path, a string, a list; nothing else.
struct MigrateCatalog : PluginCatalog {
    std::vector<plugins::OptionSpec> migrate{{"migrations", PGORCH_OPT_PATH, true, false, false, "", ""},
                                             {"target", PGORCH_OPT_STRING, false, false, false, "", ""},
                                             {"schemas", PGORCH_OPT_STRING_LIST, false, false, false, "", ""}};
    std::vector<plugins::OptionSpec> none;
    std::vector<std::string> names(plugins::Kind kind) const override {
        return kind == plugins::Kind::step ? std::vector<std::string>{"migrate"} : std::vector<std::string>{"pgdg"};
    }
    const std::vector<plugins::OptionSpec>* options(plugins::Kind kind, std::string_view name) const override {
        if (kind == plugins::Kind::step && name == "migrate") return &migrate;
        if (kind == plugins::Kind::distro && name == "pgdg") return &none;
        return nullptr;
    }
    sdk::PerfCheck perf_check(std::string_view) const override { return sdk::PerfCheck::none; }
};

// A scenario folder holding app/migrations/ and the given step lines.
struct Folder {
    fs::path dir = fs::temp_directory_path() / ("pgorch-step-options-" + std::to_string(::getpid()));
    explicit Folder(const std::string& step) {
        fs::remove_all(dir);
        fs::create_directories(dir / "app" / "migrations");
        std::ofstream(dir / "conf.yaml") << "kind: upgrade\ndb_version: '15'\nsteps:\n  - type: migrate\n    db_version: '15'\n" << step;
    }
    ~Folder() { fs::remove_all(dir); }
    // Parses and validates; the errors as "line:column message | hint".
    std::vector<std::string> check(Scenario& s) const {
        Diagnostics d = parse_scenario(dir, s);
        if (d.ok()) validate_against_plugins(s, MigrateCatalog{}, d);
        std::vector<std::string> out;
        for (const auto& e : d.errors)
            out.push_back(std::to_string(e.where->line) + ":" + std::to_string(e.where->column) + " " + e.message +
                          (e.hint.empty() ? "" : " | " + e.hint));
        return out;
    }
};

}  // namespace

TEST_CASE("a step's declared options may be keys of the step, typed by declaration", "[scenario][validate][options]") {
    Folder f("    migrations: app/migrations\n    target: '3'\n    schemas: [app, audit]\n");
    Scenario s;
    auto errors = f.check(s);
    CHECK(errors.empty());
    REQUIRE(s.steps.size() == 1);
    const auto& o = s.steps[0].options;
    // The path as the plugin gets it: absolute, inside the scenario folder.
    CHECK(o.at("migrations").as_string() == (fs::absolute(f.dir) / "app" / "migrations").lexically_normal().string());
    CHECK(o.at("target").as_string() == "3");
    CHECK(o.at("schemas") == boost::json::array{"app", "audit"});
}

TEST_CASE("a step key that is neither the host's nor a declared option is refused", "[scenario][validate][options]") {
    Folder f("    migrations: app/migrations\n    targte: '3'\n");
    Scenario s;
    CHECK(f.check(s) == std::vector<std::string>{"7:5 unknown key \"targte\" in step 1 | Did you mean \"target\"?"});
}

TEST_CASE("a path option must exist inside the scenario folder", "[scenario][validate][options]") {
    {
        Folder f("    migrations: ../elsewhere\n");
        Scenario s;
        auto errors = f.check(s);
        REQUIRE(errors.size() == 1);
        CHECK_THAT(errors[0], Catch::StartsWith("6:17 option \"migrations\" of step plugin \"migrate\": file "
                                                "\"../elsewhere\" is outside the scenario folder"));
    }
    {
        Folder f("    migrations: app/missing\n");
        Scenario s;
        auto errors = f.check(s);
        REQUIRE(errors.size() == 1);
        CHECK_THAT(errors[0], Catch::StartsWith("6:17 option \"migrations\" of step plugin \"migrate\": file "
                                                "\"app/missing\" not found"));
    }
    {
        Folder f("    target: '3'\n");  // required, missing
        Scenario s;
        CHECK(f.check(s) == std::vector<std::string>{
                                "4:5 step 1 (migrate): required option \"migrations\" is missing | Add it to the step, "
                                "or under its \"args\"."});
    }
}

TEST_CASE("an option given as a step key and in args is doubled; only a list option takes a list", "[scenario][validate][options]") {
    Folder f("    migrations: app/migrations\n    target: [1, 2]\n    args:\n      migrations: app/migrations\n");
    Scenario s;
    CHECK(f.check(s) == std::vector<std::string>{
                            "7:5 option \"target\" of step plugin \"migrate\" must be a string, not a list",
                            "9:19 option \"migrations\" of step plugin \"migrate\" is given twice in step 1 | Give each "
                            "option once."});
}
