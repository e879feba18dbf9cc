// JSON forms of verification snapshots and verdicts (snapshot-*.json, report.json).
#include "engine/verify.hpp"

namespace pgorch::engine {

namespace json = boost::json;

namespace {

json::object schema_to_json(const SchemaMap& schema) {
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

SchemaMap schema_of(const json::object& o) {
    SchemaMap out;
    for (const auto& [kind, items] : o)
        if (items.is_object())
            for (const auto& [n, desc] : items.as_object())
                if (desc.is_string()) out[std::string(kind)][std::string(n)] = std::string(desc.as_string());
    return out;
}

}  // namespace

json::object Verdict::to_json() const {
    json::array probs, warns, diffs;
    for (const auto& p : problems) probs.emplace_back(p);
    for (const auto& w : warnings) warns.emplace_back(w);
    for (const auto& d : differences) {
        json::object o{{"kind", d.kind}, {"database", d.database}, {"object", d.object},
                       {"what", d.what}, {"expected", d.expected}, {"text", d.str()}};
        if (!d.noun.empty()) o["noun"] = d.noun;
        if (!d.reason.empty()) o["reason"] = d.reason;
        if (!d.fields.empty()) {
            json::array f;
            for (const auto& x : d.fields) f.push_back(json::object{{"field", x.field}, {"before", x.before}, {"after", x.after}});
            o["fields"] = std::move(f);
        }
        diffs.emplace_back(std::move(o));
    }
    return {{"passed", passed()}, {"problems", std::move(probs)}, {"differences", std::move(diffs)},
            {"unexpected", unexpected()}, {"warnings", std::move(warns)}};
}

json::object Snapshot::to_json() const {
    json::object dbs;
    for (const auto& [name, d] : databases) {
        json::object tables, seqs;
        for (const auto& [t, f] : d.tables) tables[t] = json::object{{"rows", f.rows}, {"hash", f.hash}, {"method", f.method}};
        for (const auto& [s, v] : d.sequences)
            seqs[s] = json::object{{"last_value", v.last_value}, {"is_called", v.is_called}};
        dbs[name] = json::object{{"tables", std::move(tables)},
                                 {"sequences", std::move(seqs)},
                                 {"large_objects", json::object{{"count", d.large_objects}, {"hash", d.large_objects_hash}}},
                                 {"schema", schema_to_json(d.schema)}};
    }
    json::object defaults;
    for (const auto& [e, v] : extension_defaults) defaults[e] = v;
    return {{"server_version", server_version}, {"server_version_num", server_version_num},
            {"duration_ms", duration_ms},       {"queries", queries},
            {"globals", schema_to_json(globals)}, {"extension_defaults", std::move(defaults)},
            {"databases", std::move(dbs)}};
}

// Reads what to_json() wrote (older snapshots without globals or methods read as empty ones).
Expected<Snapshot> Snapshot::from_json(const json::value& v) {
    if (!v.is_object()) return Error::invalid("snapshot is not a JSON object");
    const auto& o = v.as_object();
    Snapshot s;
    s.server_version = str_of(o, "server_version");
    s.server_version_num = static_cast<int>(int_of(o, "server_version_num"));
    s.queries = static_cast<int>(int_of(o, "queries"));
    if (auto* d = o.if_contains("duration_ms"); d && d->is_number()) s.duration_ms = d->to_number<double>();
    s.globals = schema_of(obj_of(o, "globals"));
    for (const auto& [e, dv] : obj_of(o, "extension_defaults"))
        if (dv.is_string()) s.extension_defaults[std::string(e)] = std::string(dv.as_string());
    for (const auto& [name, dv] : obj_of(o, "databases")) {
        if (!dv.is_object()) return Error::invalid("snapshot: database \"" + std::string(name) + "\" is not an object");
        const auto& d = dv.as_object();
        DatabaseSnapshot db;
        for (const auto& [t, f] : obj_of(d, "tables"))
            if (f.is_object())
                db.tables[std::string(t)] = {int_of(f.as_object(), "rows"), str_of(f.as_object(), "hash"),
                                             str_of(f.as_object(), "method")};
        for (const auto& [q, sv] : obj_of(d, "sequences"))
            if (sv.is_object()) {
                const auto* called = sv.as_object().if_contains("is_called");
                db.sequences[std::string(q)] = {str_of(sv.as_object(), "last_value"),
                                                called && called->is_bool() && called->as_bool()};
            }
        db.large_objects = int_of(obj_of(d, "large_objects"), "count");
        db.large_objects_hash = str_of(obj_of(d, "large_objects"), "hash");
        db.schema = schema_of(obj_of(d, "schema"));
        s.databases.emplace(std::string(name), std::move(db));
    }
    return s;
}

}  // namespace pgorch::engine
