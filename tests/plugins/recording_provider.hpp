// A ServiceProvider for tests: records what plugins ask for and answers from fixed values.
#pragma once

#include "plugins/services.hpp"

#include <map>
#include <string>
#include <vector>

namespace pgorch::test {

namespace json = boost::json;

struct RecordingProvider : plugins::ServiceProvider {
    struct Line {
        std::string plugin;
        int32_t level;
        std::string message;
    };
    std::vector<Line> logs;
    std::vector<std::string> progress_messages;
    std::vector<json::object> exec_requests;
    std::map<std::string, std::string> artifacts;
    std::map<std::string, std::string> settings{{"run_dir", "/tmp/pgorch-test-run"}};
    bool is_cancelled = true;

    void log(std::string_view plugin, int32_t level, std::string_view message) override {
        logs.push_back({std::string(plugin), level, std::string(message)});
    }
    void progress(std::string_view, double fraction, std::string_view message) override {
        progress_messages.push_back(std::to_string(fraction).substr(0, 3) + " " + std::string(message));
    }
    plugins::ServiceResult exec(std::string_view, const json::object& request) override {
        exec_requests.push_back(request);
        return plugins::ServiceResult::ok(json::object{{"exit_code", 0}, {"stdout", "ran"}, {"stderr", ""}});
    }
    int32_t write_artifact(std::string_view, std::string_view name, std::string_view data) override {
        artifacts[std::string(name)] = std::string(data);
        return PGORCH_OK;
    }
    bool cancelled() override { return is_cancelled; }
    std::optional<std::string> setting(std::string_view key) override {
        auto it = settings.find(std::string(key));
        if (it == settings.end()) return std::nullopt;
        return it->second;
    }
};

}  // namespace pgorch::test
