// The one fake ServiceProvider of the tests: it records what plugins ask for and answers from
// handlers a test sets (on_exec, on_sql, on_cluster, on_provision). Without a handler, exec
// answers exit 0 with "ran" on stdout and the other JSON services answer "not available in this
// host", as a host lacking them would. Safe to call from several threads.
#pragma once

#include "plugins/services.hpp"

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace pgorch::test {

namespace json = boost::json;

struct FakeServices : plugins::ServiceProvider {
    using Handler = std::function<plugins::ServiceResult(const json::object& request)>;
    struct Line {
        std::string plugin;
        int32_t level;
        std::string message;
    };

    // What the plugins asked for.
    std::vector<Line> logs;
    std::vector<std::string> progress_messages;             // "0.5 half way"
    std::vector<json::object> exec_requests, sql_requests, cluster_requests, provision_requests;
    std::vector<std::vector<std::string>> exec_argv;         // the argv of each exec request
    std::map<std::string, std::string> artifacts;            // name -> content
    // What they get.
    std::map<std::string, std::string> settings{{"run_dir", "/tmp/pgorch-test-run"}};
    bool is_cancelled = false;
    Handler on_exec, on_sql, on_cluster, on_provision;

    // An exec response.
    static plugins::ServiceResult exec_answer(int exit_code, std::string out = {}, std::string err = {}) {
        return plugins::ServiceResult::ok(json::object{{"exit_code", exit_code}, {"stdout", std::move(out)},
                                                       {"stderr", std::move(err)}, {"duration_ms", 1}, {"timed_out", false}});
    }
    // Whether a log line contains `text`.
    bool logged(std::string_view text) const {
        std::lock_guard lk(mu_);
        for (const auto& l : logs)
            if (l.message.find(text) != std::string::npos) return true;
        return false;
    }

    void log(std::string_view plugin, int32_t level, std::string_view message) override {
        std::lock_guard lk(mu_);
        logs.push_back({std::string(plugin), level, std::string(message)});
    }
    void progress(std::string_view, double fraction, std::string_view message) override {
        std::lock_guard lk(mu_);
        progress_messages.push_back(std::to_string(fraction).substr(0, 3) + " " + std::string(message));
    }
    plugins::ServiceResult exec(std::string_view, const json::object& request) override {
        {
            std::lock_guard lk(mu_);
            exec_requests.push_back(request);
            std::vector<std::string> argv;
            if (auto* a = request.if_contains("argv"); a && a->is_array())
                for (const auto& x : a->as_array())
                    if (x.is_string()) argv.emplace_back(x.as_string());
            exec_argv.push_back(std::move(argv));
        }
        return on_exec ? on_exec(request) : exec_answer(0, "ran");
    }
    plugins::ServiceResult sql(std::string_view plugin, const json::object& request) override {
        record(sql_requests, request);
        return on_sql ? on_sql(request) : ServiceProvider::sql(plugin, request);
    }
    plugins::ServiceResult cluster(std::string_view plugin, const json::object& request) override {
        record(cluster_requests, request);
        return on_cluster ? on_cluster(request) : ServiceProvider::cluster(plugin, request);
    }
    plugins::ServiceResult provision(std::string_view plugin, const json::object& request) override {
        record(provision_requests, request);
        return on_provision ? on_provision(request) : ServiceProvider::provision(plugin, request);
    }
    int32_t write_artifact(std::string_view, std::string_view name, std::string_view data) override {
        std::lock_guard lk(mu_);
        artifacts[std::string(name)] = std::string(data);
        return PGORCH_OK;
    }
    bool cancelled() override { return is_cancelled; }
    std::optional<std::string> setting(std::string_view key) override {
        std::lock_guard lk(mu_);
        auto it = settings.find(std::string(key));
        if (it == settings.end()) return std::nullopt;
        return it->second;
    }

private:
    void record(std::vector<json::object>& into, const json::object& request) {
        std::lock_guard lk(mu_);
        into.push_back(request);
    }
    mutable std::mutex mu_;
};

}  // namespace pgorch::test
