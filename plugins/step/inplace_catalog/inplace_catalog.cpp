// inplace_catalog: the in-place catalog upgrade of a vendor's catalog-only release (the
// article's inplace_upgrade.sh): modes info, update (primary or replica) and reset. Options in
// README.md; the step contract in plugins/step/README.md.
#include "inplace.hpp"

#include <pgorch/step.hpp>

#include <dlfcn.h>

namespace {

namespace sdk = pgorch::sdk;
namespace json = boost::json;
using sdk::option_text;

// Makes `p` absolute against `base`.
std::string absolute(const std::string& p, const std::string& base) {
    if (p.empty() || p[0] == '/') return p;
    return base + "/" + p;
}

// <prefix>/bin/pgorch-catversion next to this plugin's <prefix>/lib/pgorch/plugins (local runtime).
std::string tool_beside_plugin() {
    Dl_info info{};
    if (!dladdr(reinterpret_cast<void*>(&tool_beside_plugin), &info) || !info.dli_fname) return "pgorch-catversion";
    std::string so = info.dli_fname;
    std::string dir = so.substr(0, so.rfind('/'));
    return dir + "/../../../bin/pgorch-catversion";
}

// Reads the input into a Job and runs the mode.
json::value inplace_run(sdk::Context& ctx, const json::object& input) {
    const sdk::StepInput in = sdk::StepInput::from_json(input);
    const json::object& options = in.options;
    inplace::Job job;
    job.ctx = &ctx;
    job.mode = option_text(options, "mode", "update");
    job.role = option_text(options, "role", "primary");
    if (job.mode != "info" && job.mode != "update" && job.mode != "reset")
        throw sdk::Failure(PGORCH_ERR_INVALID, "option \"mode\" must be info, update or reset, not \"" + job.mode + "\"");
    if (job.role != "primary" && job.role != "replica")
        throw sdk::Failure(PGORCH_ERR_INVALID, "option \"role\" must be primary or replica, not \"" + job.role + "\"");
    // Option "cluster" (a replica's id): act on it; the input cluster stays the data holder.
    const std::string& input_cluster = in.cluster;
    job.cluster_id = option_text(options, "cluster", input_cluster);
    job.to = in.to;
    job.from = in.from;
    if (job.cluster_id.empty() || job.to.empty()) throw sdk::Failure(PGORCH_ERR_INVALID, "input needs \"cluster\" and \"to\"");
    job.cluster = sdk::cluster_op(ctx, "info", job.cluster_id);
    job.prefix = in.artifact_prefix;
    job.major = sdk::get_string(job.to, "major");
    std::string scenario_dir = in.scenario_dir.empty() ? ctx.setting("scenario_dir") : in.scenario_dir;
    job.scripts_dir = absolute(option_text(options, "scripts_dir", "sql_upgrade"), scenario_dir);
    std::string run_dir = ctx.setting("run_dir");
    job.backup_dir = option_text(options, "backup_dir");
    if (job.backup_dir.empty()) job.backup_dir = run_dir + "/inplace-backup/" + job.cluster_id;
    job.backup_dir = absolute(job.backup_dir, run_dir);
    job.catversion_tool = option_text(options, "catversion");
    if (job.catversion_tool.empty()) {
        std::string tools = ctx.setting("tools_dir");
        job.catversion_tool = tools.empty() ? tool_beside_plugin() : tools + "/pgorch-catversion";
    }
    std::string target = option_text(options, "catalog_version");
    if (target.empty()) {
        auto* cv = job.to.if_contains("catalog_version");
        if (!cv || !cv->is_number()) throw sdk::Failure(PGORCH_ERR_INVALID, "the target install gives no catalog_version");
        job.new_cv = static_cast<uint32_t>(cv->to_number<int64_t>());
    } else {
        job.new_cv = static_cast<uint32_t>(std::stoul(target));
    }
    try {
        json::value out = job.mode == "info"      ? inplace::run_info(job)
                          : job.mode == "reset"   ? inplace::run_reset(job)
                          : job.role == "replica" ? inplace::run_update_replica(job)
                                                  : inplace::run_update_primary(job);
        job.save_log();
        if (job.cluster_id != input_cluster && out.is_object()) {
            out.as_object()["cluster"] = input_cluster;
            if (auto* m = out.as_object().if_contains("metrics"); m && m->is_object()) m->as_object()["cluster"] = job.cluster_id;
        }
        return out;
    } catch (const sdk::Failure& f) {
        job.note(std::string("FAILED: ") + f.what());
        job.save_log();
        throw;
    } catch (const std::exception& e) {
        // A malformed service response: name the phase it happened in.
        job.note("FAILED after \"" + job.last_phase + "\": " + e.what());
        job.save_log();
        throw sdk::Failure(PGORCH_ERR_FAILED, "unexpected error after \"" + job.last_phase + "\": " + e.what());
    }
}

const pgorch_option opt_mode = {sizeof(pgorch_option), "mode", PGORCH_OPT_STRING, 0, "update",
                                "info (plan only), update or reset (restore the backup of an update)."};
const pgorch_option opt_role = {sizeof(pgorch_option), "role", PGORCH_OPT_STRING, 0, "primary",
                                "primary runs the scripts; replica only sets the catalog version and renames tablespaces."};
const pgorch_option opt_scripts = {sizeof(pgorch_option), "scripts_dir", PGORCH_OPT_STRING, 0, "sql_upgrade",
                                   "Folder of the scenario with one folder per version (CATALOG_VERSION, upgrade_sql/, binary_upgrade_sql/, reset_sql/)."};
const pgorch_option opt_backup = {sizeof(pgorch_option), "backup_dir", PGORCH_OPT_STRING, 0, nullptr,
                                  "Where update keeps its backup and reset finds it (default <run_dir>/inplace-backup/<cluster>)."};
const pgorch_option opt_tool = {sizeof(pgorch_option), "catversion", PGORCH_OPT_STRING, 0, nullptr,
                                "Path of pgorch-catversion in the target environment (default: the host's tools_dir)."};
const pgorch_option opt_cv = {sizeof(pgorch_option), "catalog_version", PGORCH_OPT_INTEGER, 0, nullptr,
                              "Target catalog version (default: the target install's)."};
const pgorch_option opt_cluster = {sizeof(pgorch_option), "cluster", PGORCH_OPT_STRING, 0, nullptr,
                                   "Id of the cluster to act on instead of the input cluster (a replica, e.g. a standby step's name); "
                                   "the step then returns the input cluster."};
const pgorch_option* const options[] = {&opt_mode, &opt_role, &opt_scripts, &opt_backup, &opt_tool, &opt_cv, &opt_cluster, nullptr};

const pgorch_plugin_descriptor descriptor = {
    .struct_size = sizeof(pgorch_plugin_descriptor),
    .abi_major = PGORCH_ABI_MAJOR,
    .abi_minor = PGORCH_ABI_MINOR,
    .kind = PGORCH_KIND_STEP,
    .name = "inplace_catalog",
    .version = "1.0.0",
    .description = "In-place catalog upgrade: sets the catalog version and runs the vendor's catalog scripts in every database.",
    .options = options,
    .validate = nullptr,
    .run = sdk::callback<inplace_run>,
    .provision = nullptr,
    .list_versions = nullptr,
    .requirements = R"({"from": {"own": ["postgres"], "any": ["pg_dump"]}, "to": {"own": ["postgres"], "any": ["pg_dump"]},)"
                    R"( "versions": "same"})",
};

}  // namespace

PGORCH_DEFINE_PLUGIN(descriptor)
