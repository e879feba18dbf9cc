// Verification of an upgrade step: a snapshot of the cluster taken before the step (its globals,
// then per database the data fingerprint and the schema model), the same snapshot taken after,
// and a readable diff of the two. Optional checks run next to it: amcheck and the collation
// versions (verify_checks.cpp).
//
// What is compared. Cluster-wide ("globals", taken on database postgres):
//   roles           login, superuser, inherit, createrole, createdb, replication, bypassrls,
//                   connection limit, valid until, and whether a password is set (never the hash)
//   memberships     "member in role": admin option (inherit and set options on PostgreSQL 16+)
//   tablespaces     owner, options, location relative to the cluster: "in place", "$PGDATA/..."
//                   inside the data folder, "beside the data folder" (in its parent: a replica's
//                   copy, which pg_basebackup maps there under another name), else the path;
//                   the PG_<major>_<catversion> folder inside a location is not part of it
//   settings        pg_db_role_setting, per database, role, or role in database
//   databases       owner, encoding, locale provider, collate, ctype, locale, ICU rules,
//                   connection limit, allow connections, is template, tablespace
//   privileges      databases, tablespaces, parameters (PostgreSQL 15+)
//   comments        of roles, databases and tablespaces
// Per database that accepts connections and is not a template:
//   data   "rows"             per user table and populated materialized view: the row count
//          "row_content"      and an order-independent content hash (see below)
//          "sequence_values"  last_value and is_called of every sequence
//          "large_objects"    count and a content hash
//   schema "tables" "columns" "constraints" "views" "sequences" "indexes" "triggers"
//          "functions" "rules" (pum's list; a column carries its type, NOT NULL, identity,
//          generated expression, default, collation, storage and compression; a trigger its
//          enabled state), "extensions" (name -> version), "types" (enum labels in order,
//          domains with their constraints, composite types, ranges, base types),
//          "privileges" (the effective ACL of tables, columns, sequences, views, functions,
//          schemas, types, languages, large objects, foreign-data wrappers and servers),
//          "default_privileges", "owners", "comments", "policies" (RLS policies and each
//          table's row level security flags), "publications", "subscriptions" (definition,
//          not state; a password in the connection string is masked), "event_triggers",
//          "statistics" (extended statistics), "collations", "reloptions" (storage parameters
//          of tables, indexes, views, materialized views and their TOAST tables)
// Objects that belong to an extension are left out (their catalog changes with the extension's
// version) except where a user changed their privileges after CREATE EXTENSION (they differ
// from pg_init_privs, which is what pg_dump restores); so are system schemas (pg_catalog,
// information_schema, pg_toast*, pg_temp*) and objects initdb made (OID below 16384, the
// public schema excepted).
//
// The content hash of a table is the sum (numeric, exact) of one 64-bit hash per row. A row's
// hash is the XOR of its columns' hashes, column N hashed with seed N, a NULL as a constant of
// its own per position. A column is hashed by its type's extended hash function, the one hash
// partitioning uses and keeps stable across major versions ('h'); columns whose type has one
// but whose function takes another type (bool, date, bytea, timestamptz ...) are hashed
// together by hash_record_extended(ROW(...)) ('r', PostgreSQL 14+); a type with no extended
// hash function (json, xml, point ...), a type whose values are OIDs that name something (enum
// labels, reg* types, aclitem: a dump and restore gives them other OIDs, and their hash
// functions hash the OID), anything holding those (an array of an enum), or a column with a
// nondeterministic collation (whose hash depends on the ICU version) is hashed by the text
// form, hashtextextended(col::text COLLATE "C") ('t'). TableFingerprint::method keeps the letter of every column, and a later
// snapshot hashes each column the way the earlier one did, so a chain compares like with like.
// Servers before 11 have no extended hash functions: their tables are hashed as md5(row::text)
// ("md5"). A hash compares values as their type's equality does: 1.50 and 1.5 (numeric), or
// '1 day' and '24 hours' (interval), hash the same.
// Output settings are pinned for every query (DateStyle ISO, TimeZone UTC, IntervalStyle
// postgres, extra_float_digits 1, bytea_output hex, lc_monetary C, jit off).
//
// Normalization, for what legitimately differs between major versions (README: "What changes
// across a major version"): view and rule definitions have their whitespace collapsed and,
// across majors, are compared without `name.` qualifiers; a field of a cluster-wide object that
// only one of the two versions has (a catalog column the older one lacks) is not compared;
// across majors, a privilege letter the older version does not know (MAINTAIN, 'm', on
// relations since 17) is left out; an extension whose version became the new installation's
// default across a major is an expected change (pg_dumpall creates it at that version), reported
// with its reason. NOT NULL constraints (contype 'n', 18+) are carried by the columns; functions
// are compared by signature, result, language, volatility, strictness, security, settings and
// the md5 of their body.
//
// Rules (scenario `verify:` section): a pattern is `KIND` or `KIND:NAME`, NAME a glob (fnmatch,
// `*` crosses dots) on the object's name as the diff prints it ("sales.orders",
// "sales.orders.amount", "app_reader"), optionally prefixed by a database: `app/sales.orders`.
// `ignore` patterns are neither snapshotted (whole kinds) nor compared; `expected_changes`
// patterns are compared and reported, but a difference they match does not fail the step.
#pragma once

#include "cluster/cluster.hpp"
#include "core/error.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace pgorch::engine {

// Runs SQL text (possibly several statements: the last result is returned) on one database, in
// a session of its own that is closed afterwards (so a transaction left open is rolled back).
// It may be called from several threads at once.
using SqlRunner = std::function<Expected<cluster::SqlResult>(const std::string& database, const std::string& sql)>;

// A runner bound to a cluster (through Cluster::sql). With `keep_sessions` a call leaves its
// session open for the next call on the same database (no new connection, a warm catalog
// cache), unlike what SqlRunner says: the caller closes them with Cluster::close_sessions().
SqlRunner sql_runner(cluster::Cluster& cluster, double timeout_s = 0, bool keep_sessions = false);

// Every kind a pattern may name: the per-database schema kinds, the cluster-wide kinds, the
// data kinds, then "databases".
const std::vector<std::string>& verify_kinds();
// True for the kinds taken once per cluster (roles, memberships, tablespaces, settings).
bool global_kind(std::string_view kind);
// One `verify:` pattern: its kind must be one of verify_kinds() and a `KIND:` needs a name.
// The scenario parser calls it too, so that `validate` refuses what a run would.
Status check_verify_pattern(std::string_view pattern);

struct TableFingerprint {
    int64_t rows = 0;
    std::string hash;    // the sum of the row hashes; "" when only counted
    std::string method = {};  // one letter per column (h, r, t; see above), "md5", or "" when only counted
    bool operator==(const TableFingerprint&) const = default;
};

struct SequenceValue {
    std::string last_value;
    bool is_called = false;
    bool operator==(const SequenceValue&) const = default;
};

// kind -> object name -> its description (what is compared).
using SchemaMap = std::map<std::string, std::map<std::string, std::string>>;

struct DatabaseSnapshot {
    std::map<std::string, TableFingerprint> tables;    // "schema.table" -> fingerprint
    std::map<std::string, SequenceValue> sequences;    // "schema.sequence" -> value
    int64_t large_objects = 0;
    std::string large_objects_hash;
    SchemaMap schema;
};

struct Snapshot {
    std::string server_version;                        // SHOW server_version, as the server says it
    int server_version_num = 0;                        // SHOW server_version_num
    SchemaMap globals;                                 // the cluster-wide kinds
    std::map<std::string, DatabaseSnapshot> databases; // datname -> snapshot
    // The installation's default_version of each extension some database has: not compared, it
    // lets the diff recognize an extension created at the new default across a major upgrade.
    std::map<std::string, std::string> extension_defaults;
    double duration_ms = 0;                            // time it took to take
    int queries = 0;                                   // SQL round trips it took

    boost::json::object to_json() const;
    static Expected<Snapshot> from_json(const boost::json::value& v);
};

struct VerifyRules {
    std::vector<std::string> ignore;            // e.g. "views", "rows:app/audit.*"
    std::vector<std::string> expected_changes;  // e.g. "extensions", "rows:sales.orders"
    std::vector<std::string> exclude_schemas = {};  // schema names or globs: their objects are left out of a snapshot
    int jobs = 0;                               // parallel sessions of a snapshot; 0: the core count
    bool amcheck = false;                       // bt_index_check + verify_heapam after each step
    std::string collations = "warn";            // collation version check: warn | fail | off
    // Set from the step's result ("extensions_updated"), not by the scenario: why an extension
    // now at the installation's default version is an expected change ("" when it is not).
    std::string extensions_updated = {};
    // Set from the step's result ("expected_changes"), not by the scenario: patterns of what the
    // step changes on purpose (a migration), and why; a difference they match is expected.
    std::vector<std::string> step_expected = {};
    std::vector<std::string> step_databases = {};  // every difference in these databases (and of them)
    std::string step_reason = {};

    // Every pattern names a known kind; an Error names the first that does not.
    Status validate() const;
    // True when `kind` as a whole is ignored (so the snapshot skips it).
    bool ignores_kind(std::string_view kind) const;
    bool ignores(std::string_view kind, std::string_view database, std::string_view object) const;
    bool expects(std::string_view kind, std::string_view database, std::string_view object) const;
    // True when two rule sets make the same snapshot (same ignore patterns).
    bool same_snapshot(const VerifyRules& other) const;
};

// One field of an object that differs: "default", "0", "1".
struct FieldChange {
    std::string field, before, after;  // "(none)" for a field one side does not have
    bool operator==(const FieldChange&) const = default;
};

// One difference between two snapshots.
struct Difference {
    std::string kind;       // a verify_kinds() entry
    std::string database;   // "" for cluster-wide differences
    std::string object;     // "sales.orders", "" for large objects
    std::string what;       // "rows 1000 -> 999", "missing after the step", ...
    bool expected = false;  // matched an expected_changes pattern or a cross-major rule
    std::string noun;       // what the object is, when the kind does not say it ("table column")
    std::string reason;     // why it is expected, when a cross-major rule says so
    // For a changed object whose description has fields (columns, functions, sequences, and
    // the "field: value" kinds), the fields that differ; for other kinds one "definition".
    std::vector<FieldChange> fields = {};
    // `db "app": table "sales.orders": rows 1000 -> 999` (+ " (expected)")
    std::string str() const;
    // The same naming the fields that changed when they are known: `column "public.t.price":
    // default 0 -> 1`, else str() without the reason.
    std::string brief() const;
};

// The words of a diff line for an object only one side has: "missing after the step" / "added
// by the step" in a verification, "only in \"a\"" / "only in \"b\"" in a comparison.
struct CompareWords {
    std::string missing = "missing after the step";
    std::string added = "added by the step";
};

struct Verdict {
    std::vector<std::string> problems;       // the server is down, wrong version, amcheck ...
    std::vector<std::string> warnings;       // reported, never a failure (collation versions)
    std::vector<Difference> differences;
    bool passed() const;                      // no problem and no unexpected difference
    size_t unexpected() const;                // differences that fail the step
    // One line per problem/difference, unexpected ones first, then warnings; "no difference" when clean.
    std::string str() const;
    boost::json::object to_json() const;
};

// True when a server_version string ("15.20 (Debian 15.20-0+deb12u1)") is `expected` ("15.20").
bool version_matches(std::string_view server_version, std::string_view expected);

// Checks that the server answers and runs `expected_version` (empty: any).
Status check_server(const SqlRunner& sql, const std::string& expected_version);

// What a snapshot covers: every connectable non-template database and the cluster-wide kinds
// (the default), or only the databases named (an Error when one is missing) with or without them.
struct SnapshotScope {
    std::vector<std::string> databases;  // empty: all
    bool globals = true;
};

// Takes the snapshot of every connectable non-template database. Kinds the rules ignore as a
// whole are skipped, and objects of the schemas they exclude. With `like` (the snapshot this
// one will be compared with), each table's columns are hashed the way `like` hashed them
// wherever this server can.
Expected<Snapshot> take_snapshot(const SqlRunner& sql, const VerifyRules& rules, const Snapshot* like = nullptr,
                                 const SnapshotScope& scope = {});

// Compares two snapshots under the rules.
Verdict compare(const Snapshot& before, const Snapshot& after, const VerifyRules& rules, const CompareWords& words = {});

// The fields of two descriptions of one object that differ (see Difference::fields).
std::vector<FieldChange> field_changes(std::string_view kind, const std::string& before, const std::string& after);

// The schema an object of a kind belongs to ("" for none: an extension, a publication ...).
std::string schema_of(std::string_view kind, const std::string& name);
// Leaves out of a database's snapshot the objects of the schemas `patterns` names (globs): the
// schema itself and everything in it.
void exclude_schemas(DatabaseSnapshot& d, const std::vector<std::string>& patterns);

// SHOW server_version of `before` vs `after` are not compared: the version is the point of a
// step. check_server() checks the target version instead.

// amcheck (verify_checks.cpp): bt_index_check(heapallindexed) over every valid btree index and,
// on PostgreSQL 14+, verify_heapam over every table and materialized view, in every database of
// `databases`. The extension is created inside a transaction that is never committed when a
// database lacks it (nothing stays behind); a standby without it is skipped with a warning.
// Each corrupt relation is a problem naming it; `warnings` gets what could not be checked.
struct CheckReport {
    std::vector<std::string> problems;
    std::vector<std::string> warnings;
    double duration_ms = 0;
};
CheckReport run_amcheck(const SqlRunner& sql, const std::vector<std::string>& databases);

// Collation versions (verify_checks.cpp): pg_collation_actual_version() against the recorded
// collversion of every collation that records one, and (PostgreSQL 15+) the database's
// datcollversion against pg_database_collation_actual_version(), in every database of
// `databases`. Each change names the collation, both versions and the indexes that depend on
// it; with `fail` the lines are problems, with `warn` warnings; `off` checks nothing.
// `version_num` is the server's (SHOW server_version_num), 0 to ask it.
CheckReport check_collations(const SqlRunner& sql, const std::vector<std::string>& databases, const std::string& mode,
                             int version_num = 0);

}  // namespace pgorch::engine
