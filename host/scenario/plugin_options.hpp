// Where each plugin's options come from in a scenario, and their check against the plugin's
// declaration (before anything runs; `validate` and `run` both go through it):
//   - a step: the keys of its `args:` map, and the keys of the step itself that are not the
//     host's step keys (`- type: migrate\n  migrations: app/migrations`), each an option of the
//     step's plugin (a YAML list for a string list);
//   - a perf check or a distro: `args: <plugin>: "--key=value ..."` at the top level (a word
//     without "=" is "true"; leading dashes go, "-" in a key reads as "_").
// Unknown, doubled, mistyped and missing required options are errors with file:line:column
// (an unknown one with a "Did you mean" hint); an option flagged ignored is a warning. What
// passes is converted once to the declared types (plugins/options.hpp); a path is resolved inside
// the scenario folder.
#pragma once

#include "plugins/options.hpp"
#include "plugins/registry.hpp"
#include "scenario/model.hpp"

#include <boost/json.hpp>

#include <string>
#include <vector>

namespace pgorch::scenario {

// One option as the scenario wrote it.
struct RawOption {
    std::string key;
    plugins::OptionValue value;
    SourceLocation where;
};

// The `--key=value` words of a text as raw options, all located at the text; an Error for a
// text that does not split into words or a word with no key.
Expected<std::vector<RawOption>> option_words(const Text& text);

// How messages name the options' owner and place.
struct OptionOwner {
    plugins::Kind kind = plugins::Kind::step;
    std::string name;           // the plugin's name
    std::string place;          // "in step 2", "in \"args\""
    std::string missing_prefix; // "step 2 (pg_upgrade)", "step plugin \"timing\""
    std::string missing_hint;   // "Add it under the step's \"args\"."
    SourceLocation where;       // of a missing required option
};

// Checks `raw` against `specs` into `diag` and returns the options that passed, typed. A path
// option is resolved inside `scenario_dir` (scenario/files.hpp resolve_path) to its absolute path.
boost::json::object check_options(const std::vector<plugins::OptionSpec>& specs, const std::vector<RawOption>& raw,
                                  const OptionOwner& owner, const fs::path& scenario_dir, Diagnostics& diag);

}  // namespace pgorch::scenario
