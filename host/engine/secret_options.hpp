// Values of plugin options flagged PGORCH_OPTF_SECRET, registered as secrets before a run.
#pragma once

#include "plugins/registry.hpp"
#include "scenario/model.hpp"

namespace pgorch::engine {

// Registers (core/secret.hpp) every value the scenario gives an option that its plugin flags
// secret: a step's `args: {KEY: VALUE}` (KEY an option of the step's plugin), a top-level
// `args: {PLUGIN: VALUE}` of a step plugin that declares an option PLUGIN, and the
// `--key=value` words of a top-level `args: {DISTRO: "..."}` (key an option of that distro).
void register_secret_options(const scenario::Scenario& sc, const plugins::Registry& registry);

}  // namespace pgorch::engine
