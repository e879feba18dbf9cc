// The `timing` step plugin: runs a query a number of times through the host's sql service and
// compares the median wall time with expected_time_ms / performance_coefficient (see README.md).
// A perf check of the SDK's timing contract (pgorch/perf.hpp): TimingCheckInput in,
// TimingCheckResult out.
#include <pgorch/options.hpp>
#include <pgorch/perf.hpp>
#include <pgorch/plugin.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace {

namespace json = boost::json;
namespace sdk = pgorch::sdk;

constexpr int default_warmup = 1;
constexpr int default_repetitions = 5;

struct Settings {
    int warmup = default_warmup;
    int repetitions = default_repetitions;
    double timeout_s = 0;          // per execution; 0: derived from the limit
};

// The options, checked.
Settings read_settings(const json::object& options) {
    Settings s;
    s.warmup = static_cast<int>(sdk::option_integer_in(options, "warmup", default_warmup, 0, 1000));
    s.repetitions = static_cast<int>(sdk::option_integer_in(options, "repetitions", default_repetitions, 1, 100000));
    s.timeout_s = sdk::option_number(options, "timeout_s").value_or(0);
    return s;
}

// Checks the options before anything runs (the scenario's numbers come with run()).
json::value validate(sdk::Context&, const json::object& input) {
    read_settings(sdk::get_object(input, "options"));
    return json::object{};
}

// Runs the query once and returns the host-measured round trip of the statement. Every execution
// but the last keeps the session, so all of them run in one warm backend.
double execute(sdk::Context& ctx, const sdk::TimingCheckInput& in, double timeout_s, bool keep_session) {
    ctx.check_cancelled();
    try {
        json::object r = ctx.sql(in.cluster, in.database, in.query, timeout_s, keep_session);
        if (auto* d = r.if_contains("duration_ms"); d && d->is_number()) return d->to_number<double>();
        throw sdk::Failure(PGORCH_ERR_UNAVAILABLE, "the host's sql service reports no \"duration_ms\"");
    } catch (const sdk::Failure& f) {
        if (f.code() == PGORCH_ERR_CANCELLED || f.code() == PGORCH_ERR_UNAVAILABLE) throw;
        throw sdk::Failure(PGORCH_ERR_FAILED, "timing query \"" + in.query_file + "\" failed: " + f.what());
    }
}

// Warm-up runs (discarded), measured repetitions, statistics, the verdict on the median.
json::value run(sdk::Context& ctx, const json::object& input) {
    const sdk::TimingCheckInput in = sdk::TimingCheckInput::from_json(input);
    const Settings s = read_settings(in.options);
    if (std::string why = sdk::check_performance_coefficient(in.performance_coefficient); !why.empty())
        throw sdk::Failure(PGORCH_ERR_INVALID, why);
    if (!(in.expected_time_ms >= 0)) throw sdk::Failure(PGORCH_ERR_INVALID, "expected_time_ms must not be negative");
    if (in.query.find_first_not_of(" \t\r\n;") == std::string::npos)
        throw sdk::Failure(PGORCH_ERR_INVALID, "query file \"" + in.query_file + "\" holds no statement");

    sdk::TimingCheckResult out;
    out.expected_time_ms = in.expected_time_ms;
    out.performance_coefficient = in.performance_coefficient;
    out.warmup = s.warmup;
    out.repetitions = s.repetitions;
    out.limit_ms = sdk::timing_limit_ms(in.expected_time_ms, in.performance_coefficient);
    // A runaway query stops at 10x the limit (at least a minute) unless a timeout is set.
    const double timeout_s = s.timeout_s > 0 ? s.timeout_s : std::max(60.0, out.limit_ms * 10 / 1000);

    for (int i = 0; i < s.warmup; ++i) out.warmup_samples.push_back(execute(ctx, in, timeout_s, true));
    std::vector<double> samples;
    for (int i = 0; i < s.repetitions; ++i) {
        samples.push_back(execute(ctx, in, timeout_s, i + 1 < s.repetitions));
        ctx.progress(static_cast<double>(i + 1) / s.repetitions, "timing " + in.query_file);
    }
    out.stats = sdk::compute_stats(std::move(samples));
    out.success = out.stats.median <= out.limit_ms;
    out.result = out.success ? sdk::TimingVerdict::within : sdk::TimingVerdict::exceeds;
    if (!out.success)
        ctx.info("timing of \"" + in.query_file + "\": median " + std::to_string(out.stats.median) + " ms exceeds " +
                 std::to_string(out.limit_ms) + " ms");
    return out.to_json();
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
    R"({"perf_check": "timing"})",  // the host dispatches the timing queries to it
};

}  // namespace

PGORCH_DEFINE_PLUGIN(descriptor)
