// minor: a minor update in place. Stops the server (fast by default), points the cluster at the
// target version's binaries, starts the same data folder and checks that the running server is
// the target version. Options in README.md; the step contract in plugins/step/README.md.
#include <pgorch/cluster.hpp>
#include <pgorch/options.hpp>
#include <pgorch/step.hpp>

namespace {

namespace sdk = pgorch::sdk;
namespace json = boost::json;
using sdk::ClusterInfo;
using sdk::cluster_op;
using sdk::ms_since;

// True when a server_version ("15.20 (Debian 15.20-0+deb12u1)") is exactly `expected`.
bool same_version(const std::string& server, const std::string& expected) {
    if (server.compare(0, expected.size(), expected) != 0) return false;
    return server.size() == expected.size() || server[expected.size()] == ' ' || server[expected.size()] == '(';
}

json::value minor_run(sdk::Context& ctx, const json::object& input) {
    const sdk::StepInput in = sdk::StepInput::from_json(input);
    in.require({"cluster", "to"});
    const json::object& options = in.options;
    const json::object& to = in.to;
    const std::string& id = in.cluster;
    const std::string mode = sdk::option_text(options, "stop_mode", "fast");
    if (mode != "fast" && mode != "smart" && mode != "immediate")
        throw sdk::Failure(PGORCH_ERR_INVALID, "option \"stop_mode\" must be fast, smart or immediate, not \"" + mode + "\"");
    // What the server reports: a distro may number its releases otherwise (ttdb 15.20.0 runs 15.20).
    const std::string target = sdk::get_string(to, "server_version", sdk::get_string(to, "version"));
    const std::string major_to = sdk::get_string(to, "major");
    auto t_step = std::chrono::steady_clock::now();

    ClusterInfo c = cluster_op(ctx, "info", id);
    std::string major_from = sdk::get_string(c.install, "major");
    if (!major_from.empty() && !major_to.empty() && major_from != major_to)
        throw sdk::Failure(PGORCH_ERR_INVALID, "a minor update cannot change the major version (" + major_from + " -> " +
                                                   major_to + ")");
    json::object metrics{{"stop_mode", mode}};
    auto t_down = std::chrono::steady_clock::now();
    if (c.running) cluster_op(ctx, "stop", id, {{"mode", mode}});
    metrics["stop_ms"] = ms_since(t_down);
    cluster_op(ctx, "use_install", id, {{"install", to}});
    auto t = std::chrono::steady_clock::now();
    try {
        cluster_op(ctx, "start", id);
    } catch (const sdk::Failure& f) {
        // Leave the cluster on the binaries it ran with, so that it can be started again.
        cluster_op(ctx, "use_install", id, {{"install", c.install}});
        throw sdk::Failure(f.code(), std::string("the server does not start on version ") + target + ": " + f.what());
    }
    metrics["start_ms"] = ms_since(t);
    metrics["downtime_ms"] = ms_since(t_down);
    std::string running = sdk::sql_value(ctx, id, "SELECT current_setting('server_version')");
    if (!same_version(running, target))
        throw sdk::Failure(PGORCH_ERR_FAILED, "the server runs \"" + running + "\" after the update, expected \"" + target + "\"");
    metrics["duration_ms"] = ms_since(t_step);
    sdk::StepResult out;
    out.cluster = id;
    out.metrics = std::move(metrics);
    return out.to_json();
}

const pgorch_option opt_mode = {sizeof(pgorch_option), "stop_mode", PGORCH_OPT_STRING, 0, "fast",
                                "How the old server stops: fast, smart or immediate."};
// The original tool's own example puts `args: pg_upgrade: --link` on a minor step, where it never
// had an effect: accepted with a warning so those scenarios run unchanged.
const pgorch_option opt_pg_upgrade = {sizeof(pgorch_option), "pg_upgrade", PGORCH_OPT_STRING, PGORCH_OPTF_IGNORED,
                                      nullptr, "Ignored: a minor update runs no pg_upgrade (seed compatibility)."};
const pgorch_option* const options[] = {&opt_mode, &opt_pg_upgrade, nullptr};

const pgorch_plugin_descriptor descriptor = {
    .struct_size = sizeof(pgorch_plugin_descriptor),
    .abi_major = PGORCH_ABI_MAJOR,
    .abi_minor = PGORCH_ABI_MINOR,
    .kind = PGORCH_KIND_STEP,
    .name = "minor",
    .version = "1.0.0",
    .description = "Minor update in place: stops the server, switches to the target binaries, starts the same data folder.",
    .options = options,
    .validate = nullptr,
    .run = sdk::callback<minor_run>,
    .provision = nullptr,
    .list_versions = nullptr,
    .requirements = R"({"versions": "same_major"})",
};

}  // namespace

PGORCH_DEFINE_PLUGIN(descriptor)
