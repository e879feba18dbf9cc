// One db_params entry of a perf scenario, on its provisioned installation: fresh cluster, initial_script,
// configuration, db_initial_script, then each case (pre_hook, explain, timing, post_hook).
// Internal to the perf flow (engine/perf.cpp).
#pragma once

#include "engine/engine.hpp"
#include "report/perf_results.hpp"

#include <pgorch/step.hpp>

#include <boost/json.hpp>

#include <string>

namespace pgorch::plugins { class Plugin; }

namespace pgorch::engine::perf {

// A perf check plugin of the run: the one the table of scenario/perf_checks.hpp names for a
// manifest key, found in the registry and declaring that check's contract.
struct PerfCheckPlugin {
    plugins::Plugin* plugin = nullptr;      // null when no case uses this check
    boost::json::object options;            // its options, typed by the validation
};

// What every target of the run shares: a plugin per perf check contract.
struct PerfPlugins {
    PerfCheckPlugin plan, timing;
    PerfCheckPlugin& of(sdk::PerfCheck check) { return check == sdk::PerfCheck::timing ? timing : plan; }
};

// The cluster id of the index-th target (0-based): "t1-15.20".
std::string target_cluster_id(std::size_t index, const std::string& version);

// Runs one target; never throws for user-caused problems (they land in the result).
report::TargetResult run_target(RunContext& ctx, const scenario::DbTarget& target, std::size_t index,
                                const cluster::Install& install, const PerfPlugins& plugins);

}  // namespace pgorch::engine::perf
