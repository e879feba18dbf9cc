// pg_dumpall: dump and restore into a new cluster of the target version. The dump is taken with
// the NEW version's pg_dumpall (an older pg_dumpall refuses a newer server), against the old
// server while it runs; it is restored with psql -X -v ON_ERROR_STOP=1 into a new cluster
// initialized compatibly with the old one. Options in README.md; the step contract in
// plugins/step/README.md.
#include <pgorch/options.hpp>
#include <pgorch/step.hpp>
#include <pgorch/upgrade.hpp>

namespace {

namespace sdk = pgorch::sdk;
namespace json = boost::json;
using sdk::ClusterInfo;
using sdk::cluster_op;
using sdk::ms_since;
using sdk::option_flag;
using sdk::option_words;
using sdk::save_output;
using sdk::tail_lines;

json::value pg_dumpall_run(sdk::Context& ctx, const json::object& input) {
    sdk::StepInput in = sdk::StepInput::from_json(input);
    in.require({"cluster", "to", "work_dir"});
    if (in.new_cluster.empty()) in.new_cluster = in.cluster + "-restored";
    if (in.artifact_prefix.empty()) in.artifact_prefix = "steps/pg_dumpall/";
    const double timeout = 3600;
    auto t_step = std::chrono::steady_clock::now();

    ClusterInfo old_c = cluster_op(ctx, "info", in.cluster);
    if (!old_c.running) old_c = cluster_op(ctx, "start", in.cluster);
    std::vector<std::string> initdb = sdk::compatible_initdb_args(ctx, in.cluster);
    for (auto& w : option_words(in.options, "initdb")) initdb.push_back(w);
    ctx.progress(0.1, "initializing the new cluster");
    ClusterInfo new_c = cluster_op(ctx, "create", in.new_cluster, {{"install", in.to}, {"initdb_args", sdk::to_argv(initdb)}});
    sdk::carry_configuration(ctx, old_c.datadir, new_c.datadir);
    new_c = cluster_op(ctx, "start", in.new_cluster);
    json::object metrics;
    std::vector<std::string> logs;

    // From here on, writes to the old server would be lost: this is the downtime.
    ctx.progress(0.3, "pg_dumpall");
    const std::string dump = in.work_dir + "/dumpall.sql";
    std::vector<std::string> dump_cmd = {new_c.bindir + "/pg_dumpall", "-h", old_c.socket_dir, "-p",
                                         std::to_string(old_c.port), "-U", "postgres", "-f", dump};
    for (auto& w : option_words(in.options, "pg_dumpall")) dump_cmd.push_back(w);
    auto t_down = std::chrono::steady_clock::now();
    auto rd = sdk::run(ctx, dump_cmd, sdk::tool(in.work_dir, timeout));
    metrics["dump_ms"] = ms_since(t_down);
    if (!rd.ok()) {
        if (auto n = save_output(ctx, in.artifact_prefix + "pg_dumpall.out", rd); !n.empty()) logs.emplace_back(n);
        std::string full = sdk::out_of_space(ctx, in.work_dir, rd, sdk::tool());
        throw sdk::Failure(PGORCH_ERR_FAILED, "pg_dumpall failed (exit " + std::to_string(rd.exit_code) + ")" +
                                                  (full.empty() ? "" : ": " + full) +
                                                  ", the old cluster is untouched:\n" + tail_lines(rd.out + rd.err));
    }
    long long size = sdk::file_size(ctx, dump, sdk::tool());
    metrics["dump_bytes"] = size;
    // The bootstrap superuser exists in every new cluster: its CREATE ROLE is the one error a
    // restore of pg_dumpall's output always hits, so that line goes (its ALTER ROLE stays).
    auto rf = sdk::run(ctx, {"sed", "-i", "/^CREATE ROLE postgres;$/d", dump}, sdk::tool(in.work_dir));
    if (!rf.ok()) throw sdk::Failure(PGORCH_ERR_FAILED, "cannot edit the dump: " + tail_lines(rf.err));

    ctx.progress(0.6, "restoring with psql");
    std::vector<std::string> restore = {new_c.bindir + "/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h",
                                        new_c.socket_dir, "-p", std::to_string(new_c.port), "-U", "postgres",
                                        "-d", "postgres", "-o", "/dev/null", "-f", dump};
    for (auto& w : option_words(in.options, "psql")) restore.push_back(w);
    auto t = std::chrono::steady_clock::now();
    auto rr = sdk::run(ctx, restore, sdk::tool(in.work_dir, timeout));
    metrics["restore_ms"] = ms_since(t);
    if (auto n = save_output(ctx, in.artifact_prefix + "restore.out", rr); !n.empty()) logs.emplace_back(n);
    if (!rr.ok()) {
        std::string full = sdk::out_of_space(ctx, new_c.datadir, rr, sdk::tool());
        throw sdk::Failure(PGORCH_ERR_FAILED, "restore of the dump failed (exit " + std::to_string(rr.exit_code) + ")" +
                                                  (full.empty() ? "" : ": " + full) +
                                                  ", the old cluster \"" + in.cluster + "\" still runs:\n" +
                                                  tail_lines(rr.out + rr.err));
    }
    metrics["downtime_ms"] = ms_since(t_down);

    if (option_flag(in.options, "analyze")) sdk::analyze_in_stages(ctx, new_c, in.work_dir, timeout, metrics);
    cluster_op(ctx, "stop", in.cluster, {{"mode", "fast"}});
    if (!option_flag(in.options, "keep_dump")) sdk::run(ctx, {"rm", "-f", dump}, sdk::tool(in.work_dir));
    metrics["duration_ms"] = ms_since(t_step);
    sdk::StepResult out;
    out.cluster = in.new_cluster;
    out.previous_cluster = in.cluster;
    out.metrics = std::move(metrics);
    out.logs = std::move(logs);
    out.initdb_args = std::move(initdb);
    out.extensions_updated = "the restore creates it at the installation's default version";
    return out.to_json();
}

const pgorch_option opt_dump = {sizeof(pgorch_option), "pg_dumpall", PGORCH_OPT_STRING, 0, "",
                                "Extra pg_dumpall arguments, split into words (e.g. --no-comments)."};
const pgorch_option opt_psql = {sizeof(pgorch_option), "psql", PGORCH_OPT_STRING, 0, "",
                                "Extra psql arguments for the restore, split into words."};
const pgorch_option opt_keep = {sizeof(pgorch_option), "keep_dump", PGORCH_OPT_BOOLEAN, 0, "false",
                                "Keep dumpall.sql in the step's work folder instead of deleting it."};
const pgorch_option* const options[] = {&opt_dump, &opt_psql, &sdk::opt_new_cluster_initdb, &sdk::opt_analyze, &opt_keep, nullptr};

const pgorch_plugin_descriptor descriptor = {
    .struct_size = sizeof(pgorch_plugin_descriptor),
    .abi_major = PGORCH_ABI_MAJOR,
    .abi_minor = PGORCH_ABI_MINOR,
    .kind = PGORCH_KIND_STEP,
    .name = "pg_dumpall",
    .version = "1.0.0",
    .description = "Dumps the cluster with the target version's pg_dumpall and restores it into a new cluster with psql.",
    .options = options,
    .validate = nullptr,
    .run = sdk::callback<pg_dumpall_run>,
    .provision = nullptr,
    .list_versions = nullptr,
    .requirements = R"({"to": {"own": ["initdb", "pg_ctl", "postgres", "pg_dumpall", "psql", "vacuumdb"]},)"
                    R"( "versions": "not_lower_major"})",
};

}  // namespace

PGORCH_DEFINE_PLUGIN(descriptor)
