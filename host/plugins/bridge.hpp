// The services bridge: the host side of `struct pgorch_call` and the C table of services
// (pgorch_host_services) whose trampolines dispatch onto a ServiceProvider.
#pragma once

#include "plugins/registry.hpp"
#include "plugins/services.hpp"

#include <pgorch/pgorch_plugin.h>

#include <optional>
#include <string>

// One callback invocation, opaque to plugins. Defined in the global namespace because the C
// ABI declares it there.
struct pgorch_call {
    pgorch_call(pgorch::plugins::ServiceProvider& p, std::string plugin_name)
        : provider(p), plugin(std::move(plugin_name)) {}

    pgorch::plugins::ServiceProvider& provider;
    std::string plugin;                  // name of the plugin making the call
    std::optional<std::string> result;   // text given to set_result (last one wins)
    std::optional<std::string> error;    // text given to set_error (last one wins)
    std::string response;                // last service response, alive until the next service call
    std::string setting_value;           // last setting() answer, alive until the next setting call
};

namespace pgorch::plugins {

// The services table handed to every callback; static, its trampolines never throw.
const pgorch_host_services& host_services();

// Invokes `fn` (a callback named `callback_name` of plugin `plugin`) with `input`, and turns
// what it reported into a CallOutcome: the result parsed as JSON, a generic message when it
// failed without set_error, and a refusal sentence when it threw through the C boundary.
CallOutcome invoke(pgorch_callback fn, std::string_view plugin, std::string_view callback_name,
                   ServiceProvider& provider, const json::object& input);

// "validate", "run", "provision" or "list_versions".
const char* to_string(Callback cb);

}  // namespace pgorch::plugins
