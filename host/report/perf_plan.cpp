#include "report/perf_plan.hpp"

#include "report/diff.hpp"

#include <regex>

namespace pgorch::report {

namespace {

// Removes spaces, tabs and carriage returns at the end.
std::string_view trim_right(std::string_view s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

std::string_view trim_left(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    return s;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

struct Rule {
    std::regex pattern;
    const char* replacement;
};

// The rewrites of each opt-in normalization, compiled once.
const std::vector<Rule>& numbers_in_names_rules() {
    static const std::vector<Rule> rules = {
        {std::regex(R"(\b(SubPlan|InitPlan) \d+)"), "$1 N"},
        {std::regex(R"(\$\d+)"), "$$N"},
        {std::regex(R"(\*SELECT\* \d+)"), "*SELECT* N"},
        {std::regex(R"(\b([A-Za-z_][A-Za-z0-9_]*?)_\d+\b)"), "$1_N"},
    };
    return rules;
}
const std::vector<Rule>& worker_count_rules() {
    static const std::vector<Rule> rules = {
        {std::regex(R"(\b(Workers (?:Planned|Launched)): \d+)"), "$1: N"},
        {std::regex(R"(\bWorker \d+:)"), "Worker N:"},
    };
    return rules;
}
const std::vector<Rule>& cost_rules() {
    static const std::vector<Rule> rules = {{std::regex(R"( *\(cost=[^)]*\))"), ""}};
    return rules;
}
const std::vector<Rule>& actual_rules() {
    static const std::vector<Rule> rules = {{std::regex(R"( *\(actual [^)]*\))"), ""},
                                            {std::regex(R"( *\(never executed\))"), ""}};
    return rules;
}

// Applies each rule in order to one line.
std::string apply(std::string line, const std::vector<Rule>& rules) {
    for (const Rule& r : rules) line = std::regex_replace(line, r.pattern, r.replacement);
    return line;
}

}  // namespace

const std::vector<std::string>& PlanNormalization::known_names() {
    static const std::vector<std::string> names = {"numbers_in_names", "worker_counts", "costs", "actuals"};
    return names;
}

// Sets the flag of each known name; collects the others.
PlanNormalization PlanNormalization::parse(const std::vector<std::string>& names, std::vector<std::string>* unknown) {
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

// Drops trailing blank and `--` comment lines, then trailing whitespace and semicolons.
std::string prepare_explain_query(std::string_view file_text) {
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

// One row per line, each followed by a newline, as psql's unaligned tuples-only output.
std::string plan_text(const std::vector<std::string>& rows) {
    std::string out;
    for (const std::string& r : rows) out.append(r).append("\n");
    return out;
}

// Line-wise: opt-in rewrites, trailing whitespace, then blank and `Query Identifier:` lines dropped.
std::string normalize_plan(std::string_view plan, const PlanNormalization& norm) {
    std::string out;
    for (std::string line : split_lines(plan)) {
        if (starts_with(trim_left(line), "Query Identifier:")) continue;
        if (norm.actuals) {
            std::string_view t = trim_left(line);
            if (starts_with(t, "Planning Time:") || starts_with(t, "Execution Time:")) continue;
            line = apply(std::move(line), actual_rules());
        }
        if (norm.costs) line = apply(std::move(line), cost_rules());
        if (norm.worker_counts) line = apply(std::move(line), worker_count_rules());
        if (norm.numbers_in_names) line = apply(std::move(line), numbers_in_names_rules());
        std::string_view t = trim_right(line);
        if (trim_left(t).empty()) continue;
        out.append(t).append("\n");
    }
    return out;
}

// First equal expected plan wins; otherwise the existing file with the fewest changed lines is diffed.
PlanMatch match_plan(std::string_view actual, const std::vector<ExpectedPlan>& expected,
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

}  // namespace pgorch::report
