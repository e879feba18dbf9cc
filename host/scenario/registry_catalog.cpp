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

std::optional<sdk::VersionRule> RegistryCatalog::version_rule(std::string_view step) const {
    const plugins::Plugin* p = registry_.find(plugins::Kind::step, step);
    if (!p) return std::nullopt;
    return p->requirements().versions;
}

}  // namespace pgorch::scenario
