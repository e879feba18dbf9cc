#!/usr/bin/env bash
# One perf integration test: copies a scenario to a scratch folder (pgorch writes results/ into
# the scenario folder), runs `pgorch-host run` on it and checks the exit code, the console output,
# results/conf.yaml, report.json and the reports next to it (junit.xml, report.md, report.html).
# usage: perf_test.sh PGORCH_HOST SOURCE_DIR TEST
set -uo pipefail
host=$1 src=$2 test=$3
failures=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
# expect_in FILE TEXT: FILE contains TEXT (fixed string).
expect_in() { grep -qF -- "$2" "$1" || fail "\"$2\" not in $1"; }
expect_not_in() { ! grep -qF -- "$2" "$1" || fail "\"$2\" unexpectedly in $1"; }

scratch=$(mktemp -d /tmp/pgorch-perf-test.XXXXXX)
chmod 755 "$scratch"
trap 'rm -rf "$scratch"' EXIT

# run SCENARIO_SOURCE EXPECTED_EXIT [host options...]: copies, runs, keeps output in $out.
run() {
  local from=$1 want=$2
  shift 2
  scenario=$scratch/$(basename "$from")
  [[ -d $scenario ]] || cp -r "$from" "$scenario"
  chmod -R a+rX "$scratch"
  out=$scratch/out.txt
  "$host" run "$scenario" "$@" >"$out" 2>&1
  local code=$?
  cat "$out"
  [[ $code == "$want" ]] || fail "exit code $code, expected $want"
  [[ $want != 2 ]] || return  # refused before anything ran: no results to look at
  results=$scenario/results/conf.yaml
  [[ -f $results ]] || { fail "no $results"; return; }
  report=$(sed -n 's/^report: \(.*report\.json\)$/\1/p' "$out" | head -n1)
  [[ -n $report && -f $report ]] || { fail "no report.json named in the output"; return; }
  rdir=$(dirname "$report")
  for f in junit.xml report.md report.html; do
    [[ -s $rdir/$f ]] || fail "no $f next to report.json"
    grep -qxF "report: $rdir/$f" "$out" || fail "$f not listed in the output"
  done
}

# junit_expect EXPR: a Python expression over the <testsuites> counts (tests, failures, errors,
# skipped) of the last run's junit.xml (or of FILE, the second argument).
junit_expect() {
  python3 - "${2:-$rdir/junit.xml}" "$1" <<'PY' || fail "junit.xml: $1 does not hold"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
counts = {k: int(root.get(k)) for k in ("tests", "failures", "errors", "skipped")}
assert root.tag == "testsuites" and eval(sys.argv[2], {}, counts), counts
PY
}

fixtures=$src/tests/fixtures/perf
case $test in
seed_layout)
  run "$fixtures/seed_layout" 0
  # exactly the seed's YAML (compared structurally by pgorch with expected/conf.yaml, and here)
  expect_in "$results" "test_version: '16.4'"
  expect_in "$out" "has a docker: section but no docker engine answers"
  # byte for byte the original's results/conf.yaml (PyYAML's default dump: list items not indented)
  cmp -s "$results" "$scenario/expected/conf.yaml" || { diff -u "$scenario/expected/conf.yaml" "$results"; fail "results/conf.yaml differs from expected/conf.yaml byte for byte"; }
  expect_in "$results" "test_edition: null"
  expect_in "$results" "matched_expected_file: explain_expected_1.txt"
  expect_in "$results" "result: within expected"
  expect_in "$results" "status: success"
  expect_in "$out" "matches expected/conf.yaml"
  junit_expect "tests >= 3 and failures == 0 and errors == 0 and skipped == 0"
  expect_in "$rdir/report.md" "**Verdict: PASSED**"
  python3 - "$report" <<'PY' || fail "report.json lacks the timing statistics"
import json, sys
r = json.load(open(sys.argv[1]))
t = r["test_results"][0]["cases"][0]["timing_results"][0]
s = t["stats"]
assert t["limit_ms"] == 1875, t["limit_ms"]
assert 990 <= s["median"] <= 1875, s
assert len(s["samples"]) == 5 and s["min"] <= s["median"] <= s["p95"] <= s["max"], s
assert r["test_results"][0]["cases"][0]["explain_results"][0]["actual"].startswith("Index Scan using test_table_pkey")
PY
  ;;
wrong_plan)
  run "$fixtures/wrong_plan" 1
  expect_in "$results" "result: mismatch"
  expect_in "$results" "matched_expected_file: null"
  expect_in "$out" ": error[PGO-1001]: plan mismatch"
  # the diff is against the closest expected file (one line differs from _2, two from _1)
  expect_in "$out" "--- expected/explain_expected_2.txt"
  expect_in "$out" "+++ actual"
  expect_in "$out" "-Index Scan using test_table_name_idx on public.test_table"
  expect_in "$out" "+Index Scan using test_table_pkey on public.test_table"
  junit_expect "failures >= 1 and errors == 0"
  expect_in "$rdir/junit.xml" "+Index Scan using test_table_pkey on public.test_table"
  expect_in "$rdir/report.md" "**Verdict: FAILED**"
  expect_in "$rdir/report.md" '```diff'
  expect_in "$rdir/report.html" '<span class="add">+Index Scan using test_table_pkey on public.test_table'
  ;;
slow_timing)
  run "$fixtures/slow_timing" 1
  expect_in "$results" "result: exceeds expected"
  expect_in "$results" "status: failure"
  junit_expect "failures >= 1"
  expect_in "$rdir/junit.xml" "exceeds the limit 100.000 ms"
  expect_in "$rdir/report.html" "<svg"
  python3 - "$report" <<'PY' || fail "report.json: wrong timing numbers"
import json, sys
t = json.load(open(sys.argv[1]))["test_results"][0]["cases"][0]["timing_results"][0]
assert t["limit_ms"] == 100 and t["stats"]["median"] >= 300 and len(t["stats"]["samples"]) == 3, t
PY
  ;;
failing_hook)
  run "$fixtures/failing_hook" 1
  expect_in "$out" "pre_hook: the sample data is missing"
  expect_in "$out" "/ case_1: error[PGO-1006]: "
  expect_in "$results" "pre_hook.sh"
  python3 - "$report" <<'PY' || fail "report: case_1 should fail with the hook output, case_2 should match"
import json, sys
cases = json.load(open(sys.argv[1]))["test_results"][0]["cases"]
assert cases[0]["case_name"] == "case_1" and cases[0]["failed"], cases[0]
assert "the sample data is missing" in cases[0]["hooks"][0]["output_tail"], cases[0]
assert cases[0]["explain_results"][0]["result"] == "not run", cases[0]
assert cases[1]["explain_results"][0]["result"] == "match" and not cases[1]["failed"], cases[1]
PY
  expect_in "$results" "result: not run"
  junit_expect "failures >= 1 and skipped >= 1"
  ;;
bless)
  # --bless writes the actual plan into the first expected file; the next run passes without it
  run "$fixtures/wrong_plan" 0 --bless
  expect_in "$out" "blessed: "
  expect_in "$scenario/cases/case_1/explain_expected_1.txt" "Index Scan using test_table_pkey on public.test_table"
  expect_in "$results" "result: match"
  run "$fixtures/wrong_plan" 0
  expect_in "$results" "matched_expected_file: explain_expected_1.txt"
  # An expected file that does not exist yet: refused without --bless, created with it.
  rm "$scenario/cases/case_1/explain_expected_1.txt"
  run "$fixtures/wrong_plan" 2
  expect_in "$out" "explain_expected_1.txt\" not found"
  run "$fixtures/wrong_plan" 0 --bless
  expect_in "$scenario/cases/case_1/explain_expected_1.txt" "Index Scan using test_table_pkey on public.test_table"
  ;;
quickstart)
  # --junit writes the JUnit XML to a stable path as well
  run "$src/scenarios/quickstart" 0 --junit "$scratch/ci/junit.xml"
  expect_in "$out" "matches expected/conf.yaml"
  junit_expect "tests >= 8 and failures == 0 and errors == 0"
  [[ -s $scratch/ci/junit.xml ]] && cmp -s "$scratch/ci/junit.xml" "$rdir/junit.xml" || fail "--junit file differs or is missing"
  expect_in "$out" "report: $scratch/ci/junit.xml"
  python3 - "$rdir/report.html" <<'PY' || fail "report.html: not one SVG per timing query"
import re, sys
html = open(sys.argv[1]).read()
assert html.startswith("<!DOCTYPE html>") and "<script" not in html.lower(), "script or doctype"
assert html.count("<svg") == 4, html.count("<svg")  # quickstart: four timing queries
PY
  expect_not_in "$results" "mismatch"
  ;;
*)
  echo "unknown test \"$test\"" >&2
  exit 2
  ;;
esac
((failures == 0)) || { echo "$failures check(s) failed" >&2; exit 1; }
echo "ok: $test"
