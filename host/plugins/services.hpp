// What the host offers plugins, as a C++ interface. The C services table of the ABI
// (pgorch_host_services) is a set of trampolines onto one ServiceProvider per call.
// The defaults answer "not available in this host", so a provider implements what it has.
#pragma once

#include <pgorch/pgorch_plugin.h>

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace pgorch::plugins {

namespace json = boost::json;

struct ServiceResult {
    int32_t status = PGORCH_OK;
    json::value response;  // on failure: {"error": "..."}

    static ServiceResult ok(json::value v) { return {PGORCH_OK, std::move(v)}; }
    static ServiceResult fail(int32_t status, std::string_view message) {
        return {status, json::object{{"error", message}}};
    }
    static ServiceResult unavailable(std::string_view service) {
        return fail(PGORCH_ERR_UNAVAILABLE, std::string(service) + " is not available in this host");
    }
};

class ServiceProvider {
public:
    virtual ~ServiceProvider() = default;
    // `plugin` is the name of the plugin making the call.
    virtual void log(std::string_view plugin, int32_t level, std::string_view message);
    virtual void progress(std::string_view plugin, double fraction, std::string_view message);
    virtual ServiceResult exec(std::string_view plugin, const json::object& request);
    virtual ServiceResult sql(std::string_view plugin, const json::object& request);
    virtual ServiceResult cluster(std::string_view plugin, const json::object& request);
    virtual ServiceResult provision(std::string_view plugin, const json::object& request);
    virtual int32_t write_artifact(std::string_view plugin, std::string_view name, std::string_view data);
    virtual bool cancelled();
    virtual std::optional<std::string> setting(std::string_view key);
};

}  // namespace pgorch::plugins
