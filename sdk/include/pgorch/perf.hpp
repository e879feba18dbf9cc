// pgorch SDK: the perf check contract, typed. A perf check is a step plugin that declares
// `"perf_check": "plan"` or `"perf_check": "timing"` in its requirements (pgorch/step.hpp); the
// host calls its `run` once per query of a perf case with a PlanCheckInput or TimingCheckInput
// and reads the result as a PlanCheckResult or TimingCheckResult. Both sides use these types, so
// the result words (`match`, `exceeds expected` ...) exist only here, as enums.
#pragma once

#include <pgorch/perf_plan.hpp>
#include <pgorch/perf_stats.hpp>
#include <pgorch/plugin.hpp>
#include <pgorch/step.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgorch::sdk {

// Version of the perf check contract below. The input carries it as "contract".
inline constexpr int kPerfContract = 1;

// The verdict on a plan, in the original tool's words (results/conf.yaml `result:`):
// "match", "mismatch"; plus "error" (the query could not run) and "not run" (a hook failed before it).
enum class PlanVerdict { not_run, match, mismatch, error };
// The verdict on a timing: "within expected", "exceeds expected", "error", "not run".
enum class TimingVerdict { not_run, within, exceeds, error };

inline const char* to_string(PlanVerdict v) {
    switch (v) {
    case PlanVerdict::match: return "match";
    case PlanVerdict::mismatch: return "mismatch";
    case PlanVerdict::error: return "error";
    default: return "not run";
    }
}
inline const char* to_string(TimingVerdict v) {
    switch (v) {
    case TimingVerdict::within: return "within expected";
    case TimingVerdict::exceeds: return "exceeds expected";
    case TimingVerdict::error: return "error";
    default: return "not run";
    }
}
// The verdict a word names; nullopt for any other word.
inline std::optional<PlanVerdict> plan_verdict_of(std::string_view word) {
    for (PlanVerdict v : {PlanVerdict::not_run, PlanVerdict::match, PlanVerdict::mismatch, PlanVerdict::error})
        if (word == to_string(v)) return v;
    return std::nullopt;
}
inline std::optional<TimingVerdict> timing_verdict_of(std::string_view word) {
    for (TimingVerdict v : {TimingVerdict::not_run, TimingVerdict::within, TimingVerdict::exceeds, TimingVerdict::error})
        if (word == to_string(v)) return v;
    return std::nullopt;
}

namespace detail {
inline double number_or(const json::object& o, std::string_view key, double fallback) {
    if (auto* v = o.if_contains(key); v && v->is_number()) return v->to_number<double>();
    return fallback;
}
inline std::optional<std::string> text_or_null(const json::object& o, std::string_view key) {
    if (auto* v = o.if_contains(key); v && v->is_string()) return std::string(v->as_string());
    return std::nullopt;
}
inline json::value json_or_null(const std::optional<std::string>& s) { return s ? json::value(*s) : json::value(nullptr); }
}  // namespace detail

// What every perf check gets: one query of a case, on a target's running cluster.
struct QueryCheckInput {
    std::string cluster;                 // the target's cluster id ("t1-15.20")
    std::string database = "postgres";
    std::string query_file;              // as written in the scenario, for messages
    std::string query;                   // the file's text
    json::object options;                // the plugin's options, by declared type
    int contract = kPerfContract;

    void write(json::object& o) const {
        o["cluster"] = cluster;
        o["database"] = database;
        o["query_file"] = query_file;
        o["query"] = query;
        o["options"] = options;
        o["contract"] = contract;
    }
    void read(const json::object& o) {
        cluster = get_string(o, "cluster");
        database = get_string(o, "database", "postgres");
        query_file = get_string(o, "query_file", "query");
        query = get_string(o, "query");
        options = get_object(o, "options");
        if (auto* c = o.if_contains("contract"); c && c->is_int64()) contract = static_cast<int>(c->as_int64());
        if (cluster.empty()) throw Failure(PGORCH_ERR_INVALID, "input has no \"cluster\"");
    }
};

// An explain query: the plan is compared with the expected files, which the host reads (the
// plugin never touches the scenario folder).
struct PlanCheckInput : QueryCheckInput {
    struct Expected {
        std::string name;                  // as written
        std::string path;                  // where the host found (or will write) it
        std::optional<std::string> text;   // nullopt: the file does not exist
    };
    std::vector<Expected> expected;
    bool bless = false;                    // --bless: return the actual plan for the host to write

    std::vector<ExpectedPlan> plans() const {
        std::vector<ExpectedPlan> out;
        for (const auto& e : expected) out.push_back({e.name, e.text});
        return out;
    }
    json::object to_json() const {
        json::object o;
        write(o);
        json::array files;
        for (const auto& e : expected) {
            json::object f{{"name", e.name}, {"path", e.path}};
            if (e.text) f["text"] = *e.text;
            files.push_back(std::move(f));
        }
        o["expected"] = std::move(files);
        o["bless"] = bless;
        return o;
    }
    // Throws Failure(PGORCH_ERR_INVALID) naming what is wrong.
    static PlanCheckInput from_json(const json::object& o) {
        PlanCheckInput in;
        in.read(o);
        if (auto* arr = o.if_contains("expected"); arr && arr->is_array())
            for (const json::value& e : arr->as_array()) {
                if (!e.is_object()) throw Failure(PGORCH_ERR_INVALID, "an \"expected\" entry is not an object");
                const json::object& x = e.as_object();
                in.expected.push_back({get_string(x, "name"), get_string(x, "path"), detail::text_or_null(x, "text")});
            }
        if (auto* b = o.if_contains("bless"); b && b->is_bool()) in.bless = b->as_bool();
        return in;
    }
};

// A timing query: its median is compared with expected_time_ms / performance_coefficient.
struct TimingCheckInput : QueryCheckInput {
    double expected_time_ms = 0;
    double performance_coefficient = 1.0;

    json::object to_json() const {
        json::object o;
        write(o);
        o["expected_time_ms"] = expected_time_ms;
        o["performance_coefficient"] = performance_coefficient;
        return o;
    }
    static TimingCheckInput from_json(const json::object& o) {
        TimingCheckInput in;
        in.read(o);
        in.expected_time_ms = detail::number_or(o, "expected_time_ms", 0);
        in.performance_coefficient = detail::number_or(o, "performance_coefficient", 1.0);
        return in;
    }
};

// What a plan check returns. The host keeps the whole object in report.json.
struct PlanCheckResult {
    PlanVerdict result = PlanVerdict::error;
    std::optional<std::string> matched_expected_file;  // the first expected file that matched
    std::string actual;                                // the plan text
    std::string statement;                             // the EXPLAIN statement run
    std::optional<double> duration_ms;
    // On a mismatch:
    std::string diff;                                  // unified diff, closest expected -> actual
    std::optional<std::string> closest_expected_file;
    std::size_t changed_lines = 0;
    struct Bless {
        std::string file, text;                        // the expected file to write and its text
    };
    std::optional<Bless> bless;                        // asked with bless, on a mismatch

    json::object to_json() const {
        json::object o;
        o["result"] = to_string(result);
        o["matched_expected_file"] = detail::json_or_null(matched_expected_file);
        o["actual"] = actual;
        o["statement"] = statement;
        if (duration_ms) o["duration_ms"] = *duration_ms;
        if (result == PlanVerdict::mismatch) {
            o["diff"] = diff;
            o["closest_expected_file"] = detail::json_or_null(closest_expected_file);
            o["changed_lines"] = changed_lines;
            if (bless) o["bless"] = json::object{{"file", bless->file}, {"text", bless->text}};
        }
        return o;
    }
    // A result whose "result" is no verdict word reads as PlanVerdict::error.
    static PlanCheckResult from_json(const json::value& v) {
        PlanCheckResult r;
        if (!v.is_object()) return r;
        const json::object& o = v.as_object();
        r.result = plan_verdict_of(get_string(o, "result")).value_or(PlanVerdict::error);
        r.matched_expected_file = detail::text_or_null(o, "matched_expected_file");
        r.actual = get_string(o, "actual");
        r.statement = get_string(o, "statement");
        if (auto* d = o.if_contains("duration_ms"); d && d->is_number()) r.duration_ms = d->to_number<double>();
        r.diff = get_string(o, "diff");
        r.closest_expected_file = detail::text_or_null(o, "closest_expected_file");
        r.changed_lines = static_cast<std::size_t>(detail::number_or(o, "changed_lines", 0));
        if (auto* b = o.if_contains("bless"); b && b->is_object())
            r.bless = Bless{get_string(b->as_object(), "file"), get_string(b->as_object(), "text")};
        return r;
    }
};

// What a timing check returns. The host keeps the whole object in report.json.
struct TimingCheckResult {
    TimingVerdict result = TimingVerdict::error;
    bool success = false;              // "status": "success" | "failure"
    double limit_ms = 0, expected_time_ms = 0, performance_coefficient = 1.0;
    int warmup = 0, repetitions = 0;
    TimingStats stats;
    std::vector<double> warmup_samples;

    json::object to_json() const {
        json::array samples(stats.samples.begin(), stats.samples.end());
        json::array warm(warmup_samples.begin(), warmup_samples.end());
        json::object s{{"min", stats.min},       {"median", stats.median}, {"p95", stats.p95},
                       {"max", stats.max},       {"mean", stats.mean},     {"stddev", stats.stddev},
                       {"spread", stats.spread}, {"samples", std::move(samples)},
                       {"warmup_samples", std::move(warm)}};
        return json::object{{"result", to_string(result)},
                            {"status", success ? "success" : "failure"},
                            {"limit_ms", limit_ms},
                            {"expected_time_ms", expected_time_ms},
                            {"performance_coefficient", performance_coefficient},
                            {"warmup", warmup},
                            {"repetitions", repetitions},
                            {"stats", std::move(s)}};
    }
    // A result whose "result" is no verdict word reads as TimingVerdict::error.
    static TimingCheckResult from_json(const json::value& v) {
        TimingCheckResult r;
        if (!v.is_object()) return r;
        const json::object& o = v.as_object();
        r.result = timing_verdict_of(get_string(o, "result")).value_or(TimingVerdict::error);
        r.success = get_string(o, "status") == "success";
        r.limit_ms = detail::number_or(o, "limit_ms", 0);
        r.expected_time_ms = detail::number_or(o, "expected_time_ms", 0);
        r.performance_coefficient = detail::number_or(o, "performance_coefficient", 1.0);
        r.warmup = static_cast<int>(detail::number_or(o, "warmup", 0));
        r.repetitions = static_cast<int>(detail::number_or(o, "repetitions", 0));
        const json::object& s = get_object(o, "stats");
        auto numbers = [&](std::string_view key) {
            std::vector<double> out;
            if (auto* a = s.if_contains(key); a && a->is_array())
                for (const auto& x : a->as_array())
                    if (x.is_number()) out.push_back(x.to_number<double>());
            return out;
        };
        r.stats.samples = numbers("samples");
        r.warmup_samples = numbers("warmup_samples");
        r.stats.min = detail::number_or(s, "min", 0);
        r.stats.median = detail::number_or(s, "median", 0);
        r.stats.p95 = detail::number_or(s, "p95", 0);
        r.stats.max = detail::number_or(s, "max", 0);
        r.stats.mean = detail::number_or(s, "mean", 0);
        r.stats.stddev = detail::number_or(s, "stddev", 0);
        r.stats.spread = detail::number_or(s, "spread", 0);
        return r;
    }
};

}  // namespace pgorch::sdk
