// Taking a verification snapshot: the catalog and data queries (see verify.hpp).
#include "engine/verify.hpp"

#include <chrono>

namespace pgorch::engine {

namespace {

// Output settings pinned before every query so a row's text does not depend on configuration.
constexpr const char* kSessionSettings =
    "SET DateStyle = 'ISO, YMD'; SET TimeZone = 'UTC'; SET IntervalStyle = 'postgres'; "
    "SET extra_float_digits = 1; SET bytea_output = 'hex'; SET lc_monetary = 'C'; "
    "SET search_path = pg_catalog; ";

// Schema elements: one row (kind, object, description) per element. Whitespace of view and rule
// definitions is collapsed; NOT NULL constraints (contype 'n') are carried by the columns.
constexpr const char* kSchemaQuery = R"SQL(
WITH ns AS (SELECT oid, nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog','information_schema') AND nspname NOT LIKE 'pg\_toast%' AND nspname NOT LIKE 'pg\_temp%'),
ext AS (SELECT classid, objid FROM pg_depend WHERE deptype = 'e')
SELECT 'tables', ns.nspname || '.' || c.relname,
       CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table' END
       || CASE c.relpersistence WHEN 'u' THEN ', unlogged' ELSE '' END
FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
WHERE c.relkind IN ('r','p','m','f') AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_class'::regclass AND objid = c.oid)
UNION ALL
SELECT 'columns', ns.nspname || '.' || c.relname || '.' || a.attname,
       '#' || row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) || ' ' || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
       || CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END
       || CASE WHEN a.attgenerated <> '' THEN ' generated ' || a.attgenerated::text ELSE '' END
       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
       || coalesce(' collate ' || (SELECT collname FROM pg_collation WHERE oid = a.attcollation AND a.attcollation <> t.typcollation), '')
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN ns ON ns.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r','p','m','f','v')
  AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_class'::regclass AND objid = c.oid)
UNION ALL
SELECT 'constraints', ns.nspname || '.' || c.relname || '.' || k.conname, pg_get_constraintdef(k.oid)
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN ns ON ns.oid = c.relnamespace
WHERE k.contype <> 'n' AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_class'::regclass AND objid = c.oid)
UNION ALL
SELECT 'views', ns.nspname || '.' || c.relname,
       CASE c.relkind WHEN 'm' THEN 'materialized ' ELSE '' END || regexp_replace(btrim(pg_get_viewdef(c.oid, true)), '\s+', ' ', 'g')
FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
WHERE c.relkind IN ('v','m') AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_class'::regclass AND objid = c.oid)
UNION ALL
SELECT 'sequences', ns.nspname || '.' || c.relname,
       format_type(s.seqtypid, NULL) || ' start ' || s.seqstart || ' increment ' || s.seqincrement || ' min ' || s.seqmin
       || ' max ' || s.seqmax || ' cache ' || s.seqcache || CASE WHEN s.seqcycle THEN ' cycle' ELSE '' END
FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN ns ON ns.oid = c.relnamespace
WHERE NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_class'::regclass AND objid = c.oid)
UNION ALL
SELECT 'indexes', ns.nspname || '.' || c.relname, pg_get_indexdef(i.indexrelid) || CASE WHEN i.indisvalid THEN '' ELSE ' (invalid)' END
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN ns ON ns.oid = c.relnamespace
WHERE NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_class'::regclass AND objid = i.indrelid)
UNION ALL
SELECT 'triggers', ns.nspname || '.' || c.relname || '.' || g.tgname, pg_get_triggerdef(g.oid) || ' enabled ' || g.tgenabled::text
FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN ns ON ns.oid = c.relnamespace
WHERE NOT g.tgisinternal AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_class'::regclass AND objid = c.oid)
UNION ALL
SELECT 'functions', ns.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
       p.prokind::text || ' returns ' || coalesce(pg_get_function_result(p.oid), '-') || ' language ' || l.lanname
       || ' ' || p.provolatile::text || CASE WHEN p.proisstrict THEN ' strict' ELSE '' END
       || CASE WHEN p.prosecdef THEN ' security definer' ELSE '' END
       || ' body md5 ' || md5(CASE WHEN coalesce(p.prosrc, '') = '' AND p.prokind <> 'a' THEN pg_get_functiondef(p.oid) ELSE p.prosrc END)
FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
WHERE NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_proc'::regclass AND objid = p.oid)
UNION ALL
SELECT 'rules', ns.nspname || '.' || c.relname || '.' || r.rulename, regexp_replace(btrim(pg_get_ruledef(r.oid, true)), '\s+', ' ', 'g')
FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN ns ON ns.oid = c.relnamespace
WHERE r.rulename <> '_RETURN' AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_class'::regclass AND objid = c.oid)
UNION ALL
SELECT 'extensions', e.extname, e.extversion FROM pg_extension e
)SQL";

// User tables and populated materialized views, and sequences, with quoted names for the data queries.
constexpr const char* kRelationsQuery = R"SQL(
SELECT CASE WHEN c.relkind = 'S' THEN 'S' ELSE 'r' END, format('%I.%I', n.nspname, c.relname),
       quote_literal(n.nspname || '.' || c.relname), n.nspname || '.' || c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE (c.relkind = 'r' OR c.relkind = 'S' OR (c.relkind = 'm' AND c.relispopulated))
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.deptype = 'e')
ORDER BY 2
)SQL";

constexpr const char* kLargeObjectsQuery = R"SQL(
SELECT count(*), coalesce(sum(('x' || substr(h, 1, 16))::bit(64)::bigint::numeric), 0) || ':' ||
                 coalesce(sum(('x' || substr(h, 17, 16))::bit(64)::bigint::numeric), 0)
FROM (SELECT md5(m.oid::text || ':' || md5(lo_get(m.oid))) AS h FROM pg_largeobject_metadata m) s
)SQL";

constexpr size_t kBatch = 40;  // relations per data query (one UNION ALL)

// Runs `sql` after the session settings; the error names the database.
Expected<cluster::SqlResult> run(const SqlRunner& sql, const std::string& db, const std::string& text) {
    auto r = sql(db, std::string(kSessionSettings) + text);
    if (!r) {
        Error e = r.error();
        e.message = "db \"" + db + "\": verification query failed: " + e.message;
        return e;
    }
    return r;
}

// A cell's text ("" for NULL or a missing column).
std::string cell(const std::vector<std::optional<std::string>>& row, size_t i) {
    return i < row.size() && row[i] ? *row[i] : std::string();
}

// Parses an integer cell; 0 when it is not one.
int64_t to_int(const std::string& s) {
    try {
        return s.empty() ? 0 : std::stoll(s);
    } catch (...) {
        return 0;
    }
}

struct Relation {
    std::string quoted, literal, name;  // "s"."t", 's.t', s.t
};

// Row counts and content hashes of the tables, kBatch per query. A table whose row_content is
// ignored (`ignore: [row_content]`, or `row_content:app/big.*`) gets its count only: hashing
// reads every row, which is what verification costs on a large database.
Status fingerprint_tables(const SqlRunner& sql, const std::string& db, const std::vector<Relation>& tables,
                          const VerifyRules& rules, DatabaseSnapshot& out) {
    for (size_t i = 0; i < tables.size(); i += kBatch) {
        std::string q;
        for (size_t j = i; j < std::min(tables.size(), i + kBatch); ++j) {
            if (!q.empty()) q += "\nUNION ALL\n";
            if (rules.ignores("row_content", db, tables[j].name)) {
                q += "SELECT " + tables[j].literal + ", count(*), '' FROM " + tables[j].quoted;
                continue;
            }
            q += "SELECT " + tables[j].literal +
                 ", count(*), coalesce(sum(('x' || substr(h, 1, 16))::bit(64)::bigint::numeric), 0) || ':' || "
                 "coalesce(sum(('x' || substr(h, 17, 16))::bit(64)::bigint::numeric), 0) FROM (SELECT md5(t::text) AS h "
                 "FROM " + tables[j].quoted + " t) s";
        }
        auto r = run(sql, db, q);
        if (!r) return r.error();
        for (const auto& row : r->rows) out.tables[cell(row, 0)] = TableFingerprint{to_int(cell(row, 1)), cell(row, 2)};
    }
    return {};
}

// last_value and is_called of the sequences, kBatch per query.
Status read_sequences(const SqlRunner& sql, const std::string& db, const std::vector<Relation>& seqs,
                      DatabaseSnapshot& out) {
    for (size_t i = 0; i < seqs.size(); i += kBatch) {
        std::string q;
        for (size_t j = i; j < std::min(seqs.size(), i + kBatch); ++j) {
            if (!q.empty()) q += "\nUNION ALL\n";
            q += "SELECT " + seqs[j].literal + ", last_value::text, is_called FROM " + seqs[j].quoted;
        }
        auto r = run(sql, db, q);
        if (!r) return r.error();
        for (const auto& row : r->rows) out.sequences[cell(row, 0)] = SequenceValue{cell(row, 1), cell(row, 2) == "t"};
    }
    return {};
}

// The snapshot of one database.
Expected<DatabaseSnapshot> snapshot_database(const SqlRunner& sql, const std::string& db, const VerifyRules& rules) {
    DatabaseSnapshot out;
    bool schema_needed = false;
    for (const auto& k : verify_kinds())
        if (k == "rows") break;
        else if (!rules.ignores_kind(k)) schema_needed = true;
    if (schema_needed) {
        auto r = run(sql, db, kSchemaQuery);
        if (!r) return r.error();
        for (const auto& row : r->rows) {
            std::string kind = cell(row, 0);
            if (!rules.ignores_kind(kind)) out.schema[kind][cell(row, 1)] = cell(row, 2);
        }
    }
    auto rels = run(sql, db, kRelationsQuery);
    if (!rels) return rels.error();
    std::vector<Relation> tables, seqs;
    for (const auto& row : rels->rows)
        (cell(row, 0) == "S" ? seqs : tables).push_back({cell(row, 1), cell(row, 2), cell(row, 3)});
    if (!rules.ignores_kind("rows"))
        if (Status s = fingerprint_tables(sql, db, tables, rules, out); !s) return s.error();
    if (!rules.ignores_kind("sequence_values"))
        if (Status s = read_sequences(sql, db, seqs, out); !s) return s.error();
    if (!rules.ignores_kind("large_objects")) {
        auto r = run(sql, db, kLargeObjectsQuery);
        if (!r) return r.error();
        if (!r->rows.empty()) {
            out.large_objects = to_int(cell(r->rows[0], 0));
            out.large_objects_hash = cell(r->rows[0], 1);
        }
    }
    return out;
}

}  // namespace

// A SqlRunner on a cluster's libpq sessions.
SqlRunner sql_runner(cluster::Cluster& c, double timeout_s) {
    return [&c, timeout_s](const std::string& db, const std::string& text) { return c.sql(db, text, timeout_s); };
}

// True when the server's version string starts with the expected version as a whole word.
bool version_matches(std::string_view server_version, std::string_view expected) {
    if (expected.empty()) return true;
    if (server_version.substr(0, expected.size()) != expected) return false;
    if (server_version.size() == expected.size()) return true;
    char next = server_version[expected.size()];
    return next == ' ' || next == '(';
}

// Connects, reads SHOW server_version and compares it to the target.
Status check_server(const SqlRunner& sql, const std::string& expected_version) {
    auto r = sql("postgres", "SHOW server_version");
    if (!r) return Error::failed("the server does not accept connections: " + r.error().message);
    std::string v = r->rows.empty() ? std::string() : cell(r->rows[0], 0);
    if (!version_matches(v, expected_version))
        return Error::failed("the server runs version \"" + v + "\", expected \"" + expected_version + "\"");
    return {};
}

// Snapshots every connectable non-template database.
Expected<Snapshot> take_snapshot(const SqlRunner& sql, const VerifyRules& rules) {
    auto t0 = std::chrono::steady_clock::now();
    Snapshot snap;
    auto v = sql("postgres", "SHOW server_version");
    if (!v) return Error::failed("the server does not accept connections: " + v.error().message);
    if (!v->rows.empty()) snap.server_version = cell(v->rows[0], 0);
    auto dbs = sql("postgres", "SELECT datname FROM pg_database WHERE NOT datistemplate AND datallowconn ORDER BY 1");
    if (!dbs) return Error::failed("cannot list databases: " + dbs.error().message);
    for (const auto& row : dbs->rows) {
        std::string db = cell(row, 0);
        auto d = snapshot_database(sql, db, rules);
        if (!d) return d.error();
        snap.databases.emplace(db, std::move(*d));
    }
    snap.duration_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return snap;
}

}  // namespace pgorch::engine
