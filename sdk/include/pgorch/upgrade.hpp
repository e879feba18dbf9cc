// pgorch SDK: what upgrade steps that move the data into a new cluster share (pg_upgrade,
// pg_dumpall, and a vendor's own): initdb arguments compatible with the old cluster, pgorch's
// configuration carried over, vacuumdb --analyze-in-stages afterwards, the tools' log files saved
// as artifacts, and the options every such step declares. Everything goes through the host
// services, so the steps run unchanged on every runtime.
#pragma once

#include <pgorch/cluster.hpp>
#include <pgorch/exec.hpp>

#include <chrono>
#include <sstream>
#include <string>
#include <vector>

namespace pgorch::sdk {

// Option "initdb": extra initdb arguments for the new cluster.
inline constexpr pgorch_option opt_new_cluster_initdb = {
    sizeof(pgorch_option), "initdb", PGORCH_OPT_STRING, 0, "",
    "Extra initdb arguments for the new cluster, after the compatible ones pgorch reads from the old."};
// Option "analyze": vacuumdb --all --analyze-in-stages on the new cluster afterwards.
inline constexpr pgorch_option opt_analyze = {sizeof(pgorch_option), "analyze", PGORCH_OPT_BOOLEAN, 0, "false",
                                              "Run vacuumdb --all --analyze-in-stages on the new cluster afterwards."};

// initdb arguments that make a new cluster accept the old one's data: encoding, collation,
// ctype, locale provider (15+), data checksums, WAL segment size. Read from the running old cluster.
inline std::vector<std::string> compatible_initdb_args(const Context& ctx, const std::string& old_id) {
    std::vector<std::string> args;
    const auto row = first_row(ctx, old_id, "postgres",
                               "SELECT pg_encoding_to_char(encoding), datcollate, datctype FROM pg_database "
                               "WHERE datname = 'template0'");
    args.push_back("--encoding=" + row.at(0));
    args.push_back("--lc-collate=" + row.at(1));
    args.push_back("--lc-ctype=" + row.at(2));
    int major = std::stoi(sql_value(ctx, old_id, "SHOW server_version_num")) / 10000;
    if (major >= 15) {
        // 17 renamed daticulocale to datlocale and added the builtin provider.
        const auto p = first_row(ctx, old_id, "postgres",
                                 std::string("SELECT datlocprovider::text, ") + (major >= 17 ? "datlocale" : "daticulocale") +
                                     " FROM pg_database WHERE datname = 'template0'");
        if (p.at(0) == "i") {
            args.push_back("--locale-provider=icu");
            args.push_back("--icu-locale=" + p.at(1));
        } else if (p.at(0) == "b") {
            args.push_back("--locale-provider=builtin");
            args.push_back("--builtin-locale=" + p.at(1));
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
inline void carry_configuration(const Context& ctx, const std::string& from_datadir, const std::string& to_datadir) {
    const std::string script = "set -e; for f in \"$1\"/pgorch.d/*.conf; do [ -e \"$f\" ] || continue; "
                               "case \"$(basename \"$f\")\" in 90-pgorch.conf) ;; *) cp \"$f\" \"$2\"/pgorch.d/ ;; esac; done";
    ExecOptions how;
    how.log = true;
    ExecResult r = sh(ctx, script, {from_datadir, to_datadir}, how);
    if (!r.ok()) throw Failure(PGORCH_ERR_FAILED, "cannot copy the configuration to the new cluster: " + tail_lines(r.err));
}

// Saves a tool's output (stdout, then stderr after a separator) as an artifact; returns its
// name, "" when it could not be saved (a warning: a log never fails a step).
inline std::string save_output(const Context& ctx, const std::string& name, const ExecResult& r) {
    try {
        ctx.write_artifact(name, r.out + (r.err.empty() ? "" : "\n--- stderr ---\n" + r.err));
        return name;
    } catch (const Failure& f) {
        ctx.warn("cannot save \"" + name + "\": " + f.what());
        return {};
    }
}

// Copies the text files (*.log, *.txt) found under `dir` into the results as artifacts under
// `prefix`; returns the artifact names.
inline std::vector<std::string> collect_logs(const Context& ctx, const std::string& dir, const std::string& prefix) {
    std::vector<std::string> names;
    ExecOptions how;
    how.log = true;
    ExecResult list = run(ctx, {"find", dir, "-type", "f", "(", "-name", "*.log", "-o", "-name", "*.txt", ")"}, how);
    if (!list.ok()) return names;
    for (const std::string& path : split_lines(list.out)) {
        if (path.empty()) continue;
        ExecResult cat = run(ctx, {"cat", path}, how);
        if (!cat.ok()) continue;
        std::string rel = path.substr(dir.size());
        while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
        const std::string name = prefix + rel;
        try {
            ctx.write_artifact(name, cat.out);
            names.push_back(name);
        } catch (const Failure& f) {
            ctx.warn("cannot save log \"" + path + "\": " + f.what());
        }
    }
    return names;
}

// `vacuumdb --all --analyze-in-stages` on a new cluster (the optimizer statistics pg_upgrade and
// a restore do not carry over); its duration goes into metrics["analyze_ms"].
inline void analyze_in_stages(const Context& ctx, const ClusterInfo& c, const std::string& work_dir, double timeout_s,
                              json::object& metrics) {
    ctx.progress(0.9, "vacuumdb --analyze-in-stages");
    auto t = std::chrono::steady_clock::now();
    ExecOptions how;
    how.cwd = work_dir;
    how.timeout_s = timeout_s;
    how.log = true;
    ExecResult r = run(ctx, {c.bindir + "/vacuumdb", "--all", "--analyze-in-stages", "-h", c.socket_dir, "-p",
                             std::to_string(c.port), "-U", "postgres"},
                       how);
    metrics["analyze_ms"] = ms_since(t);
    if (!r.ok()) throw Failure(PGORCH_ERR_FAILED, "vacuumdb --analyze-in-stages failed:\n" + tail_lines(r.out + r.err));
}

}  // namespace pgorch::sdk
