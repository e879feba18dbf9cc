// The `explain` step plugin: runs EXPLAIN on a query through the host's sql service and matches
// the plan against the scenario's expected plan files (see README.md).
#include "report/perf_options.hpp"
#include "report/perf_plan.hpp"

#include <pgorch/plugin.hpp>

#include <string>
#include <vector>

namespace {

namespace json = boost::json;
namespace sdk = pgorch::sdk;
namespace opts = pgorch::report::options;
using pgorch::report::ExpectedPlan;
using pgorch::report::PlanNormalization;

constexpr const char* default_explain_options = "VERBOSE, COSTS OFF";

// Reads the expected files the host passed: {"name","path","text"} (text absent: no such file).
std::vector<ExpectedPlan> read_expected(const json::object& input) {
    std::vector<ExpectedPlan> out;
    if (auto* arr = input.if_contains("expected"); arr && arr->is_array())
        for (const json::value& e : arr->as_array()) {
            if (!e.is_object()) throw sdk::Failure(PGORCH_ERR_INVALID, "an \"expected\" entry is not an object");
            const json::object& o = e.as_object();
            ExpectedPlan p;
            p.name = sdk::get_string(o, "name");
            if (auto* t = o.if_contains("text"); t && t->is_string()) p.text = std::string(t->as_string());
            out.push_back(std::move(p));
        }
    return out;
}

// The normalizations the options name; an unknown one is an input error.
PlanNormalization read_normalization(const json::object& options) {
    std::vector<std::string> unknown;
    PlanNormalization n = PlanNormalization::parse(opts::strings(options, "normalize"), &unknown);
    if (!unknown.empty())
        throw sdk::Failure(PGORCH_ERR_INVALID, "unknown normalization \"" + unknown.front() +
                                                   "\" in option \"normalize\"");
    return n;
}

// Checks the options before anything runs.
json::value validate(sdk::Context&, const json::object& input) {
    const json::object& options = sdk::get_object(input, "options");
    read_normalization(options);
    if (opts::bad_number(options, "timeout_s"))
        throw sdk::Failure(PGORCH_ERR_INVALID, "option \"timeout_s\" is not a number");
    return json::object{};
}

// EXPLAIN, plan text, match; on a mismatch the diff and, with bless, the text for the host to write.
json::value run(sdk::Context& ctx, const json::object& input) {
    const json::object& options = sdk::get_object(input, "options");
    const PlanNormalization norm = read_normalization(options);
    const std::string query_file = sdk::get_string(input, "query_file", "query");
    const std::string cluster = sdk::get_string(input, "cluster");
    const std::string database = sdk::get_string(input, "database", "postgres");
    if (cluster.empty()) throw sdk::Failure(PGORCH_ERR_INVALID, "input has no \"cluster\"");

    const std::string query = pgorch::report::prepare_explain_query(sdk::get_string(input, "query"));
    if (query.empty())
        throw sdk::Failure(PGORCH_ERR_INVALID, "query file \"" + query_file + "\" holds no statement");
    std::string explain_options = sdk::get_string(options, "explain_options", default_explain_options);
    const std::string statement =
        explain_options.empty() ? "EXPLAIN " + query : "EXPLAIN (" + explain_options + ") " + query;

    ctx.check_cancelled();
    json::object response;
    try {
        response = ctx.sql(cluster, database, statement, opts::number(options, "timeout_s").value_or(0));
    } catch (const sdk::Failure& f) {
        if (f.code() == PGORCH_ERR_CANCELLED) throw;
        throw sdk::Failure(PGORCH_ERR_FAILED, "explain of \"" + query_file + "\" failed: " + f.what());
    }
    std::vector<std::string> rows;
    if (auto* r = response.if_contains("rows"); r && r->is_array())
        for (const json::value& row : r->as_array())
            if (row.is_array() && !row.as_array().empty() && row.as_array()[0].is_string())
                rows.emplace_back(row.as_array()[0].as_string());
    const std::string actual = pgorch::report::plan_text(rows);

    const std::vector<ExpectedPlan> expected = read_expected(input);
    const pgorch::report::PlanMatch m = pgorch::report::match_plan(actual, expected, norm);

    json::object out;
    out["result"] = m.matched ? "match" : "mismatch";
    out["matched_expected_file"] = m.matched_index ? json::value(expected[*m.matched_index].name) : json::value(nullptr);
    out["actual"] = actual;
    out["statement"] = statement;
    if (auto* d = response.if_contains("duration_ms")) out["duration_ms"] = *d;
    if (!m.matched) {
        out["diff"] = m.diff;
        out["closest_expected_file"] =
            m.closest_index ? json::value(expected[*m.closest_index].name) : json::value(nullptr);
        out["changed_lines"] = m.closest_changed_lines;
        if (input.contains("bless") && input.at("bless").is_bool() && input.at("bless").as_bool() &&
            !expected.empty())
            out["bless"] = json::object{{"file", expected.front().name}, {"text", actual}};
        ctx.info("plan of \"" + query_file + "\" does not match: " + std::to_string(m.closest_changed_lines) +
                 " lines differ");
    }
    return out;
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
};

}  // namespace

PGORCH_DEFINE_PLUGIN(descriptor)
