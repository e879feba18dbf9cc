// Verification snapshots: diffing hand-made snapshots, rules, JSON round trip, and
// take_snapshot() on a scripted SQL runner.
#include "engine/verify.hpp"
#include "verify_lines.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <mutex>

using namespace pgorch;
using namespace pgorch::engine;
using pgorch::engine::test::has_line;
using pgorch::engine::test::lines;

namespace {

// A small but complete snapshot of one database "app".
Snapshot sample() {
    Snapshot s;
    s.server_version = "15.18 (Debian 15.18-0+deb12u1)";
    DatabaseSnapshot d;
    d.tables["sales.orders"] = {1000, "123:456"};
    d.tables["sales.customers"] = {50, "7:8"};
    d.sequences["sales.orders_id_seq"] = {"1000", true};
    d.large_objects = 1;
    d.large_objects_hash = "1:2";
    d.schema["tables"]["sales.orders"] = "table";
    d.schema["columns"]["sales.orders.amount"] = "#2 numeric(14,2)";
    d.schema["views"]["sales.big_orders"] = "SELECT 1";
    d.schema["indexes"]["sales.orders_pkey"] = "CREATE UNIQUE INDEX orders_pkey ON sales.orders USING btree (id)";
    d.schema["functions"]["sales.total(bigint)"] = "f returns numeric language sql s body md5 abc";
    s.databases["app"] = d;
    s.databases["postgres"] = DatabaseSnapshot{};
    return s;
}

}  // namespace

TEST_CASE("identical snapshots pass", "[verify]") {
    Verdict v = compare(sample(), sample(), {});
    CHECK(v.passed());
    CHECK(v.differences.empty());
    CHECK(v.str() == "no difference\n");
}

TEST_CASE("a deleted row names the database and the table", "[verify]") {
    Snapshot after = sample();
    after.databases["app"].tables["sales.orders"] = {999, "120:450"};
    Verdict v = compare(sample(), after, {});
    REQUIRE_FALSE(v.passed());
    REQUIRE(v.differences.size() == 1);
    CHECK(v.differences[0].str() == "db \"app\": table \"sales.orders\": rows 1000 -> 999");
    CHECK(v.unexpected() == 1);
}

TEST_CASE("a changed row with the same count is caught by the content hash", "[verify]") {
    Snapshot after = sample();
    after.databases["app"].tables["sales.orders"].hash = "124:456";
    Verdict v = compare(sample(), after, {});
    REQUIRE(v.differences.size() == 1);
    CHECK(v.differences[0].what.find("content changed (same row count 1000") == 0);
}

TEST_CASE("row_content can be ignored or expected apart from row counts", "[verify]") {
    Snapshot after = sample();
    after.databases["app"].tables["sales.orders"].hash = "124:456";
    VerifyRules ignore;
    ignore.ignore = {"row_content"};
    CHECK(compare(sample(), after, ignore).passed());
    VerifyRules expect;
    expect.expected_changes = {"row_content:app/sales.orders"};
    Verdict v = compare(sample(), after, expect);
    CHECK(v.passed());
    REQUIRE(v.differences.size() == 1);
    CHECK(v.differences[0].expected);
    CHECK(v.differences[0].kind == "row_content");
    // Ignoring the content never hides a lost row.
    after.databases["app"].tables["sales.orders"] = {999, "124:456"};
    Verdict lost = compare(sample(), after, ignore);
    REQUIRE_FALSE(lost.passed());
    CHECK(has_line(lost, "db \"app\": table \"sales.orders\": rows 1000 -> 999"));
}

TEST_CASE("schema differences: missing, added, changed", "[verify]") {
    Snapshot after = sample();
    auto& s = after.databases["app"].schema;
    s["indexes"].erase("sales.orders_pkey");
    s["indexes"]["sales.orders_new"] = "CREATE INDEX orders_new ON sales.orders USING btree (amount)";
    s["columns"]["sales.orders.amount"] = "#2 numeric";
    Verdict v = compare(sample(), after, {});
    CHECK(v.differences.size() == 3);
    CHECK(has_line(v, "db \"app\": index \"sales.orders_pkey\": missing after the step (was \"CREATE UNIQUE INDEX orders_pkey ON sales.orders USING btree (id)\")"));
    CHECK(has_line(v, "db \"app\": index \"sales.orders_new\": added by the step: \"CREATE INDEX orders_new ON sales.orders USING btree (amount)\""));
    CHECK(has_line(v, "db \"app\": column \"sales.orders.amount\": changed: \"#2 numeric(14,2)\" -> \"#2 numeric\""));
}

TEST_CASE("sequences, large objects and databases are compared", "[verify]") {
    Snapshot after = sample();
    after.databases["app"].sequences["sales.orders_id_seq"] = {"998", true};
    after.databases["app"].large_objects = 0;
    after.databases.erase("postgres");
    after.databases["extra"] = DatabaseSnapshot{};
    Verdict v = compare(sample(), after, {});
    CHECK(has_line(v, "db \"app\": sequence \"sales.orders_id_seq\": last_value 1000 (called) -> 998 (called)"));
    CHECK(has_line(v, "db \"app\": large objects: count 1 -> 0"));
    CHECK(has_line(v, "db \"postgres\": missing after the step"));
    CHECK(has_line(v, "db \"extra\": added by the step"));
    CHECK(v.unexpected() == 4);
}

TEST_CASE("ignore and expected_changes patterns", "[verify]") {
    Snapshot after = sample();
    after.databases["app"].tables["sales.orders"] = {999, "1:1"};
    after.databases["app"].schema["views"]["sales.big_orders"] = "SELECT 2";
    after.databases["app"].schema["functions"]["sales.total(bigint)"] = "changed";

    VerifyRules rules;
    rules.ignore = {"views"};
    rules.expected_changes = {"rows:app/sales.ord*"};
    Verdict v = compare(sample(), after, rules);
    CHECK(v.differences.size() == 2);  // the view is ignored
    CHECK(has_line(v, "db \"app\": table \"sales.orders\": rows 1000 -> 999 (expected)"));
    CHECK(v.unexpected() == 1);        // the function is still a failure
    CHECK_FALSE(v.passed());
    // Unexpected differences come first in the report.
    CHECK(v.str().find("function") < v.str().find("(expected)"));

    rules.ignore.push_back("functions:sales.*");
    CHECK(compare(sample(), after, rules).passed());

    // A database prefix that does not match leaves the difference unexpected.
    rules.expected_changes = {"rows:other/sales.orders"};
    CHECK_FALSE(compare(sample(), after, rules).passed());
}

TEST_CASE("rules validation names an unknown kind", "[verify]") {
    VerifyRules ok{{"views", "rows:app/audit.*"}, {"extensions"}};
    CHECK(ok.validate().ok());
    VerifyRules bad{{"view"}, {}};
    Status s = bad.validate();
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().message == "verify pattern \"view\": unknown kind \"view\"");
    CHECK_FALSE(s.error().hint.empty());
    CHECK_FALSE(VerifyRules{{}, {"rows:"}}.validate().ok());
    CHECK(ok.ignores_kind("views"));
    CHECK_FALSE(ok.ignores_kind("rows"));
}

TEST_CASE("snapshot JSON round trip keeps every field", "[verify]") {
    Snapshot s = sample();
    auto back = Snapshot::from_json(s.to_json());
    REQUIRE(back.ok());
    CHECK(back->server_version == s.server_version);
    CHECK(compare(s, *back, {}).passed());
    CHECK(back->databases.at("app").sequences.at("sales.orders_id_seq").is_called);
    CHECK(back->databases.at("app").large_objects == 1);
    CHECK_FALSE(Snapshot::from_json(boost::json::value(3)).ok());
}

TEST_CASE("version_matches compares whole version words", "[verify]") {
    CHECK(version_matches("15.20 (Debian 15.20-0+deb12u1)", "15.20"));
    CHECK(version_matches("17.11", "17.11"));
    CHECK_FALSE(version_matches("15.2", "15.20"));
    CHECK_FALSE(version_matches("15.20", "15.2"));
    CHECK(version_matches("16.1", ""));
}

TEST_CASE("take_snapshot drives the runner per database and skips ignored kinds", "[verify]") {
    std::mutex mu;
    std::vector<std::pair<std::string, std::string>> calls;
    SqlRunner runner = [&](const std::string& db, const std::string& sql) -> Expected<cluster::SqlResult> {
        {
            std::lock_guard lk(mu);
            calls.emplace_back(db, sql);
        }
        cluster::SqlResult r;
        auto row = [](std::vector<std::optional<std::string>> v) { return v; };
        if (sql == "SHOW server_version") r.rows.push_back(row({"15.20"}));
        else if (sql.find("current_setting('server_version_num'), datname") != std::string::npos)
            r.rows.push_back(row({"15.20", "150020", "app"}));
        else if (sql.find("WITH RECURSIVE rel") != std::string::npos) {
            r.rows.push_back(row({"r", "r", "sales.orders", "'sales.orders'", "sales.orders", "10"}));
            r.rows.push_back(row({"r", "S", "sales.seq", "'sales.seq'", "sales.seq", "1"}));
            r.rows.push_back(row({"c", "sales.orders", "1", "id", "20", "true", "false"}));
            r.rows.push_back(row({"t", "20", "b", "0", "0", "0", "0", std::nullopt, "false", "hashint8extended", "20"}));
        } else if (sql.find("FROM ONLY sales.orders") != std::string::npos || sql.find("FROM sales.seq") != std::string::npos) {
            // One batch: both relations in one UNION ALL.
            if (sql.find("FROM ONLY sales.orders") != std::string::npos) r.rows.push_back(row({"r", "sales.orders", "3", "12", "h"}));
            if (sql.find("FROM sales.seq") != std::string::npos) r.rows.push_back(row({"S", "sales.seq", std::nullopt, "5:true"}));
        } else if (sql.find("pg_get_indexdef") != std::string::npos) {
            r.rows.push_back(row({"indexes", "sales.orders_pkey", "CREATE UNIQUE INDEX"}));
            r.rows.push_back(row({"~extension_default", "plpgsql", "1.0"}));
        } else if (sql.find("FROM pg_authid") != std::string::npos)
            r.rows.push_back(row({"@roles", "app_reader", "login: true"}));
        return r;
    };
    VerifyRules rules;
    rules.ignore = {"large_objects"};
    rules.jobs = 2;
    auto snap = take_snapshot(runner, rules);
    REQUIRE(snap.ok());
    CHECK(snap->server_version == "15.20");
    CHECK(snap->server_version_num == 150020);
    const auto& app = snap->databases.at("app");
    CHECK(app.tables.at("sales.orders").rows == 3);
    CHECK(app.tables.at("sales.orders").method == "h");
    CHECK(app.sequences.at("sales.seq").last_value == "5");
    CHECK(app.sequences.at("sales.seq").is_called);
    CHECK(app.schema.at("indexes").count("sales.orders_pkey") == 1);
    CHECK(snap->globals.at("roles").at("app_reader") == "login: true");
    CHECK(snap->extension_defaults.at("plpgsql") == "1.0");
    for (const auto& [db, sql] : calls) CHECK(sql.find("~large_objects") == std::string::npos);
    // Data queries run on the database they describe, with pinned output settings, and hash
    // the bigint column with its own extended hash function (seed = its position).
    bool saw = false;
    for (const auto& [db, sql] : calls)
        if (sql.find("FROM ONLY sales.orders") != std::string::npos) {
            saw = true;
            CHECK(db == "app");
            CHECK(sql.find("SET TimeZone = 'UTC'") != std::string::npos);
            CHECK(sql.find("hashint8extended(pgorch_t.id, 1)") != std::string::npos);
        }
    CHECK(saw);

    // A table whose row_content is ignored is counted, not hashed.
    calls.clear();
    VerifyRules count_only;
    count_only.ignore = {"row_content:app/sales.*"};
    auto counted = take_snapshot(runner, count_only);
    REQUIRE(counted.ok());
    bool hashed = false, counted_orders = false;
    for (const auto& [db, sql] : calls)
        if (sql.find("FROM ONLY sales.orders") != std::string::npos) {
            counted_orders = sql.find("count(*)") != std::string::npos;
            hashed = hashed || sql.find("hashint8extended") != std::string::npos;
        }
    CHECK(counted_orders);
    CHECK_FALSE(hashed);

    SqlRunner down = [](const std::string&, const std::string&) -> Expected<cluster::SqlResult> {
        return Error::environment("connection refused");
    };
    auto failed = take_snapshot(down, {});
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.error().message.find("does not accept connections") != std::string::npos);
    CHECK_FALSE(check_server(down, "15.20").ok());
    CHECK(check_server(runner, "15.20").ok());
    CHECK(check_server(runner, "15.18").error().message ==
          "the server runs version \"15.20\", expected \"15.18\"");

    // A failing data query fails the snapshot, naming the database.
    SqlRunner broken = [&](const std::string& db, const std::string& sql) -> Expected<cluster::SqlResult> {
        if (sql.find("FROM ONLY") != std::string::npos) return Error::failed("relation vanished");
        return runner(db, sql);
    };
    auto half = take_snapshot(broken, rules);
    REQUIRE_FALSE(half.ok());
    CHECK(half.error().message == "db \"app\": verification query failed: relation vanished");
}

TEST_CASE("view text is compared without qualifiers across major versions only", "[verify]") {
    Snapshot before = sample();
    before.databases["app"].schema["views"]["sales.daily"] = "SELECT sum(orders.total) AS total FROM sales.orders";
    Snapshot after = before;
    after.databases["app"].schema["views"]["sales.daily"] = "SELECT sum(total) AS total FROM sales.orders";
    after.server_version = "17.11";
    CHECK(compare(before, after, {}).passed());
    // A real change is still caught across majors.
    after.databases["app"].schema["views"]["sales.daily"] = "SELECT max(total) AS total FROM sales.orders";
    CHECK_FALSE(compare(before, after, {}).passed());
    // Within one major version the text must be identical.
    after.databases["app"].schema["views"]["sales.daily"] = "SELECT sum(total) AS total FROM sales.orders";
    after.server_version = "15.20";
    CHECK_FALSE(compare(before, after, {}).passed());
}
