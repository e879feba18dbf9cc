// Comparing verification snapshots, the ignore / expected-change rules, and JSON forms.
#include "engine/verify.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <regex>

namespace pgorch::engine {

namespace json = boost::json;

namespace {

const std::vector<std::string> kKinds = {
    "tables", "columns", "constraints", "views", "sequences", "indexes", "triggers", "functions", "rules",
    "extensions", "rows", "row_content", "sequence_values", "large_objects", "databases"};

// The word a diff line uses for an object of a kind.
std::string noun(std::string_view kind) {
    if (kind == "rows" || kind == "row_content") return "table";
    if (kind == "sequence_values") return "sequence";
    if (kind == "indexes") return "index";
    if (kind == "large_objects") return "large objects";
    if (kind == "databases") return "database";
    return std::string(kind.substr(0, kind.size() - 1));
}

// Does one pattern (`KIND` or `KIND:[DB/]GLOB`) match?
bool pattern_matches(std::string_view pattern, std::string_view kind, std::string_view db, std::string_view object) {
    auto colon = pattern.find(':');
    if (pattern.substr(0, colon) != kind) return false;
    if (colon == std::string_view::npos) return true;
    std::string rest(pattern.substr(colon + 1));
    std::string glob = rest;
    if (auto slash = rest.find('/'); slash != std::string::npos) {
        if (fnmatch(rest.substr(0, slash).c_str(), std::string(db).c_str(), 0) != 0) return false;
        glob = rest.substr(slash + 1);
    }
    return fnmatch(glob.c_str(), std::string(object).c_str(), 0) == 0;
}

bool any_matches(const std::vector<std::string>& patterns, std::string_view kind, std::string_view db,
                 std::string_view object) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const std::string& p) { return pattern_matches(p, kind, db, object); });
}

// "15" of "15.20 (Debian ...)", "9.6" of "9.6.24": what pg_get_viewdef's formatting depends on.
std::string major_of(const std::string& server_version) {
    std::string v = server_version.substr(0, server_version.find_first_of(" ("));
    auto dot = v.find('.');
    if (dot == std::string::npos) return v;
    int first = std::atoi(v.c_str());
    if (first >= 10) return v.substr(0, dot);
    auto dot2 = v.find('.', dot + 1);
    return v.substr(0, dot2);
}

// A view or rule definition without `name.` qualifiers: PostgreSQL 16 stopped qualifying the
// columns of a single-relation query, so definitions are compared this way across majors.
std::string unqualified(const std::string& def) {
    static const std::regex qualifier(R"(\b[A-Za-z_][A-Za-z0-9_$]*\.(?=[A-Za-z_"]))");
    return std::regex_replace(def, qualifier, "");
}

// Collects differences, applying the rules.
struct Collector {
    const VerifyRules& rules;
    Verdict& verdict;
    void add(std::string kind, std::string db, std::string object, std::string what) {
        if (rules.ignores(kind, db, object)) return;
        bool expected = rules.expects(kind, db, object);
        verdict.differences.push_back({std::move(kind), std::move(db), std::move(object), std::move(what), expected});
    }
};

// Compares two maps of named items; `describe` renders a value for a "changed" line.
template <class V, class Describe>
void compare_maps(Collector& c, const std::string& kind, const std::string& db, const std::map<std::string, V>& a,
                  const std::map<std::string, V>& b, Describe describe) {
    for (const auto& [name, va] : a) {
        auto it = b.find(name);
        if (it == b.end()) c.add(kind, db, name, "missing after the step");
        else if (!(va == it->second)) c.add(kind, db, name, describe(va, it->second));
    }
    for (const auto& [name, vb] : b)
        if (!a.count(name)) c.add(kind, db, name, "added by the step");
}

// Both snapshots of one database; `cross_major` relaxes view and rule text (see unqualified()).
void compare_database(Collector& c, const std::string& db, const DatabaseSnapshot& a, const DatabaseSnapshot& b,
                      bool cross_major) {
    std::vector<std::string> kinds;
    for (const auto& [k, _] : a.schema) kinds.push_back(k);
    for (const auto& [k, _] : b.schema)
        if (!a.schema.count(k)) kinds.push_back(k);
    static const std::map<std::string, std::string> empty;
    for (const auto& kind : kinds) {
        auto ia = a.schema.find(kind);
        auto ib = b.schema.find(kind);
        const auto& ma = ia == a.schema.end() ? empty : ia->second;
        const auto& mb = ib == b.schema.end() ? empty : ib->second;
        if (cross_major && (kind == "views" || kind == "rules")) {
            std::map<std::string, std::string> na, nb;
            for (const auto& [k, v] : ma) na[k] = unqualified(v);
            for (const auto& [k, v] : mb) nb[k] = unqualified(v);
            compare_maps(c, kind, db, na, nb, [](const std::string& x, const std::string& y) {
                return "changed (compared without qualifiers across major versions): \"" + x + "\" -> \"" + y + "\"";
            });
            continue;
        }
        compare_maps(c, kind, db, ma, mb,
                     [](const std::string& x, const std::string& y) { return "changed: \"" + x + "\" -> \"" + y + "\""; });
    }
    // A count that differs is a "rows" difference; the same count with another content hash a
    // "row_content" one, so each can be ignored or expected on its own.
    std::map<std::string, int64_t> ca, cb;
    for (const auto& [t, f] : a.tables) ca[t] = f.rows;
    for (const auto& [t, f] : b.tables) cb[t] = f.rows;
    compare_maps(c, "rows", db, ca, cb,
                 [](int64_t x, int64_t y) { return "rows " + std::to_string(x) + " -> " + std::to_string(y); });
    for (const auto& [t, fa] : a.tables) {
        auto it = b.tables.find(t);
        if (it == b.tables.end() || it->second.rows != fa.rows || it->second.hash == fa.hash) continue;
        c.add("row_content", db, t,
              "content changed (same row count " + std::to_string(fa.rows) + ", content hash " + fa.hash + " -> " +
                  it->second.hash + ")");
    }
    compare_maps(c, "sequence_values", db, a.sequences, b.sequences, [](const SequenceValue& x, const SequenceValue& y) {
        auto s = [](const SequenceValue& v) { return v.last_value + (v.is_called ? " (called)" : " (not called)"); };
        return "last_value " + s(x) + " -> " + s(y);
    });
    if (a.large_objects != b.large_objects)
        c.add("large_objects", db, "",
              "count " + std::to_string(a.large_objects) + " -> " + std::to_string(b.large_objects));
    else if (a.large_objects_hash != b.large_objects_hash)
        c.add("large_objects", db, "", "content changed (same count " + std::to_string(a.large_objects) + ")");
}

json::object schema_to_json(const std::map<std::string, std::map<std::string, std::string>>& schema) {
    json::object o;
    for (const auto& [kind, items] : schema) {
        json::object k;
        for (const auto& [name, desc] : items) k[name] = desc;
        o[kind] = std::move(k);
    }
    return o;
}

std::string str_of(const json::object& o, std::string_view key) {
    if (auto* v = o.if_contains(key); v && v->is_string()) return std::string(v->as_string());
    return {};
}

int64_t int_of(const json::object& o, std::string_view key) {
    if (auto* v = o.if_contains(key); v && v->is_number()) return v->to_number<int64_t>();
    return 0;
}

const json::object& obj_of(const json::object& o, std::string_view key) {
    static const json::object empty;
    if (auto* v = o.if_contains(key); v && v->is_object()) return v->as_object();
    return empty;
}

}  // namespace

const std::vector<std::string>& verify_kinds() { return kKinds; }

// A pattern's kind must be known and its glob non-empty.
Status check_verify_pattern(std::string_view p) {
    std::string kind(p.substr(0, p.find(':')));
    if (std::find(kKinds.begin(), kKinds.end(), kind) == kKinds.end()) {
        std::string all;
        for (const auto& k : kKinds) all += (all.empty() ? "" : ", ") + k;
        return Error::invalid("verify pattern \"" + std::string(p) + "\": unknown kind \"" + kind + "\"",
                              "A pattern is KIND or KIND:NAME with KIND one of " + all + ".");
    }
    if (p.find(':') != std::string_view::npos && p.size() == kind.size() + 1)
        return Error::invalid("verify pattern \"" + std::string(p) + "\": empty name after \":\"",
                              "Write the kind alone to match every object of it.");
    return {};
}

// Every pattern passes check_verify_pattern.
Status VerifyRules::validate() const {
    for (const auto* list : {&ignore, &expected_changes})
        for (const auto& p : *list)
            if (Status st = check_verify_pattern(p); !st) return st;
    return {};
}

bool VerifyRules::ignores_kind(std::string_view kind) const {
    return std::find(ignore.begin(), ignore.end(), kind) != ignore.end();
}

bool VerifyRules::ignores(std::string_view kind, std::string_view db, std::string_view object) const {
    return any_matches(ignore, kind, db, object);
}

bool VerifyRules::expects(std::string_view kind, std::string_view db, std::string_view object) const {
    return any_matches(expected_changes, kind, db, object);
}

// `db "app": table "sales.orders": rows 1000 -> 999`.
std::string Difference::str() const {
    std::string s;
    if (kind == "databases") s = "db \"" + object + "\": " + what;
    else {
        if (!database.empty()) s = "db \"" + database + "\": ";
        s += noun(kind);
        if (!object.empty()) s += " \"" + object + "\"";
        s += ": " + what;
    }
    if (expected) s += " (expected)";
    return s;
}

bool Verdict::passed() const { return problems.empty() && unexpected() == 0; }

size_t Verdict::unexpected() const {
    return std::count_if(differences.begin(), differences.end(), [](const Difference& d) { return !d.expected; });
}

// Problems, then unexpected differences, then expected ones; one per line.
std::string Verdict::str() const {
    std::string s;
    for (const auto& p : problems) s += p + "\n";
    for (bool want_expected : {false, true})
        for (const auto& d : differences)
            if (d.expected == want_expected) s += d.str() + "\n";
    if (s.empty()) return "no difference\n";
    return s;
}

json::object Verdict::to_json() const {
    json::array probs, diffs;
    for (const auto& p : problems) probs.emplace_back(p);
    for (const auto& d : differences)
        diffs.emplace_back(json::object{{"kind", d.kind}, {"database", d.database}, {"object", d.object},
                                        {"what", d.what}, {"expected", d.expected}, {"text", d.str()}});
    return {{"passed", passed()}, {"problems", std::move(probs)}, {"differences", std::move(diffs)},
            {"unexpected", unexpected()}};
}

// Compares before/after: databases, then each database's schema and data.
Verdict compare(const Snapshot& before, const Snapshot& after, const VerifyRules& rules) {
    Verdict v;
    Collector c{rules, v};
    for (const auto& [db, a] : before.databases) {
        auto it = after.databases.find(db);
        if (it == after.databases.end()) c.add("databases", "", db, "missing after the step");
        else compare_database(c, db, a, it->second, major_of(before.server_version) != major_of(after.server_version));
    }
    for (const auto& [db, _] : after.databases)
        if (!before.databases.count(db)) c.add("databases", "", db, "added by the step");
    return v;
}

json::object Snapshot::to_json() const {
    json::object dbs;
    for (const auto& [name, d] : databases) {
        json::object tables, seqs;
        for (const auto& [t, f] : d.tables) tables[t] = json::object{{"rows", f.rows}, {"hash", f.hash}};
        for (const auto& [s, v] : d.sequences)
            seqs[s] = json::object{{"last_value", v.last_value}, {"is_called", v.is_called}};
        dbs[name] = json::object{{"tables", std::move(tables)},
                                 {"sequences", std::move(seqs)},
                                 {"large_objects", json::object{{"count", d.large_objects}, {"hash", d.large_objects_hash}}},
                                 {"schema", schema_to_json(d.schema)}};
    }
    return {{"server_version", server_version}, {"duration_ms", duration_ms}, {"databases", std::move(dbs)}};
}

// Reads what to_json() wrote.
Expected<Snapshot> Snapshot::from_json(const json::value& v) {
    if (!v.is_object()) return Error::invalid("snapshot is not a JSON object");
    const auto& o = v.as_object();
    Snapshot s;
    s.server_version = str_of(o, "server_version");
    if (auto* d = o.if_contains("duration_ms"); d && d->is_number()) s.duration_ms = d->to_number<double>();
    for (const auto& [name, dv] : obj_of(o, "databases")) {
        if (!dv.is_object()) return Error::invalid("snapshot: database \"" + std::string(name) + "\" is not an object");
        const auto& d = dv.as_object();
        DatabaseSnapshot db;
        for (const auto& [t, f] : obj_of(d, "tables"))
            if (f.is_object()) db.tables[std::string(t)] = {int_of(f.as_object(), "rows"), str_of(f.as_object(), "hash")};
        for (const auto& [q, sv] : obj_of(d, "sequences"))
            if (sv.is_object()) {
                const auto* called = sv.as_object().if_contains("is_called");
                db.sequences[std::string(q)] = {str_of(sv.as_object(), "last_value"),
                                                called && called->is_bool() && called->as_bool()};
            }
        db.large_objects = int_of(obj_of(d, "large_objects"), "count");
        db.large_objects_hash = str_of(obj_of(d, "large_objects"), "hash");
        for (const auto& [kind, items] : obj_of(d, "schema"))
            if (items.is_object())
                for (const auto& [n, desc] : items.as_object())
                    if (desc.is_string()) db.schema[std::string(kind)][std::string(n)] = std::string(desc.as_string());
        s.databases.emplace(std::string(name), std::move(db));
    }
    return s;
}

}  // namespace pgorch::engine
