#include "report/perf_results.hpp"

#include "report/compare.hpp"

#include "report/pyyaml.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>

namespace pgorch::report {

namespace json = boost::json;

// A case fails on its own error, any failed hook, plan or timing.
bool CaseResult::failed() const {
    if (!error.empty()) return true;
    for (const ScriptRun& h : hooks)
        if (!h.ok) return true;
    for (const ExplainResult& e : explain)
        if (e.failed()) return true;
    for (const TimingResult& t : timing)
        if (t.failed()) return true;
    return false;
}

// A target fails when it could not be set up, a setup script failed or a case failed.
bool TargetResult::failed() const {
    if (error) return true;
    for (const ScriptRun& s : setup)
        if (!s.ok) return true;
    return std::any_of(cases.begin(), cases.end(), [](const CaseResult& c) { return c.failed(); });
}

namespace {

// The seed's key order: case_name, explain_results, timing_results (+ error when it failed).
// One case in the seed's results shape.
json::object seed_case(const CaseResult& c) {
    json::array explain, timing;
    for (const ExplainResult& x : c.explain)
        explain.push_back(json::object{{"query", x.query},
                                       {"result", x.result()},
                                       {"matched_expected_file",
                                        x.matched_expected_file ? json::value(*x.matched_expected_file) : nullptr}});
    for (const TimingResult& t : c.timing)
        timing.push_back(json::object{{"query", t.query}, {"result", t.result()}, {"status", t.status()}});
    json::object o{{"case_name", c.name}, {"explain_results", std::move(explain)}, {"timing_results", std::move(timing)}};
    if (!c.error.empty()) o["error"] = c.error;
    return o;
}

json::object script_json(const ScriptRun& s) {
    return {{"kind", s.kind},         {"name", s.name},
            {"ok", s.ok},             {"exit_code", s.exit_code},
            {"timed_out", s.timed_out}, {"duration_ms", s.duration_ms},
            {"output_tail", s.output_tail}, {"log", s.log},
            {"error", s.error}};
}

json::object case_json(const CaseResult& c) {
    json::array hooks, explain, timing;
    for (const ScriptRun& h : c.hooks) hooks.push_back(script_json(h));
    for (const ExplainResult& x : c.explain) {
        json::object o = x.detail;
        o["query"] = x.query;
        o["result"] = x.result();
        o["matched_expected_file"] = x.matched_expected_file ? json::value(*x.matched_expected_file) : nullptr;
        if (!x.error.empty()) o["error"] = x.error;
        explain.push_back(std::move(o));
    }
    for (const TimingResult& t : c.timing) {
        json::object o = t.detail;
        o["query"] = t.query;
        o["result"] = t.result();
        o["status"] = t.status();
        if (!t.error.empty()) o["error"] = t.error;
        timing.push_back(std::move(o));
    }
    return {{"case_name", c.name},         {"failed", c.failed()},        {"error", c.error},
            {"duration_ms", c.duration_ms}, {"hooks", std::move(hooks)},   {"explain_results", std::move(explain)},
            {"timing_results", std::move(timing)}};
}

// A node as one line: a scalar's text, null, or compact flow YAML for a map or list.
std::string show(const YAML::Node& n) {
    if (!n.IsDefined() || n.IsNull()) return "null";
    if (n.IsScalar()) return n.Scalar();
    YAML::Emitter e;
    e.SetNullFormat(YAML::LowerNull);
    e << YAML::Flow << n;
    return e.c_str();
}

const char* shape(const YAML::Node& n) {
    if (n.IsMap()) return "a map";
    if (n.IsSequence()) return "a list";
    if (n.IsNull()) return "null";
    return "a value";
}

// Walks both trees together; map keys in the expected order, then keys only the actual has.
void compare(const YAML::Node& want, const YAML::Node& got, const std::string& path, std::vector<std::string>& out) {
    const std::string where = path.empty() ? "(root)" : path;
    if (want.IsMap() && got.IsMap()) {
        for (auto it = want.begin(); it != want.end(); ++it) {
            std::string key = it->first.Scalar();
            std::string sub = path.empty() ? key : path + "." + key;
            if (!got[key]) out.push_back(sub + ": missing (expected " + show(it->second) + ")");
            else compare(it->second, got[key], sub, out);
        }
        for (auto it = got.begin(); it != got.end(); ++it) {
            std::string key = it->first.Scalar();
            if (!want[key]) out.push_back((path.empty() ? key : path + "." + key) + ": unexpected (got " + show(it->second) + ")");
        }
    } else if (want.IsSequence() && got.IsSequence()) {
        std::size_t n = std::max(want.size(), got.size());
        for (std::size_t i = 0; i < n; ++i) {
            std::string sub = path + "[" + std::to_string(i) + "]";
            if (i >= got.size()) out.push_back(sub + ": missing (expected " + show(want[i]) + ")");
            else if (i >= want.size()) out.push_back(sub + ": unexpected (got " + show(got[i]) + ")");
            else compare(want[i], got[i], sub, out);
        }
    } else if ((want.IsNull() && got.IsNull()) || (want.IsScalar() && got.IsScalar() && want.Scalar() == got.Scalar())) {
        return;
    } else if (want.IsScalar() || got.IsScalar() || want.IsNull() || got.IsNull()) {
        out.push_back(where + ": expected " + show(want) + ", got " + show(got));
    } else {
        out.push_back(where + ": expected " + shape(want) + ", got " + shape(got));
    }
}

}  // namespace

// The seed's shape, written as the original tool's PyYAML wrote it (versions quoted: '16.4').
std::string results_yaml(const PerfResults& results) {
    json::array targets;
    for (const TargetResult& t : results.targets) {
        json::array cases;
        for (const CaseResult& c : t.cases) cases.push_back(seed_case(c));
        json::object o{{"test_version", t.version},
                       {"test_edition", t.edition ? json::value(*t.edition) : nullptr},
                       {"cases", std::move(cases)}};
        if (t.error) o["error"] = t.error->message;
        targets.push_back(std::move(o));
    }
    return pyyaml_dump(json::object{{"test_results", std::move(targets)}});
}

// Everything the YAML has plus the details of each target, case, script and query.
json::object results_json(const PerfResults& results) {
    json::array targets;
    for (const TargetResult& t : results.targets) {
        json::array setup, cases;
        for (const ScriptRun& s : t.setup) setup.push_back(script_json(s));
        for (const CaseResult& c : t.cases) cases.push_back(case_json(c));
        json::object o{{"db_type", t.db_type},
                       {"test_version", t.version},
                       {"test_edition", t.edition ? json::value(*t.edition) : nullptr},
                       {"exact_version", t.exact_version},
                       {"db_version", t.written.empty() ? t.version : t.written},
                       {"install", t.install},
                       {"cluster", t.cluster_id},
                       {"failed", t.failed()},
                       {"duration_ms", t.duration_ms},
                       {"server_log", t.server_log},
                       {"log_dir", t.log_dir},
                       {"setup", std::move(setup)},
                       {"cases", std::move(cases)}};
        if (t.error) o["error"] = json::object{{"message", t.error->message}, {"hint", t.error->hint},
                                               {"exit_code", static_cast<int>(t.error->code)}, {"code", t.error->tag()}};
        targets.push_back(std::move(o));
    }
    json::array blessed;
    for (const BlessedFile& b : results.blessed)
        blessed.push_back(json::object{{"target", b.target}, {"case", b.case_name}, {"query", b.query},
                                       {"file", b.file}, {"path", b.path.string()}, {"created", b.created},
                                       {"error", b.error}});
    json::array differences(results.expected_differences.begin(), results.expected_differences.end());
    json::array comparisons;
    for (const DistroComparison& c : compare_distributions(results)) comparisons.push_back(c.to_json());
    return {{"kind", "perf"},
            {"scenario", results.scenario},
            {"scenario_dir", results.scenario_dir.string()},
            {"exit_code", static_cast<int>(exit_code(results))},
            {"duration_ms", results.duration_ms},
            {"compared_with_expected", results.compared_with_expected},
            {"expected_differences", std::move(differences)},
            {"blessed", std::move(blessed)},
            {"test_results", std::move(targets)},
            {"distribution_comparisons", std::move(comparisons)}};
}

std::vector<std::string> compare_yaml(const YAML::Node& expected, const YAML::Node& actual) {
    std::vector<std::string> out;
    compare(expected, actual, "", out);
    return out;
}

// YAML parse errors become an Error naming the side that failed.
Expected<std::vector<std::string>> compare_yaml_text(const std::string& expected, const std::string& actual) {
    YAML::Node want, got;
    try {
        want = YAML::Load(expected);
    } catch (const YAML::Exception& e) {
        return Error::invalid("expected results are not valid YAML: " + std::string(e.what()));
    }
    try {
        got = YAML::Load(actual);
    } catch (const YAML::Exception& e) {
        return Error::invalid("actual results are not valid YAML: " + std::string(e.what()));
    }
    return compare_yaml(want, got);
}

// Worst outcome wins: interrupted, then environment, then invalid input, then a failed check.
ExitCode exit_code(const PerfResults& results) {
    auto rank = [](ExitCode c) {
        switch (c) {
        case ExitCode::interrupted: return 4;
        case ExitCode::environment: return 3;
        case ExitCode::invalid_input: return 2;
        case ExitCode::check_failed: return 1;
        default: return 0;
        }
    };
    ExitCode worst = ExitCode::passed;
    auto raise = [&](ExitCode c) { if (rank(c) > rank(worst)) worst = c; };
    for (const TargetResult& t : results.targets) {
        if (t.error) raise(t.error->code);
        else if (t.failed()) raise(ExitCode::check_failed);
    }
    for (const BlessedFile& b : results.blessed)
        if (!b.error.empty()) raise(ExitCode::check_failed);
    if (!results.expected_differences.empty()) raise(ExitCode::check_failed);
    return worst;
}

// Rows of target, case, plans, timings and verdict, padded to the widest cell of each column.
std::string summary_table(const PerfResults& results) {
    std::vector<std::array<std::string, 5>> rows{{"target", "case", "plans", "timings (median / limit)", "result"}};
    for (const TargetResult& t : results.targets) {
        std::string name = t.db_type + " " + t.version + (t.edition ? " " + *t.edition : "");
        if (t.error) rows.push_back({name, "-", "-", "-", "error: " + t.error->message});
        for (const ScriptRun& s : t.setup)
            if (!s.ok) rows.push_back({name, "-", "-", "-", s.kind + " \"" + s.name + "\" failed"});
        for (const CaseResult& c : t.cases) {
            std::size_t match = 0, within = 0;
            std::string times;
            for (const ExplainResult& x : c.explain) match += x.verdict == sdk::PlanVerdict::match;
            for (const TimingResult& tm : c.timing) {
                within += tm.success;
                const json::value* stats = tm.detail.if_contains("stats");
                const json::value* med = stats && stats->is_object() ? stats->as_object().if_contains("median") : nullptr;
                const json::value* limit = tm.detail.if_contains("limit_ms");
                if (med && limit && med->is_number() && limit->is_number())
                    times += fmt::format(" {:.1f}/{:.0f}", med->to_number<double>(), limit->to_number<double>());
            }
            std::string plans = c.explain.empty() ? "-" : fmt::format("{}/{} match", match, c.explain.size());
            std::string timings = c.timing.empty() ? "-" : fmt::format("{}/{} within{}", within, c.timing.size(), times);
            rows.push_back({name, c.name, plans, timings, c.failed() ? (c.error.empty() ? "FAILED" : "FAILED: " + c.error) : "ok"});
        }
    }
    std::array<std::size_t, 5> width{};
    for (const auto& r : rows)
        for (std::size_t i = 0; i < 4; ++i) width[i] = std::max(width[i], r[i].size());
    std::string out;
    for (const auto& r : rows)
        out += fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<{}}  {}\n", r[0], width[0], r[1], width[1], r[2], width[2], r[3],
                           width[3], r[4]);
    for (const std::string& d : results.expected_differences) out += "differs from expected/conf.yaml: " + d + "\n";
    for (const BlessedFile& b : results.blessed)
        out += b.error.empty() ? fmt::format("blessed: {} ({}{})\n", b.path.string(), b.target, b.created ? ", created" : "")
                               : fmt::format("bless failed: {}: {}\n", b.path.string(), b.error);
    return out;
}

}  // namespace pgorch::report
