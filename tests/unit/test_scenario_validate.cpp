// validate_against_plugins with a fake catalog of plugins.
#include "scenario/parser.hpp"
#include "scenario/validate.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <pgorch/step.hpp>

namespace fs = std::filesystem;
using namespace pgorch;
using namespace pgorch::scenario;

namespace {

class FakeCatalog : public PluginCatalog {
public:
    std::map<std::string, std::vector<plugins::OptionSpec>> steps, distros;
    std::map<std::string, sdk::PerfCheck> checks;            // step plugins that are perf checks
    std::map<std::string, std::string> refuse;               // plugin -> what its validate says
    mutable std::vector<std::string> calls;                  // "kind name input" of each validate call

    std::vector<std::string> names(plugins::Kind kind) const override {
        std::vector<std::string> out;
        for (const auto& [name, opts] : kind == plugins::Kind::step ? steps : distros) out.push_back(name);
        return out;  // std::map keeps them sorted
    }
    const std::vector<plugins::OptionSpec>* options(plugins::Kind kind, std::string_view name) const override {
        const auto& m = kind == plugins::Kind::step ? steps : distros;
        auto it = m.find(std::string(name));
        return it == m.end() ? nullptr : &it->second;
    }
    sdk::PerfCheck perf_check(std::string_view step) const override {
        auto it = checks.find(std::string(step));
        return it == checks.end() ? sdk::PerfCheck::none : it->second;
    }
    std::optional<Refused> validate(plugins::Kind kind, std::string_view name,
                                    const boost::json::object& input) const override {
        calls.push_back(std::string(plugins::to_string(kind)) + " " + std::string(name) + " " + boost::json::serialize(input));
        auto it = refuse.find(std::string(name));
        if (it == refuse.end()) return std::nullopt;
        return Refused{PGORCH_ERR_INVALID, it->second};
    }
};

plugins::OptionSpec option(std::string key, bool required = false, bool ignored = false,
                           pgorch_option_type type = PGORCH_OPT_STRING) {
    plugins::OptionSpec o;
    o.key = std::move(key);
    o.required = required;
    o.ignored = ignored;
    o.type = type;
    return o;
}

// The catalog of a complete installation: the seed's step types and both distributions.
FakeCatalog full_catalog() {
    FakeCatalog c;
    c.distros["pgdg"] = {};
    c.distros["ttdb"] = {};
    c.steps["pg_upgrade"] = {option("pg_upgrade")};
    c.steps["minor"] = {option("pg_upgrade", false, true)};
    c.steps["pg_dumpall"] = {option("pg_dumpall"), option("pg_restore")};
    c.steps["inplace_catalog"] = {};
    c.steps["explain"] = {option("normalize", false, false, PGORCH_OPT_STRING_LIST)};
    c.steps["timing"] = {option("warmup", false, false, PGORCH_OPT_INTEGER),
                         option("repetitions", false, false, PGORCH_OPT_INTEGER)};
    c.checks["explain"] = sdk::PerfCheck::plan;
    c.checks["timing"] = sdk::PerfCheck::timing;
    return c;
}

Scenario parse_good(const std::string& name) {
    Scenario s;
    Diagnostics d = parse_scenario(fs::path(PGORCH_GOOD_SCENARIOS) / name, s);
    REQUIRE(d.ok());
    return s;
}

Text text(std::string v, int line) { return Text{std::move(v), SourceLocation{"conf.yaml", line, 3}}; }

}  // namespace

TEST_CASE("the seed's scenarios validate against a full catalog", "[scenario][validate]") {
    const FakeCatalog catalog = full_catalog();
    for (std::string name : {"perf_example", "perf_test", "upgrade_example", "string_or_list"}) {
        Diagnostics d;
        Scenario s = parse_good(name);
        validate_against_plugins(s, catalog, d);
        INFO(name);
        for (const auto& e : d.errors) UNSCOPED_INFO(e.str());
        CHECK(d.ok());
        CHECK(d.warnings.empty());
    }
}

TEST_CASE("an option flagged ignored is a warning: the seed's minor step with pg_upgrade args", "[scenario][validate]") {
    Scenario s = parse_good("upgrade_test");
    Diagnostics d;
    validate_against_plugins(s, full_catalog(), d);
    CHECK(d.ok());
    REQUIRE(d.warnings.size() == 1);
    CHECK(d.warnings[0].message == "option \"pg_upgrade\" has no effect on step plugin \"minor\" in step 2");
    CHECK(d.warnings[0].where->line == 20);
}

TEST_CASE("missing plugins and undeclared options are errors with hints", "[scenario][validate]") {
    Scenario s;
    s.kind = Kind::upgrade;
    s.start.db_type = text("pgdb", 2);
    s.start.db_version = text("15.18", 3);
    UpgradeStep a;
    a.type = text("pg_upgrad", 5);
    a.target.db_type = s.start.db_type;  // inherited: reported once
    a.where = SourceLocation{"conf.yaml", 5, 5};
    UpgradeStep b;
    b.type = text("pg_dumpall", 7);
    b.target.db_type = text("ttdb", 8);
    b.args["pg_dumpal"] = text("--clean", 9);
    b.args["verbose"] = text("-v", 10);
    b.where = SourceLocation{"conf.yaml", 7, 5};
    s.steps = {a, b};

    Diagnostics d;
    validate_against_plugins(s, full_catalog(), d);
    REQUIRE(d.errors.size() == 4);
    CHECK(d.errors[0].message == "no distro plugin \"pgdb\"");
    CHECK(d.errors[0].id() == pgorch::errors::Code::unknown_plugin);
    CHECK(d.errors[0].hint == "Did you mean \"pgdg\"? Available distro plugins: pgdg, ttdb.");
    CHECK(d.errors[0].where->line == 2);
    CHECK(d.errors[1].message == "no step plugin \"pg_upgrad\"");
    CHECK(d.errors[1].id() == pgorch::errors::Code::unknown_plugin);
    CHECK(d.errors[1].hint ==
          "Did you mean \"pg_upgrade\"? Available step plugins: explain, inplace_catalog, minor, pg_dumpall, "
          "pg_upgrade, timing.");
    CHECK(d.errors[2].message == "option \"pg_dumpal\" is not declared by step plugin \"pg_dumpall\" in step 2");
    CHECK(d.errors[2].tag() == "PGO-2008");
    CHECK(d.errors[2].hint == "Did you mean \"pg_dumpall\"?");
    CHECK(d.errors[3].message == "option \"verbose\" is not declared by step plugin \"pg_dumpall\" in step 2");
    CHECK(d.errors[3].hint == "Its options are: pg_dumpall, pg_restore.");
    CHECK(d.errors[3].where->line == 10);
}

TEST_CASE("required options, option types and quoting are checked", "[scenario][validate]") {
    FakeCatalog catalog = full_catalog();
    catalog.steps["custom"] = {option("target", true), option("jobs", false, false, PGORCH_OPT_INTEGER),
                               option("check", false, false, PGORCH_OPT_BOOLEAN)};
    Scenario s;
    s.kind = Kind::upgrade;
    s.start.db_type = text("pgdg", 1);
    s.args["initdb"] = text("--locale='ru_RU", 2);
    UpgradeStep st;
    st.type = text("custom", 4);
    st.target.db_type = s.start.db_type;
    st.where = SourceLocation{"conf.yaml", 4, 5};
    st.args["jobs"] = text("two", 6);
    st.args["check"] = text("yes", 7);
    s.steps = {st};

    Diagnostics d;
    validate_against_plugins(s, catalog, d);
    REQUIRE(d.errors.size() == 3);
    CHECK(d.errors[0].message == "arguments for \"initdb\" in \"args\": unterminated single quote at character 10");
    CHECK(d.errors[0].tag() == "PGO-2004");
    CHECK(d.errors[1].message == "step 1 (custom): required option \"target\" is missing");
    CHECK(d.errors[1].where->line == 4);
    CHECK(d.errors[1].tag() == "PGO-2009");
    CHECK(d.errors[2].message == "option \"jobs\" of step plugin \"custom\" must be an integer, not \"two\"");
    CHECK(d.errors[2].tag() == "PGO-2009");

    // A quoting error the parser already reported is not reported twice.
    Diagnostics again;
    again.errors.push_back(Error::invalid("arguments for \"initdb\" in \"db_args\": x").at(s.args["initdb"].where));
    validate_against_plugins(s, catalog, again);
    CHECK(again.errors.size() == 3);
}

TEST_CASE("perf scenarios need the explain and timing plugins they use", "[scenario][validate]") {
    Scenario s = parse_good("perf_example");
    FakeCatalog catalog = full_catalog();
    catalog.steps.erase("timing");
    catalog.steps.erase("explain");
    catalog.distros.erase("ttdb");
    Diagnostics d;
    validate_against_plugins(s, catalog, d);
    REQUIRE(d.errors.size() == 3);
    CHECK(d.errors[0].message == "no distro plugin \"ttdb\"");
    CHECK(d.errors[0].where->line == 5);
    CHECK(d.errors[1].message == "no step plugin \"explain\"");
    CHECK_THAT(d.errors[1].hint, Catch::StartsWith("It runs the explain queries."));
    CHECK(d.errors[1].where->line == 28);
    CHECK(d.errors[2].message == "no step plugin \"timing\"");
    CHECK(d.errors[2].where->line == 36);

    // A scenario with only timing queries needs only the timing plugin.
    Scenario only_timing = s;
    for (auto& c : only_timing.cases) c.explain_queries.clear();
    Diagnostics d2;
    catalog.distros["ttdb"] = {};
    validate_against_plugins(only_timing, catalog, d2);
    REQUIRE(d2.errors.size() == 1);
    CHECK(d2.errors[0].message == "no step plugin \"timing\"");
}

TEST_CASE("an empty catalog says no plugin is loaded", "[scenario][validate]") {
    FakeCatalog empty;
    Diagnostics d;
    Scenario s = parse_good("upgrade_example");
    validate_against_plugins(s, empty, d);
    REQUIRE(d.errors.size() == 4);
    CHECK(d.errors[0].hint == "No distro plugin is loaded; check the plugin folders (pgorch-host plugins).");
    CHECK(d.errors[1].hint == "No step plugin is loaded; check the plugin folders (pgorch-host plugins).");
}

namespace {

// A perf scenario with one explain and one timing query, and the given top-level args.
Scenario perf_scenario(std::map<std::string, std::string> args) {
    Scenario s;
    s.kind = Kind::perf;
    int line = 2;
    for (const auto& [k, v] : args) s.args[k] = text(v, line++);
    DbTarget t;
    t.db_type = text("pgdg", 10);
    t.db_version = text("15", 11);
    s.db_params = {t};
    PerfCase c;
    c.name = text("c1", 20);
    ExplainQuery e;
    e.where = SourceLocation{"conf.yaml", 21, 7};
    TimingQuery q;
    q.where = SourceLocation{"conf.yaml", 23, 7};
    q.expected_time_ms = 10;
    c.explain_queries = {e};
    c.timing_queries = {q};
    s.cases = {c};
    return s;
}

}  // namespace

TEST_CASE("perf check options: the measured examples are refused with a place and a hint", "[scenario][validate][options]") {
    FakeCatalog catalog = full_catalog();
    Scenario s = perf_scenario({{"explain", "--normalise=numbers"}, {"timing", "--repetitions=zero --warmpu=2"}});
    Diagnostics d;
    validate_against_plugins(s, catalog, d);
    REQUIRE(d.errors.size() == 3);
    CHECK(d.errors[0].message == "option \"normalise\" is not declared by step plugin \"explain\" in \"args\"");
    CHECK(d.errors[0].hint == "Did you mean \"normalize\"?");
    CHECK(d.errors[0].where->line == 2);
    CHECK(d.errors[1].message == "option \"repetitions\" of step plugin \"timing\" must be an integer, not \"zero\"");
    CHECK(d.errors[1].where->line == 3);
    CHECK(d.errors[2].message == "option \"warmpu\" is not declared by step plugin \"timing\" in \"args\"");
    CHECK(d.errors[2].hint == "Did you mean \"warmup\"?");
    // Nothing is validated by a plugin while its options are wrong.
    for (const auto& c : catalog.calls) CHECK(c.rfind("step", 0) != 0);
}

TEST_CASE("perf check options are typed, validated once, and kept for the engine", "[scenario][validate][options]") {
    FakeCatalog catalog = full_catalog();
    catalog.distros["pgdg"] = {option("methods", false, false, PGORCH_OPT_STRING_LIST)};
    Scenario s = perf_scenario({{"explain", "--normalize=costs,actuals"},
                                {"timing", "--warmup=0 --repetitions 3"},
                                {"pgdg", "--methods=deb,binaries"},
                                {"initdb", "--locale=C"}});
    Diagnostics d;
    validate_against_plugins(s, catalog, d);
    for (const auto& e : d.errors) UNSCOPED_INFO(e.str());
    // "--repetitions 3": a word without "=" is "true", then "3" has no name... it is the value "true".
    REQUIRE(d.errors.size() == 2);
    CHECK(d.errors[0].message == "option \"repetitions\" of step plugin \"timing\" must be an integer, not \"true\"");
    CHECK(d.errors[1].message == "option \"3\" is not declared by step plugin \"timing\" in \"args\"");

    s = perf_scenario({{"explain", "--normalize=costs,actuals"},
                       {"timing", "--warmup=0 --repetitions=3"},
                       {"pgdg", "--methods=deb,binaries"}});
    catalog.calls.clear();
    Diagnostics ok;
    validate_against_plugins(s, catalog, ok);
    CHECK(ok.ok());
    CHECK(boost::json::serialize(s.perf_check_options.at("explain")) == R"({"normalize":["costs","actuals"]})");
    CHECK(boost::json::serialize(s.perf_check_options.at("timing")) == R"({"warmup":0,"repetitions":3})");
    CHECK(boost::json::serialize(s.distro_options.at("pgdg")) == R"({"methods":["deb","binaries"]})");
    // Every plugin's validate callback, with its typed options; the distro's with its options
    // alone (the version plan asks it about each version, with the exec service).
    CHECK(catalog.calls == std::vector<std::string>{
                               R"(step explain {"options":{"normalize":["costs","actuals"]}})",
                               R"(step timing {"options":{"warmup":0,"repetitions":3}})",
                               R"(distro pgdg {"options":{"methods":["deb","binaries"]}})"});
}

TEST_CASE("a plugin's validate refusal is an error at its place", "[scenario][validate][options]") {
    FakeCatalog catalog = full_catalog();
    catalog.refuse["timing"] = "option \"repetitions\" must be an integer from 1 to 100000, not 0";
    Scenario s = perf_scenario({{"timing", "--repetitions=0"}});
    Diagnostics d;
    validate_against_plugins(s, catalog, d);
    REQUIRE(d.errors.size() == 1);
    CHECK(d.errors[0].message ==
          "\"timing\" in args: option \"repetitions\" must be an integer from 1 to 100000, not 0");
    CHECK(d.errors[0].where->line == 2);
}

TEST_CASE("a perf check plugin must declare its contract", "[scenario][validate][options]") {
    FakeCatalog catalog = full_catalog();
    catalog.checks.erase("timing");
    catalog.checks["explain"] = sdk::PerfCheck::timing;
    Scenario s = perf_scenario({});
    Diagnostics d;
    validate_against_plugins(s, catalog, d);
    REQUIRE(d.errors.size() == 2);
    CHECK(d.errors[0].message ==
          "step plugin \"explain\" cannot run the explain queries: it does not declare \"perf_check\": \"plan\"");
    CHECK(d.errors[0].where->line == 21);
    CHECK(d.errors[1].message ==
          "step plugin \"timing\" cannot run the timing queries: it does not declare \"perf_check\": \"timing\"");
}

TEST_CASE("step and distro options: doubled, mistyped, typed and validated per step and version", "[scenario][validate][options]") {
    FakeCatalog catalog = full_catalog();
    catalog.steps["custom"] = {option("jobs", false, false, PGORCH_OPT_INTEGER), option("check", false, false, PGORCH_OPT_BOOLEAN),
                               option("dirs", false, false, PGORCH_OPT_STRING_LIST),
                               option("ratio", false, false, PGORCH_OPT_NUMBER)};
    catalog.distros["pgdg"] = {option("jobs", false, false, PGORCH_OPT_INTEGER), option("key", true)};
    Scenario s;
    s.kind = Kind::upgrade;
    s.start.db_type = text("pgdg", 1);
    s.start.db_version = text("15.18", 2);
    s.args["pgdg"] = text("--jobs=2 --jobs=3 --jbos=1", 3);
    UpgradeStep st;
    st.type = text("custom", 5);
    st.target.db_type = s.start.db_type;
    st.target.db_version = text("15.20", 6);
    st.where = SourceLocation{"conf.yaml", 5, 5};
    st.args["jobs"] = text("4", 7);
    st.args["check"] = text("Off", 8);
    st.args["dirs"] = text("a, b", 9);
    st.args["ratio"] = text("0.5", 10);
    s.steps = {st};
    Diagnostics d;
    validate_against_plugins(s, catalog, d);
    REQUIRE(d.errors.size() == 3);
    CHECK(d.errors[0].message == "option \"jobs\" of distro plugin \"pgdg\" is given twice in \"args\"");
    CHECK(d.errors[1].message == "option \"jbos\" is not declared by distro plugin \"pgdg\" in \"args\"");
    CHECK(d.errors[1].hint == "Did you mean \"jobs\"?");
    CHECK(d.errors[2].message == "distro plugin \"pgdg\": required option \"key\" is missing");
    CHECK(d.errors[2].hint == "Add it to \"args: pgdg:\" as --name=value.");
    CHECK(d.errors[2].where->line == 3);
    // The step's options passed: typed, in file order.
    CHECK(boost::json::serialize(s.steps[0].options) == R"({"jobs":4,"check":false,"dirs":["a","b"],"ratio":5E-1})");

    s.args["pgdg"] = text("--jobs=2 --key=k", 3);
    catalog.calls.clear();
    Diagnostics ok;
    validate_against_plugins(s, catalog, ok);
    CHECK(ok.ok());
    REQUIRE(catalog.calls.size() == 2);
    CHECK(catalog.calls[0] ==
          R"(step custom {"options":{"jobs":4,"check":false,"dirs":["a","b"],"ratio":5E-1},"scenario_dir":"","step":{"index":1,"type":"custom"}})");
    CHECK(catalog.calls[1] == R"(distro pgdg {"options":{"jobs":2,"key":"k"}})");

    // A refusal of the options alone is located at them.
    catalog.refuse["pgdg"] = "option \"jobs\" must be an integer from 0 to 1024, not 2000";
    catalog.calls.clear();
    Diagnostics refused;
    validate_against_plugins(s, catalog, refused);
    REQUIRE(refused.errors.size() == 1);
    CHECK(refused.errors[0].message == "\"pgdg\" in args: option \"jobs\" must be an integer from 0 to 1024, not 2000");
    CHECK(refused.errors[0].where->line == 3);
    CHECK(catalog.calls.size() == 2);
}

TEST_CASE("a step may leave db_version out only when its plugin keeps the version", "[scenario][validate]") {
    struct RuleCatalog : FakeCatalog {
        std::optional<sdk::VersionRule> version_rule(std::string_view step) const override {
            if (step == "migrate") return sdk::VersionRule::same;
            return sdk::VersionRule::not_lower;
        }
    } catalog;
    static_cast<FakeCatalog&>(catalog) = full_catalog();
    catalog.steps["migrate"] = {option("migrations", true)};
    Scenario s;
    s.kind = Kind::upgrade;
    s.start.db_version = text("16.8", 2);
    UpgradeStep migrate;
    migrate.type = text("migrate", 4);
    migrate.where = SourceLocation{"conf.yaml", 4, 5};
    migrate.args["migrations"] = text("deltas", 5);
    UpgradeStep upgrade;
    upgrade.type = text("pg_upgrade", 6);
    upgrade.where = SourceLocation{"conf.yaml", 6, 5};
    s.steps = {migrate, upgrade};
    Diagnostics d;
    validate_against_plugins(s, catalog, d);
    REQUIRE(d.errors.size() == 1);
    CHECK(d.errors[0].str() == "conf.yaml:6:5: step 2 has no \"db_version\"\n  hint: Set the version the step upgrades to.");
}
