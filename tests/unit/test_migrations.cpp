// The SDK's migration model: SQL scripts split like psql, delta folders read and checked,
// versions, checksums and the plan of a migrate step (sdk/include/pgorch/migration*.hpp).
#include <pgorch/migration_plan.hpp>
#include <pgorch/migration_report.hpp>
#include <pgorch/sql_script.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>

namespace fs = std::filesystem;
namespace sdk = pgorch::sdk;

namespace {

std::vector<sdk::SqlStatement> split(const std::string& text) {
    std::vector<sdk::SqlStatement> out;
    sdk::SqlScriptError err;
    REQUIRE(sdk::split_sql(text, out, err));
    return out;
}

// A temporary folder of files (name -> text), removed at the end of the test.
struct Folder {
    fs::path dir;
    explicit Folder(const std::map<std::string, std::string>& files) {
        dir = fs::temp_directory_path() / ("pgorch-test-deltas-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
        fs::remove_all(dir);
        for (const auto& [name, text] : files) {
            fs::create_directories((dir / name).parent_path());
            std::ofstream(dir / name, std::ios::binary) << text;
        }
    }
    ~Folder() { fs::remove_all(dir); }
};

std::vector<std::string> problems(const sdk::DeltaSet& s, bool warnings = false) {
    std::vector<std::string> out;
    for (const auto& p : s.problems)
        if (p.warning == warnings) out.push_back(p.str());
    return out;
}

}  // namespace

TEST_CASE("statements are split where psql splits them, with their positions", "[migrations]") {
    auto s = split("-- a comment; not a statement\nCREATE TABLE t (a int, b text DEFAULT ';');\n\n"
                   "INSERT INTO t VALUES (1, 'it''s; fine'), (2, E'back\\'; slash');\n"
                   "  CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $fn$ BEGIN RETURN 1; END $fn$;\n"
                   "SELECT \"odd;name\" FROM t /* a; /* nested; */ comment */ ;\n"
                   "SELECT $1::int, a$b FROM t; SELECT 2");
    REQUIRE(s.size() == 6);
    CHECK(s[0].text == "CREATE TABLE t (a int, b text DEFAULT ';')");
    CHECK(s[0].line == 2);
    CHECK(s[0].column == 1);
    CHECK(s[1].line == 4);
    CHECK(s[2].line == 5);
    CHECK(s[2].column == 3);
    CHECK(s[2].text.rfind("CREATE FUNCTION", 0) == 0);
    CHECK(s[3].text == "SELECT \"odd;name\" FROM t /* a; /* nested; */ comment */");
    CHECK(s[4].text == "SELECT $1::int, a$b FROM t");
    CHECK(s[5].text == "SELECT 2");
    CHECK(s[5].line == 7);
    CHECK(s[5].column == 29);
}

TEST_CASE("BEGIN ATOMIC bodies keep their semicolons, a CASE in a plain statement does not matter", "[migrations]") {
    auto s = split("CREATE OR REPLACE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql\n"
                   "BEGIN ATOMIC\n  SELECT CASE WHEN a > 0 THEN a ELSE 0 END + b;\nEND;\n"
                   "UPDATE t SET a = CASE WHEN a > 1 THEN 1 END; BEGIN; COMMIT;");
    REQUIRE(s.size() == 4);
    CHECK(s[0].text.find("END + b;\nEND") != std::string::npos);
    CHECK(s[1].text == "UPDATE t SET a = CASE WHEN a > 1 THEN 1 END");
    CHECK(s[2].text == "BEGIN");
}

TEST_CASE("an unterminated quote or a meta-command is refused at its place", "[migrations]") {
    std::vector<sdk::SqlStatement> out;
    sdk::SqlScriptError err;
    CHECK_FALSE(sdk::split_sql("SELECT 1;\nSELECT $x$ never closed", out, err));
    CHECK(err.message == "unterminated dollar-quoted string $x$");
    CHECK(err.line == 2);
    CHECK(err.column == 8);
    CHECK_FALSE(sdk::split_sql("SELECT 1;\n\\i other.sql\n", out, err));
    CHECK(err.message == "psql meta-command \"\\i\" is not supported: a delta is plain SQL");
    CHECK(err.line == 2);
    CHECK_FALSE(sdk::split_sql("SELECT 'open", out, err));
    CHECK(err.message == "unterminated quoted string");
    CHECK_FALSE(sdk::split_sql("/* /* */", out, err));
}

TEST_CASE("a server error position maps to the file's line and column", "[migrations]") {
    std::string file = "-- V003\nCREATE TABLE a (x int);\nCREATE TABLE b (\n  y int,\n  z inx\n);\n";
    auto s = split(file);
    REQUIRE(s.size() == 2);
    // The server says: position 34 of the statement (the "inx"), in characters.
    long pos = static_cast<long>(s[1].text.find("inx")) + 1;
    auto at = sdk::position_of(file, s[1].offset + sdk::offset_of_char(s[1].text, pos));
    CHECK(at.line == 5);
    CHECK(at.column == 5);
    // Characters, not bytes: a multi-byte name before the error.
    std::string utf = "SELECT 'é', nope";
    CHECK(sdk::offset_of_char(utf, 13) == 13);
    CHECK(sdk::position_of(utf, 13).column == 13);
}

TEST_CASE("checksums are CRC-32 and ignore CRLF line ends", "[migrations]") {
    CHECK(sdk::text_checksum("123456789") == "cbf43926");
    CHECK(sdk::text_checksum("a\r\nb\r\n") == sdk::text_checksum("a\nb\n"));
    CHECK(sdk::text_checksum("a\nb") != sdk::text_checksum("a\nc"));
    CHECK(sdk::has_marker_line("SELECT 1;\n  --  PGORCH:no-transaction  \n", "pgorch:no-transaction"));
    CHECK_FALSE(sdk::has_marker_line("SELECT 1; -- pgorch:no-transaction\n", "pgorch:no-transaction"));
}

TEST_CASE("versions are numbers compared one by one", "[migrations]") {
    auto v = [](const char* t) { return *sdk::DeltaVersion::parse(t); };
    CHECK(v("003").str() == "3");
    CHECK(v("1_2").str() == "1.2");
    CHECK_FALSE(v("1.10") < v("1.9"));
    CHECK(v("1.9") < v("1.10"));
    CHECK(v("1.2") == v("1.2.0"));
    CHECK_FALSE(sdk::DeltaVersion::parse("abc"));
    CHECK_FALSE(sdk::DeltaVersion::parse("1..2"));
    CHECK_FALSE(sdk::DeltaVersion::parse("1."));
    CHECK(sdk::follows(v("2"), v("3")));
    CHECK(sdk::follows(v("1.2.9"), v("1.3")));
    CHECK(sdk::follows(v("1.2"), v("1.2.1")));
    CHECK_FALSE(sdk::follows(v("2"), v("4")));
    CHECK_FALSE(sdk::follows(v("1.2"), v("1.3.1")));
}

TEST_CASE("a folder of deltas: both namings, down files, hooks, markers", "[migrations]") {
    Folder f({{"V001__create_items.sql", "CREATE TABLE items (id int);"},
              {"U001__create_items.sql", "DROP TABLE items;"},
              {"V002__add_price.sql", "ALTER TABLE items ADD price int;"},
              {"V002__add_price.pre.sql", "SELECT 1;"},
              {"V002__add_price.post.sh", "echo done"},
              {"2024/V003__index.sql", "-- pgorch:no-transaction\nCREATE INDEX CONCURRENTLY i ON items (id);"},
              {"R__views.sql", "CREATE OR REPLACE VIEW v AS SELECT 1;"},
              {"README.md", "not a delta"}});
    sdk::DeltaSet set = sdk::read_deltas(f.dir, sdk::GapPolicy::refuse);
    CHECK(problems(set).empty());
    REQUIRE(set.deltas.size() == 4);
    CHECK(set.deltas[0].label == "V001");
    CHECK(set.deltas[0].description == "create items");
    REQUIRE(set.deltas[0].down);
    CHECK(set.deltas[0].down->name == "U001__create_items.sql");
    CHECK(set.deltas[1].pre.size() == 1);
    CHECK(set.deltas[1].post.size() == 1);
    CHECK(set.deltas[1].post[0].script);
    CHECK(set.deltas[2].up.name == "2024/V003__index.sql");
    CHECK(set.deltas[2].up.no_transaction);
    CHECK(set.deltas[3].repeatable());
    Folder pum({{"delta_1.2.3_first.sql", "SELECT 1;"}, {"delta_1.2.4_second.sql", "SELECT 2;"},
                {"delta_1.2.4_second.down.sql", "SELECT 3;"}});
    sdk::DeltaSet p = sdk::read_deltas(pum.dir);
    CHECK(problems(p).empty());
    REQUIRE(p.deltas.size() == 2);
    CHECK(p.deltas[1].label == "delta_1.2.4");
    CHECK(p.deltas[1].version.str() == "1.2.4");
    CHECK(p.deltas[1].down);
}

TEST_CASE("a folder's problems: names, versions, duplicates, gaps, orphans, transaction control", "[migrations]") {
    Folder f({{"V001__a.sql", "SELECT 1;"},
              {"V1__again.sql", "SELECT 1;"},
              {"Vabc__x.sql", "SELECT 1;"},
              {"V4__gap.sql", "SELECT 1;"},
              {"U009__orphan.sql", "SELECT 1;"},
              {"V5__tx.sql", "SELECT 1;\nCOMMIT;"},
              {"V6__bad.sql", "SELECT 'x"},
              {"notes.sql", "SELECT 1;"}});
    sdk::DeltaSet set = sdk::read_deltas(f.dir, sdk::GapPolicy::refuse);
    auto e = problems(set);
    auto has = [&](const std::string& text) { return std::find(e.begin(), e.end(), text) != e.end(); };
    CHECK(has("Vabc__x.sql: version \"abc\" is not a number"));
    CHECK(has("V1__again.sql: version 1 twice: V001__a.sql and V1__again.sql"));
    CHECK(has("V4__gap.sql: gap in the versions: V1 is followed by V4"));
    CHECK(has("U009__orphan.sql: down delta without its up delta V009"));
    CHECK(has("V5__tx.sql:2:1: transaction control \"COMMIT\" in a delta that runs in a transaction"));
    CHECK(has("V6__bad.sql:1:8: unterminated quoted string"));
    CHECK(has("notes.sql: file name fits no delta pattern"));
    CHECK_FALSE(set.ok());
    // The gap policy decides whether a gap is an error, a warning or nothing.
    Folder g({{"V1__a.sql", "SELECT 1;"}, {"V3__c.sql", "SELECT 1;"}});
    CHECK(problems(sdk::read_deltas(g.dir, sdk::GapPolicy::warn), true).size() == 1);
    CHECK(sdk::read_deltas(g.dir, sdk::GapPolicy::warn).ok());
    CHECK(sdk::read_deltas(g.dir, sdk::GapPolicy::allow).problems.empty());
    CHECK_FALSE(sdk::read_deltas(g.dir, sdk::GapPolicy::refuse).ok());
    CHECK(problems(sdk::read_deltas(f.dir / "missing")).front().rfind("folder \"", 0) == 0);
}

TEST_CASE("the plan: only versions above the current one, up to the target", "[migrations]") {
    Folder f({{"V1__a.sql", "SELECT 1;"}, {"U1__a.sql", "SELECT 1;"}, {"V2__b.sql", "SELECT 2;"}, {"U2__b.sql", "SELECT 2;"},
              {"V3__c.sql", "SELECT 3;"}, {"R__r.sql", "SELECT 4;"}});
    sdk::DeltaSet set = sdk::read_deltas(f.dir);
    REQUIRE(set.ok());
    auto row = [&](int rank, const char* v, bool ok = true) {
        const sdk::Delta* d = set.find(*sdk::DeltaVersion::parse(v));
        return sdk::AppliedRow{rank, v, d->description, "SQL", d->up.name, d->up.checksum, ok};
    };
    auto labels = [](const std::vector<const sdk::Delta*>& ds) {
        std::vector<std::string> out;
        for (const auto* d : ds) out.push_back(d->label);
        return out;
    };
    sdk::MigrationPlan fresh = sdk::plan_migration(set, {}, std::nullopt, false);
    CHECK(fresh.ok());
    CHECK(labels(fresh.up) == std::vector<std::string>{"V1", "V2", "V3", "R__r"});
    sdk::MigrationPlan to2 = sdk::plan_migration(set, {row(1, "1")}, sdk::DeltaVersion::parse("2"), false);
    CHECK(labels(to2.up) == std::vector<std::string>{"V2"});
    CHECK(to2.current->str() == "1");
    // A changed checksum is refused before anything runs.
    auto changed = row(1, "1");
    changed.checksum = "00000000";
    sdk::MigrationPlan bad = sdk::plan_migration(set, {changed}, std::nullopt, false);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.errors[0].rfind("delta V1 changed after it was applied (checksum 00000000 recorded, ", 0) == 0);
    // Out of order: V2 never applied below the current version 3.
    sdk::MigrationPlan gap = sdk::plan_migration(set, {row(1, "1"), row(2, "3")}, std::nullopt, false);
    REQUIRE_FALSE(gap.ok());
    CHECK(gap.errors[0] == "delta V2 was never applied and is below the current version 3");
    // Going down needs downgrade: true and down files.
    std::vector<sdk::AppliedRow> all = {row(1, "1"), row(2, "2"), row(3, "3")};
    CHECK_FALSE(sdk::plan_migration(set, all, sdk::DeltaVersion::parse("2"), false).ok());
    sdk::MigrationPlan down = sdk::plan_migration(set, all, sdk::DeltaVersion::parse("1"), true);
    REQUIRE_FALSE(down.ok());
    CHECK(down.errors[0] == "delta V3 has no down file: the database cannot go below it");
    sdk::MigrationPlan down2 = sdk::plan_migration(set, {row(1, "1"), row(2, "2")}, sdk::DeltaVersion::parse("1"), true);
    CHECK(down2.ok());
    CHECK(labels(down2.down) == std::vector<std::string>{"V2"});
    // A failed no-transaction delta stops everything; a baseline counts as applied.
    CHECK_FALSE(sdk::plan_migration(set, {row(1, "1"), row(2, "2", false)}, std::nullopt, false).ok());
    sdk::AppliedRow base{1, "2", "<< baseline >>", "BASELINE", "<< baseline >>", "", true};
    sdk::MigrationPlan b = sdk::plan_migration(set, {base}, std::nullopt, false);
    CHECK(b.ok());
    CHECK(labels(b.up) == std::vector<std::string>{"V3", "R__r"});
}

TEST_CASE("the migration report: sizes, histogram, warnings, a folded section per migration", "[migrations]") {
    sdk::MigrationRun r;
    r.label = "V003";
    r.description = "add orders";
    r.file = "V003__add_orders.sql";
    r.success = false;
    r.size_before = 8192 * 100;
    r.size_after = 8192 * 101;
    r.statements = {{"V003__add_orders.sql", 1, 1, 0.5, "CREATE TABLE", "", {}}, {"V003__add_orders.sql", 7, 1, 150, "", "boom", {}}};
    r.error = "syntax error at or near \"TABEL\"";
    r.error_at = "V003__add_orders.sql:7:8";
    r.warnings = {{"failed_statement", r.error_at + ": " + r.error}};
    CHECK(sdk::format_size(8192, true) == "+8.00 KiB");
    CHECK(sdk::format_size(-2048, true) == "-2.00 KiB");
    CHECK(sdk::format_size(512) == "512 B");
    sdk::ReportSection s = sdk::migrations_section("Migrations", {r}, {{"database", "app"}}, false);
    CHECK(s.tone == "bad");
    REQUIRE(s.tables.size() == 2);
    CHECK(s.tables[0].rows[0][0].text == "V003 add orders");
    CHECK(s.tables[0].rows[0][6].text == "+8.00 KiB");
    CHECK(s.tables[1].rows[0][2].text == "V003__add_orders.sql:7:8: syntax error at or near \"TABEL\"");
    REQUIRE(s.charts.size() == 1);
    CHECK(s.charts[0].bars[0].value == 1);  // < 1 ms
    CHECK(s.charts[0].bars[3].value == 1);  // 0.1 - 1 s
    REQUIRE(s.children.size() == 1);
    CHECK(s.children[0].collapsed);
    sdk::ReportTest t = sdk::migration_test("migrate ", r);
    CHECK(t.outcome == "failed");
    CHECK(t.message == "V003__add_orders.sql:7:8: syntax error at or near \"TABEL\"");
    // The report crosses the boundary as JSON and reads back the same.
    sdk::StepReport rep{{s}, {t}};
    sdk::StepReport back = sdk::StepReport::from_json(rep.to_json());
    CHECK(back.to_json() == rep.to_json());
}
