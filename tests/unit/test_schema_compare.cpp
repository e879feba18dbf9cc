// Comparing two databases on the verification's model (engine/schema_compare.hpp): the field a
// difference names, the words of a comparison, excluded schemas, a step's expected changes, and
// the compare command's arguments.
#include "cli/args.hpp"
#include "engine/schema_compare.hpp"

#include <catch2/catch.hpp>

using namespace pgorch;
using namespace pgorch::engine;

namespace {

// One database "" (as database_snapshot() keys it) with an items table, an index and a function.
Snapshot items(const std::string& price_default, bool with_index, const std::string& body_md5) {
    Snapshot s;
    s.server_version = "16.8";
    s.server_version_num = 160008;
    DatabaseSnapshot d;
    d.schema["tables"]["public.items"] = "table";
    d.schema["columns"]["public.items.price"] = "#2 numeric not null default " + price_default;
    if (with_index) d.schema["indexes"]["public.items_name_idx"] = "CREATE INDEX items_name_idx ON public.items USING btree (name)";
    d.schema["functions"]["public.total(integer)"] = "f returns numeric language sql s body md5 " + body_md5;
    d.schema["tables"]["pgorch_migrations.applied"] = "table";
    d.schema["owners"]["pgorch_migrations (schema)"] = "postgres";
    d.schema["owners"]["pgorch_migrations.applied (table)"] = "postgres";
    d.schema["extensions"]["pg_trgm"] = "1.6";
    s.databases[""] = d;
    return s;
}

}  // namespace

TEST_CASE("a comparison names the object and the field that differs", "[compare]") {
    VerifyRules rules;
    CompareWords words{"only in \"a\"", "only in \"b\""};
    Verdict v = compare(items("0", true, "abc"), items("1", false, "def"), rules, words);
    std::vector<std::string> lines;
    for (const auto& d : v.differences) lines.push_back(d.brief());
    std::sort(lines.begin(), lines.end());
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == "column \"public.items.price\": default 0 -> 1");
    CHECK(lines[1] == "function \"public.total(integer)\": body md5 abc -> def");
    CHECK(lines[2] == "index \"public.items_name_idx\": only in \"a\" (was \"CREATE INDEX items_name_idx ON public.items USING btree (name)\")");
    // The verification's own lines stay as they were.
    for (const auto& d : v.differences)
        if (d.kind == "columns") CHECK(d.str() == "column \"public.items.price\": changed: \"#2 numeric not null default 0\" -> \"#2 numeric not null default 1\"");
}

TEST_CASE("the fields of columns, functions and sequences", "[compare]") {
    auto f = field_changes("columns", "#2 text not null collate C", "#3 varchar(10)");
    REQUIRE(f.size() == 4);
    CHECK(f[0] == FieldChange{"position", "#2", "#3"});
    CHECK(f[1] == FieldChange{"type", "text", "varchar(10)"});
    CHECK(f[2] == FieldChange{"not null", "yes", "(none)"});
    CHECK(f[3] == FieldChange{"collation", "C", "(none)"});
    auto g = field_changes("functions", "f returns integer language sql i strict body md5 a",
                           "f returns bigint language sql v body md5 a");
    REQUIRE(g.size() == 3);
    CHECK(g[0].field == "result");
    CHECK(g[1] == FieldChange{"volatility", "i", "v"});
    CHECK(g[2] == FieldChange{"strict", "yes", "(none)"});
    auto q = field_changes("sequences", "bigint start 1 increment 1 min 1 max 9 cache 1", "bigint start 1 increment 5 min 1 max 9 cache 1");
    REQUIRE(q.size() == 1);
    CHECK(q[0] == FieldChange{"increment", "1", "5"});
    CHECK(field_changes("indexes", "CREATE INDEX a", "CREATE INDEX b") == std::vector<FieldChange>{{"definition", "CREATE INDEX a", "CREATE INDEX b"}});
}

TEST_CASE("excluded schemas leave every object of theirs out, and nothing else", "[compare]") {
    Snapshot s = items("0", true, "abc");
    exclude_schemas(s.databases[""], {"pgorch_*"});
    const auto& d = s.databases[""];
    CHECK_FALSE(d.schema.at("tables").count("pgorch_migrations.applied"));
    CHECK(d.schema.at("owners").empty());
    CHECK(d.schema.at("tables").count("public.items"));
    CHECK(d.schema.at("extensions").count("pg_trgm"));
    CHECK(schema_of("default_privileges", "postgres in schema app on tables") == "app");
    CHECK(schema_of("comments", "app (schema)") == "app");
    CHECK(schema_of("extensions", "app.x") == "");
}

TEST_CASE("compare options: data kinds are left out unless asked, patterns are checked", "[compare]") {
    auto o = SchemaCompareOptions::from_json({{"ignore", boost::json::array{"indexes"}}, {"exclude_schemas", "pgorch_migrations"}});
    REQUIRE(o);
    auto r = o->rules();
    REQUIRE(r);
    CHECK(r->ignores_kind("indexes"));
    CHECK(r->ignores_kind("rows"));
    CHECK(r->ignores_kind("row_content"));
    CHECK(r->exclude_schemas == std::vector<std::string>{"pgorch_migrations"});
    o->data = true;
    CHECK_FALSE(o->rules()->ignores_kind("rows"));
    auto bad = SchemaCompareOptions::from_json({{"ignore", boost::json::array{"index"}}});
    REQUIRE(bad);
    REQUIRE_FALSE(bad->rules());
    CHECK(bad->rules().error().message == "verify pattern \"index\": unknown kind \"index\"");
    CHECK_FALSE(SchemaCompareOptions::from_json({{"data", "yes"}}));
}

TEST_CASE("what a step changes on purpose is an expected difference with its reason", "[compare]") {
    Snapshot before, after;
    before.databases["app"].schema["tables"]["public.a"] = "table";
    after.databases["app"].schema["tables"]["public.a"] = "table";
    after.databases["app"].schema["tables"]["public.b"] = "table";
    after.databases["other"].schema["tables"]["public.c"] = "table";
    before.databases["other"];
    VerifyRules rules;
    rules.step_databases = {"app"};
    rules.step_reason = "migrations of db \"app\" 1 -> 2";
    Verdict v = compare(before, after, rules);
    REQUIRE(v.differences.size() == 2);
    CHECK(v.unexpected() == 1);
    for (const auto& d : v.differences) {
        if (d.database == "app") CHECK(d.str() == "db \"app\": table \"public.b\": added by the step: \"table\" (expected: migrations of db \"app\" 1 -> 2)");
        else CHECK_FALSE(d.expected);
    }
}

TEST_CASE("compare takes two databases as -p1/-p2 or operands, and its options", "[compare][cli]") {
    auto o = cli::parse({"compare", "-p1", "app_test", "-p2", "host=/tmp dbname=ref", "-i", "indexes", "--ignore", "rules",
                         "--exclude-schema", "pgorch_migrations", "--format", "json", "--data", "-s"});
    REQUIRE(o);
    CHECK(o->command == "compare");
    CHECK(o->p1 == "app_test");
    CHECK(o->p2 == "host=/tmp dbname=ref");
    CHECK(o->ignore == std::vector<std::string>{"indexes", "rules"});
    CHECK(o->exclude_schemas == std::vector<std::string>{"pgorch_migrations"});
    CHECK(o->format == "json");
    CHECK(o->data);
    CHECK(o->silent);
    auto pos = cli::parse({"compare", "a", "b", "-o", "out.html", "--format=html"});
    REQUIRE(pos);
    CHECK(pos->operands == std::vector<std::string>{"a", "b"});
    CHECK(pos->output == "out.html");
    CHECK_FALSE(cli::parse({"compare", "a", "b", "--format", "xml"}));
    CHECK(cli::usage("compare").find("usage: pgorch-host compare") != std::string::npos);
}

TEST_CASE("a comparison reads in kind order, without the owner and privileges of a missing object", "[compare]") {
    Snapshot a, b;
    a.databases[""].schema["types"]["public.mood"] = "enum ('happy')";
    a.databases[""].schema["owners"]["public.mood (type)"] = "postgres";
    a.databases[""].schema["privileges"]["public.mood (type)"] = "{=U/postgres}";
    a.databases[""].schema["owners"]["public.t (table)"] = "alice";
    b.databases[""].schema["owners"]["public.t (table)"] = "bob";
    a.databases[""].schema["columns"]["public.t.c"] = "#1 integer";
    b.databases[""].schema["columns"]["public.t.c"] = "#1 bigint";
    Verdict v = compare(a, b, {}, {"left behind by the downgrade", "added"});
    tidy_comparison(v);
    std::vector<std::string> lines;
    for (const auto& d : v.differences) lines.push_back(d.brief());
    CHECK(lines == std::vector<std::string>{"column \"public.t.c\": type integer -> bigint",
                                            "type \"public.mood\": left behind by the downgrade (was \"enum ('happy')\")",
                                            "table \"public.t\": owner alice -> bob"});
}
