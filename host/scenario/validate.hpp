// Checking a parsed scenario against the plugins that are loaded (before anything runs).
#pragma once

#include "plugins/registry.hpp"
#include "scenario/model.hpp"

#include <pgorch/step.hpp>

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgorch::scenario {

// Why a plugin's validate callback refused its input.
struct Refused {
    int32_t status = PGORCH_ERR_INVALID;
    std::string message;
};

// What validation needs to know about plugins; the registry implements it for real runs
// (RegistryCatalog) and unit tests fake it.
struct PluginCatalog {
    virtual ~PluginCatalog() = default;
    virtual std::vector<std::string> names(plugins::Kind kind) const = 0;  // sorted
    // nullptr when no such plugin
    virtual const std::vector<plugins::OptionSpec>* options(plugins::Kind kind, std::string_view name) const = 0;
    // The perf check contract a step plugin declares (none for an upgrade step or an unknown one).
    virtual sdk::PerfCheck perf_check(std::string_view step) const = 0;
    // Calls the plugin's validate callback with `input`: its status and message when it refuses
    // the input, nullopt when it accepts it or has no validate callback.
    virtual std::optional<Refused> validate(plugins::Kind kind, std::string_view name,
                                            const boost::json::object& input) const {
        return std::nullopt;
    }
    // The version rule a step plugin declares (nullopt: unknown plugin, or a catalog that does
    // not say): a step may leave db_version out when its rule is "same" (or unknown here).
    virtual std::optional<sdk::VersionRule> version_rule(std::string_view /*step*/) const { return std::nullopt; }
};

// A PluginCatalog over a loaded Registry (which must outlive it).
class RegistryCatalog : public PluginCatalog {
public:
    explicit RegistryCatalog(plugins::Registry& registry) : registry_(registry) {}
    std::vector<std::string> names(plugins::Kind kind) const override;
    const std::vector<plugins::OptionSpec>* options(plugins::Kind kind, std::string_view name) const override;
    sdk::PerfCheck perf_check(std::string_view step) const override;
    std::optional<Refused> validate(plugins::Kind kind, std::string_view name,
                                    const boost::json::object& input) const override;
    std::optional<sdk::VersionRule> version_rule(std::string_view step) const override;

private:
    plugins::Registry& registry_;
};

// Appends to `diag` (then sorts it by position), for everything a run would refuse because of a
// plugin: a step without db_version whose plugin changes versions (every rule but "same"), a
// db_type with no distro plugin, a step type with no step plugin (the hint lists the available
// ones), a perf scenario with explain or timing queries but no plugin declaring that
// perf check (scenario/perf_checks.hpp), an args value with bad quoting (split_args), and the
// options of every plugin the scenario uses (scenario/plugin_options.hpp: unknown, doubled,
// mistyped, missing required; an option flagged ignored is a warning). Then every plugin's
// validate callback with its typed options: each step's; each perf check's; each distro's with
// its options alone when the scenario gives some (the version plan asks a distro about each
// version the scenario names: engine/versions.cpp, Resolver::check).
// Fills the scenario's typed options (UpgradeStep::options, Scenario::perf_check_options,
// Scenario::distro_options) for the engine.
void validate_against_plugins(Scenario& scenario, const PluginCatalog& catalog, Diagnostics& diag);

}  // namespace pgorch::scenario
