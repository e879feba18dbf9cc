// Comparing verification snapshots: the kinds, the ignore / expected-change rules, the
// cross-major rules (verify.hpp, README "What changes across a major version") and the diff lines.
#include "engine/verify.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <regex>
#include <set>

namespace pgorch::engine {

namespace {

const std::vector<std::string> kKinds = {
    "tables", "columns", "constraints", "views", "sequences", "indexes", "triggers", "functions", "rules",
    "extensions", "types", "privileges", "default_privileges", "owners", "comments", "policies", "publications",
    "subscriptions", "event_triggers", "statistics", "collations", "reloptions",
    "roles", "memberships", "tablespaces", "settings",
    "rows", "row_content", "sequence_values", "large_objects", "databases"};

// Kinds whose descriptions are "field: value" lines, compared field by field.
bool fielded(std::string_view kind) {
    return kind == "roles" || kind == "memberships" || kind == "tablespaces" || kind == "databases" || kind == "subscriptions";
}

// Kinds whose object names are "identity (type)"; the word a diff line uses for the value.
std::string typed_field(std::string_view kind) {
    if (kind == "privileges") return "privileges";
    if (kind == "owners") return "owner";
    if (kind == "comments") return "comment";
    if (kind == "settings") return "settings";
    return {};
}

// The word a diff line uses for an object of a kind.
std::string noun(std::string_view kind) {
    if (kind == "rows" || kind == "row_content") return "table";
    if (kind == "sequence_values") return "sequence";
    if (kind == "indexes") return "index";
    if (kind == "large_objects") return "large objects";
    if (kind == "databases") return "database";
    if (kind == "policies") return "policy";
    if (kind == "statistics") return "statistics";
    if (kind == "default_privileges") return "default privileges";
    if (kind == "event_triggers") return "event trigger";
    if (kind == "reloptions") return "storage parameters of";
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

// 15 of 150020, 9.6 of 90624 (as 906).
int major_of(int version_num) { return version_num >= 100000 ? version_num / 10000 : version_num / 100; }

// "15" of "15.20 (Debian ...)", "9.6" of "9.6.24": for snapshots without server_version_num.
std::string major_of(const std::string& server_version) {
    std::string v = server_version.substr(0, server_version.find_first_of(" ("));
    auto dot = v.find('.');
    if (dot == std::string::npos) return v;
    if (std::atoi(v.c_str()) >= 10) return v.substr(0, dot);
    return v.substr(0, v.find('.', dot + 1));
}

// A view or rule definition without `name.` qualifiers: PostgreSQL 16 stopped qualifying the
// columns of a single-relation query, so definitions are compared this way across majors.
std::string unqualified(const std::string& def) {
    static const std::regex qualifier(R"(\b[A-Za-z_][A-Za-z0-9_$]*\.(?=[A-Za-z_"]))");
    return std::regex_replace(def, qualifier, "");
}

// An ACL text "{a=rm/b,c=m/b}" without the MAINTAIN letter; items left empty are dropped.
std::string without_maintain(const std::string& acl) {
    if (acl.size() < 2 || acl.front() != '{') return acl;
    std::string out, item;
    auto flush = [&] {
        auto eq = item.find('='), slash = item.rfind('/');
        if (eq != std::string::npos && slash != std::string::npos && slash > eq) {
            std::string privs = item.substr(eq + 1, slash - eq - 1), kept;
            for (size_t i = 0; i < privs.size(); ++i) {
                if (privs[i] == 'm') {
                    if (i + 1 < privs.size() && privs[i + 1] == '*') ++i;
                    continue;
                }
                kept += privs[i];
            }
            if (kept.empty()) return;
            item = item.substr(0, eq + 1) + kept + item.substr(slash);
        }
        out += (out.empty() ? "" : ",") + item;
    };
    for (char ch : acl.substr(1, acl.size() - 2)) {
        if (ch == ',') {
            flush();
            item.clear();
        } else
            item += ch;
    }
    if (!item.empty()) flush();
    return "{" + out + "}";
}

// "field: value" lines as a map.
std::map<std::string, std::string> fields_of(const std::string& desc) {
    std::map<std::string, std::string> out;
    size_t start = 0;
    while (start <= desc.size()) {
        size_t nl = desc.find('\n', start);
        std::string line = desc.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
        if (auto colon = line.find(": "); colon != std::string::npos) out[line.substr(0, colon)] = line.substr(colon + 2);
        if (nl == std::string::npos) break;
        start = nl + 1;
    }
    return out;
}

// "connection limit -1 -> 5, login true -> false"; across majors a field only one side has is
// not compared. Empty when nothing differs.
std::string changed_fields(const std::string& a, const std::string& b, bool cross_major) {
    auto fa = fields_of(a), fb = fields_of(b);
    std::string out;
    auto add = [&](const std::string& s) { out += (out.empty() ? "" : ", ") + s; };
    for (const auto& [k, va] : fa) {
        auto it = fb.find(k);
        if (it == fb.end()) {
            if (!cross_major) add(k + " " + va + " -> (none)");
        } else if (it->second != va)
            add(k + " " + va + " -> " + it->second);
    }
    for (const auto& [k, vb] : fb)
        if (!fa.count(k) && !cross_major) add(k + " (none) -> " + vb);
    return out;
}

// Splits "identity (type)" into its two parts.
std::pair<std::string, std::string> split_typed(const std::string& key) {
    auto open = key.rfind(" (");
    if (open == std::string::npos || key.back() != ')') return {key, ""};
    return {key.substr(0, open), key.substr(open + 2, key.size() - open - 3)};
}

// What the diff shows of a typed kind's value.
std::string typed_value(std::string_view kind, const std::string& v) {
    return kind == "comments" ? "\"" + v + "\"" : v;
}

// What both snapshots say about versions, for the cross-major rules.
struct Context {
    bool cross_major = false;
    int before_major = 0, after_major = 0;
    const std::map<std::string, std::string>* after_defaults = nullptr;
};

// Collects differences, applying the rules.
struct Collector {
    const VerifyRules& rules;
    Verdict& verdict;
    const CompareWords& words;
    void add(std::string kind, std::string db, std::string object, std::string what, std::string noun_ = {},
             std::string reason = {}, std::vector<FieldChange> fields = {}) {
        if (rules.ignores(kind, db, object)) return;
        if (reason.empty() && !rules.step_reason.empty()) {
            const auto& dbs = rules.step_databases;
            // A database's own cluster-wide entries (its row, its privileges, comment, settings) count as in it.
            bool whole = db.empty() && (kind == "databases" || noun_ == "database");
            bool in_db = std::find(dbs.begin(), dbs.end(), whole ? object : db) != dbs.end();
            if (in_db || any_matches(rules.step_expected, kind, db, object)) reason = rules.step_reason;
        }
        bool expected = !reason.empty() || rules.expects(kind, db, object);
        verdict.differences.push_back({std::move(kind), std::move(db), std::move(object), std::move(what), expected,
                                       std::move(noun_), std::move(reason), std::move(fields)});
    }
};

// One schema or global kind of both snapshots: missing, added, changed, under the kind's form.
void compare_kind(Collector& c, const std::string& kind, const std::string& db, const std::map<std::string, std::string>& a,
                  const std::map<std::string, std::string>& b, const Context& ctx) {
    const std::string field = typed_field(kind);
    auto normalized = [&](const std::string& name, const std::string& v) {
        if (!ctx.cross_major) return v;
        if (kind == "views" || kind == "rules") return unqualified(v);
        bool maintain_boundary = (ctx.before_major < 17) != (ctx.after_major < 17);
        if (maintain_boundary && (kind == "privileges" || kind == "default_privileges")) {
            auto type = split_typed(name).second;
            if (kind == "default_privileges" || type == "table" || type == "view" || type == "materialized view" ||
                type == "foreign table")
                return without_maintain(v);
        }
        return v;
    };
    for (const auto& [name, va] : a) {
        auto [object, type] = field.empty() ? std::pair<std::string, std::string>{name, ""} : split_typed(name);
        auto it = b.find(name);
        const std::string& missing = c.words.missing;
        if (it == b.end()) {
            std::string what = !field.empty() ? field + " " + typed_value(kind, va) + " " + missing
                               : fielded(kind) || va.empty() ? missing
                                                            : missing + " (was \"" + va + "\")";
            c.add(kind, db, object, what, type);
            continue;
        }
        std::string na = normalized(name, va), nb = normalized(name, it->second);
        if (na == nb) continue;
        if (fielded(kind)) {
            if (std::string ch = changed_fields(va, it->second, ctx.cross_major); !ch.empty())
                c.add(kind, db, object, ch, type, {}, field_changes(kind, va, it->second));
        } else if (!field.empty()) {
            c.add(kind, db, object, field + " " + typed_value(kind, va) + " -> " + typed_value(kind, it->second), type, {},
                  {{field, typed_value(kind, va), typed_value(kind, it->second)}});
        } else if (kind == "extensions" && (ctx.cross_major || !c.rules.extensions_updated.empty()) && ctx.after_defaults &&
                   ctx.after_defaults->count(name) && ctx.after_defaults->at(name) == it->second) {
            c.add(kind, db, object, "version " + va + " -> " + it->second, "",
                  !c.rules.extensions_updated.empty()
                      ? c.rules.extensions_updated
                      : "across a major version the extension is at the new installation's default version");
        } else if (ctx.cross_major && (kind == "views" || kind == "rules")) {
            c.add(kind, db, object, "changed (compared without qualifiers across major versions): \"" + na + "\" -> \"" + nb + "\"",
                  "", "", field_changes(kind, na, nb));
        } else {
            c.add(kind, db, object, "changed: \"" + va + "\" -> \"" + it->second + "\"", "", "", field_changes(kind, va, it->second));
        }
    }
    for (const auto& [name, vb] : b) {
        if (a.count(name)) continue;
        auto [object, type] = field.empty() ? std::pair<std::string, std::string>{name, ""} : split_typed(name);
        const std::string& added = c.words.added;
        std::string what = !field.empty() ? field + " " + typed_value(kind, vb) + " " + added
                           : fielded(kind) || vb.empty() ? added
                                                        : added + ": \"" + vb + "\"";
        c.add(kind, db, object, what, type);
    }
}

// Every kind of two schema maps.
void compare_schema(Collector& c, const std::string& db, const SchemaMap& a, const SchemaMap& b, const Context& ctx) {
    static const std::map<std::string, std::string> empty;
    std::set<std::string> kinds;
    for (const auto& [k, _] : a) kinds.insert(k);
    for (const auto& [k, _] : b) kinds.insert(k);
    for (const auto& kind : kinds) {
        auto ia = a.find(kind), ib = b.find(kind);
        compare_kind(c, kind, db, ia == a.end() ? empty : ia->second, ib == b.end() ? empty : ib->second, ctx);
    }
}

// Both snapshots of one database: schema, then the data.
void compare_database(Collector& c, const std::string& db, const DatabaseSnapshot& a, const DatabaseSnapshot& b,
                      const Context& ctx) {
    compare_schema(c, db, a.schema, b.schema, ctx);
    // A count that differs is a "rows" difference; the same count with another content hash a
    // "row_content" one, so each can be ignored or expected on its own.
    for (const auto& [t, fa] : a.tables) {
        auto it = b.tables.find(t);
        if (it == b.tables.end()) {
            c.add("rows", db, t, c.words.missing);
            continue;
        }
        const TableFingerprint& fb = it->second;
        if (fb.rows != fa.rows) c.add("rows", db, t, "rows " + std::to_string(fa.rows) + " -> " + std::to_string(fb.rows));
        else if (fa.hash.empty() || fb.hash.empty() || fa.hash == fb.hash) continue;
        else if (!fa.method.empty() && !fb.method.empty() && fa.method != fb.method)
            c.add("row_content", db, t, "content not comparable: hashed as \"" + fa.method + "\" before, \"" + fb.method + "\" after");
        else
            c.add("row_content", db, t,
                  "content changed (same row count " + std::to_string(fa.rows) + ", content hash " + fa.hash + " -> " + fb.hash + ")");
    }
    for (const auto& [t, _] : b.tables)
        if (!a.tables.count(t)) c.add("rows", db, t, c.words.added);
    auto seq = [](const SequenceValue& v) { return v.last_value + (v.is_called ? " (called)" : " (not called)"); };
    for (const auto& [s, va] : a.sequences) {
        auto it = b.sequences.find(s);
        if (it == b.sequences.end()) c.add("sequence_values", db, s, c.words.missing);
        else if (!(va == it->second)) c.add("sequence_values", db, s, "last_value " + seq(va) + " -> " + seq(it->second));
    }
    for (const auto& [s, _] : b.sequences)
        if (!a.sequences.count(s)) c.add("sequence_values", db, s, c.words.added);
    if (a.large_objects != b.large_objects)
        c.add("large_objects", db, "", "count " + std::to_string(a.large_objects) + " -> " + std::to_string(b.large_objects));
    else if (a.large_objects_hash != b.large_objects_hash)
        c.add("large_objects", db, "", "content changed (same count " + std::to_string(a.large_objects) + ")");
}

}  // namespace

const std::vector<std::string>& verify_kinds() { return kKinds; }

bool global_kind(std::string_view kind) {
    return kind == "roles" || kind == "memberships" || kind == "tablespaces" || kind == "settings";
}

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

// Every pattern passes check_verify_pattern; the check options must make sense.
Status VerifyRules::validate() const {
    for (const auto* list : {&ignore, &expected_changes})
        for (const auto& p : *list)
            if (Status st = check_verify_pattern(p); !st) return st;
    if (collations != "warn" && collations != "fail" && collations != "off")
        return Error::invalid("verify option \"collations\": unknown value \"" + collations + "\"",
                              "Write warn (the default), fail or off.");
    if (jobs < 0)
        return Error::invalid("verify option \"jobs\": " + std::to_string(jobs) + " is not a number of sessions",
                              "Write a positive number, or leave it out for the core count.");
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

bool VerifyRules::same_snapshot(const VerifyRules& other) const { return ignore == other.ignore; }

// `db "app": table "sales.orders": rows 1000 -> 999`.
std::string Difference::str() const {
    std::string s;
    if (kind == "databases" && noun.empty()) s = "db \"" + object + "\": " + what;
    else {
        if (!database.empty()) s = "db \"" + database + "\": ";
        s += noun.empty() ? engine::noun(kind) : noun;
        if (!object.empty()) s += " \"" + object + "\"";
        s += ": " + what;
    }
    if (!reason.empty()) s += " (expected: " + reason + ")";
    else if (expected) s += " (expected)";
    return s;
}

bool Verdict::passed() const { return problems.empty() && unexpected() == 0; }

size_t Verdict::unexpected() const {
    return std::count_if(differences.begin(), differences.end(), [](const Difference& d) { return !d.expected; });
}

// Problems, then unexpected differences, then expected ones, then warnings; one per line.
std::string Verdict::str() const {
    std::string s;
    for (const auto& p : problems) s += p + "\n";
    for (bool want_expected : {false, true})
        for (const auto& d : differences)
            if (d.expected == want_expected) s += d.str() + "\n";
    for (const auto& w : warnings) s += "warning: " + w + "\n";
    if (s.empty()) return "no difference\n";
    return s;
}

// Compares before/after: the globals, the databases, then each database's schema and data.
Verdict compare(const Snapshot& before, const Snapshot& after, const VerifyRules& rules, const CompareWords& words) {
    Verdict v;
    Collector c{rules, v, words};
    Context ctx;
    if (before.server_version_num > 0 && after.server_version_num > 0) {
        ctx.before_major = major_of(before.server_version_num);
        ctx.after_major = major_of(after.server_version_num);
        ctx.cross_major = ctx.before_major != ctx.after_major;
    } else {
        ctx.cross_major = major_of(before.server_version) != major_of(after.server_version);
    }
    ctx.after_defaults = &after.extension_defaults;
    compare_schema(c, "", before.globals, after.globals, ctx);
    // The databases kind of the globals already names a database that went or came.
    auto listed = [](const Snapshot& s, const std::string& db) {
        auto it = s.globals.find("databases");
        return it != s.globals.end() && it->second.count(db);
    };
    for (const auto& [db, a] : before.databases) {
        auto it = after.databases.find(db);
        if (it != after.databases.end()) compare_database(c, db, a, it->second, ctx);
        else if (!(listed(before, db) && !listed(after, db))) c.add("databases", "", db, words.missing);
    }
    for (const auto& [db, _] : after.databases)
        if (!before.databases.count(db) && !(listed(after, db) && !listed(before, db)))
            c.add("databases", "", db, words.added);
    return v;
}

}  // namespace pgorch::engine
