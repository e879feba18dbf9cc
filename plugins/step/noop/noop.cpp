// noop: a step that logs a message and echoes its input.
//
// This is the smallest real plugin and the template to copy for a new one:
// tools/new-plugin KIND NAME copies this folder and renames everything.
//
// What a plugin is made of:
//   1. one handler per callback, `json::value fn(Context&, const json::object& input)`; it talks
//      to the host only through Context (log, exec, sql, cluster, settings ...) and the SDK's
//      helpers over it (pgorch/options.hpp reads options by type, pgorch/exec.hpp runs commands),
//      and fails by throwing pgorch::sdk::Failure (or any std::exception);
//   2. a static descriptor: ABI version, kind, name (= folder = registry key), version,
//      description, the options it accepts, and its callbacks wrapped by sdk::callback<>,
//      which keeps every exception on this side of the C boundary;
//   3. PGORCH_DEFINE_PLUGIN(descriptor), the one exported symbol.
#include <pgorch/options.hpp>
#include <pgorch/plugin.hpp>

namespace {

namespace sdk = pgorch::sdk;
namespace json = boost::json;

// The step itself: logs its message and echoes its input, or fails when asked to.
json::value noop_run(sdk::Context& ctx, const json::object& input) {
    const json::object& options = sdk::get_object(input, "options");
    const std::string message = sdk::option_text(options, "message", "hello");
    ctx.info(message);
    const std::string run_dir = ctx.setting("run_dir");
    ctx.debug("run_dir is \"" + (run_dir.empty() ? std::string("unknown") : run_dir) + "\"");
    if (sdk::option_flag(options, "fail"))
        throw sdk::Failure(PGORCH_ERR_FAILED, "noop failed on purpose because option \"fail\" is true");
    return json::object{{"echo", input}, {"message", message}};
}

const pgorch_option message_option = {
    sizeof(pgorch_option), "message", PGORCH_OPT_STRING, 0, "hello",
    "Text the step logs and returns."};
const pgorch_option fail_option = {
    sizeof(pgorch_option), "fail", PGORCH_OPT_BOOLEAN, 0, "false",
    "Makes the step fail, to test how a scenario handles a failed step."};
const pgorch_option* const options[] = {&message_option, &fail_option, nullptr};

const pgorch_plugin_descriptor descriptor = {
    .struct_size = sizeof(pgorch_plugin_descriptor),
    .abi_major = PGORCH_ABI_MAJOR,
    .abi_minor = PGORCH_ABI_MINOR,
    .kind = PGORCH_KIND_STEP,
    .name = "noop",
    .version = "1.0.0",
    .description = "Does nothing but log a message and echo its input: the plugin template.",
    .options = options,
    .validate = nullptr,
    .run = sdk::callback<noop_run>,
    .provision = nullptr,
    .list_versions = nullptr,
};

}  // namespace

PGORCH_DEFINE_PLUGIN(descriptor)
