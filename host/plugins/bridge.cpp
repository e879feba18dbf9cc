#include "plugins/bridge.hpp"

#include <exception>
#include <string>

namespace pgorch::plugins {

namespace {

// Parses a service request: a JSON object, or a failure the plugin can read.
std::optional<json::object> parse_request(const char* text, std::string_view service, ServiceResult& failure) {
    if (!text) {
        failure = ServiceResult::fail(PGORCH_ERR_INVALID, std::string(service) + " request is missing");
        return std::nullopt;
    }
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec) {
        failure = ServiceResult::fail(PGORCH_ERR_INVALID,
                                      std::string(service) + " request is not valid JSON: " + ec.message());
        return std::nullopt;
    }
    if (!v.is_object()) {
        failure = ServiceResult::fail(PGORCH_ERR_INVALID, std::string(service) + " request is not a JSON object");
        return std::nullopt;
    }
    return std::move(v.as_object());
}

// Shared body of the JSON services: parse, dispatch, keep the response alive in the call.
template <class Dispatch>
int32_t json_service(pgorch_call* call, const char* request, const char** response, std::string_view service,
                     Dispatch dispatch) noexcept {
    if (response) *response = nullptr;
    if (!call) return PGORCH_ERR_INVALID;
    ServiceResult r;
    try {
        if (auto req = parse_request(request, service, r)) r = dispatch(*call, *req);
    } catch (const std::exception& e) {
        r = ServiceResult::fail(PGORCH_ERR_FAILED, std::string(service) + " failed in the host: " + e.what());
    } catch (...) {
        r = ServiceResult::fail(PGORCH_ERR_FAILED, std::string(service) + " failed in the host");
    }
    try {
        call->response = json::serialize(r.response);
    } catch (...) {
        call->response = "{}";
    }
    if (response) *response = call->response.c_str();
    return r.status;
}

// set_result: remembers the text; it is parsed once the callback returns.
void t_set_result(pgorch_call* call, const char* text) noexcept {
    if (!call) return;
    try {
        call->result = text ? std::string(text) : std::string("null");
    } catch (...) {
    }
}

// set_error: remembers the message shown when the callback fails.
void t_set_error(pgorch_call* call, const char* message) noexcept {
    if (!call) return;
    try {
        call->error = message ? std::string(message) : std::string();
    } catch (...) {
    }
}

// log: forwards a line to the provider under the plugin's name.
void t_log(pgorch_call* call, int32_t level, const char* message) noexcept {
    if (!call || !message) return;
    try {
        call->provider.log(call->plugin, level, message);
    } catch (...) {
    }
}

// progress: forwards a progress report to the provider.
void t_progress(pgorch_call* call, double fraction, const char* message) noexcept {
    if (!call) return;
    try {
        call->provider.progress(call->plugin, fraction, message ? message : "");
    } catch (...) {
    }
}

// exec: runs a command through the provider.
int32_t t_exec(pgorch_call* call, const char* request, const char** response) noexcept {
    return json_service(call, request, response, "exec",
                        [](pgorch_call& c, const json::object& r) { return c.provider.exec(c.plugin, r); });
}

// sql: runs SQL through the provider.
int32_t t_sql(pgorch_call* call, const char* request, const char** response) noexcept {
    return json_service(call, request, response, "sql",
                        [](pgorch_call& c, const json::object& r) { return c.provider.sql(c.plugin, r); });
}

// cluster: controls a cluster through the provider.
int32_t t_cluster(pgorch_call* call, const char* request, const char** response) noexcept {
    return json_service(call, request, response, "cluster",
                        [](pgorch_call& c, const json::object& r) { return c.provider.cluster(c.plugin, r); });
}

// provision: provisions a version through the provider (which asks a distro plugin).
int32_t t_provision(pgorch_call* call, const char* request, const char** response) noexcept {
    return json_service(call, request, response, "provision",
                        [](pgorch_call& c, const json::object& r) { return c.provider.provision(c.plugin, r); });
}

// write_artifact: hands the bytes to the provider, which checks the name.
int32_t t_write_artifact(pgorch_call* call, const char* name, const void* data, size_t size) noexcept {
    if (!call || !name || (!data && size > 0)) return PGORCH_ERR_INVALID;
    try {
        std::string_view bytes(size ? static_cast<const char*>(data) : "", size);
        return call->provider.write_artifact(call->plugin, name, bytes);
    } catch (...) {
        return PGORCH_ERR_FAILED;
    }
}

// cancelled: 1 once the run was interrupted.
int32_t t_cancelled(pgorch_call* call) noexcept {
    if (!call) return 0;
    try {
        return call->provider.cancelled() ? 1 : 0;
    } catch (...) {
        return 0;
    }
}

// setting: the provider's value, kept alive in the call until the next setting call.
const char* t_setting(pgorch_call* call, const char* key) noexcept {
    if (!call || !key) return nullptr;
    try {
        auto v = call->provider.setting(key);
        if (!v) return nullptr;
        call->setting_value = std::move(*v);
        return call->setting_value.c_str();
    } catch (...) {
        return nullptr;
    }
}

const pgorch_host_services kServices = {
    PGORCH_HOST_SERVICES_V1_SIZE,
    PGORCH_ABI_MAJOR,
    PGORCH_ABI_MINOR,
    t_set_result,
    t_set_error,
    t_log,
    t_progress,
    t_exec,
    t_sql,
    t_cluster,
    t_provision,
    t_write_artifact,
    t_cancelled,
    t_setting,
};

// The name of the exception in flight, when it is a std::exception.
std::string current_exception_text() {
    try {
        throw;
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return {};
    }
}

}  // namespace

// Returns the static services table.
const pgorch_host_services& host_services() { return kServices; }

// Names a callback as the ABI does.
const char* to_string(Callback cb) {
    switch (cb) {
        case Callback::validate: return "validate";
        case Callback::run: return "run";
        case Callback::provision: return "provision";
        case Callback::list_versions: return "list_versions";
    }
    return "unknown";
}

// Calls one plugin callback and collects its outcome; never lets an exception escape.
CallOutcome invoke(pgorch_callback fn, std::string_view plugin, std::string_view callback_name,
                   ServiceProvider& provider, const json::object& input) {
    CallOutcome out;
    const std::string who = "plugin \"" + std::string(plugin) + "\"";
    if (!fn) {
        out.status = PGORCH_ERR_UNAVAILABLE;
        out.error = who + " has no " + std::string(callback_name) + " callback";
        return out;
    }
    pgorch_call call(provider, std::string(plugin));
    const std::string text = json::serialize(input);
    try {
        // A non-SDK plugin may throw through this C call: catch (...) still stops it here.
        out.status = fn(&kServices, &call, text.c_str());
    } catch (...) {
        std::string what = current_exception_text();
        out.status = PGORCH_ERR_FAILED;
        out.error = who + " threw an exception from " + std::string(callback_name) + (what.empty() ? "" : ": " + what);
        return out;
    }
    if (call.error) out.error = *call.error;
    if (call.result) {
        boost::system::error_code ec;
        json::value v = json::parse(*call.result, ec);
        if (ec) {
            out.status = PGORCH_ERR_FAILED;
            out.error = who + " returned invalid JSON from " + std::string(callback_name) + ": " + ec.message();
            return out;
        }
        out.result = std::move(v);
    }
    if (out.status != PGORCH_OK && out.error.empty())
        out.error = who + " failed in " + std::string(callback_name) + " with status " + std::to_string(out.status) +
                    " and no message";
    return out;
}

}  // namespace pgorch::plugins
