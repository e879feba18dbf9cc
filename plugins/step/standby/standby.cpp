// standby: a streaming replica of the step's cluster in an upgrade chain (mode create:
// pg_basebackup, adopt, start, catch-up) and the proof that it follows its primary (mode sync:
// catch-up, recovery, catalog digests of every database). Options in README.md; the step
// contract in plugins/step/README.md.
#include "standby.hpp"

#include <chrono>

namespace standby {

using sdk::ClusterInfo;
using sdk::cluster_op;
using sdk::ms_since;
using sdk::option_text;
using sdk::tail_lines;

namespace {

// The slot name: every character outside [a-z0-9_] becomes "_".
std::string slot_of(const std::string& name) {
    std::string s = name;
    for (char& c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) c = '_';
    return s;
}

// The primary allows a streaming replica with a slot; says what to change when it does not.
void check_primary_settings(Job& job) {
    auto s = sdk::first_row(*job.ctx, job.primary, "postgres",
                  "SELECT current_setting('wal_level'), current_setting('max_wal_senders'), "
                  "current_setting('max_replication_slots')");
    std::string fix;
    if (s.at(0) == "minimal") fix = "wal_level is minimal; set wal_level = replica";
    else if (s.at(1) == "0") fix = "max_wal_senders is 0; set max_wal_senders = 10";
    else if (s.at(2) == "0") fix = "max_replication_slots is 0; set max_replication_slots = 10";
    if (!fix.empty())
        throw sdk::Failure(PGORCH_ERR_INVALID, "primary \"" + job.primary + "\" does not allow a streaming replica: " + fix +
                                                   " in the scenario's configuration (a restart is needed)");
    job.note("primary \"" + job.primary + "\": wal_level " + s[0] + ", max_wal_senders " + s[1] +
             ", max_replication_slots " + s[2]);
}

// Drops the slot pg_basebackup -C may have left on the primary (best effort).
void drop_slot(Job& job) {
    try {
        job.ctx->sql(job.primary, "postgres",
                     "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + job.slot +
                         "' AND NOT active");
    } catch (const sdk::Failure& f) {
        job.note(std::string("cannot drop slot \"") + job.slot + "\": " + f.what());
    }
}

// Reads the input into a Job and runs the mode.
json::value standby_run(sdk::Context& ctx, const json::object& input) {
    const json::object& options = sdk::get_object(input, "options");
    Job job;
    job.ctx = &ctx;
    job.mode = option_text(options, "mode", "create");
    if (job.mode != "create" && job.mode != "sync")
        throw sdk::Failure(PGORCH_ERR_INVALID, "option \"mode\" must be create or sync, not \"" + job.mode + "\"");
    job.name = option_text(options, "name", "standby1");
    if (!sdk::valid_cluster_id(job.name))
        throw sdk::Failure(PGORCH_ERR_INVALID, "option \"name\" (\"" + job.name +
                                                   "\") must be a cluster id: letters, digits, \".\", \"_\" and \"-\"");
    job.slot = slot_of(job.name);
    job.timeout_s = sdk::option_number(options, "timeout_s").value_or(120);
    if (!(job.timeout_s > 0))
        throw sdk::Failure(PGORCH_ERR_INVALID, "option \"timeout_s\" must be a positive number, not " + std::to_string(job.timeout_s));
    const sdk::StepInput in = sdk::StepInput::from_json(input);
    in.require({"cluster"});
    job.primary = in.cluster;
    job.from = in.from;
    job.to = in.to;
    job.prefix = in.artifact_prefix;
    job.work_dir = in.work_dir;
    if (job.name == job.primary)
        throw sdk::Failure(PGORCH_ERR_INVALID, "option \"name\" names the primary \"" + job.primary + "\" itself");
    try {
        return job.mode == "sync" ? run_sync(job) : run_create(job);
    } catch (const sdk::Failure& f) {
        job.note(std::string("FAILED: ") + f.what());
        throw;
    }
}

const pgorch_option opt_mode = {sizeof(pgorch_option), "mode", PGORCH_OPT_STRING, 0, "create",
                                "create (pg_basebackup a streaming replica of the step's cluster and start it) or sync "
                                "(wait for catch-up and compare the catalogs of primary and replica)."};
const pgorch_option opt_name = {sizeof(pgorch_option), "name", PGORCH_OPT_STRING, 0, "standby1",
                                "Cluster id of the replica; its replication slot is the name with characters outside "
                                "[a-z0-9_] mapped to _."};
const pgorch_option opt_timeout = {sizeof(pgorch_option), "timeout_s", PGORCH_OPT_NUMBER, 0, "120",
                                   "Seconds to wait until the replica streams and has replayed the primary's current WAL position."};
const pgorch_option* const options[] = {&opt_mode, &opt_name, &opt_timeout, nullptr};

const pgorch_plugin_descriptor descriptor = {
    .struct_size = sizeof(pgorch_plugin_descriptor),
    .abi_major = PGORCH_ABI_MAJOR,
    .abi_minor = PGORCH_ABI_MINOR,
    .kind = PGORCH_KIND_STEP,
    .name = "standby",
    .version = "1.0.0",
    .description = "Streaming replica of the step's cluster: create it (pg_basebackup) or prove it follows its primary (sync).",
    .options = options,
    .validate = nullptr,
    .run = sdk::callback<standby_run>,
    .provision = nullptr,
    .list_versions = nullptr,
    .requirements = R"({"from": {"any": ["pg_basebackup"]}, "versions": "same"})",
};

}  // namespace

// Appends to the step log, logs the line and saves the log as an artifact (best effort).
void Job::note(const std::string& line) {
    log += line + "\n";
    ctx->info(line);
    try {
        ctx->write_artifact(prefix + "standby.log", log);
    } catch (const sdk::Failure&) {
    }
}

// The server_log the cluster service gives for `id`, "" when it cannot say.
std::string server_log_of(Job& job, const std::string& id) {
    try {
        return cluster_op(*job.ctx, "info", id).server_log;
    } catch (const sdk::Failure&) {
        return {};
    }
}

// pg_basebackup of the primary into <run_dir>/clusters/<name>/data, adopt, start, catch-up.
json::value run_create(Job& job) {
    auto t0 = std::chrono::steady_clock::now();
    sdk::Context& ctx = *job.ctx;
    bool exists = true;
    try {
        cluster_op(ctx, "info", job.name);
    } catch (const sdk::Failure&) {
        exists = false;
    }
    if (exists)
        throw sdk::Failure(PGORCH_ERR_INVALID, "cluster \"" + job.name + "\" already exists: give this standby step another \"name\"");
    ClusterInfo p = cluster_op(ctx, "info", job.primary);
    if (!p.running) p = cluster_op(ctx, "start", job.primary);
    check_primary_settings(job);
    if (sdk::first_row(ctx, job.primary, "postgres",
                       "SELECT count(*)::text FROM pg_replication_slots WHERE slot_name = '" + job.slot + "'").at(0) != "0")
        throw sdk::Failure(PGORCH_ERR_INVALID, "primary \"" + job.primary + "\" already has a replication slot \"" + job.slot + "\"");
    const std::string user = sdk::first_row(ctx, job.primary, "postgres", "SELECT current_user").at(0);
    const std::string bindir = sdk::get_string(job.from, "bindir");
    if (bindir.empty()) throw sdk::Failure(PGORCH_ERR_INVALID, "input \"from\" gives no bindir");

    // Folders: the replica's base folder owned like the primary's data folder; one new folder
    // per user tablespace (pg_basebackup -T old=new).
    const std::string base = ctx.setting("run_dir") + "/clusters/" + job.name;
    const std::string datadir = base + "/data";
    auto mk = sdk::sh(ctx, "set -e; mkdir -p \"$1\"; chown \"$(stat -c %u:%g \"$2\")\" \"$1\"; chmod 700 \"$1\"",
                      {base, p.datadir}, sdk::invoker());
    if (!mk.ok())
        throw sdk::Failure(PGORCH_ERR_ENVIRONMENT, "cannot create folder \"" + base + "\": " + tail_lines(mk.err, 3));
    std::vector<std::string> argv = {bindir + "/pg_basebackup", "-h", p.socket_dir, "-p", std::to_string(p.port), "-U", user,
                                     "-D", datadir, "-X", "stream", "-R", "-C", "-S", job.slot, "--checkpoint=fast",
                                     "--no-password"};
    json::object spcs = ctx.sql(job.primary, "postgres",
                                "SELECT oid::text, pg_tablespace_location(oid), spcname FROM pg_tablespace "
                                "WHERE spcname NOT IN ('pg_default', 'pg_global') ORDER BY oid");
    size_t tablespaces = 0;
    for (const auto& row : spcs.at("rows").as_array()) {
        std::string oid(row.as_array().at(0).as_string()), loc(row.as_array().at(1).as_string());
        // The server sends the backup in tar format, whose link target field holds 99 bytes.
        if (loc.size() > 99)
            throw sdk::Failure(PGORCH_ERR_INVALID,
                               "tablespace \"" + std::string(row.as_array().at(2).as_string()) + "\" of \"" + job.primary +
                                   "\" is at \"" + loc + "\", " + std::to_string(loc.size()) +
                                   " bytes long: pg_basebackup (tar format) cannot copy a tablespace whose path is longer "
                                   "than 99 bytes; put the tablespace or the run's work folder under a shorter path");
        std::string target = base + "/tblspc-" + oid;
        argv.push_back("-T");
        argv.push_back(loc + "=" + target);
        job.note("tablespace " + oid + ": " + loc + " -> " + target);
        ++tablespaces;
    }

    auto tb = std::chrono::steady_clock::now();
    ctx.progress(0.1, "pg_basebackup of \"" + job.primary + "\"");
    auto r = sdk::run(ctx, argv, sdk::tool(job.work_dir, 3600));
    double basebackup_ms = ms_since(tb);
    try {
        ctx.write_artifact(job.prefix + "pg_basebackup.log", r.out + r.err);
    } catch (const sdk::Failure&) {
    }
    if (!r.ok()) {
        drop_slot(job);
        throw sdk::Failure(PGORCH_ERR_FAILED, "pg_basebackup of \"" + job.primary + "\" into \"" + datadir + "\" failed (exit " +
                                                  std::to_string(r.exit_code) + "): " + tail_lines(r.err.empty() ? r.out : r.err, 8) +
                                                  "; the primary's server log is \"" + server_log_of(job, job.primary) + "\"");
    }
    job.note("pg_basebackup done in " + std::to_string(static_cast<long>(basebackup_ms)) + " ms (slot \"" + job.slot + "\")");

    // Register the copy as a cluster of the run (fresh port and socket), start it, wait.
    const std::string log = cluster_op(ctx, "adopt", job.name, {{"install", job.from}, {"datadir", datadir}}).server_log;
    try {
        cluster_op(ctx, "start", job.name);
    } catch (const sdk::Failure& f) {
        throw sdk::Failure(PGORCH_ERR_FAILED, "replica \"" + job.name + "\" does not start: " + f.what() +
                                                  " (server log \"" + log + "\")");
    }
    job.note("replica \"" + job.name + "\" started; server log \"" + log + "\"");
    ctx.progress(0.8, "waiting for \"" + job.name + "\" to catch up");
    CatchUp c = wait_for_catchup(job);
    ClusterInfo info = cluster_op(ctx, "info", job.name);
    json::object metrics{{"mode", "create"},
                         {"replica", job.name},
                         {"port", info.port},
                         {"slot", job.slot},
                         {"tablespaces", tablespaces},
                         {"basebackup_ms", basebackup_ms},
                         {"lag_ms", c.wait_ms},
                         {"replay_lsn", c.replay_lsn},
                         {"duration_ms", ms_since(t0)}};
    sdk::StepResult out;
    out.cluster = job.primary;
    out.verify = {job.name};
    out.metrics = std::move(metrics);
    out.logs = {job.prefix + "pg_basebackup.log", job.prefix + "standby.log"};
    return out.to_json();
}

}  // namespace standby

PGORCH_DEFINE_PLUGIN(standby::descriptor)
