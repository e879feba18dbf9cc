// The optional checks next to a snapshot: amcheck over indexes and tables, and the collation
// versions recorded in the catalog against what the libraries give now (verify.hpp).
#include "engine/verify.hpp"

#include "engine/verify_internal.hpp"

#include <chrono>

namespace pgorch::engine {

using detail::cell;

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Runs `text` after the session settings.
Expected<cluster::SqlResult> run(const SqlRunner& sql, const std::string& db, const std::string& text) {
    return sql(db, std::string(detail::kSessionSettings) + text);
}

// What amcheck needs to know of a database before it runs.
struct AmcheckSetup {
    std::string prefix;   // "BEGIN; CREATE EXTENSION ..." when the database lacks amcheck
    std::string schema;   // where its functions are
    bool heap = false;    // verify_heapam exists (amcheck 1.3, PostgreSQL 14+)
    bool standby = false;
};

constexpr const char* kProbe =
    "SELECT pg_is_in_recovery(), (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
    " WHERE e.extname = 'amcheck'), (SELECT extversion FROM pg_extension WHERE extname = 'amcheck'),"
    " (SELECT default_version FROM pg_available_extensions WHERE name = 'amcheck'), current_setting('server_version_num')::int";

// The btree indexes to check (every valid, ready, non-temporary one, system catalogs included).
std::string index_filter(bool standby) {
    return std::string(" FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
                       " JOIN pg_am am ON am.oid = c.relam WHERE am.amname = 'btree' AND c.relkind = 'i' AND i.indisvalid"
                       " AND i.indisready AND c.relpersistence <> 't'") +
           (standby ? " AND c.relpersistence <> 'u'" : "");
}

// The tables to check (their TOAST tables with them).
std::string heap_where(bool standby) {
    return std::string(" WHERE c.relkind IN ('r','m') AND c.relpersistence <> 't' AND (c.relkind <> 'm' OR c.relispopulated)") +
           (standby ? " AND c.relpersistence <> 'u'" : "");
}

// Index rows (kind, name, '') and heap corruption rows (kind, name, message), over every index
// and table or, with `only`, over one relation.
std::string check_sql(const AmcheckSetup& s, bool indexes, bool heap, const std::string& only = {}) {
    std::string q = s.prefix;
    if (indexes)
        q += "SELECT 'index', n.nspname || '.' || c.relname, " + s.schema + ".bt_index_check(i.indexrelid, true)::text" +
             index_filter(s.standby) + only;
    if (heap && s.heap) {
        if (indexes) q += " UNION ALL ";
        q += "SELECT 'heap', n.nspname || '.' || c.relname, format('block %s, offset %s%s: %s', v.blkno, v.offnum,"
             " coalesce(', attribute ' || v.attnum, ''), v.msg) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
             " CROSS JOIN LATERAL " + s.schema + ".verify_heapam(c.oid, on_error_stop => false, check_toast => true) v" +
             heap_where(s.standby) + only;
    }
    return q;
}

// "1.3" as 103, to compare extension versions.
int version_number(const std::string& v) {
    auto dot = v.find('.');
    return std::atoi(v.c_str()) * 100 + (dot == std::string::npos ? 0 : std::atoi(v.c_str() + dot + 1));
}

// When the one statement over a database fails, each relation on its own: one problem each.
void amcheck_one_by_one(const SqlRunner& sql, const std::string& db, const AmcheckSetup& s, CheckReport& out) {
    auto list = run(sql, db, "SELECT 'index', c.oid::text, n.nspname || '.' || c.relname" + index_filter(s.standby) +
                                 (s.heap ? " UNION ALL SELECT 'heap', c.oid::text, n.nspname || '.' || c.relname FROM pg_class c"
                                           " JOIN pg_namespace n ON n.oid = c.relnamespace" + heap_where(s.standby)
                                         : std::string()));
    if (!list) {
        out.problems.push_back("db \"" + db + "\": amcheck: " + list.error().message);
        return;
    }
    for (const auto& row : list->rows) {
        bool index = cell(row, 0) == "index";
        std::string only = " AND c.oid = " + cell(row, 1);
        auto r = run(sql, db, check_sql(s, index, !index, only));
        std::string what = index ? "index" : "table";
        if (!r) out.problems.push_back("db \"" + db + "\": " + what + " \"" + cell(row, 2) + "\": amcheck: " + r.error().message);
        else
            for (const auto& c : r->rows)
                if (cell(c, 0) == "heap") out.problems.push_back("db \"" + db + "\": table \"" + cell(c, 1) + "\": amcheck: " + cell(c, 2));
    }
}

// amcheck over one database.
void amcheck_database(const SqlRunner& sql, const std::string& db, CheckReport& out) {
    auto p = run(sql, db, kProbe);
    if (!p || p->rows.empty()) {
        out.problems.push_back("db \"" + db + "\": amcheck: " + (p ? std::string("no answer") : p.error().message));
        return;
    }
    const auto& row = p->rows[0];
    AmcheckSetup s;
    s.standby = cell(row, 0) == "t";
    s.schema = cell(row, 1);
    std::string version = s.schema.empty() ? cell(row, 3) : cell(row, 2);
    int server = std::atoi(cell(row, 4).c_str());
    if (s.schema.empty()) {
        if (cell(row, 3).empty()) {
            out.problems.push_back("db \"" + db + "\": amcheck is not available in this installation (the contrib extension amcheck)");
            return;
        }
        if (s.standby) {
            out.warnings.push_back("db \"" + db + "\": not checked by amcheck: a standby cannot create the extension, and the primary has none");
            return;
        }
        // Created in a transaction that is never committed: the session closes after the query.
        s.prefix = "BEGIN; CREATE EXTENSION amcheck SCHEMA pg_catalog; ";
        s.schema = "pg_catalog";
    }
    s.schema = "\"" + s.schema + "\"";
    s.heap = server >= 140000 && version_number(version) >= 103;
    if (!s.heap && server >= 140000)
        out.warnings.push_back("db \"" + db + "\": tables not checked: amcheck " + version + " has no verify_heapam (ALTER EXTENSION amcheck UPDATE)");
    auto r = run(sql, db, check_sql(s, true, true));
    if (!r) {
        amcheck_one_by_one(sql, db, s, out);
        return;
    }
    for (const auto& c : r->rows)
        if (cell(c, 0) == "heap") out.problems.push_back("db \"" + db + "\": table \"" + cell(c, 1) + "\": amcheck: " + cell(c, 2));
}

// Collations in use (by a column, an index or a dependency, or made by a user) whose recorded
// version is not what the library gives now, with the indexes depending on each; then the
// database's own collation version (15+).
std::string collation_sql(int v) {
    std::string dep =
        "(SELECT string_agg(DISTINCT xn.nspname || '.' || xc.relname, ', ') FROM pg_index i JOIN pg_class xc ON xc.oid = i.indexrelid"
        " JOIN pg_namespace xn ON xn.oid = xc.relnamespace WHERE %s)";
    std::string by_coll = "k.oid = ANY (i.indcollation::oid[]) OR EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass"
                          " AND d.objid = i.indexrelid AND d.refclassid = 'pg_collation'::regclass AND d.refobjid = k.oid)";
    std::string by_default = "100 = ANY (i.indcollation::oid[]) AND xn.nspname NOT IN ('pg_catalog', 'information_schema')";
    auto fill = [&](const std::string& cond) {
        std::string s = dep;
        s.replace(s.find("%s"), 2, cond);
        return s;
    };
    std::string q =
        "WITH used AS (SELECT k.oid, n.nspname || '.' || k.collname AS name, k.collversion AS recorded, pg_collation_actual_version(k.oid) AS actual"
        " FROM pg_collation k JOIN pg_namespace n ON n.oid = k.collnamespace WHERE k.collversion IS NOT NULL AND (k.oid >= 16384"
        " OR k.oid IN (SELECT unnest(indcollation::oid[]) FROM pg_index) OR k.oid IN (SELECT attcollation FROM pg_attribute)"
        " OR k.oid IN (SELECT refobjid FROM pg_depend WHERE refclassid = 'pg_collation'::regclass)))"
        " SELECT 'collation', k.name, k.recorded, k.actual, " + fill(by_coll) + " FROM used k WHERE k.recorded IS DISTINCT FROM k.actual";
    if (v >= 150000)
        q += " UNION ALL SELECT 'database', d.datname, d.datcollversion, pg_database_collation_actual_version(d.oid), " + fill(by_default) +
             " FROM pg_database d WHERE d.datname = current_database() AND d.datcollversion IS NOT NULL"
             " AND d.datcollversion IS DISTINCT FROM pg_database_collation_actual_version(d.oid)";
    return q;
}

}  // namespace

// Every database in turn (amcheck reads every page: parallel sessions would only compete).
CheckReport run_amcheck(const SqlRunner& sql, const std::vector<std::string>& databases) {
    auto t0 = std::chrono::steady_clock::now();
    CheckReport out;
    for (const auto& db : databases) amcheck_database(sql, db, out);
    out.duration_ms = ms_since(t0);
    return out;
}

// One line per changed collation version, as problems (`fail`) or warnings (`warn`).
CheckReport check_collations(const SqlRunner& sql, const std::vector<std::string>& databases, const std::string& mode,
                             int version_num) {
    auto t0 = std::chrono::steady_clock::now();
    CheckReport out;
    if (mode == "off") return out;
    auto& lines = mode == "fail" ? out.problems : out.warnings;
    if (version_num == 0) {
        auto v = run(sql, "postgres", "SELECT current_setting('server_version_num')::int");
        if (!v || v->rows.empty()) {
            out.problems.push_back("collation check: " + (v ? std::string("no answer") : v.error().message));
            return out;
        }
        version_num = std::atoi(cell(v->rows[0], 0).c_str());
    }
    for (const auto& db : databases) {
        auto r = run(sql, db, collation_sql(version_num));
        if (!r) {
            out.problems.push_back("db \"" + db + "\": collation check: " + r.error().message);
            continue;
        }
        for (const auto& row : r->rows) {
            bool database = cell(row, 0) == "database";
            std::string actual = row.size() > 3 && row[3] ? "\"" + *row[3] + "\"" : "none";
            std::string indexes = cell(row, 4);
            std::string line = "db \"" + db + "\": " + (database ? "database collation" : "collation \"" + cell(row, 1) + "\"") +
                               ": version \"" + cell(row, 2) + "\" recorded, " + actual + " now; " +
                               (indexes.empty() ? "no index depends on it" : "indexes that depend on it: " + indexes) +
                               "; rebuild them (REINDEX), then " +
                               (database ? "ALTER DATABASE \"" + cell(row, 1) + "\" REFRESH COLLATION VERSION"
                                         : "ALTER COLLATION " + cell(row, 1) + " REFRESH VERSION");
            lines.push_back(line);
        }
    }
    out.duration_ms = ms_since(t0);
    return out;
}

}  // namespace pgorch::engine
