#include "engine/schema_compare.hpp"

#include <algorithm>
#include <set>
#include <tuple>

namespace pgorch::engine {

namespace json = boost::json;

namespace {

// A list of strings, or one string: an Error names a value of another type.
Expected<std::vector<std::string>> strings_of(const json::object& o, const char* key) {
    std::vector<std::string> out;
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) return out;
    if (v->is_string()) return std::vector<std::string>{std::string(v->as_string())};
    if (!v->is_array()) return Error::invalid(std::string("\"") + key + "\" must be a list of strings");
    for (const auto& x : v->as_array()) {
        if (!x.is_string()) return Error::invalid(std::string("\"") + key + "\" must be a list of strings");
        out.emplace_back(x.as_string());
    }
    return out;
}

}  // namespace

const std::vector<std::string>& data_kinds() {
    static const std::vector<std::string> kinds = {"rows", "row_content", "sequence_values", "large_objects"};
    return kinds;
}

Expected<SchemaCompareOptions> SchemaCompareOptions::from_json(const json::object& o) {
    SchemaCompareOptions s;
    auto ignore = strings_of(o, "ignore");
    if (!ignore) return ignore.error();
    auto schemas = strings_of(o, "exclude_schemas");
    if (!schemas) return schemas.error();
    s.ignore = *ignore;
    s.exclude_schemas = *schemas;
    if (auto* d = o.if_contains("data")) {
        if (!d->is_bool()) return Error::invalid("\"data\" must be true or false");
        s.data = d->as_bool();
    }
    if (auto* m = o.if_contains("missing"); m && m->is_string()) s.words.missing = std::string(m->as_string());
    if (auto* a = o.if_contains("added"); a && a->is_string()) s.words.added = std::string(a->as_string());
    return s;
}

Expected<VerifyRules> SchemaCompareOptions::rules() const {
    VerifyRules r;
    r.ignore = ignore;
    if (!data)
        for (const auto& k : data_kinds())
            if (std::find(r.ignore.begin(), r.ignore.end(), k) == r.ignore.end()) r.ignore.push_back(k);
    r.exclude_schemas = exclude_schemas;
    r.collations = "off";
    r.jobs = 2;
    if (Status s = r.validate(); !s) return s.error();
    return r;
}

Expected<Snapshot> database_snapshot(const SqlRunner& sql, const std::string& database, const VerifyRules& rules) {
    auto snap = take_snapshot(sql, rules, nullptr, SnapshotScope{{database}, false});
    if (!snap) return snap.error();
    DatabaseSnapshot d = std::move(snap->databases.at(database));
    snap->databases.clear();
    snap->databases.emplace("", std::move(d));
    return snap;
}

void tidy_comparison(Verdict& v) {
    const auto& kinds = verify_kinds();
    auto rank = [&](const std::string& k) { return std::find(kinds.begin(), kinds.end(), k) - kinds.begin(); };
    auto typed = [](const std::string& k) { return k == "owners" || k == "privileges" || k == "comments"; };
    // Objects one side lacks, by the name the typed kinds give them.
    std::set<std::pair<std::string, std::string>> whole;
    for (const auto& d : v.differences)
        if (!typed(d.kind) && d.fields.empty() && d.what.rfind("changed", 0) != 0) whole.insert({d.database, d.object});
    std::vector<Difference> kept;
    for (auto& d : v.differences)
        if (!(typed(d.kind) && whole.count({d.database, d.object}) && d.fields.empty())) kept.push_back(std::move(d));
    std::stable_sort(kept.begin(), kept.end(), [&](const Difference& a, const Difference& b) {
        return std::make_tuple(a.database, rank(a.kind), a.object) < std::make_tuple(b.database, rank(b.kind), b.object);
    });
    v.differences = std::move(kept);
}

json::object difference_json(const Difference& d) {
    json::array fields;
    for (const auto& f : d.fields) fields.push_back(json::object{{"field", f.field}, {"before", f.before}, {"after", f.after}});
    json::object o{{"kind", d.kind}, {"object", d.object}, {"what", d.what}, {"text", d.brief()}, {"fields", std::move(fields)}};
    if (!d.noun.empty()) o["noun"] = d.noun;
    if (!d.database.empty()) o["database"] = d.database;
    return o;
}

json::object comparison_json(const Verdict& v) {
    json::array diffs;
    for (const auto& d : v.differences)
        if (!d.expected) diffs.push_back(difference_json(d));
    std::size_t n = diffs.size();
    return {{"equal", n == 0 && v.problems.empty()}, {"count", n}, {"differences", std::move(diffs)}};
}

}  // namespace pgorch::engine
