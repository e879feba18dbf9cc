// Comparing distributions in one perf run. When the targets of one major come from two or more
// distributions (a `db_params` list with db_type ttdb and pgdg of 15, say), every query is put
// side by side: each target's plan and timing, and every difference between the distributions
// marked — plans that differ (compared as the explain plugin compares them: trailing blanks,
// blank lines and Query Identifier lines left out), timings whose min..p95 ranges do not
// overlap (a difference beyond the run's own noise), and the server versions themselves.
// report.json, report.md and report.html all carry it.
#pragma once

#include "report/perf_results.hpp"

#include <pgorch/step.hpp>

#include <boost/json.hpp>

#include <string>
#include <vector>

namespace pgorch::report {

// One target's side of a compared row.
struct ComparedValue {
    std::string text;   // what a table cell shows: "12 lines", "4.2 ms (3.9 .. 4.8)", "15.20"
    std::string plan;   // explain rows: the plan as the server printed it ("" when it did not run)
};

struct ComparedRow {
    std::string case_name;                // "" for the server version row
    sdk::PerfCheck check = sdk::PerfCheck::none;  // plan, timing; none: the server version row
    std::string query;                    // as written in the scenario
    std::vector<ComparedValue> values;    // one per target of the comparison, in its order
    bool differs = false;
    std::string note;                     // why: "plans differ (3 lines)", "median 2.10x; ranges do not overlap"
    // The row's kind as reports name it: the server version, a plan or a timing row.
    std::string kind() const { return check == sdk::PerfCheck::none ? "server version" : sdk::to_string(check); }
};

struct DistroComparison {
    std::string major;                    // "15"
    std::vector<std::string> targets;     // labels: "ttdb 15.20.0 se", "pgdg 15.20"
    std::vector<ComparedRow> rows;
    std::size_t differences() const;
    boost::json::object to_json() const;
};

// A comparison per major whose targets come from at least two distributions (db_type), over the
// targets that ran; none when every major has one distribution only.
std::vector<DistroComparison> compare_distributions(const PerfResults& results);

}  // namespace pgorch::report
