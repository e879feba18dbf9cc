// The fields of a schema description (verify.hpp, Difference::fields) and the schemas a snapshot
// leaves out (VerifyRules::exclude_schemas): what makes a comparison name the field that differs.
#include "engine/verify.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <utility>

namespace pgorch::engine {

namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

// Cuts `desc` at the first of `markers` found from `from` on, in order: each marker's value runs
// to the next marker found (or the end). A marker without a value (" not null") gives "yes".
Fields cut(const std::string& desc, std::size_t from, const std::vector<std::pair<std::string, std::string>>& markers) {
    std::vector<std::pair<std::size_t, std::size_t>> at;  // (position, marker index)
    std::size_t pos = from;
    for (std::size_t m = 0; m < markers.size(); ++m) {
        std::size_t p = desc.find(markers[m].first, pos);
        if (p == std::string::npos) continue;
        at.emplace_back(p, m);
        pos = p + markers[m].first.size();
    }
    Fields out;
    for (std::size_t k = 0; k < at.size(); ++k) {
        const auto& [p, m] = at[k];
        std::size_t begin = p + markers[m].first.size();
        std::size_t end = k + 1 < at.size() ? at[k + 1].first : desc.size();
        std::string value = begin < end ? desc.substr(begin, end - begin) : std::string();
        out.emplace_back(markers[m].second, value.empty() ? "yes" : value);
    }
    return out;
}

// "#2 numeric(14,2) not null default 0 collate C": position, type, then the optional parts in
// the order the snapshot writes them (verify_schema_sql.cpp, columns_sql).
Fields column_fields(const std::string& d) {
    Fields out;
    std::size_t sp = d.find(' ');
    out.emplace_back("position", d.substr(0, sp));
    if (sp == std::string::npos) return out;
    static const std::vector<std::pair<std::string, std::string>> markers = {
        {" not null", "not null"}, {" identity ", "identity"}, {" generated ", "generated"}, {" default ", "default"},
        {" collate ", "collation"}, {" storage ", "storage"}, {" compression ", "compression"}};
    std::size_t first = d.size();
    for (const auto& [m, _] : markers)
        if (std::size_t p = d.find(m, sp); p != std::string::npos) first = std::min(first, p);
    out.emplace_back("type", d.substr(sp + 1, first - sp - 1));
    Fields rest = cut(d, first, markers);
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
}

// "f returns integer language sql i strict security definer set a=1 body md5 X".
Fields function_fields(const std::string& d) {
    Fields out;
    out.emplace_back("kind", d.substr(0, d.find(' ')));
    std::size_t lang = d.find(" language ");
    std::size_t ret = d.find(" returns ");
    if (ret != std::string::npos && lang != std::string::npos) out.emplace_back("result", d.substr(ret + 9, lang - ret - 9));
    if (lang == std::string::npos) return out;
    std::size_t vol = d.find(' ', lang + 10);
    out.emplace_back("language", d.substr(lang + 10, vol - lang - 10));
    if (vol == std::string::npos) return out;
    out.emplace_back("volatility", d.substr(vol + 1, 1));
    Fields rest = cut(d, vol + 2, {{" strict", "strict"}, {" security definer", "security definer"}, {" set ", "settings"},
                                   {" body md5 ", "body md5"}});
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
}

// "bigint start 1 increment 1 min 1 max 9 cache 1 cycle".
Fields sequence_fields(const std::string& d) {
    Fields out;
    std::size_t start = d.find(" start ");
    out.emplace_back("type", d.substr(0, start));
    Fields rest = cut(d, start == std::string::npos ? d.size() : start,
                      {{" start ", "start"}, {" increment ", "increment"}, {" min ", "min"}, {" max ", "max"},
                       {" cache ", "cache"}, {" cycle", "cycle"}});
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
}

// "field: value" lines.
Fields line_fields(const std::string& d) {
    Fields out;
    std::size_t start = 0;
    while (start < d.size()) {
        std::size_t nl = d.find('\n', start);
        std::string line = d.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
        if (auto colon = line.find(": "); colon != std::string::npos) out.emplace_back(line.substr(0, colon), line.substr(colon + 2));
        if (nl == std::string::npos) break;
        start = nl + 1;
    }
    return out;
}

std::string value_in(const Fields& f, const std::string& name) {
    for (const auto& [k, v] : f)
        if (k == name) return v;
    return "(none)";
}

}  // namespace

// Fields of both sides in the order the first side has them, then those only the second has.
std::vector<FieldChange> field_changes(std::string_view kind, const std::string& before, const std::string& after) {
    Fields a, b;
    if (kind == "columns") a = column_fields(before), b = column_fields(after);
    else if (kind == "functions") a = function_fields(before), b = function_fields(after);
    else if (kind == "sequences") a = sequence_fields(before), b = sequence_fields(after);
    else if (kind == "roles" || kind == "memberships" || kind == "tablespaces" || kind == "databases" || kind == "subscriptions")
        a = line_fields(before), b = line_fields(after);
    else if (before != after) return {{"definition", before, after}};
    std::vector<FieldChange> out;
    std::vector<std::string> names;
    for (const auto* f : {&a, &b})
        for (const auto& [k, _] : *f)
            if (std::find(names.begin(), names.end(), k) == names.end()) names.push_back(k);
    for (const auto& n : names) {
        std::string x = value_in(a, n), y = value_in(b, n);
        if (x != y) out.push_back({n, x, y});
    }
    return out;
}

// `column "public.t.price": default 0 -> 1, not null yes -> (none)`.
std::string Difference::brief() const {
    if (fields.empty()) {
        Difference d = *this;
        d.reason.clear();
        d.expected = false;
        return d.str();
    }
    std::string what;
    for (const auto& f : fields) what += (what.empty() ? "" : ", ") + f.field + " " + f.before + " -> " + f.after;
    Difference d = *this;
    d.what = what;
    d.reason.clear();
    d.expected = false;
    return d.str();
}

// The schema an object of a kind belongs to, "" when none: the name up to its first dot
// ("s.t", "s.t.c", "s.f(int)"), a typed name's identity ("s.t (table)"; "s (schema)" is the
// schema itself), default privileges' "in schema s"; extensions, event triggers, publications
// and subscriptions belong to none.
std::string schema_of(std::string_view kind, const std::string& name) {
    if (kind == "extensions" || kind == "event_triggers" || kind == "publications" || kind == "subscriptions") return {};
    if (kind == "default_privileges") {
        auto in = name.find(" in schema ");
        return in == std::string::npos ? std::string() : name.substr(in + 11, name.find(' ', in + 11) - in - 11);
    }
    std::string identity = name;
    if (kind == "privileges" || kind == "owners" || kind == "comments") {
        auto open = name.rfind(" (");
        if (open != std::string::npos && name.back() == ')') {
            identity = name.substr(0, open);
            if (name.substr(open + 2, name.size() - open - 3) == "schema") return identity;
        }
    }
    auto dot = identity.find('.');
    return dot == std::string::npos ? std::string() : identity.substr(0, dot);
}

void exclude_schemas(DatabaseSnapshot& d, const std::vector<std::string>& patterns) {
    auto excluded = [&](std::string_view kind, const std::string& name) {
        std::string schema = schema_of(kind, name);
        if (schema.empty()) return false;
        return std::any_of(patterns.begin(), patterns.end(),
                           [&](const std::string& p) { return fnmatch(p.c_str(), schema.c_str(), 0) == 0; });
    };
    for (auto& [kind, items] : d.schema)
        for (auto it = items.begin(); it != items.end();) it = excluded(kind, it->first) ? items.erase(it) : std::next(it);
    for (auto it = d.tables.begin(); it != d.tables.end();) it = excluded("rows", it->first) ? d.tables.erase(it) : std::next(it);
    for (auto it = d.sequences.begin(); it != d.sequences.end();)
        it = excluded("sequence_values", it->first) ? d.sequences.erase(it) : std::next(it);
}

}  // namespace pgorch::engine
