// Version selectors, their resolution and the tools rule, against a distro whose "mirror" is a
// JSON file (fixtures/listing.cpp) and the real step plugins' requirements. No PostgreSQL.
#include "support/fake_services.hpp"

#include "engine/provision.hpp"
#include "engine/version_plan.hpp"
#include "plugins/registry.hpp"
#include "scenario/parser.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <random>

using namespace pgorch;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// One offer of the fixture mirror.
json::object offer(const std::string& version, const std::string& method, bool full, const std::string& cost = "download") {
    return sdk::VersionOffer{version, method, full, false, cost}.to_json();
}

// What this "machine" offers: npm server builds, Debian's two 15.x, a source build of 17.
json::array today() {
    return json::array{offer("16.4", "binaries", false), offer("16.8", "binaries", false),
                       offer("17.10", "binaries", false), offer("14.17", "binaries", false),
                       offer("15.18", "deb", true),        offer("15.20", "deb", true),
                       offer("17.12", "source", true, "build")};
}

// A folder with a conf.yaml, the fixture distro loaded next to the real step plugins, and a
// provisioner over a recording host; the mirror file is PGORCH_FX_LISTING.
struct World {
    fs::path dir;
    plugins::Registry registry;
    test::FakeServices host;
    std::unique_ptr<engine::Provisioner> provisioner;

    explicit World(const json::array& offers) {
        std::random_device rd;
        dir = fs::temp_directory_path() / ("pgorch-versions-" + std::to_string(rd()));
        fs::create_directories(dir);
        mirror(offers);
        setenv("PGORCH_FX_LISTING", (dir / "mirror.json").c_str(), 1);
        REQUIRE(registry.load_file(fs::path(PGORCH_FIXTURE_PLUGIN_DIR) / "pgorch-distro-fx_listing.so"));
        for (const char* step : {"minor", "pg_upgrade", "pg_dumpall", "inplace_catalog"})
            REQUIRE(registry.load_file(fs::path(PGORCH_PLUGIN_BUILD_DIR) / ("pgorch-step-" + std::string(step) + ".so")));
        provisioner = std::make_unique<engine::Provisioner>(registry, host);
    }
    ~World() {
        unsetenv("PGORCH_FX_LISTING");
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    // The mirror moves: a new listing (a new run sees it; this one keeps what it listed).
    void mirror(const json::array& offers) {
        std::ofstream(dir / "mirror.json") << json::serialize(json::object{{"offers", offers}});
        provisioner = std::make_unique<engine::Provisioner>(registry, host);
    }
    scenario::Scenario scenario(const std::string& yaml) {
        std::ofstream(dir / "conf.yaml") << yaml;
        scenario::Scenario sc;
        auto d = scenario::parse_scenario(dir, sc);
        INFO((d.ok() ? std::string() : d.errors.front().str()));
        REQUIRE(d.ok());
        return sc;
    }
    // Resolves an upgrade chain; the Error or the resolved versions.
    Expected<engine::VersionPlan> chain(const std::string& yaml) {
        auto sc = scenario(yaml);
        engine::VersionPlan p = engine::VersionPlan::for_upgrade(sc, registry);
        if (Status s = p.resolve(*provisioner); !s) return s.error();
        return p;
    }
};

// plan() never runs a command.
struct NoRuntime : runtime::Runtime {
    std::string name() const override { return "none"; }
    Expected<runtime::ExecResult> exec(const runtime::ExecRequest&) override { return Error::environment("no runtime"); }
    Status copy_in(const fs::path&, const fs::path&) override { return Error::environment("no runtime"); }
    Status copy_out(const fs::path&, const fs::path&) override { return Error::environment("no runtime"); }
    Status make_dir(const fs::path&) override { return Error::environment("no runtime"); }
    Expected<int> free_port() override { return Error::environment("no runtime"); }
    std::string service_user() const override { return {}; }
    void cancel() override {}
};

std::string upgrade(const std::string& start, const std::vector<std::pair<std::string, std::string>>& steps) {
    std::string y = "kind: upgrade\ndb_type: fx_listing\ndb_version: \"" + start + "\"\nsteps:\n";
    for (const auto& [type, version] : steps) y += "  - type: " + type + "\n    db_version: \"" + version + "\"\n";
    return y;
}

}  // namespace

TEST_CASE("a selector is the newest version giving what the step needs, an exact version its first method") {
    World w(today());
    auto p = w.chain(upgrade("16.4", {{"minor", "16"}, {"pg_upgrade", "17"}}));
    INFO((p ? std::string() : p.error().str()));
    REQUIRE(p.ok());
    CHECK(p->slots[0].version == "16.4");
    CHECK(p->slots[0].method == "binaries");
    CHECK(p->slots[1].version == "16.8");  // the newest 16.x: a server build is enough for a minor step
    CHECK(p->slots[2].version == "17.12");  // not 17.10: pg_upgrade's new side needs a full toolset
    CHECK(p->slots[2].method == "source");
    CHECK(p->slots[2].full);
    CHECK(p->slots[2].note.find("17.10 (binaries, server only)") != std::string::npos);
    // Every line of validate / --dry-run names the selector, the exact version and the method.
    auto lines = p->describe();
    CHECK(lines[2] == "step 2 (pg_upgrade): fx_listing 17 -> 17.12 (source, full toolset, build); newest 17.x; also "
                      "17.10 (binaries, server only)");
}

TEST_CASE("pg_upgrade into a server-only build is refused before anything runs, in one sentence") {
    World w(today());
    auto p = w.chain(upgrade("15.18", {{"pg_upgrade", "16.8"}}));
    REQUIRE_FALSE(p.ok());
    const std::string m = p.error().message;
    INFO(m);
    CHECK(p.error().code == ExitCode::environment);
    CHECK(m.find("step 1 (pg_upgrade) needs pg_upgrade 16.8 itself") != std::string::npos);
    CHECK(m.find("it is a server-only build here: 16.8 (binaries, server only)") != std::string::npos);
    CHECK(m.find("full toolsets here: 15.18, 15.20 (deb), 17.12 (source)") != std::string::npos);
    CHECK(p.error().where.has_value());  // file:line:column of the step's db_version
    // A selector nothing satisfies names what exists.
    auto q = w.chain(upgrade("15.18", {{"pg_upgrade", "16"}}));
    REQUIRE_FALSE(q.ok());
    CHECK(q.error().message.find("every 16.x is a server-only build") != std::string::npos);
    auto r = w.chain(upgrade("15.18", {{"pg_upgrade", "19"}}));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("no method provides fx_listing 19.x here") != std::string::npos);
}

TEST_CASE("step rules: a minor step stays within one major, pg_upgrade never goes down") {
    World w(today());
    auto minor = w.chain(upgrade("15.18", {{"minor", "16.8"}}));
    REQUIRE_FALSE(minor.ok());
    CHECK(minor.error().code == ExitCode::invalid_input);
    CHECK(minor.error().message == "step 1 (minor) stays within one major, but 15.18 -> 16.8 crosses majors");
    auto down = w.chain(upgrade("15.20", {{"pg_upgrade", "15.18"}}));
    REQUIRE_FALSE(down.ok());
    CHECK(down.error().message == "step 1 (pg_upgrade) never goes to a lower version, but 15.20 -> 15.18 does");
    auto dump_down = w.chain(upgrade("17.12", {{"pg_dumpall", "15"}}));
    REQUIRE_FALSE(dump_down.ok());
    CHECK(dump_down.error().message == "step 1 (pg_dumpall) never goes to a lower major, but 17.12 -> 15.20 does");
    CHECK(w.chain(upgrade("15.20", {{"pg_dumpall", "15.18"}})).ok());  // a lower minor is fine
}

TEST_CASE("versions a step ties together resolve to the newest one all sides can have") {
    World w(today());
    auto p = w.chain(upgrade("15.18", {{"inplace_catalog", "15"}, {"inplace_catalog", "15"}}));
    INFO((p ? std::string() : p.error().str()));
    REQUIRE(p.ok());
    for (const auto& s : p->slots) CHECK(s.version == "15.18");  // "15" alone would be 15.20
    auto q = w.chain(upgrade("15", {{"inplace_catalog", "15"}}));
    REQUIRE(q.ok());
    CHECK(q->slots[0].version == "15.20");
    CHECK(q->slots[1].version == "15.20");
    auto bad = w.chain(upgrade("15.18", {{"inplace_catalog", "15.20"}}));
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("needs the same version on both sides") != std::string::npos);
}

TEST_CASE("the mirror moves: selectors follow it, nothing pinned breaks") {
    World w(today());
    auto before = w.chain(upgrade("14.17", {{"pg_upgrade", "17"}, {"pg_upgrade", "17"}}));
    REQUIRE(before.ok());
    CHECK(before->slots[1].version == "17.12");
    // Debian's point release drops 15.18 from bookworm and trixie moves to 17.13.
    json::array moved;
    for (auto& o : today()) {
        std::string v(o.as_object().at("version").as_string());
        if (v == "15.18") continue;
        if (v == "17.12") o.as_object()["version"] = "17.13";
        moved.push_back(o);
    }
    w.mirror(moved);
    auto after = w.chain(upgrade("14.17", {{"pg_upgrade", "17"}, {"pg_upgrade", "17"}}));
    INFO((after ? std::string() : after.error().str()));
    REQUIRE(after.ok());
    CHECK(after->slots[1].version == "17.13");
    auto fifteen = w.chain(upgrade("15", {{"minor", "15"}}));
    REQUIRE(fifteen.ok());
    CHECK(fifteen->slots[0].version == "15.20");
    // A pinned Debian version is what breaks, and it says what exists instead.
    auto pinned = w.chain(upgrade("15.18", {{"pg_upgrade", "17"}}));
    REQUIRE(pinned.ok());  // not listed: provisioning will try every method and say what it has
    CHECK(pinned->slots[0].method.empty());
}

TEST_CASE("the tools rule: what a server-only build borrows, and from whom") {
    World w(today());
    engine::VersionSlot old_side;
    old_side.role = "the start version";
    old_side.db_type = "fx_listing";
    old_side.written = old_side.version = "16.4";
    old_side.method = "binaries";
    old_side.need.add(w.registry.find(plugins::Kind::step, "pg_upgrade")->requirements().from, "step 1 (pg_upgrade), old side");
    NoRuntime rt;
    engine::ToolBroker broker(*w.provisioner, rt, "/nowhere");
    // pg_upgrade runs the old major's own pg_resetwal (-n, on the stopped old cluster): a
    // server-only 16 is refused as its old side when no full 16 can lend one.
    auto no_resetwal = broker.plan(old_side, {&old_side});
    REQUIRE_FALSE(no_resetwal.ok());
    CHECK(no_resetwal.error().message.find("needs pg_resetwal") != std::string::npos);
    CHECK(no_resetwal.error().message.find("same major") != std::string::npos);
    old_side.need = {};
    old_side.need.add_any("pg_controldata", "a step");
    old_side.need.add_any("psql", "scripts");
    auto lines = broker.plan(old_side, {&old_side});
    INFO((lines ? std::string() : lines.error().str()));
    REQUIRE(lines.ok());
    REQUIRE(lines->size() == 2);
    // pg_controldata: the same pg_control version (1300: 13-16), the newest of those, not 17's.
    CHECK((*lines)[0] == "pg_controldata from fx_listing 15.20 (deb)");
    // psql: an older one you can download beats building a newer one; the plan says it is older.
    CHECK((*lines)[1] == "psql from fx_listing 15.20 (deb), older than the server");
    // pg_upgrade is never borrowed: a server-only new side is refused.
    engine::VersionSlot new_side = old_side;
    new_side.need = {};
    new_side.need.add(w.registry.find(plugins::Kind::step, "pg_upgrade")->requirements().to, "step 1 (pg_upgrade), new side");
    auto refused = broker.plan(new_side, {&new_side});
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message.find("needs initdb") == std::string::npos);  // the server tools are there
    CHECK(refused.error().message.find("is a server-only build") != std::string::npos);
}

TEST_CASE("choose_donor ranks sound donors by rule, cost and closeness") {
    using engine::DonorCandidate;
    std::vector<DonorCandidate> c = {{"15.18", "deb", false, false, "download"},
                                     {"15.20", "deb", false, true, "download"},
                                     {"17.12", "source", false, false, "build"},
                                     {"18.1", "source", true, true, "build"}};
    bool older = false;
    // pg_controldata for 14 (1300): 15.x only; the cached 15.20 first.
    CHECK(engine::choose_donor("pg_controldata", "14", c) == 1u);
    // ... for 17 (1700): only 17.x.
    CHECK(engine::choose_donor("pg_controldata", "17", c) == 2u);
    CHECK_FALSE(engine::choose_donor("pg_controldata", "12", c).has_value());
    // pg_dump for 16: the same or a newer major: 17.12 or 18.1; the one provisioned already wins.
    CHECK(engine::choose_donor("pg_dump", "16", c) == 3u);
    // psql for 16: a newer one provisioned already; without it, 15.20 (cached, older) beats a
    // build of a newer one.
    CHECK(engine::choose_donor("psql", "16", c, &older) == 3u);
    CHECK_FALSE(older);
    std::vector<DonorCandidate> no_18(c.begin(), c.end() - 1);
    CHECK(engine::choose_donor("psql", "16", no_18, &older) == 1u);
    CHECK(older);
    // psql for 15: its own major.
    CHECK(engine::choose_donor("psql", "15", c, &older) == 1u);
    CHECK_FALSE(older);
    CHECK_FALSE(engine::choose_donor("pg_upgrade", "15", c).has_value());
    // pg_resetwal: pg_upgrade runs the old side's own (-n) and it refuses another major's data.
    CHECK_FALSE(engine::choose_donor("pg_resetwal", "16", c).has_value());
    CHECK(engine::control_version("16") == 1300);
    CHECK(engine::control_version("17") == 1700);
    CHECK(engine::control_version("12") == 1201);
}

TEST_CASE("a distro with editions: a selector is the newest version of the slot's edition") {
    auto ed = [](const std::string& v, const std::string& edition) {
        json::object o = offer(v, "nexus", true);
        o["edition"] = edition;
        return o;
    };
    World w(json::array{ed("15.6.0", "se"), ed("15.8.0", "se"), ed("15.9.0", "be"), ed("16.2.0", "se")});
    auto chain = [&](const std::string& edition) {
        return w.chain("kind: upgrade\ndb_type: fx_listing\ndb_version: \"15\"\ndb_edition: " + edition +
                       "\nsteps:\n  - type: pg_upgrade\n    db_version: \"16\"\n    db_edition: " + edition + "\n");
    };
    auto se = chain("se");
    INFO((se ? std::string() : se.error().str()));
    REQUIRE(se.ok());
    CHECK(se->slots[0].version == "15.8.0");  // not 15.9.0: that one is be's
    CHECK(se->slots[1].version == "16.2.0");
    auto be = chain("be");
    REQUIRE_FALSE(be.ok());  // be has no 16 here
    CHECK(be.error().message.find("no method provides fx_listing 16.x") != std::string::npos);
    auto be15 = w.chain("kind: upgrade\ndb_type: fx_listing\ndb_version: \"15\"\ndb_edition: be\nsteps:\n"
                        "  - type: minor\n    db_version: \"15\"\n    db_edition: be\n");
    REQUIRE(be15.ok());
    CHECK(be15->slots[0].version == "15.9.0");
}

TEST_CASE("the distro's validate runs per version before anything resolves, its errors at the field's place") {
    World w(today());
    REQUIRE(w.registry.load_file(fs::path(PGORCH_PLUGIN_BUILD_DIR) / "pgorch-distro-ttdb.so"));
    auto bad = w.chain("kind: upgrade\ndb_type: ttdb\ndb_version: \"15.6.0\"\ndb_edition: se\nsteps:\n"
                       "  - type: minor\n    db_version: \"15.6\"\n    db_edition: se\n");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().code == ExitCode::invalid_input);
    CHECK(bad.error().message == "ttdb version \"15.6\" is not MAJOR.MINOR.PATCH");
    CHECK(bad.error().hint.find("like 15.6.0") != std::string::npos);
    REQUIRE(bad.error().where.has_value());
    CHECK(bad.error().where->line == 7);  // the step's db_version
    const std::string step = "steps:\n  - type: minor\n    db_version: \"15.6.0\"\n    db_edition: se\n";
    auto no_edition = w.chain("kind: upgrade\ndb_type: ttdb\ndb_version: \"15.6.0\"\n" + step);
    REQUIRE_FALSE(no_edition.ok());
    CHECK(no_edition.error().message == "db_type ttdb needs a db_edition");
    CHECK(no_edition.error().where->line == 3);
    auto bad_edition = w.chain("kind: upgrade\ndb_type: ttdb\ndb_version: \"15.6.0\"\ndb_edition: SE\n" + step);
    REQUIRE_FALSE(bad_edition.ok());
    CHECK(bad_edition.error().message == "db_edition \"SE\" is not an edition name");
    CHECK(bad_edition.error().where->line == 4);  // db_edition's own line
}
