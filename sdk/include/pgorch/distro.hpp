// pgorch SDK: the distro contract, typed. A distro plugin's provision() gets a ProvisionRequest
// and returns an InstallLayout; its list_versions() gets a ListVersionsRequest and returns a
// VersionListing; its validate() gets a DistroValidateRequest. The host writes the requests and
// parses the results with the same types, so the two sides cannot drift. The JSON shapes are
// documented in sdk/README.md ("Calls").
#pragma once

#include <pgorch/plugin.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pgorch::sdk {

// Version of the distro contract below (layouts with "tools", listings with "offers").
inline constexpr int kDistroContract = 2;

// The executables a server-only installation has: enough to create, start and stop a cluster.
inline const std::vector<std::string>& server_tools() {
    static const std::vector<std::string> v = {"initdb", "pg_ctl", "postgres"};
    return v;
}

// The executables of a full toolset: the server, the clients, and what pg_upgrade (15+) checks
// on its new side.
inline const std::vector<std::string>& full_toolset() {
    static const std::vector<std::string> v = {"initdb",   "pg_basebackup", "pg_controldata", "pg_ctl",
                                               "pg_dump",  "pg_dumpall",    "pg_resetwal",    "pg_restore",
                                               "pg_upgrade", "postgres",    "psql",           "vacuumdb"};
    return v;
}

// Compares two version strings part by part as numbers ("15.10" > "15.9", "15" < "15.0");
// a non-numeric part compares as text. Negative, zero or positive, like strcmp.
inline int compare_versions(std::string_view a, std::string_view b) {
    auto next = [](std::string_view& s) {
        std::size_t dot = s.find('.');
        std::string_view part = s.substr(0, dot);
        s = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
        return part;
    };
    while (!a.empty() || !b.empty()) {
        if (a.empty()) return -1;
        if (b.empty()) return 1;
        std::string_view x = next(a), y = next(b);
        bool nx = !x.empty() && std::all_of(x.begin(), x.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
        bool ny = !y.empty() && std::all_of(y.begin(), y.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
        if (nx && ny) {
            while (x.size() > 1 && x.front() == '0') x.remove_prefix(1);
            while (y.size() > 1 && y.front() == '0') y.remove_prefix(1);
            if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
        }
        if (int c = x.compare(y)) return c < 0 ? -1 : 1;
    }
    return 0;
}

// The major of a PostgreSQL version: "15.20" -> "15", "17" -> "17", "9.6.24" -> "9.6".
inline std::string major_of(std::string_view version) {
    std::size_t dot = version.find('.');
    std::string_view first = version.substr(0, dot);
    // Before 10 a major had two parts (9.6); from 10 on, one.
    if (first.size() == 1 && dot != std::string_view::npos)
        return std::string(version.substr(0, version.find('.', dot + 1)));
    return std::string(first);
}

namespace detail {
inline std::vector<std::string> strings_of(const json::object& o, std::string_view key) {
    std::vector<std::string> out;
    if (auto* v = o.if_contains(key); v && v->is_array())
        for (const auto& x : v->as_array())
            if (x.is_string()) out.emplace_back(x.as_string());
    return out;
}
inline bool bool_of(const json::object& o, std::string_view key) {
    auto* v = o.if_contains(key);
    return v && v->is_bool() && v->as_bool();
}
}  // namespace detail

// What provision() returns: where an installed version lives and what it has.
struct InstallLayout {
    std::string distro;            // "pgdg"
    std::string version;           // exact, the distribution's own: "16.8" (pgdg), "15.20.0" (ttdb)
    std::string major;             // "16"
    std::string server_version;    // what the server reports (SHOW server_version) when the distro
                                   // numbers its releases otherwise: "15.20" for ttdb 15.20.0; "" = version
    std::string edition;           // distro-specific, "" when none
    std::string method;            // how it was provided: deb, binaries, source, path, package, apt ...
    std::string bindir, libdir, sharedir;
    uint32_t catalog_version = 0;  // CATALOG_VERSION_NO
    std::vector<std::string> tools;  // executables present in bindir, sorted; empty: unknown (an old plugin)

    bool has(std::string_view tool) const { return std::find(tools.begin(), tools.end(), tool) != tools.end(); }
    // Every tool of full_toolset() is present (or the plugin did not say: an old plugin's layout).
    bool full() const {
        if (tools.empty()) return true;
        return std::all_of(full_toolset().begin(), full_toolset().end(), [&](const std::string& t) { return has(t); });
    }
    std::string toolset() const { return full() ? "full" : "server"; }
    // The PostgreSQL version the server runs: server_version, else version.
    const std::string& server() const { return server_version.empty() ? version : server_version; }

    json::object to_json() const {
        json::array t;
        for (const auto& x : tools) t.emplace_back(x);
        return json::object{{"distro", distro},   {"version", version},   {"major", major},
                            {"server_version", server()},
                            {"edition", edition}, {"method", method},     {"bindir", bindir},
                            {"libdir", libdir},   {"sharedir", sharedir}, {"catalog_version", catalog_version},
                            {"tools", std::move(t)}, {"toolset", toolset()}};
    }
    // Reads a layout; throws Failure(PGORCH_ERR_INVALID) naming a missing or bad field.
    static InstallLayout from_json(const json::value& v) {
        if (!v.is_object()) throw Failure(PGORCH_ERR_INVALID, "install layout is not a JSON object");
        const json::object& o = v.as_object();
        InstallLayout l;
        l.distro = get_string(o, "distro");
        l.version = get_string(o, "version");
        l.major = get_string(o, "major");
        l.server_version = get_string(o, "server_version");
        if (l.server_version == l.version) l.server_version.clear();
        l.edition = get_string(o, "edition");
        l.method = get_string(o, "method");
        l.bindir = get_string(o, "bindir");
        l.libdir = get_string(o, "libdir");
        l.sharedir = get_string(o, "sharedir");
        if (l.bindir.empty()) throw Failure(PGORCH_ERR_INVALID, "install layout has no \"bindir\"");
        if (l.version.empty()) throw Failure(PGORCH_ERR_INVALID, "install layout has no \"version\"");
        if (l.major.empty()) l.major = major_of(l.version);
        if (auto* p = o.if_contains("catalog_version")) {
            if (p->is_int64() || p->is_uint64()) l.catalog_version = static_cast<uint32_t>(p->to_number<uint64_t>());
            else if (p->is_string()) {
                try {
                    l.catalog_version = static_cast<uint32_t>(std::stoul(std::string(p->as_string())));
                } catch (...) {
                    throw Failure(PGORCH_ERR_INVALID, "install layout has a bad \"catalog_version\"");
                }
            }
        }
        l.tools = detail::strings_of(o, "tools");
        std::sort(l.tools.begin(), l.tools.end());
        return l;
    }
};

// What provision() gets, and what a plugin sends to the host's provision service (which then
// names the distro: "db_type"). {"version": "15.20", "edition": null, "package": [...],
// "options": {...}, "method": "deb"}; "method" only when the host's resolver chose one.
struct ProvisionRequest {
    std::string db_type;                // the provision service: the distro; "" in a distro's own input
    std::string version;                // exact: "15.20"
    std::string edition;                // distro-specific, "" when none (null in the JSON)
    std::vector<std::string> packages;  // the scenario's package files (absolute): "package"
    std::string method;                 // use only this method; "": the distro's own order
    json::object options;               // the distro's options, by declared type

    json::object to_json() const {
        json::array p;
        for (const auto& x : packages) p.emplace_back(x);
        json::object o;
        if (!db_type.empty()) o["db_type"] = db_type;
        o["version"] = version;
        o["edition"] = edition.empty() ? json::value(nullptr) : json::value(edition);
        o["package"] = std::move(p);
        o["options"] = options;
        if (!method.empty()) o["method"] = method;
        return o;
    }
    // Reads a request; "package" may be one string or a list. Throws Failure(PGORCH_ERR_INVALID)
    // when there is no version.
    static ProvisionRequest from_json(const json::object& o) {
        ProvisionRequest r;
        r.db_type = get_string(o, "db_type");
        r.version = get_string(o, "version");
        r.edition = get_string(o, "edition");
        if (auto* p = o.if_contains("package"); p && p->is_string() && !p->as_string().empty())
            r.packages.emplace_back(p->as_string());
        else r.packages = detail::strings_of(o, "package");
        r.method = get_string(o, "method");
        r.options = get_object(o, "options");
        if (r.version.empty()) throw Failure(PGORCH_ERR_INVALID, "no version given");
        return r;
    }
};

// What list_versions() gets: {"options": {...}, "major": "17"} ("major" optional: only that major).
struct ListVersionsRequest {
    std::string major;
    json::object options;

    json::object to_json() const {
        json::object o{{"options", options}};
        if (!major.empty()) o["major"] = major;
        return o;
    }
    // "major" may be a number (17) as well as a text.
    static ListVersionsRequest from_json(const json::object& o) {
        ListVersionsRequest r;
        r.options = get_object(o, "options");
        r.major = get_string(o, "major");
        if (auto* m = o.if_contains("major"); m && m->is_number()) r.major = std::to_string(m->to_number<int64_t>());
        return r;
    }
};

// What a distro's validate() gets: its options, and, once per version the scenario names (the host
// calls it before anything is resolved), that version as written ("15", "15.20"), the edition,
// the scenario's package files (absolute paths) and who names it ("step 2 (minor)"). The exec
// service is there, so a plugin may look into a package file. A validate() without "version"
// checks the options alone. It returns a DistroValidateResult.
struct DistroValidateRequest {
    json::object options;
    std::string version;   // as written: an exact version or a selector; "" for the options alone
    std::string edition;
    std::vector<std::string> packages{};  // "package"
    std::string role{};                   // for messages

    json::object to_json() const {
        json::object o{{"options", options}};
        if (!version.empty()) {
            json::array p;
            for (const auto& x : packages) p.emplace_back(x);
            o["version"] = version;
            o["edition"] = edition.empty() ? json::value(nullptr) : json::value(edition);
            o["package"] = std::move(p);
            o["role"] = role;
        }
        return o;
    }
    static DistroValidateRequest from_json(const json::object& o) {
        return {get_object(o, "options"), get_string(o, "version"), get_string(o, "edition"), detail::strings_of(o, "package"),
                get_string(o, "role")};
    }
};

// One version a method can provide on this machine now.
struct VersionOffer {
    std::string version;   // exact: "16.8"
    std::string method;    // "binaries"
    bool full = false;     // a full toolset (full_toolset()), else server only
    bool cached = false;   // already in the cache: provisioning costs nothing
    std::string cost;      // what provisioning takes when not cached: "download", "build" or "local"
    std::string edition{};  // the distro's edition ("se" of ttdb); "": one for every edition (pgdg)

    // The offer can serve a scenario's db_edition ("" when it names none).
    bool serves(std::string_view wanted) const { return edition.empty() || edition == wanted; }

    json::object to_json() const {
        json::object o{{"version", version}, {"method", method}, {"toolset", full ? "full" : "server"},
                       {"cached", cached}, {"cost", cached ? std::string("cached") : cost}};
        if (!edition.empty()) o["edition"] = edition;
        return o;
    }
    static VersionOffer from_json(const json::object& o) {
        VersionOffer v;
        v.edition = get_string(o, "edition");
        v.version = get_string(o, "version");
        v.method = get_string(o, "method");
        v.full = get_string(o, "toolset", "full") == "full";
        v.cached = detail::bool_of(o, "cached");
        v.cost = get_string(o, "cost");
        return v;
    }
};

// Why a method offers nothing (no network, no such suite ...).
struct MethodProblem {
    std::string method, reason;
};

// What list_versions() returns. Input: {"options": {...}, "major": "17" (optional: only that
// major)}. Output: {"offers": [VersionOffer...], "problems": [{"method","reason"}...],
// "versions": ["15.18", ...]} ("versions": the distinct exact versions, for hosts before
// contract 2).
struct VersionListing {
    std::vector<VersionOffer> offers;
    std::vector<MethodProblem> problems;

    json::object to_json() const {
        json::array o, p, v;
        std::vector<std::string> seen;
        for (const auto& x : offers) {
            o.emplace_back(x.to_json());
            if (std::find(seen.begin(), seen.end(), x.version) == seen.end()) seen.push_back(x.version);
        }
        std::sort(seen.begin(), seen.end(), [](const auto& a, const auto& b) { return compare_versions(a, b) < 0; });
        for (const auto& x : seen) v.emplace_back(x);
        for (const auto& x : problems) p.emplace_back(json::object{{"method", x.method}, {"reason", x.reason}});
        return json::object{{"offers", std::move(o)}, {"problems", std::move(p)}, {"versions", std::move(v)}};
    }
    // Reads a listing; a plugin of contract 1 returns only "versions": each becomes an offer of
    // method "" with a full toolset.
    static VersionListing from_json(const json::value& v) {
        VersionListing l;
        if (!v.is_object()) return l;
        const json::object& o = v.as_object();
        if (auto* a = o.if_contains("offers"); a && a->is_array()) {
            for (const auto& x : a->as_array())
                if (x.is_object()) l.offers.push_back(VersionOffer::from_json(x.as_object()));
        } else {
            for (const auto& s : detail::strings_of(o, "versions")) l.offers.push_back(VersionOffer{s, "", true, false, ""});
        }
        if (auto* a = o.if_contains("problems"); a && a->is_array())
            for (const auto& x : a->as_array())
                if (x.is_object())
                    l.problems.push_back({get_string(x.as_object(), "method"), get_string(x.as_object(), "reason")});
        return l;
    }
};

// One thing validate() found: which scenario field it is about ("db_version", "db_edition",
// "package"; the host points at that field's file:line:column), an error (the scenario does not
// run, exit 2) or a warning, the message (lowercase, no final period) and a hint (a sentence).
struct CheckProblem {
    std::string field;
    bool error = true;
    std::string message, hint;
};

// What a distro's validate() returns for one version: {"problems": [{"field", "severity": "error"|"warning",
// "message", "hint"}...]}. A malformed option is still a failed call (PGORCH_ERR_INVALID).
struct DistroValidateResult {
    std::vector<CheckProblem> problems;

    void error(std::string field, std::string message, std::string hint = {}) {
        problems.push_back({std::move(field), true, std::move(message), std::move(hint)});
    }
    void warning(std::string field, std::string message, std::string hint = {}) {
        problems.push_back({std::move(field), false, std::move(message), std::move(hint)});
    }
    json::object to_json() const {
        json::array a;
        for (const auto& p : problems)
            a.emplace_back(json::object{{"field", p.field}, {"severity", p.error ? "error" : "warning"},
                                        {"message", p.message}, {"hint", p.hint}});
        return json::object{{"problems", std::move(a)}};
    }
    static DistroValidateResult from_json(const json::value& v) {
        DistroValidateResult r;
        if (!v.is_object()) return r;
        if (auto* a = v.as_object().if_contains("problems"); a && a->is_array())
            for (const auto& x : a->as_array())
                if (x.is_object()) {
                    const json::object& o = x.as_object();
                    r.problems.push_back({get_string(o, "field"), get_string(o, "severity", "error") != "warning",
                                          get_string(o, "message"), get_string(o, "hint")});
                }
        return r;
    }
};

}  // namespace pgorch::sdk
