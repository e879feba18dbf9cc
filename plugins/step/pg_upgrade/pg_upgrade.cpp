// pg_upgrade: moves the cluster's data to the target version with pg_upgrade.
// A new cluster is initialized compatibly with the old one (encoding, collation, ctype, locale
// provider, data checksums, WAL segment size), pgorch's configuration is carried over,
// `pg_upgrade --check` runs against the live old server, which is then stopped for pg_upgrade itself with the step's
// `args.pg_upgrade` words. See README.md for the options and plugins/step/README.md for the
// input and output of every step plugin.
#include <pgorch/distro.hpp>
#include <pgorch/options.hpp>
#include <pgorch/step.hpp>
#include <pgorch/upgrade.hpp>

#include <algorithm>

namespace {

namespace sdk = pgorch::sdk;
namespace json = boost::json;
using sdk::ClusterInfo;
using sdk::cluster_op;
using sdk::ms_since;
using sdk::tail_lines;

// The transfer mode the words select (what the report calls the method's variant).
std::string transfer_mode(const std::vector<std::string>& words) {
    for (const auto& w : words) {
        if (w == "--link" || w == "-k") return "link";
        if (w == "--clone") return "clone";
        if (w == "--swap") return "swap";
        if (w == "--copy-file-range") return "copy-file-range";
    }
    return "copy";
}

// Saves pg_upgrade's console output and its log folders; returns the artifact names.
std::vector<std::string> save_logs(sdk::Context& ctx, const std::string& prefix, const std::string& name,
                                   const sdk::ExecResult& r, const std::string& new_datadir, const std::string& work_dir) {
    std::vector<std::string> logs;
    if (std::string saved = sdk::save_output(ctx, prefix + name, r); !saved.empty()) logs.push_back(saved);
    for (auto& l : sdk::collect_logs(ctx, new_datadir + "/pg_upgrade_output.d", prefix + "pg_upgrade_output.d/"))
        logs.push_back(l);
    for (auto& l : sdk::collect_logs(ctx, work_dir, prefix + "work/")) logs.push_back(l);
    return logs;
}

// After a failure: starts the old cluster again so that it stays usable; says whether it did.
std::string restart_old(sdk::Context& ctx, const std::string& old_id) {
    try {
        cluster_op(ctx, "start", old_id);
        return "the old cluster \"" + old_id + "\" was started again";
    } catch (const sdk::Failure& f) {
        return "the old cluster \"" + old_id + "\" does not start: " + f.what();
    }
}

// A borrowed pg_controldata (the host lends one to a server-only old side, of the same pg_control
// version) must read the old cluster without a warning: proven here on the cluster itself,
// before anything is changed.
void check_borrowed_controldata(sdk::Context& ctx, const ClusterInfo& old_c, const std::string& work_dir) {
    const json::object& borrowed = sdk::get_object(old_c.install, "borrowed");
    const std::string lender = sdk::get_string(borrowed, "pg_controldata");
    if (lender.empty()) return;
    auto r = sdk::run(ctx, {old_c.bindir + "/pg_controldata", old_c.datadir}, sdk::tool(work_dir, 60));
    const std::string out = r.out + r.err;
    if (!r.ok() || out.find("WARNING") != std::string::npos || out.find("Catalog version number:") == std::string::npos)
        throw sdk::Failure(PGORCH_ERR_ENVIRONMENT, "pg_controldata borrowed from " + lender +
                                                       " does not read the old cluster cleanly, nothing was upgraded:\n" +
                                                       tail_lines(out));
    ctx.info("pg_controldata borrowed from " + lender + " reads the old cluster cleanly");
}

json::value pg_upgrade_run(sdk::Context& ctx, const json::object& input) {
    const sdk::StepInput in = sdk::StepInput::from_json(input);
    in.require({"cluster", "to", "work_dir"});
    const json::object& options = in.options;
    const json::object& to = in.to;
    const std::string& old_id = in.cluster;
    const std::string new_id = in.new_cluster.empty() ? old_id + "-upgraded" : in.new_cluster;
    const std::string& work_dir = in.work_dir;
    const std::string prefix = in.artifact_prefix.empty() ? "steps/pg_upgrade/" : in.artifact_prefix;
    const std::vector<std::string> user_args = sdk::option_words(options, "pg_upgrade");
    const bool analyze = sdk::option_flag(options, "analyze");
    const double timeout = 3600;
    auto t_step = std::chrono::steady_clock::now();

    ClusterInfo old_c = cluster_op(ctx, "info", old_id);
    if (!old_c.running) old_c = cluster_op(ctx, "start", old_id);
    check_borrowed_controldata(ctx, old_c, work_dir);
    std::vector<std::string> initdb = sdk::compatible_initdb_args(ctx, old_id);
    // initdb 18 turns data checksums on by default, and pg_upgrade wants the old cluster's setting.
    const std::string new_version = sdk::get_string(to, "version");
    if (std::find(initdb.begin(), initdb.end(), "--data-checksums") == initdb.end() && !new_version.empty() &&
        sdk::compare_versions(sdk::major_of(new_version), "18") >= 0)
        initdb.push_back("--no-data-checksums");
    for (auto& w : sdk::option_words(options, "initdb")) initdb.push_back(w);
    ctx.progress(0.1, "initializing the new cluster");
    ClusterInfo new_c = cluster_op(ctx, "create", new_id, {{"install", to}, {"initdb_args", sdk::to_argv(initdb)}});
    sdk::carry_configuration(ctx, old_c.datadir, new_c.datadir);

    // pg_upgrade's own servers listen on a socket in the work folder (short enough) or in /tmp.
    std::string sock = work_dir.size() < 80 ? work_dir : std::string("/tmp");
    std::vector<std::string> base = {new_c.bindir + "/pg_upgrade", "-b", old_c.bindir, "-B", new_c.bindir,
                                     "-d", old_c.datadir, "-D", new_c.datadir,
                                     "-p", std::to_string(old_c.port), "-P", std::to_string(new_c.port),
                                     "-s", sock, "-U", "postgres"};
    json::object metrics{{"mode", transfer_mode(user_args)}};

    // --check against the live old server (pg_upgrade reads its port and socket from
    // postmaster.pid): the checks are not downtime, and a failed check leaves it serving.
    ctx.progress(0.2, "pg_upgrade --check (old server live)");
    std::vector<std::string> check = base;
    check.push_back("--check");
    check.insert(check.end(), user_args.begin(), user_args.end());
    auto t = std::chrono::steady_clock::now();
    auto rc = sdk::run(ctx, check, sdk::tool(work_dir, timeout));
    metrics["check_ms"] = ms_since(t);
    if (!rc.ok()) {
        auto logs = save_logs(ctx, prefix, "pg_upgrade-check.out", rc, new_c.datadir, work_dir);
        throw sdk::Failure(PGORCH_ERR_FAILED, "pg_upgrade --check failed (exit " + std::to_string(rc.exit_code) +
                                                  "), nothing was upgraded and the old cluster \"" + old_id +
                                                  "\" kept running; logs: " + std::to_string(logs.size()) +
                                                  " files under \"" + prefix + "\":\n" + tail_lines(rc.out + rc.err));
    }

    ctx.progress(0.4, "stopping the old cluster");
    auto t_down = std::chrono::steady_clock::now();
    cluster_op(ctx, "stop", old_id, {{"mode", "fast"}});
    metrics["stop_ms"] = ms_since(t_down);

    ctx.progress(0.5, "pg_upgrade");
    std::vector<std::string> run = base;
    run.insert(run.end(), user_args.begin(), user_args.end());
    t = std::chrono::steady_clock::now();
    auto ru = sdk::run(ctx, run, sdk::tool(work_dir, timeout));
    metrics["upgrade_ms"] = ms_since(t);
    std::vector<std::string> logs = save_logs(ctx, prefix, "pg_upgrade.out", ru, new_c.datadir, work_dir);
    if (!ru.ok()) {
        std::string old_state = restart_old(ctx, old_id);
        throw sdk::Failure(PGORCH_ERR_FAILED, "pg_upgrade failed (exit " + std::to_string(ru.exit_code) + "), " +
                                                  old_state + "; logs under \"" + prefix + "\":\n" +
                                                  tail_lines(ru.out + ru.err));
    }

    ctx.progress(0.8, "starting the new cluster");
    t = std::chrono::steady_clock::now();
    cluster_op(ctx, "start", new_id);
    metrics["start_ms"] = ms_since(t);
    metrics["downtime_ms"] = ms_since(t_down);

    // pg_upgrade writes update_extensions.sql into its working folder when extensions have updates.
    const std::string ext_sql = work_dir + "/update_extensions.sql";
    const bool updates_extensions = sdk::is_file(ctx, ext_sql, sdk::tool());
    if (updates_extensions) {
        t = std::chrono::steady_clock::now();
        auto re = sdk::run(ctx, {new_c.bindir + "/psql", "-X", "-v", "ON_ERROR_STOP=1", "-h", new_c.socket_dir, "-p",
                                 std::to_string(new_c.port), "-U", "postgres", "-d", "postgres", "-f", ext_sql},
                           sdk::tool(work_dir, timeout));
        metrics["update_extensions_ms"] = ms_since(t);
        if (!re.ok())
            throw sdk::Failure(PGORCH_ERR_FAILED, "update_extensions.sql failed on the new cluster:\n" + tail_lines(re.out + re.err));
    }
    if (analyze) sdk::analyze_in_stages(ctx, new_c, work_dir, timeout, metrics);
    metrics["duration_ms"] = ms_since(t_step);
    sdk::StepResult out;
    out.cluster = new_id;
    out.previous_cluster = old_id;
    out.metrics = std::move(metrics);
    out.logs = std::move(logs);
    out.initdb_args = std::move(initdb);
    if (updates_extensions) out.extensions_updated = "pg_upgrade's update_extensions.sql updates it to the installation's default version";
    return out.to_json();
}

const pgorch_option opt_args = {sizeof(pgorch_option), "pg_upgrade", PGORCH_OPT_STRING, 0, "",
                                "Extra pg_upgrade arguments, split into words: --link, --jobs 2, --clone ..."};
const pgorch_option* const options[] = {&opt_args, &sdk::opt_new_cluster_initdb, &sdk::opt_analyze, nullptr};

const pgorch_plugin_descriptor descriptor = {
    .struct_size = sizeof(pgorch_plugin_descriptor),
    .abi_major = PGORCH_ABI_MAJOR,
    .abi_minor = PGORCH_ABI_MINOR,
    .kind = PGORCH_KIND_STEP,
    .name = "pg_upgrade",
    .version = "1.0.0",
    .description = "Upgrades the cluster with pg_upgrade into a new compatible cluster, after pg_upgrade --check.",
    .options = options,
    .validate = nullptr,
    .run = sdk::callback<pg_upgrade_run>,
    .provision = nullptr,
    .list_versions = nullptr,
    // The old side: pg_upgrade reads a stopped old cluster's control data with its pg_resetwal -n.
    .requirements = R"({"from": {"own": ["postgres", "pg_ctl"], "any": ["pg_controldata", "pg_resetwal"]},)"
                    R"( "to": {"own": ["initdb", "pg_ctl", "postgres", "pg_upgrade", "pg_dump", "pg_dumpall", "pg_restore",)"
                    R"( "psql", "pg_resetwal", "vacuumdb"]}, "versions": "not_lower"})",
};

}  // namespace

PGORCH_DEFINE_PLUGIN(descriptor)
