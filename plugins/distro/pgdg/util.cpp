#include "util.hpp"

#include <algorithm>
#include <cctype>
#include <random>
#include <sstream>

namespace pgdg {

// One exec through the host.
ExecResult run(const Context& ctx, const std::vector<std::string>& argv, const std::string& cwd, double timeout_s,
               const std::string& as, const std::string& stdin_data) {
    json::array a;
    for (const auto& s : argv) a.emplace_back(s);
    json::object extra{{"as", as}, {"timeout_s", timeout_s}};
    if (!cwd.empty()) extra["cwd"] = cwd;
    if (!stdin_data.empty()) extra["stdin"] = stdin_data;
    return ctx.exec(a, extra);
}

ExecResult must(const Context& ctx, const std::vector<std::string>& argv, const std::string& what,
                const std::string& cwd, double timeout_s, int32_t code) {
    ExecResult r = run(ctx, argv, cwd, timeout_s);
    if (!r.ok())
        throw Failure(code, what + " failed (" + (r.timed_out ? std::string("timed out") : "exit " + std::to_string(r.exit_code)) +
                                "):" + tail(r.out + r.err, 15));
    return r;
}

bool exists(const Context& ctx, const std::string& path) { return run(ctx, {"test", "-e", path}, "/", 30).ok(); }

std::optional<std::string> read_file(const Context& ctx, const std::string& path) {
    ExecResult r = run(ctx, {"cat", path}, "/", 30);
    if (!r.ok()) return std::nullopt;
    return r.out;
}

void write_file(const Context& ctx, const std::string& path, const std::string& content, bool append) {
    std::vector<std::string> argv = {"tee"};
    if (append) argv.push_back("-a");
    argv.push_back(path);
    ExecResult r = run(ctx, argv, "/", 60, "invoker", content.empty() ? std::string("\n") : content);
    if (!r.ok()) throw Failure(PGORCH_ERR_ENVIRONMENT, "cannot write \"" + path + "\": " + r.err);
}

void make_dirs(const Context& ctx, const std::string& path) {
    must(ctx, {"mkdir", "-p", path}, "creating \"" + path + "\"", "/", 30);
}

void remove_all(const Context& ctx, const std::string& path) {
    try {
        run(ctx, {"rm", "-rf", path}, "/", 600);
    } catch (const Failure&) {
        // Refused once the run is cancelled: a stale staging folder is cleaned up later.
    }
}

std::vector<std::string> missing_commands(const Context& ctx, const std::vector<std::string>& names) {
    std::vector<std::string> argv = {"sh", "-c", "for c; do command -v \"$c\" >/dev/null || echo \"$c\"; done", "sh"};
    argv.insert(argv.end(), names.begin(), names.end());
    ExecResult r = run(ctx, argv, "/", 30);
    if (!r.ok()) return names;
    return split_lines(r.out);
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

std::string tail(const std::string& text, int n) {
    auto lines = split_lines(text);
    std::string out;
    for (size_t i = lines.size() > static_cast<size_t>(n) ? lines.size() - n : 0; i < lines.size(); ++i)
        out += "\n  " + lines[i];
    return out;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
    return out;
}

std::string random_suffix() {
    std::random_device rd;
    char buf[17];
    std::snprintf(buf, sizeof buf, "%08x%08x", rd(), rd());
    return buf;
}

std::string major_of(const std::string& version) {
    std::vector<std::string> parts;
    std::string cur;
    for (char c : version) {
        if (c == '.') {
            parts.push_back(cur);
            cur.clear();
        } else if (std::isdigit(static_cast<unsigned char>(c))) {
            cur += c;
        } else {
            throw Failure(PGORCH_ERR_INVALID, "version \"" + version + "\" is not a release number like 15.20");
        }
    }
    parts.push_back(cur);
    for (const auto& p : parts)
        if (p.empty()) throw Failure(PGORCH_ERR_INVALID, "version \"" + version + "\" is not a release number like 15.20");
    if (parts.size() < 2) throw Failure(PGORCH_ERR_INVALID, "version \"" + version + "\" needs a minor number, like 15.20");
    if (std::stoi(parts[0]) < 10) return parts[0] + "." + parts[1];
    return parts[0];
}

// "postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)" -> "15.20"
std::string binary_version(const Context& ctx, const std::string& bindir) {
    ExecResult r;
    try {
        r = run(ctx, {bindir + "/postgres", "--version"}, "/", 60);
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

uint32_t catalog_version(const Context& ctx, const std::string& bindir, const std::string& includedir_server) {
    if (!includedir_server.empty())
        if (auto h = read_file(ctx, includedir_server + "/catalog/catversion.h")) {
            auto pos = h->find("#define CATALOG_VERSION_NO");
            if (pos != std::string::npos) {
                std::istringstream in(h->substr(pos + 26));
                unsigned long v = 0;
                if (in >> v && v > 0) return static_cast<uint32_t>(v);
            }
        }
    // initdb refuses root: the throwaway cluster belongs to the service user.
    ExecResult tmp = run(ctx, {"mktemp", "-d", "-t", "pgorch-catver.XXXXXX"}, "/tmp", 30, "postgres");
    if (!tmp.ok()) throw Failure(PGORCH_ERR_ENVIRONMENT, "cannot create a temporary folder: " + tmp.err);
    std::string dir = tmp.out.substr(0, tmp.out.find('\n'));
    ExecResult init = run(ctx, {bindir + "/initdb", "-D", dir + "/data", "-U", "postgres", "-A", "trust", "--no-sync",
                                "-E", "UTF8", "--locale=C"},
                          "/tmp", 300, "postgres");
    // ControlFileData: system_identifier (8 bytes), pg_control_version (4), catalog_version_no (4).
    ExecResult od = init.ok() ? run(ctx, {"od", "-An", "-tu4", "-j12", "-N4", dir + "/data/global/pg_control"}, "/tmp", 60, "postgres")
                              : init;
    run(ctx, {"rm", "-rf", dir}, "/tmp", 120, "postgres");
    if (!init.ok()) throw Failure(PGORCH_ERR_FAILED, "initdb of " + bindir + " does not work:" + tail(init.out + init.err));
    std::istringstream in(od.out);
    unsigned long v = 0;
    if (od.ok() && in >> v && v > 0) return static_cast<uint32_t>(v);
    throw Failure(PGORCH_ERR_FAILED, "cannot read the catalog version from the pg_control of a cluster made by " + bindir +
                                         "/initdb:" + tail(od.out + od.err));
}

std::vector<std::string> string_list(const json::object& options, const char* key, const std::string& fallback) {
    std::vector<std::string> out;
    auto add_text = [&](const std::string& text) {
        std::string cur;
        for (char c : text + ",") {
            if (c == ',' || std::isspace(static_cast<unsigned char>(c))) {
                if (!cur.empty()) out.push_back(cur);
                cur.clear();
            } else cur += c;
        }
    };
    if (auto* v = options.if_contains(key)) {
        if (v->is_array()) {
            for (const auto& x : v->as_array())
                if (x.is_string()) out.emplace_back(x.as_string());
            return out;
        }
        if (v->is_string()) {
            add_text(std::string(v->as_string()));
            return out;
        }
    }
    add_text(fallback);
    return out;
}

std::vector<std::string> tools_in(const Context& ctx, const std::string& bindir) {
    ExecResult r = run(ctx, {"find", "-L", bindir, "-mindepth", "1", "-maxdepth", "1", "-type", "f", "-perm", "/111", "-printf", "%f\n"},
                       "/", 30);
    std::vector<std::string> t = r.ok() ? split_lines(r.out) : std::vector<std::string>{};
    std::sort(t.begin(), t.end());
    return t;
}

void set_tools(const Context& ctx, json::object& l) {
    auto parsed = pgorch::sdk::InstallLayout::from_json(l);
    parsed.tools = tools_in(ctx, parsed.bindir);
    l["tools"] = parsed.to_json()["tools"];
    l["toolset"] = parsed.toolset();
}

json::object layout(const Context& ctx, const std::string& version, const std::string& bindir, const std::string& libdir,
                    const std::string& sharedir, uint32_t catversion, const std::string& method) {
    pgorch::sdk::InstallLayout l;
    l.distro = "pgdg";
    l.version = version;
    l.major = major_of(version);
    l.method = method;
    l.bindir = bindir;
    l.libdir = libdir;
    l.sharedir = sharedir;
    l.catalog_version = catversion;
    l.tools = tools_in(ctx, bindir);
    return l.to_json();
}

std::optional<json::object> read_marker(const Context& ctx, const std::string& marker) {
    auto text = read_file(ctx, marker);
    if (!text) return std::nullopt;
    boost::system::error_code ec;
    json::value v = json::parse(*text, ec);
    if (ec || !v.is_object() || !v.as_object().contains("bindir")) return std::nullopt;
    json::object& l = v.as_object();
    if (!l.contains("tools")) set_tools(ctx, l);
    return l;
}

}  // namespace pgdg
