// Values of plugin options flagged PGORCH_OPTF_SECRET, registered as secrets before a run.
#pragma once

#include "plugins/registry.hpp"
#include "scenario/model.hpp"

namespace pgorch::engine {

// Registers (core/secret.hpp) every value the scenario gives an option that its plugin flags
// secret, from the options the validation typed: each step's, each perf check's and each
// distro's (`args: {DISTRO: "--key=value ..."}`). A number or boolean is never a secret.
void register_secret_options(const scenario::Scenario& sc, const plugins::Registry& registry);

}  // namespace pgorch::engine
