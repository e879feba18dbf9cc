// The `explain` step plugin: runs EXPLAIN on a query through the host's sql service and matches
// the plan against the scenario's expected plan files (see README.md). A perf check of the SDK's
// plan contract (pgorch/perf.hpp): PlanCheckInput in, PlanCheckResult out.
#include <pgorch/options.hpp>
#include <pgorch/perf.hpp>
#include <pgorch/plugin.hpp>

#include <string>
#include <vector>

namespace {

namespace json = boost::json;
namespace sdk = pgorch::sdk;

constexpr const char* default_explain_options = "VERBOSE, COSTS OFF";

// The normalizations the options name; an unknown one is an input error.
sdk::PlanNormalization read_normalization(const json::object& options) {
    std::vector<std::string> unknown;
    sdk::PlanNormalization n = sdk::PlanNormalization::parse(sdk::option_list(options, "normalize"), &unknown);
    if (!unknown.empty())
        throw sdk::Failure(PGORCH_ERR_INVALID, "unknown normalization \"" + unknown.front() +
                                                   "\" in option \"normalize\"");
    return n;
}

// Checks the options before anything runs.
json::value validate(sdk::Context&, const json::object& input) {
    const json::object& options = sdk::get_object(input, "options");
    read_normalization(options);
    sdk::option_number(options, "timeout_s");
    return json::object{};
}

// EXPLAIN, plan text, match; on a mismatch the diff and, with bless, the text for the host to write.
json::value run(sdk::Context& ctx, const json::object& input) {
    const sdk::PlanCheckInput in = sdk::PlanCheckInput::from_json(input);
    const sdk::PlanNormalization norm = read_normalization(in.options);
    const std::string query = sdk::prepare_explain_query(in.query);
    if (query.empty())
        throw sdk::Failure(PGORCH_ERR_INVALID, "query file \"" + in.query_file + "\" holds no statement");
    const std::string explain_options = sdk::option_text(in.options, "explain_options", default_explain_options);
    const std::string statement =
        explain_options.empty() ? "EXPLAIN " + query : "EXPLAIN (" + explain_options + ") " + query;

    ctx.check_cancelled();
    json::object response;
    try {
        response = ctx.sql(in.cluster, in.database, statement, sdk::option_number(in.options, "timeout_s").value_or(0));
    } catch (const sdk::Failure& f) {
        if (f.code() == PGORCH_ERR_CANCELLED) throw;
        throw sdk::Failure(PGORCH_ERR_FAILED, "explain of \"" + in.query_file + "\" failed: " + f.what());
    }
    std::vector<std::string> rows;
    if (auto* r = response.if_contains("rows"); r && r->is_array())
        for (const json::value& row : r->as_array())
            if (row.is_array() && !row.as_array().empty() && row.as_array()[0].is_string())
                rows.emplace_back(row.as_array()[0].as_string());

    sdk::PlanCheckResult out;
    out.actual = sdk::plan_text(rows);
    out.statement = statement;
    if (auto* d = response.if_contains("duration_ms"); d && d->is_number()) out.duration_ms = d->to_number<double>();
    const sdk::PlanMatch m = sdk::match_plan(out.actual, in.plans(), norm);
    out.result = m.matched ? sdk::PlanVerdict::match : sdk::PlanVerdict::mismatch;
    if (m.matched_index) out.matched_expected_file = in.expected[*m.matched_index].name;
    if (!m.matched) {
        out.diff = m.diff;
        if (m.closest_index) out.closest_expected_file = in.expected[*m.closest_index].name;
        out.changed_lines = m.closest_changed_lines;
        if (in.bless && !in.expected.empty()) out.bless = sdk::PlanCheckResult::Bless{in.expected.front().name, out.actual};
        ctx.info("plan of \"" + in.query_file + "\" does not match: " + std::to_string(m.closest_changed_lines) +
                 " lines differ");
    }
    return out.to_json();
}

const pgorch_option opt_explain_options{sizeof(pgorch_option), "explain_options", PGORCH_OPT_STRING, 0,
                                        default_explain_options,
                                        "The options inside EXPLAIN (...); empty runs a plain EXPLAIN."};
const pgorch_option opt_normalize{sizeof(pgorch_option), "normalize", PGORCH_OPT_STRING_LIST, 0, "",
                                  "Opt-in normalizations: numbers_in_names, worker_counts, costs, actuals."};
const pgorch_option opt_timeout{sizeof(pgorch_option), "timeout_s", PGORCH_OPT_NUMBER, 0, "0",
                                "Statement timeout in seconds (0: none)."};
const pgorch_option* const options[] = {&opt_explain_options, &opt_normalize, &opt_timeout, nullptr};

const pgorch_plugin_descriptor descriptor{
    sizeof(pgorch_plugin_descriptor),
    PGORCH_ABI_MAJOR,
    PGORCH_ABI_MINOR,
    PGORCH_KIND_STEP,
    "explain",
    "1.0.0",
    "Matches a query's EXPLAIN plan against expected plan files.",
    options,
    sdk::callback<validate>,
    sdk::callback<run>,
    nullptr,
    nullptr,
    R"({"perf_check": "plan"})",  // the host dispatches the explain queries to it
};

}  // namespace

PGORCH_DEFINE_PLUGIN(descriptor)
