// pgorch SDK: header-only C++ helpers for plugin authors.
//
// A plugin written with these helpers never lets an exception reach the host: every callback is
// wrapped by pgorch::sdk::callback<Fn>, which turns exceptions into a status and a message.
// Structured data is Boost.JSON. See plugins/step/noop for the smallest complete plugin.
#pragma once

#include <pgorch/errors.hpp>
#include <pgorch/pgorch_plugin.h>

#include <boost/json.hpp>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace pgorch::sdk {

namespace json = boost::json;

// Thrown inside a plugin to fail the current callback with a given status code.
class Failure : public std::runtime_error {
public:
    Failure(int32_t code, const std::string& message) : std::runtime_error(message), code_(code) {}
    // Fails with a code of the error catalog: the status of its family, and the code carried in
    // the message ("[PGO-3001] ...") for the host to report.
    Failure(errors::Code id, const std::string& message)
        : std::runtime_error(errors::tagged(id, message)), code_(errors::status_of_exit(errors::exit_code(id))) {}
    int32_t code() const noexcept { return code_; }

private:
    int32_t code_;
};

// A command's outcome, from Context::exec.
struct ExecResult {
    int exit_code = -1;
    std::string out;
    std::string err;
    double duration_ms = 0;
    bool timed_out = false;
    bool ok() const { return exit_code == 0 && !timed_out; }
};

// A service's status with its response, for a caller that reads the response of a failure too
// (the sql service tells where in the statement an error is: "position", "sqlstate" ...).
struct ServiceReply {
    int32_t status = PGORCH_OK;
    json::value response;  // an object; on failure {"error": "...", ...}
    bool ok() const { return status == PGORCH_OK; }
    // The response's "error" text ("" when it has none).
    std::string error() const {
        if (response.is_object())
            if (auto* e = response.as_object().if_contains("error"); e && e->is_string()) return std::string(e->as_string());
        return {};
    }
};

// One callback invocation: the host services bound to the call handle.
class Context {
public:
    Context(const pgorch_host_services* host, pgorch_call* call) : host_(host), call_(call) {}

    void log(pgorch_log_level level, std::string_view message) const {
        if (has(offsetof(pgorch_host_services, log)) && host_->log)
            host_->log(call_, level, std::string(message).c_str());
    }
    void info(std::string_view m) const { log(PGORCH_LOG_INFO, m); }
    void warn(std::string_view m) const { log(PGORCH_LOG_WARN, m); }
    void debug(std::string_view m) const { log(PGORCH_LOG_DEBUG, m); }

    void progress(double fraction, std::string_view message) const {
        if (has(offsetof(pgorch_host_services, progress)) && host_->progress)
            host_->progress(call_, fraction, std::string(message).c_str());
    }

    bool cancelled() const {
        return has(offsetof(pgorch_host_services, cancelled)) && host_->cancelled &&
               host_->cancelled(call_) != 0;
    }
    // Throws Failure(PGORCH_ERR_CANCELLED) once the run was interrupted.
    void check_cancelled() const {
        if (cancelled()) throw Failure(PGORCH_ERR_CANCELLED, "interrupted");
    }

    // A host setting ("cache_dir", "run_dir", ...) or an empty string.
    std::string setting(const char* key) const {
        if (!has(offsetof(pgorch_host_services, setting)) || !host_->setting) return {};
        const char* v = host_->setting(call_, key);
        return v ? std::string(v) : std::string();
    }

    // Raw JSON services: throw Failure when the service fails.
    json::value exec_json(const json::object& request) const {
        return service(offsetof(pgorch_host_services, exec), host_->exec, "exec", request);
    }
    json::value sql_json(const json::object& request) const {
        return service(offsetof(pgorch_host_services, sql), host_->sql, "sql", request);
    }
    json::value cluster(const json::object& request) const {
        return service(offsetof(pgorch_host_services, cluster), host_->cluster, "cluster", request);
    }
    json::value provision(const json::object& request) const {
        return service(offsetof(pgorch_host_services, provision), host_->provision, "provision", request);
    }

    // Run argv in the target environment; a non-zero exit is returned, not thrown.
    ExecResult exec(const json::array& argv, const json::object& extra = {}) const {
        json::object req = extra;
        req["argv"] = argv;
        json::value v = exec_json(req);
        const json::object& o = v.as_object();
        ExecResult r;
        if (auto* p = o.if_contains("exit_code")) r.exit_code = static_cast<int>(p->to_number<int64_t>());
        if (auto* p = o.if_contains("stdout")) r.out = json::value_to<std::string>(*p);
        if (auto* p = o.if_contains("stderr")) r.err = json::value_to<std::string>(*p);
        if (auto* p = o.if_contains("duration_ms")) r.duration_ms = p->to_number<double>();
        if (auto* p = o.if_contains("timed_out")) r.timed_out = p->as_bool();
        return r;
    }

    // Run SQL on a cluster's database; returns the response object (columns, rows, command,
    // duration_ms of the statement alone). keep_session: reuse the same backend on the next call
    // (the last call of a series passes false, which closes the session).
    json::object sql(std::string_view cluster_id, std::string_view database, std::string_view sql_text,
                     double timeout_s = 0, bool keep_session = false) const {
        json::object req{{"cluster", cluster_id}, {"database", database}, {"sql", sql_text}};
        if (timeout_s > 0) req["timeout_s"] = timeout_s;
        if (keep_session) req["keep_session"] = true;
        return sql_json(req).as_object();
    }

    // The sql service without throwing: a failed statement comes back with its status and the
    // server's fields ({"error", "sqlstate", "position", "detail", "hint", "context", "notices"}).
    // Throws Failure only when the host has no sql service.
    ServiceReply sql_reply(const json::object& request) const {
        return call(offsetof(pgorch_host_services, sql), host_->sql, "sql", request);
    }

    // Reports the callback's result now. The wrapper replaces it with the handler's return value
    // on success; a handler that fails (throws) after calling it leaves it as the result, so the
    // host still gets what the step did before it failed (its report, its details).
    void set_result(const json::value& result) const { host_->set_result(call_, json::serialize(result).c_str()); }

    void write_artifact(std::string_view name, std::string_view data) const {
        if (!has(offsetof(pgorch_host_services, write_artifact)) || !host_->write_artifact)
            throw Failure(PGORCH_ERR_UNAVAILABLE, "write_artifact is not available in this host");
        int32_t rc = host_->write_artifact(call_, std::string(name).c_str(), data.data(), data.size());
        if (rc != PGORCH_OK) throw Failure(rc, "cannot write artifact \"" + std::string(name) + "\"");
    }

    const pgorch_host_services* host() const { return host_; }
    pgorch_call* call() const { return call_; }

private:
    bool has(std::size_t offset) const { return host_ && host_->struct_size > offset; }

    template <class Fn>
    ServiceReply call(std::size_t offset, Fn fn, const char* name, const json::object& request) const {
        if (!has(offset) || !fn)
            throw Failure(PGORCH_ERR_UNAVAILABLE, std::string(name) + " is not available in this host");
        const char* response = nullptr;
        std::string text = json::serialize(request);
        ServiceReply r;
        r.status = fn(call_, text.c_str(), &response);
        r.response = response && *response ? json::parse(response) : json::value(json::object{});
        return r;
    }

    template <class Fn>
    json::value service(std::size_t offset, Fn fn, const char* name, const json::object& request) const {
        ServiceReply r = call(offset, fn, name, request);
        if (!r.ok()) {
            std::string msg = r.error();
            throw Failure(r.status, msg.empty() ? std::string(name) + " failed" : msg);
        }
        return std::move(r.response);
    }

    const pgorch_host_services* host_;
    pgorch_call* call_;
};

// Helpers to read a JSON object's members with defaults.
inline std::string get_string(const json::object& o, std::string_view key, std::string fallback = {}) {
    if (auto* v = o.if_contains(key); v && v->is_string()) return std::string(v->as_string());
    return fallback;
}
inline const json::object& get_object(const json::object& o, std::string_view key) {
    static const json::object empty;
    if (auto* v = o.if_contains(key); v && v->is_object()) return v->as_object();
    return empty;
}

// The signature a plugin implements: take the call's input, return its result.
using Handler = json::value (*)(Context&, const json::object& input);

// Wraps a Handler as a C callback: parses input, serializes the result, and turns every
// exception into a status code and message. No exception ever leaves this function.
template <Handler Fn>
int32_t callback(const pgorch_host_services* host, pgorch_call* call, const char* input_json) noexcept {
    if (!host || !call) return PGORCH_ERR_INVALID;
    try {
        Context ctx(host, call);
        json::value in = input_json && *input_json ? json::parse(input_json) : json::value(json::object{});
        if (!in.is_object()) throw Failure(PGORCH_ERR_INVALID, "input is not a JSON object");
        json::value out = Fn(ctx, in.as_object());
        host->set_result(call, json::serialize(out).c_str());
        return PGORCH_OK;
    } catch (const Failure& f) {
        host->set_error(call, f.what());
        return f.code();
    } catch (const std::exception& e) {
        host->set_error(call, e.what());
        return PGORCH_ERR_FAILED;
    } catch (...) {
        host->set_error(call, "unknown exception in plugin");
        return PGORCH_ERR_FAILED;
    }
}

}  // namespace pgorch::sdk

// Defines the plugin's single exported entry point returning `descriptor`.
#define PGORCH_DEFINE_PLUGIN(descriptor)                                                   \
    extern "C" PGORCH_EXPORT const pgorch_plugin_descriptor* PGORCH_PLUGIN_ENTRY(void) {   \
        return &(descriptor);                                                              \
    }
