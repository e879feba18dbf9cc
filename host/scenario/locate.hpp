// Finding a scenario from the command line, listing scenarios, and a one-line summary.
#pragma once

#include "scenario/model.hpp"

#include <string>
#include <vector>

namespace pgorch::scenario {

// `arg` is a folder holding conf.yaml (or the conf.yaml file itself), or the name of a folder
// under `scenarios_root`. Returns the folder (absolute). When nothing matches, the Error lists
// the available names, like the original tool ("You must input the scenario name, example: ...").
Expected<fs::path> resolve_scenario(const std::string& arg, const fs::path& scenarios_root);

// True when `dir` is a folder with an entry named conf.yaml of any kind (a folder, a FIFO, a
// symbolic link loop too): the parser then says what is wrong with it, rather than "not found".
bool has_manifest(const fs::path& dir);

// Names of the folders directly under `root` that hold a conf.yaml, sorted; empty when `root`
// does not exist.
std::vector<std::string> list_scenarios(const fs::path& root);

// One line: "upgrade: pgdg 15.18 -> pg_upgrade 17.11 -> minor 17.12 (2 steps)" or
// "perf: pgdg 16.4, ttdb 15.6.1 (2 cases, 3 explain, 1 timing queries)".
std::string summarize(const Scenario& scenario);

}  // namespace pgorch::scenario
