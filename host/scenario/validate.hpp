// Checking a parsed scenario against the plugins that are loaded (before anything runs).
#pragma once

#include "plugins/registry.hpp"
#include "scenario/model.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgorch::scenario {

// What validation needs to know about plugins; the registry implements it for real runs
// (RegistryCatalog) and unit tests fake it.
struct PluginCatalog {
    virtual ~PluginCatalog() = default;
    virtual std::vector<std::string> names(plugins::Kind kind) const = 0;  // sorted
    // nullptr when no such plugin
    virtual const std::vector<plugins::OptionSpec>* options(plugins::Kind kind, std::string_view name) const = 0;
    // The version rule a step plugin declares (nullopt: unknown plugin, or a catalog that does
    // not say): a step may leave db_version out when its rule is "same" (or unknown here).
    virtual std::optional<sdk::VersionRule> version_rule(std::string_view /*step*/) const { return std::nullopt; }
};

// A PluginCatalog over a loaded Registry (which must outlive it).
class RegistryCatalog : public PluginCatalog {
public:
    explicit RegistryCatalog(const plugins::Registry& registry) : registry_(registry) {}
    std::vector<std::string> names(plugins::Kind kind) const override;
    const std::vector<plugins::OptionSpec>* options(plugins::Kind kind, std::string_view name) const override;
    std::optional<sdk::VersionRule> version_rule(std::string_view step) const override;

private:
    const plugins::Registry& registry_;
};

// Appends to `diag` (then sorts it by position): a step without db_version whose plugin changes
// versions (every rule but "same"), a db_type with no distro plugin, a step type
// with no step plugin (the hint lists the available ones), a step `args` key that the step
// plugin does not declare (a warning when the option is flagged ignored), a required option
// missing, an args value that is not a number/boolean when the option wants one, an args value
// with bad quoting (split_args), and a perf scenario with explain or timing queries but no
// "explain" or "timing" step plugin.
void validate_against_plugins(const Scenario& scenario, const PluginCatalog& catalog, Diagnostics& diag);

}  // namespace pgorch::scenario
