// A plugin made in the test process and added with Registry::add: its callbacks are
// std::functions, so a test steers every call and sees its input without building a shared
// object. Each call is journaled ("plugin step fake_step: run") and its input kept.
#pragma once

#include "journal.hpp"
#include "plugins/bridge.hpp"
#include "plugins/registry.hpp"

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace pgorch::test {

namespace fs = std::filesystem;

namespace json = boost::json;

class FakePlugin : public plugins::Plugin {
public:
    using Fn = std::function<plugins::CallOutcome(plugins::ServiceProvider& services, const json::object& input)>;

    FakePlugin(plugins::Kind kind, std::string name, Journal* journal = nullptr)
        : kind_(kind), name_(std::move(name)), path_("fake:pgorch-" + std::string(plugins::to_string(kind)) + "-" + name_ + ".so"),
          journal_(journal) {}

    std::map<plugins::Callback, Fn> callbacks;
    std::vector<plugins::OptionSpec> option_specs;
    sdk::StepRequirements step_requirements;

    static plugins::CallOutcome ok(json::value result = json::object{}) { return {PGORCH_OK, std::move(result), {}}; }
    static plugins::CallOutcome fail(int32_t status, std::string message) { return {status, nullptr, std::move(message)}; }

    // The inputs of every call of `cb`, in order.
    std::vector<json::object> inputs(plugins::Callback cb) const {
        std::lock_guard lk(mu_);
        auto it = inputs_.find(cb);
        return it == inputs_.end() ? std::vector<json::object>{} : it->second;
    }
    std::size_t calls(plugins::Callback cb) const { return inputs(cb).size(); }

    const std::string& name() const override { return name_; }
    const std::string& version() const override { return version_; }
    const std::string& description() const override { return description_; }
    plugins::Kind kind() const override { return kind_; }
    const fs::path& path() const override { return path_; }
    uint16_t abi_minor() const override { return PGORCH_ABI_MINOR; }
    const std::vector<plugins::OptionSpec>& options() const override { return option_specs; }
    bool has(plugins::Callback cb) const override { return callbacks.count(cb) > 0; }
    const sdk::StepRequirements& requirements() const override { return step_requirements; }
    plugins::CallOutcome call(plugins::Callback cb, plugins::ServiceProvider& services, const json::object& input) override {
        {
            std::lock_guard lk(mu_);
            inputs_[cb].push_back(input);
        }
        if (journal_) journal_->add("plugin " + std::string(plugins::to_string(kind_)) + " " + name_ + ": " + plugins::to_string(cb));
        auto it = callbacks.find(cb);
        if (it == callbacks.end()) return fail(PGORCH_ERR_UNAVAILABLE, "plugin \"" + name_ + "\" has no such callback");
        return it->second(services, input);
    }

private:
    plugins::Kind kind_;
    std::string name_, version_ = "1.0.0", description_ = "A fake of the tests.";
    fs::path path_;
    Journal* journal_;
    mutable std::mutex mu_;
    std::map<plugins::Callback, std::vector<json::object>> inputs_;
};

}  // namespace pgorch::test
