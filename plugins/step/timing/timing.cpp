// The `timing` step plugin: runs a query a number of times through the host's sql service and
// compares the median wall time with expected_time_ms / performance_coefficient (see README.md).
#include "report/perf_options.hpp"
#include "report/perf_stats.hpp"

#include <pgorch/plugin.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace {

namespace json = boost::json;
namespace sdk = pgorch::sdk;
namespace opts = pgorch::report::options;

constexpr int default_warmup = 1;
constexpr int default_repetitions = 5;

struct Settings {
    int warmup = default_warmup;
    int repetitions = default_repetitions;
    double timeout_s = 0;          // per execution; 0: derived from the limit
    double expected_time_ms = 0;
    double coefficient = 1.0;
};

// An integer option within [min, max], or the fallback when absent.
int read_count(const json::object& options, const char* key, int fallback, int min, int max) {
    if (opts::bad_number(options, key))
        throw sdk::Failure(PGORCH_ERR_INVALID, std::string("option \"") + key + "\" is not a number");
    double v = opts::number(options, key).value_or(fallback);
    if (v != std::floor(v) || v < min || v > max)
        throw sdk::Failure(PGORCH_ERR_INVALID, std::string("option \"") + key + "\" must be an integer from " +
                                                   std::to_string(min) + " to " + std::to_string(max));
    return static_cast<int>(v);
}

// Options and the scenario's numbers, checked.
Settings read_settings(const json::object& input) {
    const json::object& options = sdk::get_object(input, "options");
    Settings s;
    s.warmup = read_count(options, "warmup", default_warmup, 0, 1000);
    s.repetitions = read_count(options, "repetitions", default_repetitions, 1, 100000);
    if (opts::bad_number(options, "timeout_s"))
        throw sdk::Failure(PGORCH_ERR_INVALID, "option \"timeout_s\" is not a number");
    s.timeout_s = opts::number(options, "timeout_s").value_or(0);
    if (auto e = opts::number(input, "expected_time_ms")) s.expected_time_ms = *e;
    if (auto c = opts::number(input, "performance_coefficient")) s.coefficient = *c;
    if (std::string why = pgorch::report::check_performance_coefficient(s.coefficient); !why.empty())
        throw sdk::Failure(PGORCH_ERR_INVALID, why);
    if (!(s.expected_time_ms >= 0))
        throw sdk::Failure(PGORCH_ERR_INVALID, "expected_time_ms must not be negative");
    return s;
}

// Checks the options before anything runs (the scenario's numbers come with run()).
json::value validate(sdk::Context&, const json::object& input) {
    json::object probe{{"options", sdk::get_object(input, "options")}};
    read_settings(probe);
    return json::object{};
}

// Runs the query once and returns the host-measured round trip of the statement. Every execution
// but the last keeps the session, so all of them run in one warm backend.
double execute(sdk::Context& ctx, const std::string& cluster, const std::string& database,
               const std::string& query, const std::string& query_file, double timeout_s, bool keep_session) {
    ctx.check_cancelled();
    try {
        json::object r = ctx.sql(cluster, database, query, timeout_s, keep_session);
        if (auto* d = r.if_contains("duration_ms"); d && d->is_number()) return d->to_number<double>();
        throw sdk::Failure(PGORCH_ERR_UNAVAILABLE, "the host's sql service reports no \"duration_ms\"");
    } catch (const sdk::Failure& f) {
        if (f.code() == PGORCH_ERR_CANCELLED || f.code() == PGORCH_ERR_UNAVAILABLE) throw;
        throw sdk::Failure(PGORCH_ERR_FAILED, "timing query \"" + query_file + "\" failed: " + f.what());
    }
}

// Warm-up runs (discarded), measured repetitions, statistics, the verdict on the median.
json::value run(sdk::Context& ctx, const json::object& input) {
    const Settings s = read_settings(input);
    const std::string query_file = sdk::get_string(input, "query_file", "query");
    const std::string cluster = sdk::get_string(input, "cluster");
    const std::string database = sdk::get_string(input, "database", "postgres");
    const std::string query = sdk::get_string(input, "query");
    if (cluster.empty()) throw sdk::Failure(PGORCH_ERR_INVALID, "input has no \"cluster\"");
    if (query.find_first_not_of(" \t\r\n;") == std::string::npos)
        throw sdk::Failure(PGORCH_ERR_INVALID, "query file \"" + query_file + "\" holds no statement");

    const double limit = pgorch::report::timing_limit_ms(s.expected_time_ms, s.coefficient);
    // A runaway query stops at 10x the limit (at least a minute) unless a timeout is set.
    const double timeout_s = s.timeout_s > 0 ? s.timeout_s : std::max(60.0, limit * 10 / 1000);

    json::array warmup_samples;
    for (int i = 0; i < s.warmup; ++i)
        warmup_samples.push_back(execute(ctx, cluster, database, query, query_file, timeout_s, true));
    std::vector<double> samples;
    for (int i = 0; i < s.repetitions; ++i) {
        samples.push_back(execute(ctx, cluster, database, query, query_file, timeout_s, i + 1 < s.repetitions));
        ctx.progress(static_cast<double>(i + 1) / s.repetitions, "timing " + query_file);
    }
    const pgorch::report::TimingStats st = pgorch::report::compute_stats(std::move(samples));
    const bool within = st.median <= limit;

    json::array sample_array(st.samples.begin(), st.samples.end());
    json::object stats{{"min", st.min},       {"median", st.median}, {"p95", st.p95},
                       {"max", st.max},       {"mean", st.mean},     {"stddev", st.stddev},
                       {"spread", st.spread}, {"samples", std::move(sample_array)},
                       {"warmup_samples", std::move(warmup_samples)}};
    json::object out{{"result", within ? "within expected" : "exceeds expected"},
                     {"status", within ? "success" : "failure"},
                     {"limit_ms", limit},
                     {"expected_time_ms", s.expected_time_ms},
                     {"performance_coefficient", s.coefficient},
                     {"warmup", s.warmup},
                     {"repetitions", s.repetitions},
                     {"stats", std::move(stats)}};
    if (!within)
        ctx.info("timing of \"" + query_file + "\": median " + std::to_string(st.median) + " ms exceeds " +
                 std::to_string(limit) + " ms");
    return out;
}

const pgorch_option opt_warmup{sizeof(pgorch_option), "warmup", PGORCH_OPT_INTEGER, 0, "1",
                               "Executions run first and not measured."};
const pgorch_option opt_repetitions{sizeof(pgorch_option), "repetitions", PGORCH_OPT_INTEGER, 0, "5",
                                    "Measured executions; their median is compared with the limit."};
const pgorch_option opt_timeout{sizeof(pgorch_option), "timeout_s", PGORCH_OPT_NUMBER, 0, "0",
                                "Timeout of one execution in seconds (0: ten times the limit, at least 60)."};
const pgorch_option* const options[] = {&opt_warmup, &opt_repetitions, &opt_timeout, nullptr};

const pgorch_plugin_descriptor descriptor{
    sizeof(pgorch_plugin_descriptor),
    PGORCH_ABI_MAJOR,
    PGORCH_ABI_MINOR,
    PGORCH_KIND_STEP,
    "timing",
    "1.0.0",
    "Measures a query's wall time and compares its median with the expected time.",
    options,
    sdk::callback<validate>,
    sdk::callback<run>,
    nullptr,
    nullptr,
};

}  // namespace

PGORCH_DEFINE_PLUGIN(descriptor)
