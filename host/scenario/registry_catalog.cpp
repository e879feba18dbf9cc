// RegistryCatalog lives apart from validate.cpp so that linking the validation alone (unit
// tests) does not pull in the plugin loader.
#include "scenario/validate.hpp"

#include <algorithm>

namespace pgorch::scenario {

// The names of loaded plugins of one kind, sorted.
std::vector<std::string> RegistryCatalog::names(plugins::Kind kind) const {
    std::vector<std::string> out;
    for (const auto* p : registry_.list())
        if (p->kind() == kind) out.push_back(p->name());
    std::sort(out.begin(), out.end());
    return out;
}

// The options a loaded plugin declares, or nullptr when there is no such plugin.
const std::vector<plugins::OptionSpec>* RegistryCatalog::options(plugins::Kind kind, std::string_view name) const {
    const plugins::Plugin* p = registry_.find(kind, name);
    return p ? &p->options() : nullptr;
}

// What the step plugin declares in its requirements.
sdk::PerfCheck RegistryCatalog::perf_check(std::string_view step) const {
    const plugins::Plugin* p = registry_.find(plugins::Kind::step, step);
    return p ? p->requirements().perf_check : sdk::PerfCheck::none;
}

// The validate callback, with a host that offers no service (nothing runs yet).
std::optional<Refused> RegistryCatalog::validate(plugins::Kind kind, std::string_view name,
                                                 const boost::json::object& input) const {
    plugins::Plugin* p = registry_.find(kind, name);
    if (!p || !p->has(plugins::Callback::validate)) return std::nullopt;
    plugins::ServiceProvider nothing;
    plugins::CallOutcome out = p->call(plugins::Callback::validate, nothing, input);
    if (out.ok()) return std::nullopt;
    return Refused{out.status, out.error.empty() ? "its validate callback failed with status " + std::to_string(out.status)
                                                 : out.error};
}

// The version rule the step plugin declares in its requirements.
std::optional<sdk::VersionRule> RegistryCatalog::version_rule(std::string_view step) const {
    const plugins::Plugin* p = registry_.find(plugins::Kind::step, step);
    if (!p) return std::nullopt;
    return p->requirements().versions;
}

}  // namespace pgorch::scenario
