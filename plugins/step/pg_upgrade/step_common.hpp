// Helpers shared by the upgrade step plugins (pg_upgrade, pg_dumpall, minor): reading the step
// input, word splitting of `args:` strings, timing, running tools as the service user, creating a
// new cluster compatible with an old one and carrying pgorch's configuration over.
// Everything goes through the host services (sdk::Context): no direct file or process access,
// so the steps run unchanged on the local and the docker runtime. Header-only: each plugin is one
// shared object.
#pragma once

#include <pgorch/plugin.hpp>

#include <chrono>
#include <sstream>
#include <string>
#include <vector>

namespace pgorch::steps {

namespace sdk = pgorch::sdk;
namespace json = boost::json;

// A cluster as the "cluster" service describes it.
struct ClusterInfo {
    std::string id, datadir, socket_dir, version, bindir;
    int port = 0;
    json::object install;
    bool running = false;
};

inline ClusterInfo to_info(const json::value& v) {
    const json::object& o = v.as_object();
    ClusterInfo c;
    c.id = sdk::get_string(o, "id");
    c.datadir = sdk::get_string(o, "datadir");
    c.socket_dir = sdk::get_string(o, "socket_dir");
    c.version = sdk::get_string(o, "version");
    if (auto* p = o.if_contains("port"); p && p->is_number()) c.port = static_cast<int>(p->to_number<int64_t>());
    if (auto* r = o.if_contains("running"); r && r->is_bool()) c.running = r->as_bool();
    c.install = sdk::get_object(o, "install");
    c.bindir = sdk::get_string(c.install, "bindir");
    return c;
}

// One call of the "cluster" service.
inline ClusterInfo cluster_op(sdk::Context& ctx, const std::string& op, const std::string& id, json::object extra = {}) {
    extra["op"] = op;
    extra["cluster"] = id;
    return to_info(ctx.cluster(extra));
}

// Milliseconds since `t0`.
inline double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// POSIX-shell-like word splitting without expansion ('single', "double" quotes, backslash).
inline std::vector<std::string> split_words(const std::string& text) {
    std::vector<std::string> out;
    std::string cur;
    bool in_word = false;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\'' ) {
            size_t end = text.find('\'', i + 1);
            if (end == std::string::npos) throw sdk::Failure(PGORCH_ERR_INVALID, "unterminated quote in \"" + text + "\"");
            cur += text.substr(i + 1, end - i - 1);
            i = end;
            in_word = true;
        } else if (c == '"') {
            size_t j = i + 1;
            for (; j < text.size() && text[j] != '"'; ++j) {
                if (text[j] == '\\' && j + 1 < text.size() && std::string("\\\"$`").find(text[j + 1]) != std::string::npos) ++j;
                cur += text[j];
            }
            if (j >= text.size()) throw sdk::Failure(PGORCH_ERR_INVALID, "unterminated quote in \"" + text + "\"");
            i = j;
            in_word = true;
        } else if (c == '\\' && i + 1 < text.size()) {
            cur += text[++i];
            in_word = true;
        } else if (c == ' ' || c == '\t' || c == '\n') {
            if (in_word) out.push_back(cur);
            cur.clear();
            in_word = false;
        } else {
            cur += c;
            in_word = true;
        }
    }
    if (in_word) out.push_back(cur);
    return out;
}

// An option's words: a string is split, a list is taken as it is.
inline std::vector<std::string> option_words(const json::object& options, std::string_view key) {
    const json::value* v = options.if_contains(key);
    if (!v) return {};
    if (v->is_string()) return split_words(std::string(v->as_string()));
    std::vector<std::string> out;
    if (v->is_array())
        for (const auto& x : v->as_array())
            if (x.is_string()) out.emplace_back(x.as_string());
    return out;
}

// An option as text: a string as it is, a number written out; `fallback` when absent or null.
inline std::string option_text(const json::object& options, std::string_view key, const std::string& fallback = {}) {
    const json::value* v = options.if_contains(key);
    if (!v || v->is_null()) return fallback;
    if (v->is_string()) return std::string(v->as_string());
    if (v->is_int64()) return std::to_string(v->as_int64());
    if (v->is_double()) return std::to_string(v->as_double());
    return fallback;
}

// A boolean option given as true/false or "true"/"false"/"yes"/"no"/"on"/"off"/"1"/"0".
inline bool option_flag(const json::object& options, std::string_view key, bool fallback = false) {
    const json::value* v = options.if_contains(key);
    if (!v || v->is_null()) return fallback;
    if (v->is_bool()) return v->as_bool();
    if (v->is_string()) {
        std::string s(v->as_string());
        if (s == "true" || s == "yes" || s == "on" || s == "1") return true;
        if (s == "false" || s == "no" || s == "off" || s == "0" || s.empty()) return false;
    }
    throw sdk::Failure(PGORCH_ERR_INVALID, "option \"" + std::string(key) + "\" must be a boolean");
}

inline json::array to_argv(const std::vector<std::string>& words) {
    json::array a;
    for (const auto& w : words) a.emplace_back(w);
    return a;
}

// Runs a tool as the service user in `cwd`; logs a one-line summary.
inline sdk::ExecResult run_tool(sdk::Context& ctx, const std::vector<std::string>& argv, const std::string& cwd,
                                double timeout_s = 0, const json::object& env = {}) {
    json::object extra{{"as", "postgres"}};
    if (!cwd.empty()) extra["cwd"] = cwd;
    if (timeout_s > 0) extra["timeout_s"] = timeout_s;
    if (!env.empty()) extra["env"] = env;
    std::string line;
    for (const auto& w : argv) line += (line.empty() ? "" : " ") + w;
    ctx.info("running " + line);
    return ctx.exec(to_argv(argv), extra);
}

// The last `n` lines of a text, for error messages.
inline std::string tail_lines(const std::string& text, int n = 15) {
    size_t pos = text.size();
    for (int i = 0; i <= n && pos != std::string::npos && pos > 0; ++i) pos = text.rfind('\n', pos - 1);
    std::string t = pos == std::string::npos ? text : text.substr(pos + 1);
    while (!t.empty() && t.back() == '\n') t.pop_back();
    return t;
}

// When a tool failed because a disk is full: which device, mounted where, with how much left
// (df -P on `dir`), as a clause for the error message; "" when the output says nothing of it.
inline std::string out_of_space(sdk::Context& ctx, const std::string& dir, const sdk::ExecResult& r) {
    if ((r.out + r.err).find("No space left on device") == std::string::npos) return {};
    auto df = run_tool(ctx, {"df", "-P", "-k", dir}, "");
    std::istringstream in(df.out);
    std::string header, device, blocks, used, avail, capacity, mount;
    std::getline(in, header);
    in >> device >> blocks >> used >> avail >> capacity >> mount;
    if (mount.empty()) return "no space left on the device of \"" + dir + "\"";
    long long free_kb = 0;
    try { free_kb = std::stoll(avail); } catch (const std::exception&) {}
    return "no space left on device \"" + device + "\" mounted at \"" + mount + "\" (" +
           std::to_string(free_kb / 1024) + " MB free of " + std::to_string(std::stoll(blocks) / 1024) + " MB)";
}

// Options both steps that create a new cluster declare (pg_upgrade, pg_dumpall).
inline const pgorch_option opt_new_cluster_initdb = {
    sizeof(pgorch_option), "initdb", PGORCH_OPT_STRING, 0, "",
    "Extra initdb arguments for the new cluster, after the compatible ones pgorch reads from the old."};
inline const pgorch_option opt_analyze = {sizeof(pgorch_option), "analyze", PGORCH_OPT_BOOLEAN, 0, "false",
                                          "Run vacuumdb --all --analyze-in-stages on the new cluster afterwards."};

// `vacuumdb --all --analyze-in-stages` on a new cluster (the optimizer statistics pg_upgrade and a
// restore do not carry over); its duration goes into metrics["analyze_ms"].
inline void analyze_in_stages(sdk::Context& ctx, const ClusterInfo& c, const std::string& work_dir, double timeout,
                              json::object& metrics) {
    ctx.progress(0.9, "vacuumdb --analyze-in-stages");
    auto t = std::chrono::steady_clock::now();
    auto r = run_tool(ctx, {c.bindir + "/vacuumdb", "--all", "--analyze-in-stages", "-h", c.socket_dir, "-p",
                            std::to_string(c.port), "-U", "postgres"},
                      work_dir, timeout);
    metrics["analyze_ms"] = ms_since(t);
    if (!r.ok())
        throw sdk::Failure(PGORCH_ERR_FAILED, "vacuumdb --analyze-in-stages failed:\n" + tail_lines(r.out + r.err));
}
// A single value of a query on a cluster ("" when NULL or no row).
inline std::string sql_value(sdk::Context& ctx, const std::string& cluster, const std::string& query,
                             const std::string& db = "postgres") {
    json::object r = ctx.sql(cluster, db, query);
    const json::array& rows = r.at("rows").as_array();
    if (rows.empty() || rows[0].as_array().empty() || rows[0].as_array()[0].is_null()) return {};
    return std::string(rows[0].as_array()[0].as_string());
}

// initdb arguments that make a new cluster accept the old one's data: encoding, collation,
// ctype, locale provider (15+), data checksums, WAL segment size. Read from the running old cluster.
inline std::vector<std::string> compatible_initdb_args(sdk::Context& ctx, const std::string& old_id) {
    std::vector<std::string> args;
    json::object r = ctx.sql(old_id, "postgres",
                             "SELECT pg_encoding_to_char(encoding), datcollate, datctype FROM pg_database "
                             "WHERE datname = 'template0'");
    const json::array& row = r.at("rows").as_array().at(0).as_array();
    args.push_back("--encoding=" + std::string(row[0].as_string()));
    args.push_back("--lc-collate=" + std::string(row[1].as_string()));
    args.push_back("--lc-ctype=" + std::string(row[2].as_string()));
    int major = std::stoi(sql_value(ctx, old_id, "SHOW server_version_num")) / 10000;
    if (major >= 15) {
        json::object p = ctx.sql(old_id, "postgres",
                                 "SELECT datlocprovider::text, daticulocale FROM pg_database WHERE datname = 'template0'");
        const json::array& pr = p.at("rows").as_array().at(0).as_array();
        if (pr[0].as_string() == "i") {
            args.push_back("--locale-provider=icu");
            args.push_back("--icu-locale=" + std::string(pr[1].as_string()));
        }
    }
    if (sql_value(ctx, old_id, "SHOW data_checksums") == "on") args.push_back("--data-checksums");
    // wal_segment_size is shown with a unit ("16MB"); initdb wants megabytes.
    std::string seg = sql_value(ctx, old_id, "SELECT setting::bigint * 8192 / 1048576 FROM pg_settings "
                                              "WHERE name = 'wal_segment_size' AND unit = '8kB' "
                                              "UNION ALL SELECT setting::bigint / 1048576 FROM pg_settings "
                                              "WHERE name = 'wal_segment_size' AND unit = 'B'");
    if (!seg.empty() && seg != "16") args.push_back("--wal-segsize=" + seg);
    return args;
}

// Copies the configuration pgorch manages (pgorch.d/*.conf but 90-pgorch.conf, which holds the
// port and socket of each cluster) from one data folder to another.
inline void carry_configuration(sdk::Context& ctx, const std::string& from_datadir, const std::string& to_datadir) {
    std::string script = "set -e; for f in \"$1\"/pgorch.d/*.conf; do [ -e \"$f\" ] || continue; "
                         "case \"$(basename \"$f\")\" in 90-pgorch.conf) ;; *) cp \"$f\" \"$2\"/pgorch.d/ ;; esac; done";
    auto r = run_tool(ctx, {"sh", "-c", script, "carry", from_datadir, to_datadir}, "");
    if (!r.ok())
        throw sdk::Failure(PGORCH_ERR_FAILED, "cannot copy the configuration to the new cluster: " + tail_lines(r.err));
}

// Copies the text files (*.log, *.txt) found under `dir` into the results as artifacts under
// `prefix`; returns the artifact names.
inline std::vector<std::string> collect_logs(sdk::Context& ctx, const std::string& dir, const std::string& prefix) {
    std::vector<std::string> names;
    auto list = run_tool(ctx, {"find", dir, "-type", "f", "(", "-name", "*.log", "-o", "-name", "*.txt", ")"}, "");
    if (!list.ok()) return names;
    std::istringstream in(list.out);
    for (std::string path; std::getline(in, path);) {
        if (path.empty()) continue;
        auto cat = run_tool(ctx, {"cat", path}, "");
        if (!cat.ok()) continue;
        std::string rel = path.substr(dir.size());
        while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
        std::string name = prefix + rel;
        try {
            ctx.write_artifact(name, cat.out);
            names.push_back(name);
        } catch (const sdk::Failure& f) {
            ctx.warn("cannot save log \"" + path + "\": " + f.what());
        }
    }
    return names;
}

// Size of a file in bytes (-1 when unknown).
inline long long file_size(sdk::Context& ctx, const std::string& path) {
    auto r = run_tool(ctx, {"stat", "-c", "%s", path}, "");
    if (!r.ok()) return -1;
    try {
        return std::stoll(r.out);
    } catch (...) {
        return -1;
    }
}

// True when `path` is a regular file in the target environment.
inline bool file_exists(sdk::Context& ctx, const std::string& path) {
    return run_tool(ctx, {"test", "-f", path}, "").ok();
}

}  // namespace pgorch::steps
