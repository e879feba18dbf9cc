// Distributions side by side in a perf report (report/compare.hpp): which targets are compared,
// and which plans, timings and versions are marked as differing, in report.json, report.md and
// report.html.
#include "report/compare.hpp"
#include "report/html.hpp"
#include "report/markdown.hpp"

#include <catch2/catch.hpp>

using namespace pgorch::report;
namespace json = boost::json;

namespace {

TargetResult target(const std::string& db_type, const std::string& version, const std::string& exact) {
    TargetResult t;
    t.db_type = db_type;
    t.version = version;
    t.exact_version = exact;
    if (db_type == "ttdb") t.edition = "se";
    t.cases.push_back(CaseResult{});
    t.cases[0].name = "case_1";
    return t;
}

void plan(TargetResult& t, const std::string& query, const std::string& text) {
    ExplainResult x;
    x.query = query;
    x.verdict = pgorch::sdk::PlanVerdict::match;
    x.detail = {{"actual", text}};
    t.cases[0].explain.push_back(x);
}

void timing(TargetResult& t, double min, double median, double p95) {
    TimingResult x;
    x.query = "q.sql";
    x.verdict = pgorch::sdk::TimingVerdict::within;
    x.success = true;
    x.detail = {{"limit_ms", 100.0}, {"stats", json::object{{"min", min}, {"median", median}, {"p95", p95}}}};
    t.cases[0].timing.push_back(x);
}

}  // namespace

TEST_CASE("distributions of one major are compared query by query, every difference marked", "[report][compare]") {
    PerfResults r;
    r.scenario = "differential";
    TargetResult a = target("ttdb", "15.20.0", "15.20"), b = target("pgdg", "15.20", "15.20"), c = target("pgdg", "17.2", "17.2");
    plan(a, "same.sql", "Seq Scan on public.t\n  Output: id\n");
    plan(b, "same.sql", "Seq Scan on public.t  \n  Output: id\n\nQuery Identifier: 42\n");  // as the explain plugin compares
    plan(a, "other.sql", "Index Scan using t_b on public.t\n");
    plan(b, "other.sql", "Bitmap Heap Scan on public.t\n");
    timing(a, 1.0, 1.2, 1.4);
    timing(b, 3.0, 3.1, 3.5);  // ranges apart: a difference
    r.targets = {a, b, c};     // 17 has one distribution: no comparison of its own

    auto cs = compare_distributions(r);
    REQUIRE(cs.size() == 1);
    const DistroComparison& d = cs[0];
    CHECK(d.major == "15");
    CHECK(d.targets == std::vector<std::string>{"ttdb 15.20.0 se", "pgdg 15.20"});
    REQUIRE(d.rows.size() == 4);
    CHECK((d.rows[0].kind() == "server version" && !d.rows[0].differs));
    CHECK((d.rows[1].query == "same.sql" && !d.rows[1].differs && d.rows[1].note == "same plan"));
    CHECK((d.rows[2].query == "other.sql" && d.rows[2].differs && d.rows[2].note == "plans differ (2 line(s))"));
    CHECK(d.rows[3].differs);
    CHECK(d.rows[3].note.find("ttdb 15.20.0 se fastest, the slowest median 2.58x; min .. p95 ranges do not overlap") == 0);
    CHECK(d.differences() == 2);

    // Overlapping ranges are noise, not a difference.
    r.targets[1].cases[0].timing[0].detail["stats"] = json::object{{"min", 1.3}, {"median", 1.5}, {"p95", 1.9}};
    CHECK_FALSE(compare_distributions(r)[0].rows[3].differs);

    json::object j = d.to_json();
    CHECK(j.at("differences").to_number<int64_t>() == 2);
    CHECK(j.at("rows").as_array()[2].at("values").as_array()[1].at("plan").as_string() == "Bitmap Heap Scan on public.t\n");

    const std::string md = perf_markdown(r, {});
    CHECK(md.find("## Distributions compared: major 15") != std::string::npos);
    CHECK(md.find("| case_1 | plan other.sql | 1 line(s) | 1 line(s) | **DIFFERS: plans differ (2 line(s))** |") != std::string::npos);
    CHECK(md.find("-Index Scan using t_b on public.t\n+Bitmap Heap Scan on public.t") != std::string::npos);
    const std::string html = perf_html(r, {});
    CHECK(html.find("<span class=\"del\">Index Scan using t_b on public.t\n</span>") != std::string::npos);
    CHECK(html.find("<span class=\"add\">Bitmap Heap Scan on public.t\n</span>") != std::string::npos);

    // One distribution only: nothing to compare.
    r.targets = {b, c};
    CHECK(compare_distributions(r).empty());
}
