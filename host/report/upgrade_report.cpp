// Rendering upgrade results: JSON, the seed-shaped YAML, and the console summary.
#include "report/upgrade_report.hpp"

#include "report/pyyaml.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace pgorch::report {

namespace json = boost::json;

namespace {

json::object script_json(const UpgradeScript& s) {
    return {{"kind", s.kind}, {"name", s.name}, {"ok", s.ok}, {"exit_code", s.exit_code},
            {"duration_ms", s.duration_ms}, {"log", s.log}, {"error", s.error}, {"error_code", s.error_code}};
}

// "1.2 s", "350 ms", "-" for unknown.
std::string human_ms(double ms) {
    if (ms < 0) return "-";
    if (ms < 1000) return fmt::format("{:.0f} ms", ms);
    return fmt::format("{:.1f} s", ms / 1000);
}

// "12.3 MB", "-" for unknown.
std::string human_bytes(long long b) {
    if (b < 0) return "-";
    if (b < 1024 * 1024) return fmt::format("{:.0f} kB", b / 1024.0);
    return fmt::format("{:.1f} MB", b / (1024.0 * 1024.0));
}

std::string method_of(const UpgradeStepResult& s) {
    return s.variant.empty() ? s.method : s.method + " (" + s.variant + ")";
}

}  // namespace

bool UpgradeResults::passed() const {
    if (!error.empty()) return false;
    for (const auto& s : initial)
        if (!s.ok) return false;
    for (const auto& s : steps)
        if (s.verdict != "passed") return false;
    return true;
}

json::object upgrade_json(const UpgradeResults& r) {
    json::array initial, steps;
    for (const auto& s : r.initial) initial.push_back(script_json(s));
    for (const auto& s : r.steps) {
        json::array scripts, logs, diffs;
        for (const auto& x : s.scripts) scripts.push_back(script_json(x));
        for (const auto& l : s.logs) logs.emplace_back(l);
        for (const auto& d : s.differences) diffs.emplace_back(d);
        json::object step{
            {"index", s.index}, {"method", s.method}, {"variant", s.variant}, {"from_version", s.from_version},
            {"to_version", s.to_version}, {"cluster_before", s.cluster_before}, {"cluster_after", s.cluster_after},
            {"verdict", s.verdict}, {"error", s.error}, {"error_code", s.error_code}, {"duration_ms", s.duration_ms},
            {"downtime_ms", s.downtime_ms},
            {"size_before", s.size_before}, {"size_after", s.size_after}, {"snapshot_ms", s.snapshot_ms},
            {"metrics", s.metrics}, {"logs", std::move(logs)}, {"scripts", std::move(scripts)},
            {"verification", s.verification}, {"differences", std::move(diffs)}};
        if (!s.details.empty()) step["details"] = s.details;
        if (!s.report.empty()) step["report"] = s.report.to_json();
        steps.push_back(std::move(step));
    }
    return {{"kind", "upgrade"}, {"scenario", r.scenario}, {"run_id", r.run_id}, {"db_type", r.db_type},
            {"db_version", r.start_version}, {"passed", r.passed()}, {"error", r.error},
            {"error_code", r.failure ? r.failure->tag() : ""},
            {"duration_ms", r.duration_ms}, {"versions", r.versions}, {"initial_scripts", std::move(initial)},
            {"steps", std::move(steps)}};
}

// The seed's upgrade conf.yaml keys, plus the results.
std::string upgrade_yaml(const UpgradeResults& r) {
    json::array steps;
    for (const auto& st : r.steps) {
        json::object o{{"type", st.method}, {"db_version", st.to_version}};
        if (!st.variant.empty()) o["variant"] = st.variant;
        o["from_version"] = st.from_version;
        o["result"] = st.verdict;
        if (!st.error.empty()) o["error"] = st.error;
        o["duration_ms"] = static_cast<long long>(st.duration_ms);
        o["downtime_ms"] = static_cast<long long>(st.downtime_ms);
        o["size_before"] = st.size_before;
        o["size_after"] = st.size_after;
        if (!st.differences.empty()) o["differences"] = json::value_from(st.differences);
        if (!st.logs.empty()) o["logs"] = json::value_from(st.logs);
        steps.push_back(std::move(o));
    }
    json::object doc{{"kind", "upgrade"}, {"db_type", r.db_type}, {"db_version", r.start_version},
                     {"result", r.passed() ? "passed" : "failed"}};
    if (!r.error.empty()) doc["error"] = r.error;
    doc["steps"] = std::move(steps);
    return pyyaml_dump(doc);
}

std::string upgrade_summary(const UpgradeResults& r) {
    std::string out = fmt::format("{:<3} {:<20} {:<18} {:>9} {:>9} {:>19}  {}\n", "#", "method", "from -> to",
                                  "duration", "downtime", "size before/after", "verdict");
    for (const auto& s : r.steps)
        out += fmt::format("{:<3} {:<20} {:<18} {:>9} {:>9} {:>19}  {}\n", s.index, method_of(s),
                           s.from_version + " -> " + s.to_version, human_ms(s.duration_ms), human_ms(s.downtime_ms),
                           human_bytes(s.size_before) + "/" + human_bytes(s.size_after), s.verdict);
    auto coded = [](const std::string& code, const std::string& text) {
        return code.empty() ? text : "error[" + code + "]: " + text;
    };
    for (const auto& s : r.initial)
        if (!s.ok) out += fmt::format("\n{} \"{}\": {}\n", s.kind, s.name, coded(s.error_code, s.error));
    for (const auto& s : r.steps) {
        if (s.verdict != "failed") continue;
        out += fmt::format("\nstep {} ({}): {}\n", s.index, s.method, coded(s.error_code, s.error));
        for (const auto& d : s.differences) out += "  " + d + "\n";
        for (const auto& l : s.logs) out += "  log: " + l + "\n";
    }
    if (!r.error.empty()) out += "\n" + (r.failure ? r.failure->render() : r.error) + "\n";
    if (!r.results_dir.empty()) out += "\nresults: " + r.results_dir + "\n";
    return out;
}

std::string upgrade_one_line(const UpgradeResults& r) {
    size_t passed = 0, failed = 0;
    const UpgradeStepResult* first = nullptr;
    for (const auto& s : r.steps) {
        if (s.verdict == "passed") ++passed;
        if (s.verdict == "failed") {
            ++failed;
            if (!first) first = &s;
        }
    }
    std::string line = fmt::format("upgrade: {} step(s), {} passed, {} failed", r.steps.size(), passed, failed);
    if (first) line += fmt::format(" (step {} {}: {})", first->index, first->method, first->error);
    else if (!r.error.empty()) line += " (" + r.error + ")";
    return line;
}

}  // namespace pgorch::report
