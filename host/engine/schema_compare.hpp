// Two databases compared on the verification's schema model (engine/verify.hpp): what the
// `compare` CLI, the cluster service's "snapshot" and "compare" ops, and through them the
// compare and stairway steps use. One model, so a difference reads the same everywhere:
// `column "public.items.price": default 0 -> 1`.
//
// A comparison covers pum's checker's elements (tables, columns, constraints, views, sequences,
// indexes, triggers, functions, rules) and every other schema kind of a verification snapshot
// (types, extensions, privileges, owners, comments, policies ...), in one database on each
// side; the data kinds (rows, row_content, sequence_values, large_objects) only when asked, and
// never the cluster-wide kinds (roles, tablespaces ...).
#pragma once

#include "engine/verify.hpp"

#include <boost/json.hpp>

#include <string>
#include <vector>

namespace pgorch::engine {

struct SchemaCompareOptions {
    std::vector<std::string> ignore;           // verify patterns: KIND or KIND:NAME-GLOB
    std::vector<std::string> exclude_schemas;  // schema names or globs
    bool data = false;                         // also the data kinds
    CompareWords words;                        // "only in ..." for the two sides

    // Reads {"ignore": [...], "exclude_schemas": [...], "data": bool, "missing": "...", "added": "..."};
    // an Error names a bad pattern or a value of the wrong type.
    static Expected<SchemaCompareOptions> from_json(const boost::json::object& o);
    // The rules of a comparison: the ignore patterns (plus the data kinds unless `data`), the
    // excluded schemas. An Error names a pattern of an unknown kind.
    Expected<VerifyRules> rules() const;
};

// The kinds of a snapshot that hold data rather than schema.
const std::vector<std::string>& data_kinds();

// The snapshot of one database, without the cluster-wide kinds, keyed "" so that two databases
// of different names compare. `database` names it on the server.
Expected<Snapshot> database_snapshot(const SqlRunner& sql, const std::string& database, const VerifyRules& rules);

// The differences of a comparison in reading order: by kind as verify_kinds() lists them
// (tables, columns ... types before privileges, owners, comments), each kind's objects by name;
// the owner, privileges and comment of an object only one side has are left out (the object's
// own line says it).
void tidy_comparison(Verdict& v);

// A difference as JSON: kind, object, noun, what, text (brief()), fields [{field, before, after}].
boost::json::object difference_json(const Difference& d);
// {"equal", "differences": [...], "count"}.
boost::json::object comparison_json(const Verdict& v);

}  // namespace pgorch::engine
