// pgorch SDK: query plans of the perf checks: preparing an EXPLAIN statement from a query file,
// the plan text as `psql -XAt -c "EXPLAIN ..."` prints it, normalization, and matching against
// expected files (which file matched, or a unified diff against the closest one).
// Header-only (standard library and pgorch/diff.hpp): the explain plugin matches with it and the
// host uses the same code when --bless writes an expected file.
#pragma once

#include <pgorch/diff.hpp>
#include <pgorch/util.hpp>

#include <cstddef>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace pgorch::sdk {

// Opt-in normalizations (plugins/step/explain/README.md). Always applied: trailing whitespace,
// blank lines and `Query Identifier:` lines are dropped, and a final newline does not matter.
struct PlanNormalization {
    bool numbers_in_names = false;  // t_1 -> t_N, SubPlan 2 -> SubPlan N, $3 -> $N
    bool worker_counts = false;     // Workers Planned/Launched: 4 -> N
    bool costs = false;             // drops "(cost=... rows=... width=...)"
    bool actuals = false;           // drops "(actual time=... rows=... loops=...)" and timing lines

    static const std::vector<std::string>& known_names() {
        static const std::vector<std::string> names = {"numbers_in_names", "worker_counts", "costs", "actuals"};
        return names;
    }
    // Names as written in the option `normalize` (case-sensitive). Unknown names are returned
    // in `unknown` and ignored.
    static PlanNormalization parse(const std::vector<std::string>& names, std::vector<std::string>* unknown = nullptr) {
        PlanNormalization n;
        for (const std::string& name : names) {
            if (name == "numbers_in_names") n.numbers_in_names = true;
            else if (name == "worker_counts") n.worker_counts = true;
            else if (name == "costs") n.costs = true;
            else if (name == "actuals") n.actuals = true;
            else if (unknown) unknown->push_back(name);
        }
        return n;
    }
};

namespace detail {

// Removes spaces, tabs and carriage returns at the end.
inline std::string_view trim_right(std::string_view s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}
inline std::string_view trim_left(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    return s;
}
inline bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

struct PlanRule {
    std::regex pattern;
    const char* replacement;
};

// The rewrites of each opt-in normalization, compiled once.
inline const std::vector<PlanRule>& numbers_in_names_rules() {
    static const std::vector<PlanRule> rules = {
        {std::regex(R"(\b(SubPlan|InitPlan) \d+)"), "$1 N"},
        {std::regex(R"(\$\d+)"), "$$N"},
        {std::regex(R"(\*SELECT\* \d+)"), "*SELECT* N"},
        {std::regex(R"(\b([A-Za-z_][A-Za-z0-9_]*?)_\d+\b)"), "$1_N"},
    };
    return rules;
}
inline const std::vector<PlanRule>& worker_count_rules() {
    static const std::vector<PlanRule> rules = {
        {std::regex(R"(\b(Workers (?:Planned|Launched)): \d+)"), "$1: N"},
        {std::regex(R"(\bWorker \d+:)"), "Worker N:"},
    };
    return rules;
}
inline const std::vector<PlanRule>& cost_rules() {
    static const std::vector<PlanRule> rules = {{std::regex(R"( *\(cost=[^)]*\))"), ""}};
    return rules;
}
inline const std::vector<PlanRule>& actual_rules() {
    static const std::vector<PlanRule> rules = {{std::regex(R"( *\(actual [^)]*\))"), ""},
                                                {std::regex(R"( *\(never executed\))"), ""}};
    return rules;
}

// Applies each rule in order to one line.
inline std::string apply(std::string line, const std::vector<PlanRule>& rules) {
    for (const PlanRule& r : rules) line = std::regex_replace(line, r.pattern, r.replacement);
    return line;
}

}  // namespace detail

// The statement to put after `EXPLAIN (...)`: the query file without trailing whitespace,
// trailing whole-line `--` comments and trailing semicolons. Empty when the file holds no query.
inline std::string prepare_explain_query(std::string_view file_text) {
    using detail::starts_with, detail::trim_left, detail::trim_right;
    std::vector<std::string> lines = split_lines(file_text);
    while (!lines.empty()) {
        std::string_view t = trim_left(trim_right(lines.back()));
        if (!t.empty() && !starts_with(t, "--")) break;
        lines.pop_back();
    }
    std::string q;
    for (const std::string& l : lines) q.append(l).append("\n");
    while (!q.empty() && (q.back() == ';' || q.back() == '\n' || q.back() == ' ' || q.back() == '\t' || q.back() == '\r'))
        q.pop_back();
    // Only blank lines and comments left: no query.
    for (const std::string& l : split_lines(q)) {
        std::string_view t = trim_left(trim_right(l));
        if (!t.empty() && !starts_with(t, "--")) return q;
    }
    return {};
}

// Plan rows (the `QUERY PLAN` column) joined the way `psql -XAt` prints them: one per line,
// each ending with "\n".
inline std::string plan_text(const std::vector<std::string>& rows) {
    std::string out;
    for (const std::string& r : rows) out.append(r).append("\n");
    return out;
}

// The normalized form compared for a match: one line per plan line, "\n" after each. Line-wise:
// opt-in rewrites, trailing whitespace, then blank and `Query Identifier:` lines dropped.
inline std::string normalize_plan(std::string_view plan, const PlanNormalization& norm) {
    using detail::apply, detail::starts_with, detail::trim_left, detail::trim_right;
    std::string out;
    for (std::string line : split_lines(plan)) {
        if (starts_with(trim_left(line), "Query Identifier:")) continue;
        if (norm.actuals) {
            std::string_view t = trim_left(line);
            if (starts_with(t, "Planning Time:") || starts_with(t, "Execution Time:")) continue;
            line = apply(std::move(line), detail::actual_rules());
        }
        if (norm.costs) line = apply(std::move(line), detail::cost_rules());
        if (norm.worker_counts) line = apply(std::move(line), detail::worker_count_rules());
        if (norm.numbers_in_names) line = apply(std::move(line), detail::numbers_in_names_rules());
        std::string_view t = trim_right(line);
        if (trim_left(t).empty()) continue;
        out.append(t).append("\n");
    }
    return out;
}

// One expected plan file of an explain query.
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
// matches; otherwise the existing file with the fewest changed lines is diffed against the
// actual plan (with no existing file the diff is against an empty text labelled "(none)").
inline PlanMatch match_plan(std::string_view actual, const std::vector<ExpectedPlan>& expected,
                            const PlanNormalization& norm) {
    PlanMatch m;
    const std::string got = normalize_plan(actual, norm);
    std::vector<std::optional<std::string>> normalized;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        normalized.push_back(expected[i].text ? std::optional(normalize_plan(*expected[i].text, norm)) : std::nullopt);
        if (normalized.back() && *normalized.back() == got) {
            m.matched = true;
            m.matched_index = i;
            return m;
        }
    }
    const std::vector<std::string> got_lines = split_lines(got);
    for (std::size_t i = 0; i < expected.size(); ++i) {
        if (!normalized[i]) continue;
        std::size_t changed = count_changed_lines(split_lines(*normalized[i]), got_lines);
        if (!m.closest_index || changed < m.closest_changed_lines) {
            m.closest_index = i;
            m.closest_changed_lines = changed;
        }
    }
    if (m.closest_index)
        m.diff = unified_diff(*normalized[*m.closest_index], got, "expected/" + expected[*m.closest_index].name, "actual");
    else {
        m.closest_changed_lines = got_lines.size();
        m.diff = unified_diff("", got, "(none)", "actual");
    }
    return m;
}

}  // namespace pgorch::sdk
