// Reading a scenario folder's conf.yaml (the original tool's format) into the model.
#pragma once

#include "scenario/model.hpp"

#include <string_view>
#include <vector>

namespace pgorch::scenario {

// Parses `dir`/conf.yaml (kind: perf or kind: upgrade) into `out`, resolving every file it
// names inside `dir` (see files.hpp for the lookup order of each field). Never throws on bad
// input: every problem is collected, in file order, as an Error with code invalid_input and a
// location (file = `dir`/conf.yaml as given, 1-based line and column), plus warnings (e.g. a
// perf scenario without cases). `out` is filled as far as the input allows; it must not be run
// unless the result is ok(). Versions are kept exactly as written ("16.10" is not 16.1);
// db_type defaults to "pgdg" and steps inherit the scenario's db_type.
Diagnostics parse_scenario(const fs::path& dir, Scenario& out);

struct ParseOptions {
    // For `run --bless`: an expected plan file that does not exist yet is accepted (bless creates
    // it at the first place it would be looked for) instead of being an error.
    bool allow_missing_expected = false;
};
Diagnostics parse_scenario(const fs::path& dir, Scenario& out, const ParseOptions& options);

// The keys of a step the host reads itself (type, db_version, args ...). Any other key of a step
// is an option of its plugin (UpgradeStep::plugin_keys), or an error the validation reports.
const std::vector<std::string_view>& step_keys();

}  // namespace pgorch::scenario
