// Verification of an upgrade step: a snapshot of every non-template database taken before the
// step (data fingerprint + schema snapshot of the pum checker's elements), the same snapshot taken
// after, and a readable diff of the two.
//
// What is compared (per database that accepts connections and is not a template):
//   data   "rows"             per user table (and materialized view): row count and an
//                             order-independent content hash: the sum, as numeric, of the two
//                             64-bit halves of md5(row::text) over all rows; the row text keeps
//                             NULL apart from '' ("(1,,)" vs "(1,\"\",)"). Output settings are
//                             pinned (DateStyle ISO, TimeZone UTC, IntervalStyle postgres,
//                             extra_float_digits 1, bytea_output hex, lc_monetary C) so that the
//                             text of a row does not depend on the server's configuration.
//          "sequence_values"  last_value and is_called of every sequence
//          "large_objects"    count and a content hash of pg_largeobject_metadata/lo_get
//   schema "tables" "columns" "constraints" "views" "sequences" "indexes" "triggers"
//          "functions" "rules" (pum's list) and "extensions" (name -> version)
// Objects that belong to an extension are left out (their catalog may change with the
// extension's version), and so are system schemas (pg_catalog, information_schema, pg_toast*,
// pg_temp*).
//
// Normalization, for text that legitimately differs between major versions (as PostgreSQL's
// 002_pg_upgrade.pl filters its dumps): view and rule definitions have their whitespace
// collapsed, and when the two snapshots come from different major versions they are compared
// without `name.` qualifiers (PostgreSQL 16 stopped qualifying the columns of single-relation
// queries: `orders.total` became `total`; the view's columns are still compared exactly); NOT NULL constraints (pg_constraint contype 'n', PostgreSQL 18+) are not listed
// as constraints because the column's NOT NULL flag already carries them; functions are
// compared by signature, result, language, volatility, strictness and md5 of their body
// (prosrc, or pg_get_functiondef for SQL-standard bodies), never by formatted text.
//
// Rules (scenario `verify:` section): a pattern is `KIND` or `KIND:NAME`, NAME a glob (fnmatch,
// `*` crosses dots) on the object's name as the diff prints it ("sales.orders",
// "sales.orders.amount"), optionally prefixed by a database: `app/sales.orders`.
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

// Runs SQL text (possibly several statements: the last result is returned) on one database.
using SqlRunner = std::function<Expected<cluster::SqlResult>(const std::string& database, const std::string& sql)>;

// A runner bound to a cluster (through Cluster::sql).
SqlRunner sql_runner(cluster::Cluster& cluster, double timeout_s = 0);

// Every kind a pattern may name: the schema kinds, then the data kinds, then "databases".
const std::vector<std::string>& verify_kinds();
// One `verify:` pattern: its kind must be one of verify_kinds() and a `KIND:` needs a name.
// The scenario parser calls it too, so that `validate` refuses what a run would.
Status check_verify_pattern(std::string_view pattern);

struct TableFingerprint {
    int64_t rows = 0;
    std::string hash;  // "<sum of high halves>:<sum of low halves>"
    bool operator==(const TableFingerprint&) const = default;
};

struct SequenceValue {
    std::string last_value;
    bool is_called = false;
    bool operator==(const SequenceValue&) const = default;
};

struct DatabaseSnapshot {
    std::map<std::string, TableFingerprint> tables;    // "schema.table" -> fingerprint
    std::map<std::string, SequenceValue> sequences;    // "schema.sequence" -> value
    int64_t large_objects = 0;
    std::string large_objects_hash;
    // kind ("tables", "columns", ...) -> object name -> its description (what is compared)
    std::map<std::string, std::map<std::string, std::string>> schema;
};

struct Snapshot {
    std::string server_version;                        // SHOW server_version, as the server says it
    std::map<std::string, DatabaseSnapshot> databases; // datname -> snapshot
    double duration_ms = 0;                            // time it took to take

    boost::json::object to_json() const;
    static Expected<Snapshot> from_json(const boost::json::value& v);
};

struct VerifyRules {
    std::vector<std::string> ignore;            // e.g. "views", "rows:app/audit.*"
    std::vector<std::string> expected_changes;  // e.g. "extensions", "rows:sales.orders"

    // Every pattern names a known kind; an Error names the first that does not.
    Status validate() const;
    // True when `kind` as a whole is ignored (so the snapshot skips it).
    bool ignores_kind(std::string_view kind) const;
    bool ignores(std::string_view kind, std::string_view database, std::string_view object) const;
    bool expects(std::string_view kind, std::string_view database, std::string_view object) const;
};

// One difference between two snapshots.
struct Difference {
    std::string kind;       // a verify_kinds() entry
    std::string database;   // "" for cluster-wide differences
    std::string object;     // "sales.orders", "" for large objects / databases
    std::string what;       // "rows 1000 -> 999", "missing after the step", ...
    bool expected = false;  // matched an expected_changes pattern
    // `db "app": table "sales.orders": rows 1000 -> 999` (+ " (expected)")
    std::string str() const;
};

struct Verdict {
    std::vector<std::string> problems;       // the server is down, wrong version ...
    std::vector<Difference> differences;
    bool passed() const;                      // no problem and no unexpected difference
    size_t unexpected() const;                // differences that fail the step
    // One line per problem/difference, unexpected ones first; "no difference" when clean.
    std::string str() const;
    boost::json::object to_json() const;
};

// True when a server_version string ("15.20 (Debian 15.20-0+deb12u1)") is `expected` ("15.20").
bool version_matches(std::string_view server_version, std::string_view expected);

// Checks that the server answers and runs `expected_version` (empty: any).
Status check_server(const SqlRunner& sql, const std::string& expected_version);

// Takes the snapshot of every connectable non-template database. Kinds the rules ignore as a
// whole are skipped.
Expected<Snapshot> take_snapshot(const SqlRunner& sql, const VerifyRules& rules);

// Compares two snapshots under the rules.
Verdict compare(const Snapshot& before, const Snapshot& after, const VerifyRules& rules);

// SHOW server_version of `before` vs `after` are not compared: the version is the point of a
// step. check_server() checks the target version instead.

}  // namespace pgorch::engine
