// Query plans of the perf module: preparing an EXPLAIN statement from a query file, the plan text
// as `psql -XAt -c "EXPLAIN ..."` prints it, normalization, and matching against expected files
// (which file matched, or a unified diff against the closest one).
//
// Self-contained (standard library and report/diff only) so that the explain plugin compiles it
// in and the unit tests exercise the very same code.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgorch::report {

// Opt-in normalizations (plugins/step/explain/README.md). Always applied: trailing whitespace,
// blank lines and `Query Identifier:` lines are dropped, and a final newline does not matter.
struct PlanNormalization {
    bool numbers_in_names = false;  // t_1 -> t_N, SubPlan 2 -> SubPlan N, $3 -> $N
    bool worker_counts = false;     // Workers Planned/Launched: 4 -> N
    bool costs = false;             // drops "(cost=... rows=... width=...)"
    bool actuals = false;           // drops "(actual time=... rows=... loops=...)" and timing lines

    // Names as written in the option `normalize` (case-sensitive). Unknown names are returned
    // in `unknown` and ignored.
    static PlanNormalization parse(const std::vector<std::string>& names, std::vector<std::string>* unknown = nullptr);
    static const std::vector<std::string>& known_names();
};

// The statement to put after `EXPLAIN (...)`: the query file without trailing whitespace,
// trailing whole-line `--` comments and trailing semicolons. Empty when the file holds no query.
std::string prepare_explain_query(std::string_view file_text);

// Plan rows (the `QUERY PLAN` column) joined the way `psql -XAt` prints them: one per line,
// each ending with "\n".
std::string plan_text(const std::vector<std::string>& rows);

// The normalized form compared for a match: one line per plan line, "\n" after each.
std::string normalize_plan(std::string_view plan, const PlanNormalization& norm);

struct ExpectedPlan {
    std::string name;                  // as written in the scenario
    std::optional<std::string> text;   // nullopt: the file does not exist (yet)
};

struct PlanMatch {
    bool matched = false;
    std::optional<std::size_t> matched_index;  // into the expected list
    std::optional<std::size_t> closest_index;  // fewest differing lines (first on a tie); set on mismatch
    std::size_t closest_changed_lines = 0;
    std::string diff;                          // unified diff closest -> actual (normalized texts)
};

// Compares the actual plan with each expected plan after normalization. The first equal one
// matches; otherwise the closest existing file is diffed against the actual plan (with no
// existing file the diff is against an empty text labelled "(none)").
PlanMatch match_plan(std::string_view actual, const std::vector<ExpectedPlan>& expected,
                     const PlanNormalization& norm);

}  // namespace pgorch::report
