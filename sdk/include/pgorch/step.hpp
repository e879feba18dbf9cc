// pgorch SDK: the step contract, typed.
// - StepRequirements is what a step plugin declares in its descriptor's `requirements` (JSON
//   text): the tools it runs on each side of the step, the rule its two versions follow, and
//   whether it is a perf check. The host parses it with this same type when it loads the plugin,
//   and refuses, before anything runs, a scenario whose versions cannot give those tools.
// - StepInput and StepResult are what an upgrade step's `run` receives and returns; the host
//   writes the input and reads the result with the same types (plugins/step/README.md). A
//   result may declare the changes the step makes on purpose and add to the reports.
#pragma once

#include <pgorch/distro.hpp>
#include <pgorch/report.hpp>
#include <pgorch/util.hpp>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace pgorch::sdk {

// Tools one side of a step runs.
struct ToolNeeds {
    std::vector<std::string> own;  // the installation itself must have them (pg_upgrade's new side)
    std::vector<std::string> any;  // the installation's own, or borrowed from another one when sound

    bool empty() const { return own.empty() && any.empty(); }
    json::object to_json() const {
        json::array o, a;
        for (const auto& x : own) o.emplace_back(x);
        for (const auto& x : any) a.emplace_back(x);
        return json::object{{"own", std::move(o)}, {"any", std::move(a)}};
    }
    static ToolNeeds from_json(const json::value& v) {
        ToolNeeds n;
        if (v.is_object()) {
            n.own = detail::strings_of(v.as_object(), "own");
            n.any = detail::strings_of(v.as_object(), "any");
        }
        return n;
    }
};

// How the target version of a step relates to the version it starts from.
enum class VersionRule {
    any,         // no rule
    same,        // exactly the same version (an in-place catalog upgrade, a replica)
    same_major,  // within one major (a minor update)
    not_lower,   // never to a lower version (pg_upgrade)
    not_lower_major,  // never to a lower major; a lower minor is fine (pg_dumpall: dump with the new side's tools)
};

inline const char* to_string(VersionRule r) {
    switch (r) {
    case VersionRule::same: return "same";
    case VersionRule::same_major: return "same_major";
    case VersionRule::not_lower: return "not_lower";
    case VersionRule::not_lower_major: return "not_lower_major";
    default: return "any";
    }
}

// What kind of perf check a step plugin is (pgorch/perf.hpp): none (an upgrade step), a plan
// check (PlanCheckInput -> PlanCheckResult) or a timing check (TimingCheckInput -> TimingCheckResult).
enum class PerfCheck { none, plan, timing };

inline const char* to_string(PerfCheck c) {
    switch (c) {
    case PerfCheck::plan: return "plan";
    case PerfCheck::timing: return "timing";
    default: return "none";
    }
}

// A step's declared needs.
struct StepRequirements {
    ToolNeeds from, to;
    VersionRule versions = VersionRule::any;
    PerfCheck perf_check = PerfCheck::none;  // "perf_check": "plan" | "timing"

    json::object to_json() const {
        json::object o{{"from", from.to_json()}, {"to", to.to_json()}, {"versions", to_string(versions)}};
        if (perf_check != PerfCheck::none) o["perf_check"] = to_string(perf_check);
        return o;
    }
    // Parses the descriptor's JSON text; throws Failure(PGORCH_ERR_INVALID) naming what is wrong.
    static StepRequirements parse(std::string_view text) {
        boost::system::error_code ec;
        json::value v = json::parse(text, ec);
        if (ec || !v.is_object()) throw Failure(PGORCH_ERR_INVALID, "requirements are not a JSON object");
        const json::object& o = v.as_object();
        for (const auto& kv : o)
            if (kv.key() != "from" && kv.key() != "to" && kv.key() != "versions" && kv.key() != "perf_check")
                throw Failure(PGORCH_ERR_INVALID, "requirements have an unknown key \"" + std::string(kv.key()) + "\"");
        StepRequirements r;
        if (auto* f = o.if_contains("from")) r.from = ToolNeeds::from_json(*f);
        if (auto* t = o.if_contains("to")) r.to = ToolNeeds::from_json(*t);
        const std::string rule = get_string(o, "versions", "any");
        if (rule == "any") r.versions = VersionRule::any;
        else if (rule == "same") r.versions = VersionRule::same;
        else if (rule == "same_major") r.versions = VersionRule::same_major;
        else if (rule == "not_lower") r.versions = VersionRule::not_lower;
        else if (rule == "not_lower_major") r.versions = VersionRule::not_lower_major;
        else throw Failure(PGORCH_ERR_INVALID, "requirements have an unknown version rule \"" + rule + "\"");
        const std::string check = get_string(o, "perf_check", "none");
        if (check == "plan") r.perf_check = PerfCheck::plan;
        else if (check == "timing") r.perf_check = PerfCheck::timing;
        else if (check != "none") throw Failure(PGORCH_ERR_INVALID, "requirements have an unknown perf check \"" + check + "\"");
        for (const ToolNeeds* n : {&r.from, &r.to})
            for (const auto* list : {&n->own, &n->any})
                for (const auto& tool : *list)
                    if (std::find(full_toolset().begin(), full_toolset().end(), tool) == full_toolset().end())
                        throw Failure(PGORCH_ERR_INVALID, "requirements name an unknown tool \"" + tool + "\"");
        return r;
    }
};

// Version of the step input/result contract below. The input carries it as "contract".
inline constexpr int kStepContract = 1;

// What an upgrade step's `run` receives.
struct StepInput {
    std::string cluster;              // id of the running cluster that holds the data now
    std::string new_cluster;          // id to give a cluster the step creates ("c<step>-<version>")
    json::object from, to;            // install layouts (InstallLayout's fields, plus the host's "borrowed")
    std::vector<std::string> initdb_args;  // the scenario's `args.initdb`, split into words
    json::object options;             // the step's options, each converted to its declared type
    int step_index = 0;               // 1-based
    std::string step_type;            // the plugin's name
    std::string work_dir;             // an empty folder of the run the service user can write
    std::string artifact_prefix;      // "steps/NN-<type>/": where the step's artifacts go
    std::string scenario_dir;
    int contract = kStepContract;

    // InstallLayout of `from` / `to` (throws Failure(PGORCH_ERR_INVALID) when malformed).
    InstallLayout from_layout() const { return InstallLayout::from_json(from); }
    InstallLayout to_layout() const { return InstallLayout::from_json(to); }

    json::object to_json() const {
        json::array initdb;
        for (const auto& w : initdb_args) initdb.emplace_back(w);
        return json::object{{"cluster", cluster},
                            {"new_cluster", new_cluster},
                            {"from", from},
                            {"to", to},
                            {"initdb_args", std::move(initdb)},
                            {"options", options},
                            {"step", json::object{{"index", step_index}, {"type", step_type}}},
                            {"work_dir", work_dir},
                            {"artifact_prefix", artifact_prefix},
                            {"scenario_dir", scenario_dir},
                            {"contract", contract}};
    }
    // Reads an input; absent fields stay empty (require() names the ones a step needs).
    static StepInput from_json(const json::object& o) {
        StepInput in;
        in.cluster = get_string(o, "cluster");
        in.new_cluster = get_string(o, "new_cluster");
        in.from = get_object(o, "from");
        in.to = get_object(o, "to");
        in.initdb_args = detail::strings_of(o, "initdb_args");
        in.options = get_object(o, "options");
        const json::object& step = get_object(o, "step");
        if (auto* i = step.if_contains("index"); i && i->is_number()) in.step_index = static_cast<int>(i->to_number<int64_t>());
        in.step_type = get_string(step, "type");
        in.work_dir = get_string(o, "work_dir");
        in.artifact_prefix = get_string(o, "artifact_prefix");
        in.scenario_dir = get_string(o, "scenario_dir");
        if (auto* c = o.if_contains("contract"); c && c->is_int64()) in.contract = static_cast<int>(c->as_int64());
        return in;
    }
    // Throws Failure(PGORCH_ERR_INVALID) "input needs \"cluster\", \"to\" and \"work_dir\"" when one
    // of the named fields is empty: each name is "cluster", "new_cluster", "from", "to" or "work_dir".
    void require(std::initializer_list<std::string_view> fields) const {
        std::vector<std::string> names;
        bool missing = false;
        for (std::string_view f : fields) {
            names.push_back("\"" + std::string(f) + "\"");
            if ((f == "cluster" && cluster.empty()) || (f == "new_cluster" && new_cluster.empty()) ||
                (f == "from" && from.empty()) || (f == "to" && to.empty()) || (f == "work_dir" && work_dir.empty()))
                missing = true;
        }
        if (!missing) return;
        std::string list = names.size() == 1 ? names[0] : join({names.begin(), names.end() - 1}, ", ") + " and " + names.back();
        throw Failure(PGORCH_ERR_INVALID, "input needs " + list);
    }
};

// What a step changes on purpose (a migration changes its database): the host's verification
// reports each such difference as expected, with the reason, and fails on the others.
struct ExpectedChanges {
    std::vector<std::string> databases;   // every difference in (and of) these databases
    std::vector<std::string> patterns;    // verify patterns: KIND or KIND:[DB/]NAME-GLOB
    std::string reason;                   // "migrations of db \"app\" 1 (V001) -> 3 (V003)"

    bool empty() const { return databases.empty() && patterns.empty(); }
    json::object to_json() const {
        json::array d, p;
        for (const auto& x : databases) d.emplace_back(x);
        for (const auto& x : patterns) p.emplace_back(x);
        return json::object{{"databases", std::move(d)}, {"patterns", std::move(p)}, {"reason", reason}};
    }
    static ExpectedChanges from_json(const json::object& o) {
        return {detail::strings_of(o, "databases"), detail::strings_of(o, "patterns"), get_string(o, "reason")};
    }
};

// What an upgrade step's `run` returns.
struct StepResult {
    std::string cluster;               // id of the cluster that holds the data afterwards, running
    std::string previous_cluster;      // optional: the cluster it came from, when it made a new one
    json::object metrics;              // "downtime_ms" and "mode" are read by the host; the rest is shown as is
    std::vector<std::string> logs;     // results-relative artifact names worth reading
    std::string extensions_updated;    // optional: why extensions now stand at the installation's default version
    std::vector<std::string> verify;   // optional: ids of other clusters the host verifies too (a replica)
    std::vector<std::string> initdb_args;  // optional, for the reader: what a new cluster's initdb got
    ExpectedChanges expected_changes;  // optional: what the step changes on purpose
    StepReport report;                 // optional: sections and tests for the human reports (pgorch/report.hpp)
    json::object details;              // optional: the step's findings, kept in report.json

    json::object to_json() const {
        json::array l, v, a;
        for (const auto& x : logs) l.emplace_back(x);
        for (const auto& x : verify) v.emplace_back(x);
        for (const auto& x : initdb_args) a.emplace_back(x);
        json::object o{{"cluster", cluster}};
        if (!previous_cluster.empty()) o["previous_cluster"] = previous_cluster;
        o["metrics"] = metrics;
        o["logs"] = std::move(l);
        if (!initdb_args.empty()) o["initdb_args"] = std::move(a);
        if (!extensions_updated.empty()) o["extensions_updated"] = extensions_updated;
        if (!verify.empty()) o["verify"] = std::move(v);
        if (!expected_changes.empty()) o["expected_changes"] = expected_changes.to_json();
        if (!report.empty()) o["report"] = report.to_json();
        if (!details.empty()) o["details"] = details;
        return o;
    }
    static StepResult from_json(const json::value& v) {
        StepResult r;
        if (!v.is_object()) return r;
        const json::object& o = v.as_object();
        r.cluster = get_string(o, "cluster");
        r.previous_cluster = get_string(o, "previous_cluster");
        r.metrics = get_object(o, "metrics");
        r.logs = detail::strings_of(o, "logs");
        r.extensions_updated = get_string(o, "extensions_updated");
        r.verify = detail::strings_of(o, "verify");
        r.initdb_args = detail::strings_of(o, "initdb_args");
        r.expected_changes = ExpectedChanges::from_json(get_object(o, "expected_changes"));
        if (auto* x = o.if_contains("report")) r.report = StepReport::from_json(*x);
        r.details = get_object(o, "details");
        return r;
    }
};

}  // namespace pgorch::sdk
