// Internal to the verification (verify*.cpp and their unit tests): the catalog queries, the
// plan of the data queries and the per-column hashing of a table (see verify.hpp).
#pragma once

#include "cluster/cluster.hpp"
#include "engine/verify.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace pgorch::engine::detail {

// Output settings pinned before every query so that text forms do not depend on configuration.
extern const char* const kSessionSettings;

// The per-database catalog query: one row (kind, object, description) per element of every
// schema kind the rules keep and `empty` does not name (kinds the database has nothing of),
// written for a server of `version_num` (SHOW server_version_num), plus two rows of their own:
// ('~extension_default', name, default_version) per installed extension and ('~large_objects',
// count, hash). Empty when every such kind is left out.
std::string schema_query(int version_num, const VerifyRules& rules, const std::set<std::string>& empty = {});

// The cluster-wide query: rows ('@' + kind, object, description), on its own or after
// database postgres's schema_query() (UNION ALL).
std::string globals_query(int version_num, const VerifyRules& rules);

// The relations to fingerprint, their columns and every type those use, and which schema kinds
// the database has nothing of: rows whose first cell says what they are ('r' relation, 'c'
// column, 't' type, 'n' the count of a kind's catalog entries); see parse_plan().
std::string plan_query(int version_num);

// What the data queries need to know of a type to hash its values.
struct TypeInfo {
    char typtype = 'b';             // pg_type.typtype
    uint32_t elem = 0;              // element type of an array
    uint32_t base = 0;              // base type of a domain
    uint32_t range_subtype = 0;     // subtype of a range
    uint32_t multirange_range = 0;  // range of a multirange
    std::vector<uint32_t> attrs;    // attribute types of a composite type
    bool attr_nondeterministic = false;  // a composite attribute has a nondeterministic collation
    std::string fn;                 // extended hash function of its default hash opclass
    uint32_t fn_arg = 0;            // the type that function takes
    std::string cast_fn;            // the same for the type it is binary-coercible to (varchar -> text)
    uint32_t cast_fn_arg = 0;
    bool by_name = false;           // an enum, reg* or aclitem: values are OIDs that name something
};

struct Column {
    std::string quoted;             // quote_ident(attname)
    uint32_t type = 0;
    bool not_null = false;
    bool nondeterministic = false;  // its collation is nondeterministic
};

struct Relation {
    char kind = 'r';                // 'r' table or materialized view, 'S' sequence
    std::string quoted;             // "s"."t"
    std::string literal;            // 's.t'
    std::string name;               // s.t
    int64_t pages = 0;              // relpages: how the data queries are batched
    std::vector<Column> columns;    // in attnum order, dropped ones left out
};

struct DataPlan {
    std::vector<Relation> relations;           // sorted by name
    std::map<uint32_t, TypeInfo> types;
    std::set<std::string> empty_kinds;         // schema kinds with no object made after initdb
};

// Reads the rows of plan_query().
DataPlan parse_plan(const cluster::SqlResult& r);

// How one table's rows are hashed: the SQL expression of a row's hash over the alias `t`, and
// the method letters (verify.hpp). `like` is the method an earlier snapshot used ("" for none):
// each column keeps its letter where this server can hash it that way.
struct RowHash {
    std::string expr;
    std::string method;
};
RowHash row_hash(const Relation& rel, const std::map<uint32_t, TypeInfo>& types, int version_num,
                 std::string_view like = {});

// One SELECT of the data queries, rows (name, count, hash, method): a table counted and hashed
// (`hash` null: only counted), or a sequence's "last_value:is_called".
std::string relation_select(const Relation& rel, const RowHash* hash);

// A cell's text ("" for NULL or a missing column).
std::string cell(const std::vector<std::optional<std::string>>& row, size_t i);

}  // namespace pgorch::engine::detail
