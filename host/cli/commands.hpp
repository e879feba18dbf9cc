// The subcommands of pgorch-host. Each returns the process exit code.
#pragma once

#include "cli/args.hpp"
#include "plugins/registry.hpp"
#include "scenario/model.hpp"

#include <atomic>

namespace pgorch::cli {

int cmd_run(const Options& o, std::atomic<bool>& cancel);
int cmd_validate(const Options& o);
int cmd_list(const Options& o);
int cmd_plugins(const Options& o);
int cmd_provision(const Options& o, std::atomic<bool>& cancel);
int cmd_versions(const Options& o, std::atomic<bool>& cancel);
int cmd_gc(const Options& o);
int cmd_compare(const Options& o);
int cmd_explain_error(const Options& o);

// What explain-error prints for one code: the code, its name and exit code, the meaning and
// the usual fix.
std::string explain_error(const errors::Entry& e);

// Loads the plugins of the default search path plus --plugin-dir; logs refusals as warnings.
void load_plugins(const Options& o, plugins::Registry& registry, bool report_refusals = true);

// Finds, parses and validates a scenario (against the loaded plugins), printing every
// diagnostic as file:line:column. Returns the exit code to use when it is not runnable.
// With bless, expected plan files that do not exist yet are accepted (run --bless creates them).
Expected<scenario::Scenario> load_scenario(const std::string& arg, plugins::Registry& registry, bool bless = false);

// Prints an Error to stderr in the one format pgorch uses.
void print_error(const Error& e);

}  // namespace pgorch::cli
