// The data side of a verification snapshot: which relations to read, how each column is hashed
// (see verify.hpp), and the SELECT that counts and hashes one table.
#include "engine/verify_internal.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace pgorch::engine::detail {

namespace {

// The relations, their columns and the closure of the types they use; hf: each type's default
// hash opclass and its extended hash function (support function 2).
constexpr const char* kPlanQuery = R"SQL(
WITH RECURSIVE rel AS (
  SELECT c.oid, CASE WHEN c.relkind = 'S' THEN 'S' ELSE 'r' END AS kind, format('%I.%I', n.nspname, c.relname) AS quoted,
         quote_literal(n.nspname || '.' || c.relname) AS literal, n.nspname || '.' || c.relname AS name, c.relpages::bigint AS pages
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE (c.relkind IN ('r','S') OR (c.relkind = 'm' AND c.relispopulated))
    AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
),
col AS (
  SELECT a.attrelid, a.attnum, quote_ident(a.attname) AS q, a.atttypid, a.attnotnull, {nondet} AS nondet
  FROM pg_attribute a JOIN rel ON rel.oid = a.attrelid AND rel.kind = 'r'
  WHERE a.attnum > 0 AND NOT a.attisdropped
),
typ(oid) AS (
  SELECT atttypid FROM col
  UNION
  SELECT k.child FROM typ JOIN pg_type t ON t.oid = typ.oid CROSS JOIN LATERAL (
    SELECT t.typelem WHERE t.typlen = -1 AND t.typelem <> 0
    UNION ALL SELECT t.typbasetype WHERE t.typbasetype <> 0
    UNION ALL SELECT r.rngsubtype FROM pg_range r WHERE r.rngtypid = t.oid
    {multirange_child}
    UNION ALL SELECT a.atttypid FROM pg_attribute a WHERE t.typtype = 'c' AND a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
  ) k(child)
),
hf AS (
  SELECT oc.opcintype AS typ, pr.oid::regproc::text AS fn, pr.proargtypes[0] AS arg
  FROM pg_opclass oc JOIN pg_am am ON am.oid = oc.opcmethod AND am.amname = 'hash'
  JOIN pg_amproc p ON p.amprocfamily = oc.opcfamily AND p.amprocnum = 2 AND p.amproclefttype = oc.opcintype AND p.amprocrighttype = oc.opcintype
  JOIN pg_proc pr ON pr.oid = p.amproc
  WHERE oc.opcdefault
)
SELECT 'r', kind, quoted, literal, name, pages::text, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM rel
UNION ALL
SELECT 'c', rel.name, col.attnum::text, col.q, col.atttypid::text, col.attnotnull::text, col.nondet::text, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM col JOIN rel ON rel.oid = col.attrelid
UNION ALL
SELECT 't', t.oid::text, t.typtype::text, CASE WHEN t.typlen = -1 THEN t.typelem ELSE 0 END::text, t.typbasetype::text,
       coalesce((SELECT r.rngsubtype FROM pg_range r WHERE r.rngtypid = t.oid), 0)::text,
       {multirange_range}::text,
       (SELECT string_agg(a.atttypid::text, ',' ORDER BY a.attnum) FROM pg_attribute a
        WHERE t.typtype = 'c' AND a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped),
       {attr_nondet}::text,
       h.fn, h.arg::text, hc.fn, hc.arg::text,
       (t.typtype = 'e' OR t.oid = 'aclitem'::regtype OR (t.typnamespace = 'pg_catalog'::regnamespace AND t.typname ~ '^reg'))::text
FROM (SELECT DISTINCT oid FROM typ) x JOIN pg_type t ON t.oid = x.oid
LEFT JOIN hf h ON h.typ = t.oid
LEFT JOIN LATERAL (SELECT hf.fn, hf.arg FROM pg_cast ca JOIN hf ON hf.typ = ca.casttarget AND hf.arg = ca.casttarget
                   WHERE ca.castsource = t.oid AND ca.castmethod = 'b' ORDER BY hf.typ LIMIT 1) hc ON true
UNION ALL
SELECT 'n', k, n::text, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM (VALUES
  ('views', (SELECT count(*) FROM pg_class WHERE oid >= 16384 AND relkind IN ('v', 'm'))),
  ('sequences', (SELECT count(*) FROM pg_sequence WHERE seqrelid >= 16384)),
  ('triggers', (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal)),
  ('functions', (SELECT count(*) FROM pg_proc WHERE oid >= 16384)),
  ('rules', (SELECT count(*) FROM pg_rewrite WHERE oid >= 16384 AND rulename <> '_RETURN')),
  ('types', (SELECT count(*) FROM pg_type WHERE oid >= 16384 AND typtype <> 'c' AND typcategory <> 'A')
            + (SELECT count(*) FROM pg_class WHERE oid >= 16384 AND relkind = 'c')),
  ('default_privileges', (SELECT count(*) FROM pg_default_acl)),
  ('policies', (SELECT count(*) FROM pg_policy) + (SELECT count(*) FROM pg_class WHERE relrowsecurity OR relforcerowsecurity)),
  ('publications', (SELECT count(*) FROM pg_publication)),
  ('subscriptions', (SELECT count(*) FROM pg_subscription)),
  ('event_triggers', (SELECT count(*) FROM pg_event_trigger)),
  ('statistics', (SELECT count(*) FROM pg_statistic_ext)),
  ('collations', (SELECT count(*) FROM pg_collation WHERE oid >= 16384))) AS x(k, n)
)SQL";

// The SUM of the two 64-bit halves of md5(row::text): servers without extended hash functions.
constexpr const char* kMd5Sum =
    "coalesce(sum(('x' || substr(h, 1, 16))::bit(64)::bigint::numeric), 0) || ':' || "
    "coalesce(sum(('x' || substr(h, 17, 16))::bit(64)::bigint::numeric), 0)";

const char* const kAlias = "pgorch_t";

uint32_t to_oid(const std::string& s) {
    try {
        return s.empty() ? 0 : static_cast<uint32_t>(std::stoul(s));
    } catch (...) {
        return 0;
    }
}

int64_t to_int64(const std::string& s) {
    try {
        return s.empty() ? 0 : std::stoll(s);
    } catch (...) {
        return 0;
    }
}

enum class Way { direct, record, text };
struct Choice {
    Way way = Way::text;
    std::string fn;
};

bool polymorphic(const std::string& fn) {
    return fn == "hash_array_extended" || fn == "hash_record_extended" || fn == "hash_range_extended" ||
           fn == "hash_multirange_extended" || fn == "hashenumextended";
}

// How values of `type` can be hashed on a server of `v` (mirrors the type cache's lookup of an
// extended hash function, and its checks of array elements, range subtypes and record fields).
Choice choose(uint32_t type, const std::map<uint32_t, TypeInfo>& types, int v, int depth = 0) {
    auto it = types.find(type);
    if (it == types.end() || depth > 16) return {};
    const TypeInfo& t = it->second;
    auto hashable = [&](uint32_t inner) { return choose(inner, types, v, depth + 1).way != Way::text; };
    if (t.typtype == 'd') return choose(t.base, types, v, depth + 1);  // called on the domain value: an implicit cast
    if (t.by_name) return {};  // its values are OIDs, which a dump and restore renumbers: hash the names
    if (!t.fn.empty() && !polymorphic(t.fn)) {
        if (t.fn_arg == type) return {Way::direct, t.fn};
        return v >= 140000 ? Choice{Way::record, {}} : Choice{};   // bool, date, bytea ...: the type cache knows better
    }
    if (!t.cast_fn.empty() && !polymorphic(t.cast_fn)) return {Way::direct, t.cast_fn};
    if (t.elem != 0) return hashable(t.elem) ? Choice{Way::direct, "hash_array_extended"} : Choice{};
    if (t.typtype == 'r') return hashable(t.range_subtype) ? Choice{Way::direct, "hash_range_extended"} : Choice{};
    if (t.typtype == 'm') return hashable(t.multirange_range) ? Choice{Way::direct, "hash_multirange_extended"} : Choice{};
    if (t.typtype == 'c' && v >= 140000 && !t.attr_nondeterministic &&
        std::all_of(t.attrs.begin(), t.attrs.end(), hashable))
        return {Way::direct, "hash_record_extended"};
    return {};
}

// The constant that stands for NULL in column `pos` (never a hash input: a fixed odd pattern).
std::string null_constant(size_t pos) {
    uint64_t k = 0x9E3779B97F4A7C15ULL * (pos + 1) + 0x632BE59BD9B4E019ULL;
    return fmt::format("int8 '{}'", static_cast<int64_t>(k >> 1));
}

}  // namespace

std::string cell(const std::vector<std::optional<std::string>>& row, size_t i) {
    return i < row.size() && row[i] ? *row[i] : std::string();
}

std::string plan_query(int v) {
    const char* nondet = v >= 120000
                             ? "coalesce((SELECT NOT co.collisdeterministic FROM pg_collation co WHERE co.oid = a.attcollation), false)"
                             : "false";
    const char* attr_nondet =
        v >= 120000 ? "EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_collation co ON co.oid = a.attcollation WHERE t.typtype = 'c'"
                      " AND a.attrelid = t.typrelid AND a.attnum > 0 AND NOT co.collisdeterministic)"
                    : "false";
    return fmt::format(kPlanQuery, fmt::arg("nondet", nondet),
                       fmt::arg("multirange_child", v >= 140000 ? "UNION ALL SELECT r.rngtypid FROM pg_range r WHERE r.rngmultitypid = t.oid" : ""),
                       fmt::arg("multirange_range", v >= 140000 ? "coalesce((SELECT r.rngtypid FROM pg_range r WHERE r.rngmultitypid = t.oid), 0)" : "0"),
                       fmt::arg("attr_nondet", attr_nondet));
}

// Rows of plan_query(): relations ('r'), then their columns ('c') and the types ('t').
DataPlan parse_plan(const cluster::SqlResult& r) {
    DataPlan plan;
    std::map<std::string, size_t> by_name;
    std::map<std::string, std::vector<std::pair<int64_t, Column>>> cols;
    for (const auto& row : r.rows) {
        std::string what = cell(row, 0);
        if (what == "r") {
            Relation rel;
            rel.kind = cell(row, 1) == "S" ? 'S' : 'r';
            rel.quoted = cell(row, 2);
            rel.literal = cell(row, 3);
            rel.name = cell(row, 4);
            rel.pages = to_int64(cell(row, 5));
            plan.relations.push_back(std::move(rel));
        } else if (what == "c") {
            Column c{cell(row, 3), to_oid(cell(row, 4)), cell(row, 5) == "true", cell(row, 6) == "true"};
            cols[cell(row, 1)].emplace_back(to_int64(cell(row, 2)), std::move(c));
        } else if (what == "t") {
            TypeInfo t;
            std::string typtype = cell(row, 2);
            t.typtype = typtype.empty() ? 'b' : typtype[0];
            t.elem = to_oid(cell(row, 3));
            t.base = to_oid(cell(row, 4));
            t.range_subtype = to_oid(cell(row, 5));
            t.multirange_range = to_oid(cell(row, 6));
            std::string attrs = cell(row, 7);
            for (size_t p = 0; !attrs.empty() && p != std::string::npos;) {
                size_t comma = attrs.find(',', p);
                t.attrs.push_back(to_oid(attrs.substr(p, comma == std::string::npos ? std::string::npos : comma - p)));
                p = comma == std::string::npos ? comma : comma + 1;
            }
            t.attr_nondeterministic = cell(row, 8) == "true";
            t.fn = cell(row, 9);
            t.fn_arg = to_oid(cell(row, 10));
            t.cast_fn = cell(row, 11);
            t.cast_fn_arg = to_oid(cell(row, 12));
            t.by_name = cell(row, 13) == "true";
            plan.types[to_oid(cell(row, 1))] = std::move(t);
        } else if (what == "n" && cell(row, 2) == "0") {
            plan.empty_kinds.insert(cell(row, 1));
        }
    }
    std::sort(plan.relations.begin(), plan.relations.end(), [](const Relation& a, const Relation& b) { return a.name < b.name; });
    for (auto& rel : plan.relations) {
        auto it = cols.find(rel.name);
        if (it == cols.end()) continue;
        std::sort(it->second.begin(), it->second.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        for (auto& [_, c] : it->second) rel.columns.push_back(std::move(c));
    }
    return plan;
}

// The row hash of a table: XOR of per-column hashes (seed = position), the 'r' columns in one record.
RowHash row_hash(const Relation& rel, const std::map<uint32_t, TypeInfo>& types, int v, std::string_view like) {
    if (v < 110000 || like == "md5") return {"", "md5"};
    bool same_shape = like.size() == rel.columns.size();
    std::vector<std::string> parts, record;
    std::string method;
    for (size_t i = 0; i < rel.columns.size(); ++i) {
        const Column& c = rel.columns[i];
        const std::string ref = std::string(kAlias) + "." + c.quoted;
        Choice ch = c.nondeterministic ? Choice{} : choose(c.type, types, v);
        char want = same_shape ? like[i] : '\0';
        // Keep an earlier snapshot's way where it is possible here; 'r' needs any extended hash.
        if (want == 't') ch = {};
        else if (want == 'r' && ch.way != Way::text && v >= 140000) ch = {Way::record, {}};
        const size_t pos = i + 1;
        std::string e;
        if (ch.way == Way::record) {
            record.push_back(ref);
            method += 'r';
            continue;
        }
        if (ch.way == Way::direct) {
            e = fmt::format("{}({}, {})", ch.fn, ref, pos);
            method += 'h';
        } else {
            e = fmt::format("hashtextextended(({})::text COLLATE \"C\", {})", ref, pos);
            method += 't';
        }
        parts.push_back(c.not_null ? e : fmt::format("coalesce({}, {})", e, null_constant(pos)));
    }
    if (!record.empty()) {
        std::string row;
        for (const auto& r : record) row += (row.empty() ? "" : ", ") + r;
        parts.push_back("hash_record_extended(ROW(" + row + "), 0)");
    }
    std::string expr;
    for (const auto& p : parts) expr += (expr.empty() ? "" : " # ") + p;
    return {expr.empty() ? "int8 '0'" : expr, method};
}

std::string relation_select(const Relation& rel, const RowHash* hash) {
    if (rel.kind == 'S')
        return "SELECT 'S', " + rel.literal + ", NULL::bigint, last_value::text || ':' || is_called::text, NULL FROM " + rel.quoted;
    std::string from = " FROM ONLY " + rel.quoted + " " + kAlias;
    if (!hash) return "SELECT 'r', " + rel.literal + ", count(*), NULL, ''" + from;
    if (hash->method == "md5")
        return "SELECT 'r', " + rel.literal + ", count(*), " + kMd5Sum + ", 'md5' FROM (SELECT md5(" + kAlias + "::text) AS h" + from + ") s";
    return "SELECT 'r', " + rel.literal + ", count(*), coalesce(sum(" + hash->expr + "), 0)::text, '" + hash->method + "'" + from;
}

}  // namespace pgorch::engine::detail
