// An out-of-tree step plugin: greets and returns its input's "x" plus one.
#include <pgorch/plugin.hpp>

namespace {

namespace sdk = pgorch::sdk;
namespace json = boost::json;

// Returns {"greeting": ..., "x_plus_one": x + 1}; fails when "x" is not an integer.
json::value hello_run(sdk::Context& ctx, const json::object& input) {
    const json::value* x = input.if_contains("x");
    if (!x || !x->is_int64()) throw sdk::Failure(PGORCH_ERR_INVALID, "input \"x\" must be an integer");
    ctx.info("hello from out of tree");
    return json::object{{"greeting", "hello from out of tree"}, {"x_plus_one", x->as_int64() + 1}};
}

const pgorch_option* const options[] = {nullptr};

const pgorch_plugin_descriptor descriptor = {
    .struct_size = sizeof(pgorch_plugin_descriptor),
    .abi_major = PGORCH_ABI_MAJOR,
    .abi_minor = PGORCH_ABI_MINOR,
    .kind = PGORCH_KIND_STEP,
    .name = "oot_hello",
    .version = "0.1.0",
    .description = "Proves that a plugin built out of tree against the installed SDK loads.",
    .options = options,
    .validate = nullptr,
    .run = sdk::callback<hello_run>,
    .provision = nullptr,
    .list_versions = nullptr,
};

}  // namespace

PGORCH_DEFINE_PLUGIN(descriptor)
