// One db_params entry of a perf scenario, on its provisioned installation: fresh cluster, initial_script,
// configuration, db_initial_script, then each case (pre_hook, explain, timing, post_hook).
// Internal to the perf flow (engine/perf.cpp).
#pragma once

#include "engine/engine.hpp"
#include "report/perf_results.hpp"

#include <boost/json.hpp>

#include <string>

namespace pgorch::plugins { class Plugin; }

namespace pgorch::engine::perf {

// What every target of the run shares.
struct PerfPlugins {
    plugins::Plugin* explain = nullptr;     // null when no case has explain queries
    plugins::Plugin* timing = nullptr;      // null when no case has timing queries
    boost::json::object explain_options;    // from the scenario's `args: explain:`
    boost::json::object timing_options;     // from the scenario's `args: timing:`
};

// The cluster id of the index-th target (0-based): "t1-15.20".
std::string target_cluster_id(std::size_t index, const std::string& version);

// Runs one target; never throws for user-caused problems (they land in the result).
report::TargetResult run_target(RunContext& ctx, const scenario::DbTarget& target, std::size_t index,
                                const cluster::Install& install, const PerfPlugins& plugins);

}  // namespace pgorch::engine::perf
