// What a step adds to the reports (sdk/include/pgorch/report.hpp): its sections reach
// report.md (nested, folded in <details>, charts as bar tables) and report.html (SVG, <details>),
// its tests junit.xml, and the whole report.json.
#include "report/html.hpp"
#include "report/junit.hpp"
#include "report/markdown.hpp"

#include <catch2/catch.hpp>

using namespace pgorch;

TEST_CASE("a step's report sections and tests reach report.md, report.html and junit.xml", "[reports]") {
    report::UpgradeResults r;
    r.scenario = "migrations";
    r.db_type = "pgdg";
    r.start_version = "16.8";
    report::UpgradeStepResult st;
    st.index = 1;
    st.method = "migrate";
    st.from_version = st.to_version = "16.8";
    st.verdict = "passed";
    sdk::ReportSection child{"V002 add price: details", "ok", {{"file", "V002__add_price.sql"}}, {}, {}, {}, "", true, {}};
    sdk::ReportSection sec{"Migrations, step 1", "ok", {{"database", "app"}},
                           {{"Migrations", {"migration", "result"}, {{{"V002 add price", ""}, {"passed", "ok"}}}}},
                           {{"Execution time of all statements", "statements", {{"< 1 ms", 3, "3", ""}, {"1 - 10 ms", 1, "1", ""}}}},
                           {"A note about 8 KiB pages."}, "", false, {child}};
    st.report.sections = {sec};
    st.report.tests = {{"migrate V002 add price", "passed", 12, "", "", "duration 12 ms\n"},
                       {"migrate V003 broken", "failed", 3, "V003__broken.sql:7:1: syntax error", "log", ""}};
    r.steps = {st};
    std::string md = report::upgrade_markdown(r, {});
    CHECK(md.find("## Migrations, step 1 — passed") != std::string::npos);
    CHECK(md.find("| V002 add price | passed |") != std::string::npos);
    CHECK(md.find("*Execution time of all statements*") != std::string::npos);
    CHECK(md.find("| \\< 1 ms | 3 | \xE2\x96\x88") != std::string::npos);
    CHECK(md.find("<details><summary>V002 add price: details — passed</summary>") != std::string::npos);
    CHECK(md.find("</details>") != std::string::npos);
    std::string html = report::upgrade_html(r, {});
    CHECK(html.find("<details class=\"section\"><summary><h3>V002 add price: details ") != std::string::npos);
    CHECK(html.find("<figcaption>Execution time of all statements</figcaption>") != std::string::npos);
    CHECK(html.find("<p class=\"caption\">Migrations</p>") != std::string::npos);
    std::string junit = report::upgrade_junit(r, {});
    CHECK(junit.find("name=\"step 1 migrate V002 add price\"") != std::string::npos);
    CHECK(junit.find("message=\"V003__broken.sql:7:1: syntax error\"") != std::string::npos);
    CHECK(junit.find("failures=\"1\"") != std::string::npos);
    boost::json::object j = report::upgrade_json(r);
    CHECK(j.at("steps").as_array()[0].as_object().contains("report"));
}

