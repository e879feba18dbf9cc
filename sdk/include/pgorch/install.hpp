// pgorch SDK: what a distro plugin needs to describe an installation it provides, over the exec
// service: the executables in its bindir, the exact version its postgres reports, its catalog
// version, and the marker file that makes a cached installation usable (the layout as JSON,
// written last, so a half-made installation is never taken for a finished one).
#pragma once

#include <pgorch/distro.hpp>
#include <pgorch/exec.hpp>

#include <algorithm>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace pgorch::sdk {

// The marker's file name inside an installation folder of the cache.
inline constexpr const char* kInstallMarker = ".pgorch-install.json";

// The executables in bindir, sorted (a layout's "tools"); empty when bindir cannot be listed.
inline std::vector<std::string> tools_in(const Context& ctx, const std::string& bindir, const ExecOptions& how = invoker(30)) {
    ExecResult r = run(ctx, {"find", "-L", bindir, "-mindepth", "1", "-maxdepth", "1", "-type", "f", "-perm", "/111", "-printf", "%f\n"},
                       how);
    std::vector<std::string> t = r.ok() ? split_lines(r.out) : std::vector<std::string>{};
    std::sort(t.begin(), t.end());
    return t;
}

// The exact version `<bindir>/postgres --version` reports ("postgres (PostgreSQL) 15.20 (Debian
// 15.20-0+deb12u1)" -> "15.20"); "" when it is missing or does not run.
inline std::string binary_version(const Context& ctx, const std::string& bindir, const ExecOptions& how = invoker(60)) {
    ExecResult r;
    try {
        r = run(ctx, {bindir + "/postgres", "--version"}, how);
    } catch (const Failure& f) {
        if (f.code() == PGORCH_ERR_CANCELLED) throw;
        return {};  // no such file: the runtime refuses the command
    }
    if (!r.ok()) return {};
    std::istringstream in(r.out);
    std::string a, b, v;
    in >> a >> b >> v;
    return v;
}

// CATALOG_VERSION_NO: from catversion.h under includedir_server when present, else the uint32
// at byte 12 of global/pg_control of a throwaway cluster initialized once as the service user
// (server-only builds have no pg_controldata; initdb refuses root).
inline uint32_t catalog_version(const Context& ctx, const std::string& bindir, const std::string& includedir_server) {
    if (!includedir_server.empty())
        if (auto h = read_file(ctx, includedir_server + "/catalog/catversion.h", invoker(30))) {
            auto pos = h->find("#define CATALOG_VERSION_NO");
            if (pos != std::string::npos) {
                std::istringstream in(h->substr(pos + 26));
                unsigned long v = 0;
                if (in >> v && v > 0) return static_cast<uint32_t>(v);
            }
        }
    ExecOptions pg;
    pg.cwd = "/tmp";
    pg.timeout_s = 300;
    ExecResult tmp = run(ctx, {"mktemp", "-d", "-t", "pgorch-catver.XXXXXX"}, pg);
    if (!tmp.ok()) throw Failure(PGORCH_ERR_ENVIRONMENT, "cannot create a temporary folder: " + tmp.err);
    const std::string dir = tmp.out.substr(0, tmp.out.find('\n'));
    ExecResult init = run(ctx, {bindir + "/initdb", "-D", dir + "/data", "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8",
                                "--locale=C"},
                          pg);
    // ControlFileData: system_identifier (8 bytes), pg_control_version (4), catalog_version_no (4).
    ExecResult od = init.ok() ? run(ctx, {"od", "-An", "-tu4", "-j12", "-N4", dir + "/data/global/pg_control"}, pg) : init;
    run(ctx, {"rm", "-rf", dir}, pg);
    if (!init.ok()) throw Failure(PGORCH_ERR_FAILED, "initdb of " + bindir + " does not work:" + indented_tail(init.out + init.err, 20));
    std::istringstream in(od.out);
    unsigned long v = 0;
    if (od.ok() && in >> v && v > 0) return static_cast<uint32_t>(v);
    throw Failure(PGORCH_ERR_FAILED, "cannot read the catalog version from the pg_control of a cluster made by " + bindir +
                                         "/initdb:" + indented_tail(od.out + od.err, 20));
}

// Sets a layout's "tools" and "toolset" from what its bindir holds now.
inline void set_tools(const Context& ctx, json::object& layout) {
    InstallLayout parsed = InstallLayout::from_json(layout);
    parsed.tools = tools_in(ctx, parsed.bindir);
    json::object fresh = parsed.to_json();
    layout["tools"] = fresh["tools"];
    layout["toolset"] = fresh["toolset"];
}

// The install layout recorded in a marker, when the marker exists and parses. A marker written
// before layouts had "tools" gets them from its bindir.
inline std::optional<json::object> read_marker(const Context& ctx, const std::string& marker, const ExecOptions& how = invoker(30)) {
    auto text = read_file(ctx, marker, how);
    if (!text) return std::nullopt;
    boost::system::error_code ec;
    json::value v = json::parse(*text, ec);
    if (ec || !v.is_object() || !v.as_object().contains("bindir")) return std::nullopt;
    json::object& l = v.as_object();
    if (!l.contains("tools")) set_tools(ctx, l);
    return l;
}

// Writes the marker of a finished installation (last, after everything else is in place).
inline void write_marker(const Context& ctx, const std::string& marker, const json::object& layout,
                         const ExecOptions& how = invoker(60)) {
    write_file(ctx, marker, json::serialize(layout), false, how);
}

}  // namespace pgorch::sdk
