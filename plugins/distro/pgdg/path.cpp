// pgdg plugin, method `path`: existing installations, named by option `path` and the
// environment variable PGORCH_PGDG_PATH as a map of `VERSION=BINDIR` or bare `BINDIR` entries
// (a bare bindir's version is what its postgres reports), so a chain can use several.
#include "methods.hpp"

#include <cstdlib>
#include <functional>

namespace pgdg {

namespace {

// How to set the path map, for reasons.
std::string how_to_set(const std::string& version) {
    return "set PGORCH_PGDG_PATH=\"" + version + "=/path/to/bin\" or the scenario's args `pgdg: --path=" + version +
           "=/path/to/bin` (VERSION=BINDIR or BINDIR entries, colon or comma separated)";
}

// The layout of an existing bindir; pg_config (when there is one) says where lib and share are.
json::object path_layout(const Context& ctx, const Request& req, const std::string& bindir) {
    std::string key = std::to_string(std::hash<std::string>{}(bindir));
    std::string marker = req.cache_dir + "/pgdg/path/" + key + "-" + req.version + ".json";
    if (auto l = read_marker(ctx, marker))
        if (pgorch::sdk::get_string(*l, "bindir") == bindir) {
            set_tools(ctx, *l);  // the bindir is not pgorch's: its tools may have changed since
            return *l;
        }
    std::string parent = bindir.substr(0, bindir.rfind('/'));
    std::string libdir = parent + "/lib", sharedir = parent + "/share", inc;
    if (exists(ctx, parent + "/share/postgresql", invoker(30))) sharedir = parent + "/share/postgresql";
    // A server-only build (zonky's) has no pg_config.
    if (exists(ctx, bindir + "/pg_config", invoker(30))) {
        ExecResult pc = run(ctx, {bindir + "/pg_config", "--pkglibdir", "--sharedir", "--includedir-server"}, invoker(30));
        auto lines = split_lines(pc.out);
        if (pc.ok() && lines.size() == 3) {
            libdir = lines[0];
            sharedir = lines[1];
            inc = lines[2];
        }
    }
    json::object l = layout(ctx, req.version, bindir, libdir, sharedir, catalog_version(ctx, bindir, inc), "path");
    make_dirs(ctx, req.cache_dir + "/pgdg/path", invoker(30));
    write_file(ctx, marker, json::serialize(l), false, invoker(60));
    return l;
}

}  // namespace

std::vector<PathEntry> parse_path_map(const std::string& text, const std::string& where) {
    std::vector<PathEntry> out;
    std::string cur;
    auto add = [&]() {
        std::string e = cur;
        cur.clear();
        e.erase(0, e.find_first_not_of(" \t"));
        e.erase(e.find_last_not_of(" \t") + 1);
        if (e.empty()) return;
        PathEntry p;
        std::size_t eq = e.find('=');
        if (eq != std::string::npos) {
            p.version = e.substr(0, eq);
            e = e.substr(eq + 1);
            try {
                major_of(p.version);
            } catch (const Failure&) {
                throw Failure(PGORCH_ERR_INVALID, where + " entry \"" + p.version + "=" + e + "\": \"" + p.version +
                                                      "\" is not a release number like 16.8");
            }
        }
        while (e.size() > 1 && e.back() == '/') e.pop_back();
        if (e.empty() || e[0] != '/')
            throw Failure(PGORCH_ERR_INVALID, where + " entry \"" + (p.version.empty() ? "" : p.version + "=") + e +
                                                  "\" is not VERSION=BINDIR or BINDIR with an absolute BINDIR");
        p.bindir = e;
        out.push_back(p);
    };
    for (char c : text) {
        if (c == ':' || c == ',') add();
        else cur += c;
    }
    add();
    return out;
}

std::vector<PathEntry> path_entries(const json::object& options) {
    std::vector<PathEntry> out;
    for (const auto& item : option_list(options, "path", ""))
        for (auto& e : parse_path_map(item, "option \"path\"")) out.push_back(e);
    if (const char* env = std::getenv("PGORCH_PGDG_PATH"); env && *env)
        for (auto& e : parse_path_map(env, "PGORCH_PGDG_PATH")) out.push_back(e);
    return out;
}

Outcome provide_path(const Context& ctx, const Request& req) {
    auto entries = path_entries(req.options);
    if (entries.empty()) return Outcome::no("option \"path\" is not set, nor PGORCH_PGDG_PATH; " + how_to_set(req.version));
    std::vector<std::string> other;
    int32_t code = PGORCH_ERR_INVALID;
    for (const auto& e : entries) {
        if (!e.version.empty() && e.version != req.version) {
            other.push_back(e.version + " at \"" + e.bindir + "\"");
            continue;
        }
        std::string got = binary_version(ctx, e.bindir);
        if (got.empty()) {
            other.push_back("\"" + e.bindir + "/postgres\" does not run");
            code = PGORCH_ERR_ENVIRONMENT;
        } else if (got != req.version) {
            other.push_back("\"" + e.bindir + "\" has version " + got + ", not " + req.version);
        } else {
            return Outcome::ok(path_layout(ctx, req, e.bindir));
        }
    }
    return Outcome::no("no bindir of " + req.version + " in option \"path\" or PGORCH_PGDG_PATH (" + join(other, "; ") + "); " +
                           how_to_set(req.version),
                       code);
}

void list_path(const Context& ctx, const Request& req, Listing& out) {
    std::vector<std::string> seen;
    for (const auto& e : path_entries(req.options)) {
        if (!e.version.empty() && !req.major.empty() && major_of(e.version) != req.major) continue;
        std::string got = binary_version(ctx, e.bindir);
        if (got.empty()) {
            out.problems.push_back({"path", "\"" + e.bindir + "/postgres\" does not run"});
            continue;
        }
        if (!req.major.empty() && major_of(got) != req.major) continue;
        if (std::find(seen.begin(), seen.end(), got) != seen.end()) continue;
        seen.push_back(got);
        pgorch::sdk::InstallLayout probe;
        probe.tools = tools_in(ctx, e.bindir);
        out.offers.push_back({got, "path", !probe.tools.empty() && probe.full(), false, "local"});
    }
}

}  // namespace pgdg
