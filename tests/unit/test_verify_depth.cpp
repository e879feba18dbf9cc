// Verification depth: globals and the kinds named by object type (privileges, owners,
// comments, settings), field-by-field diffs, the cross-major rules, and how each column of a
// table is hashed (engine/verify_internal.hpp).
#include "engine/verify.hpp"
#include "verify_lines.hpp"
#include "engine/verify_internal.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace pgorch;
using namespace pgorch::engine;
using pgorch::engine::test::has_line;
using pgorch::engine::test::lines;

namespace {

Snapshot base(const std::string& version, int num) {
    Snapshot s;
    s.server_version = version;
    s.server_version_num = num;
    s.globals["roles"]["app_reader"] =
        "login: true\nsuperuser: false\nconnection limit: -1\nvalid until: none\npassword: set";
    s.globals["databases"]["app"] = "owner: postgres\nencoding: UTF8\nconnection limit: -1";
    s.globals["memberships"]["app_user in app_reader"] = "admin option: false";
    DatabaseSnapshot d;
    d.schema["privileges"]["sales.orders (table)"] = "{app_reader=r/postgres,postgres=arwdDxt/postgres}";
    d.schema["owners"]["sales.orders (table)"] = "postgres";
    d.schema["comments"]["sales.orders (table)"] = "orders";
    d.schema["extensions"]["pg_trgm"] = "1.5";
    s.databases["app"] = d;
    return s;
}

}  // namespace

TEST_CASE("a role's attribute change names the role and the field", "[verify]") {
    Snapshot a = base("15.18", 150018), b = a;
    b.globals["roles"]["app_reader"] = "login: true\nsuperuser: false\nconnection limit: 5\nvalid until: none\npassword: set";
    b.globals["roles"]["brand_new_role"] = "login: false";
    Verdict v = compare(a, b, {});
    CHECK(has_line(v, "role \"app_reader\": connection limit -1 -> 5"));
    CHECK(has_line(v, "role \"brand_new_role\": added by the step"));
    CHECK(v.unexpected() == 2);
    // A kind can be ignored or expected by name, as the schema kinds.
    VerifyRules r;
    r.expected_changes = {"roles:app_reader", "roles:brand_*"};
    CHECK(compare(a, b, r).passed());
}

TEST_CASE("privileges, owners and comments name the object and its type", "[verify]") {
    Snapshot a = base("15.18", 150018), b = a;
    auto& s = b.databases["app"].schema;
    s["privileges"]["sales.orders (table)"] = "{postgres=arwdDxt/postgres}";
    s["owners"]["sales.orders (table)"] = "app_owner";
    s["comments"]["sales.orders (table)"] = "all orders";
    s["comments"]["sales.orders.amount (table column)"] = "in cents";
    Verdict v = compare(a, b, {});
    CHECK(has_line(v, "db \"app\": table \"sales.orders\": privileges {app_reader=r/postgres,postgres=arwdDxt/postgres} -> "
                 "{postgres=arwdDxt/postgres}"));
    CHECK(has_line(v, "db \"app\": table \"sales.orders\": owner postgres -> app_owner"));
    CHECK(has_line(v, "db \"app\": table \"sales.orders\": comment \"orders\" -> \"all orders\""));
    CHECK(has_line(v, "db \"app\": table column \"sales.orders.amount\": comment \"in cents\" added by the step"));
    // Patterns match the name without its type.
    VerifyRules r;
    r.ignore = {"comments:app/sales.*"};
    CHECK(compare(a, b, r).differences.size() == 2);
}

TEST_CASE("database properties and settings are cluster-wide", "[verify]") {
    Snapshot a = base("15.18", 150018), b = a;
    b.globals["databases"]["app"] = "owner: postgres\nencoding: UTF8\nconnection limit: 5";
    b.globals["settings"]["app (database)"] = "{work_mem=64MB}";
    Verdict v = compare(a, b, {});
    CHECK(has_line(v, "db \"app\": connection limit -1 -> 5"));
    CHECK(has_line(v, "database \"app\": settings {work_mem=64MB} added by the step"));
    // A database that went is named once, by the globals.
    b = a;
    b.globals["databases"].erase("app");
    b.databases.erase("app");
    Verdict gone = compare(a, b, {});
    REQUIRE(gone.differences.size() == 1);
    CHECK(gone.differences[0].str() == "db \"app\": missing after the step");
}

TEST_CASE("across majors: fields one version lacks and the MAINTAIN privilege are not differences", "[verify]") {
    Snapshot a = base("15.18", 150018), b = base("17.6", 170006);
    b.globals["memberships"]["app_user in app_reader"] = "admin option: false\ninherit: true\nset: true";
    b.databases["app"].schema["privileges"]["sales.orders (table)"] = "{app_reader=r/postgres,postgres=arwdDxtm/postgres}";
    CHECK(compare(a, b, {}).passed());
    // Within one major, the same differences are reported.
    Snapshot c = b;
    c.server_version = "17.7";
    c.server_version_num = 170007;
    b.databases["app"].schema["privileges"]["sales.orders (table)"] = "{app_reader=r/postgres,postgres=arwdDxt/postgres}";
    b.globals["memberships"]["app_user in app_reader"] = "admin option: false";
    Verdict same = compare(b, c, {});
    CHECK(has_line(same, "membership \"app_user in app_reader\": inherit (none) -> true, set (none) -> true"));
    CHECK(same.unexpected() == 2);
    // A real privilege change is still caught across majors.
    Snapshot d = base("17.6", 170006);
    d.databases["app"].schema["privileges"]["sales.orders (table)"] = "{postgres=arwdDxtm/postgres}";
    CHECK_FALSE(compare(a, d, {}).passed());
}

TEST_CASE("an extension at the new installation's default version across a major is expected, with its reason", "[verify]") {
    Snapshot a = base("15.18", 150018), b = base("17.6", 170006);
    b.databases["app"].schema["extensions"]["pg_trgm"] = "1.6";
    b.extension_defaults["pg_trgm"] = "1.6";
    Verdict v = compare(a, b, {});
    CHECK(v.passed());
    REQUIRE(v.differences.size() == 1);
    CHECK(v.differences[0].str() ==
          "db \"app\": extension \"pg_trgm\": version 1.5 -> 1.6 (expected: across a major version the extension is at "
          "the new installation's default version)");
    // Not the default, or within one major: a failure.
    b.extension_defaults["pg_trgm"] = "1.7";
    CHECK_FALSE(compare(a, b, {}).passed());
    Snapshot c = base("15.20", 150020);
    c.databases["app"].schema["extensions"]["pg_trgm"] = "1.6";
    c.extension_defaults["pg_trgm"] = "1.6";
    CHECK_FALSE(compare(a, c, {}).passed());
}

TEST_CASE("a step that updates extensions makes one at the default version an expected change", "[verify]") {
    Snapshot a = base("15.18", 150018), b = base("15.20", 150020);
    b.databases["app"].schema["extensions"]["pg_trgm"] = "1.6";
    b.extension_defaults["pg_trgm"] = "1.6";
    VerifyRules r;
    CHECK_FALSE(compare(a, b, r).passed());   // a minor update: a failure
    r.extensions_updated = "the restore creates it at the installation's default version";
    Verdict v = compare(a, b, r);
    CHECK(v.passed());
    CHECK(has_line(v, "db \"app\": extension \"pg_trgm\": version 1.5 -> 1.6 (expected: the restore creates it at the "
                      "installation's default version)"));
    b.extension_defaults["pg_trgm"] = "1.7";  // not the default: still a failure
    CHECK_FALSE(compare(a, b, r).passed());
}

TEST_CASE("verify options are validated and rules compare by their snapshot", "[verify]") {
    VerifyRules r;
    CHECK(r.validate().ok());
    r.collations = "loud";
    CHECK(r.validate().error().message == "verify option \"collations\": unknown value \"loud\"");
    VerifyRules a{{"views"}, {}}, b{{"views"}, {"rows"}}, c{{}, {}};
    CHECK(a.same_snapshot(b));
    CHECK_FALSE(a.same_snapshot(c));
    CHECK(VerifyRules{{"roles", "privileges:app/sales.*", "reloptions"}, {"memberships"}}.validate().ok());
}

TEST_CASE("globals and methods survive the JSON round trip", "[verify]") {
    Snapshot a = base("15.18", 150018);
    a.databases["app"].tables["sales.orders"] = {3, "12", "hrt"};
    a.extension_defaults["pg_trgm"] = "1.6";
    auto back = Snapshot::from_json(a.to_json());
    REQUIRE(back.ok());
    CHECK(compare(a, *back, {}).passed());
    CHECK(back->server_version_num == 150018);
    CHECK(back->databases.at("app").tables.at("sales.orders").method == "hrt");
    CHECK(back->globals.at("roles").count("app_reader") == 1);
    CHECK(back->extension_defaults.at("pg_trgm") == "1.6");
}

TEST_CASE("tables hashed another way cannot be compared, and say so", "[verify]") {
    Snapshot a = base("15.18", 150018), b = a;
    a.databases["app"].tables["t"] = {3, "12", "h"};
    b.databases["app"].tables["t"] = {3, "99", "t"};
    Verdict v = compare(a, b, {});
    CHECK(has_line(v, "db \"app\": table \"t\": content not comparable: hashed as \"h\" before, \"t\" after"));
}

namespace {

// Types as plan_query() reports them on PostgreSQL 15.
std::map<uint32_t, detail::TypeInfo> types15() {
    std::map<uint32_t, detail::TypeInfo> t;
    auto base_type = [&](uint32_t oid, std::string fn, uint32_t arg) {
        detail::TypeInfo i;
        i.fn = std::move(fn);
        i.fn_arg = arg;
        t[oid] = i;
    };
    base_type(23, "hashint4extended", 23);     // int4
    base_type(16, "hashcharextended", 18);     // bool: its function takes "char"
    base_type(25, "hashtextextended", 25);     // text
    base_type(114, "", 0);                     // json: no hash opclass
    detail::TypeInfo varchar;
    varchar.cast_fn = "hashtextextended";      // varchar -> text, binary coercible
    t[1043] = varchar;
    detail::TypeInfo int_array;
    int_array.elem = 23;
    t[1007] = int_array;
    detail::TypeInfo json_array;
    json_array.elem = 114;
    t[199] = json_array;
    detail::TypeInfo domain;
    domain.typtype = 'd';
    domain.base = 23;
    t[90001] = domain;
    detail::TypeInfo comp;
    comp.typtype = 'c';
    comp.attrs = {23, 25};
    t[90002] = comp;
    detail::TypeInfo comp_json = comp;
    comp_json.attrs = {23, 114};
    t[90003] = comp_json;
    detail::TypeInfo mood;
    mood.typtype = 'e';
    mood.by_name = true;
    t[90004] = mood;
    return t;
}

detail::Relation table(std::vector<std::pair<uint32_t, bool>> cols) {
    detail::Relation r;
    r.quoted = "s.t";
    r.literal = "'s.t'";
    r.name = "s.t";
    int n = 0;
    for (auto [type, not_null] : cols) r.columns.push_back({"c" + std::to_string(++n), type, not_null, false});
    return r;
}

}  // namespace

TEST_CASE("each column is hashed by its type's extended hash function, or by its text form", "[verify]") {
    auto types = types15();
    auto rel = table({{23, true}, {16, false}, {114, false}, {1043, false}, {1007, false}, {199, false},
                      {90001, false}, {90002, false}, {90003, false}, {90004, false}});
    detail::RowHash h = detail::row_hash(rel, types, 150020);
    CHECK(h.method == "hrthhthhtt");
    CHECK(h.expr.find("hashint4extended(pgorch_t.c1, 1)") != std::string::npos);           // NOT NULL: no coalesce
    CHECK(h.expr.find("coalesce(hashtextextended((pgorch_t.c3)::text COLLATE \"C\", 3), int8 '") != std::string::npos);
    CHECK(h.expr.find("coalesce(hashtextextended(pgorch_t.c4, 4)") != std::string::npos);  // varchar through text
    CHECK(h.expr.find("coalesce(hash_array_extended(pgorch_t.c5, 5)") != std::string::npos);
    CHECK(h.expr.find("coalesce(hashint4extended(pgorch_t.c7, 7)") != std::string::npos);  // a domain: its base's function
    CHECK(h.expr.find("coalesce(hash_record_extended(pgorch_t.c8, 8)") != std::string::npos);
    // An enum's values are OIDs a restore renumbers: its label instead.
    CHECK(h.expr.find("coalesce(hashtextextended((pgorch_t.c10)::text COLLATE \"C\", 10)") != std::string::npos);
    CHECK(h.expr.find("hash_record_extended(ROW(pgorch_t.c2), 0)") != std::string::npos);  // bool: with the type cache's function
    // Each NULL constant is its own.
    CHECK(h.expr.find("int8 '") != std::string::npos);

    // A nondeterministic collation's hash depends on the ICU version: the text form instead.
    auto nd = table({{25, false}});
    nd.columns[0].nondeterministic = true;
    CHECK(detail::row_hash(nd, types, 150020).method == "t");

    // PostgreSQL 13 has no hash_record_extended; 10 no extended hash at all.
    CHECK(detail::row_hash(rel, types, 130010).method == "htthhthttt");
    CHECK(detail::row_hash(rel, types, 100023).method == "md5");
}

TEST_CASE("a later snapshot hashes each column the way the earlier one did", "[verify]") {
    auto types = types15();
    auto rel = table({{23, true}, {16, false}, {25, false}});
    CHECK(detail::row_hash(rel, types, 150020).method == "hrh");
    CHECK(detail::row_hash(rel, types, 170006, "tth").method == "tth");
    CHECK(detail::row_hash(rel, types, 170006, "md5").method == "md5");
    // A hint of another shape (the table changed) is not followed.
    CHECK(detail::row_hash(rel, types, 170006, "tt").method == "hrh");
    std::string sql = detail::relation_select(rel, nullptr);
    CHECK(sql == "SELECT 'r', 's.t', count(*), NULL, '' FROM ONLY s.t pgorch_t");
    auto h = detail::row_hash(rel, types, 150020);
    CHECK(detail::relation_select(rel, &h).find("coalesce(sum(") != std::string::npos);
}

TEST_CASE("parse_plan reads relations, columns in attnum order, and types", "[verify]") {
    cluster::SqlResult r;
    r.rows = {{"r", "r", "s.t", "'s.t'", "s.t", "12"},
              {"c", "s.t", "2", "b", "25", "false", "true"},
              {"c", "s.t", "1", "a", "23", "true", "false"},
              {"t", "90002", "c", "0", "0", "0", "0", "23,25", "false", std::nullopt, std::nullopt, std::nullopt, std::nullopt}};
    auto plan = detail::parse_plan(r);
    REQUIRE(plan.relations.size() == 1);
    CHECK(plan.relations[0].pages == 12);
    REQUIRE(plan.relations[0].columns.size() == 2);
    CHECK(plan.relations[0].columns[0].quoted == "a");
    CHECK(plan.relations[0].columns[0].not_null);
    CHECK(plan.relations[0].columns[1].nondeterministic);
    CHECK(plan.types.at(90002).attrs == std::vector<uint32_t>{23, 25});
    CHECK(plan.types.at(90002).typtype == 'c');
}

TEST_CASE("the catalog queries follow the server version and the rules", "[verify]") {
    VerifyRules all;
    std::string q15 = detail::schema_query(150020, all), q17 = detail::schema_query(170006, all);
    CHECK(q15.find("colliculocale") != std::string::npos);
    CHECK(q17.find("colllocale") != std::string::npos);
    CHECK(q15.find("subfailover") == std::string::npos);
    CHECK(q17.find("subfailover") != std::string::npos);
    CHECK(detail::globals_query(150020, all).find("inherit_option") == std::string::npos);
    CHECK(detail::globals_query(160004, all).find("inherit_option") != std::string::npos);
    VerifyRules no_privileges{{"privileges", "owners"}, {}};
    std::string q = detail::schema_query(150020, no_privileges);
    CHECK(q.find("'privileges'") == std::string::npos);
    CHECK(q.find("'owners'") == std::string::npos);
    CHECK(q.find("'comments'") != std::string::npos);
    CHECK(detail::plan_query(150020).find("rngmultitypid") != std::string::npos);
    CHECK(detail::plan_query(130010).find("rngmultitypid") == std::string::npos);
}
