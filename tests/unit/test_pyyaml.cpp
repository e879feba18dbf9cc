// results/conf.yaml as the original tool's PyYAML wrote it: the expected texts below are what
// yaml.dump(data, default_flow_style=False, sort_keys=False) printed (PyYAML 6.0) for the same data.
#include "report/pyyaml.hpp"

#include <catch2/catch.hpp>

namespace json = boost::json;
using pgorch::report::pyyaml_dump;

TEST_CASE("the seed's results shape is written byte for byte as PyYAML writes it") {
    json::value doc = json::parse(R"({"test_results": [
        {"test_version": "16.4", "test_edition": null, "cases": [
            {"case_name": "case_1",
             "explain_results": [{"query": "explain_query.sql", "result": "match", "matched_expected_file": "explain_expected_1.txt"}],
             "timing_results": [{"query": "timing_query.sql", "result": "within expected", "status": "success"}]},
            {"case_name": "empty", "explain_results": [], "timing_results": []}]},
        {"test_version": "17", "test_edition": "se-1c", "cases": [],
         "error": "distro \"pgdg\": no: it's 'quoted' # not a comment"}]})");
    CHECK(pyyaml_dump(doc) == R"(test_results:
- test_version: '16.4'
  test_edition: null
  cases:
  - case_name: case_1
    explain_results:
    - query: explain_query.sql
      result: match
      matched_expected_file: explain_expected_1.txt
    timing_results:
    - query: timing_query.sql
      result: within expected
      status: success
  - case_name: empty
    explain_results: []
    timing_results: []
- test_version: '17'
  test_edition: se-1c
  cases: []
  error: 'distro "pgdg": no: it''s ''quoted'' # not a comment'
)");
}

TEST_CASE("strings YAML 1.1 would read as another type, or whose characters need it, are quoted") {
    json::value doc = json::parse(R"({"a": "yes", "b": "null", "c": "", "d": "- x", "e": "x: y", "f": "#x", "g": 12,
        "h": 1.5, "i": 1875.0, "j": true, "k": "2024-01-01", "l": "0x1F", "n": {"sub": [1, 2], "s2": {"x": "y"}},
        "o": "trailing:"})");
    CHECK(pyyaml_dump(doc) == R"(a: 'yes'
b: 'null'
c: ''
d: '- x'
e: 'x: y'
f: '#x'
g: 12
h: 1.5
i: 1875.0
j: true
k: '2024-01-01'
l: '0x1F'
n:
  sub:
  - 1
  - 2
  s2:
    x: y
o: 'trailing:'
)");
}
