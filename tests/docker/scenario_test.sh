#!/usr/bin/env bash
# Whole scenarios in containers, through `pgorch-host run --runtime docker` against the podman
# API service of the docker fixture (DOCKER_HOST set by ctest). The quickstart's files are
# copied to a scratch folder and the variant's conf.yaml (tests/fixtures/docker/<variant>, with
# db_params that the images' apt offers) is laid over them.
# usage: scenario_test.sh PGORCH_HOST SOURCE_DIR TEST
set -uo pipefail
host=$1 src=$2 test=$3
failures=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
expect_in() { grep -qF -- "$2" "$1" || fail "\"$2\" not in $1"; }

sock=${DOCKER_HOST#unix://}
# Short paths: a cluster's socket folder must fit in sun_path, or the cluster manager moves it to
# /tmp/pgorch-<hash>, which is the container's own /tmp and not reachable from the host.
scratch=$(mktemp -d /tmp/pgd.XXXXXX)
chmod 755 "$scratch"
trap 'rm -rf "$scratch"' EXIT
export PGORCH_WORK_DIR=$scratch/w

# The ids of containers labelled by pgorch for process PID (all pgorch containers without PID).
containers() {
  local filter='{"label":["pgorch=1"]}'
  [[ -n ${1:-} ]] && filter="{\"label\":[\"pgorch=1\",\"pgorch.pid=$1\"]}"
  curl -fsS --unix-socket "$sock" -G "http://d/v1.41/containers/json" --data-urlencode all=true \
    --data-urlencode "filters=$filter" | python3 -c 'import json,sys; print("\n".join(c["Id"] for c in json.load(sys.stdin)))'
}

# scenario VARIANT: the quickstart (upgrade-15 for the upgrade variant) with the variant's
# conf.yaml (and any extra expected files).
scenario() {
  local dir=$scratch/$1 base=quickstart
  [[ $1 == upgrade ]] && base=upgrade-15
  rm -rf "$dir"
  cp -r "$src/scenarios/$base" "$dir"
  rm -rf "$dir/expected" "$dir/results"
  cp -r "$src/tests/fixtures/docker/$1/." "$dir/"
  chmod -R a+rX "$scratch"
  echo "$dir"
}

# run VARIANT EXPECTED_EXIT [options...]: runs in docker, output in $out.
run() {
  local variant=$1 want=$2
  shift 2
  dir=$(scenario "$variant")
  out=$scratch/out-$variant.txt
  "$host" run "$dir" --runtime docker "$@" >"$out" 2>&1
  local code=$?
  cat "$out"
  [[ $code == "$want" ]] || fail "exit code $code, expected $want"
  results=$dir/results/conf.yaml
  [[ $variant == upgrade ]] || [[ -f $results ]] || fail "no $results"
}

# start_bg VARIANT: starts a run in the background; waits until its container exists.
start_bg() {
  dir=$(scenario "$1")
  out=$scratch/out-bg.txt
  "$host" run "$dir" --runtime docker >"$out" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do
    [[ -n $(containers "$pid") ]] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  cat "$out"
  fail "no container appeared for pgorch-host $pid"
  return 1
}

case $test in
bookworm)
  run bookworm 0
  expect_in "$out" "running in a container"
  expect_in "$results" "test_version: '15."
  grep -qF "test_version: '15'" "$results" && fail "test_version is the selector, not the exact version"
  expect_in "$results" "status: success"
  expect_in "$results" "matched_expected_file: explain_expected_1.txt"
  # the server ran inside the container: its log names the Debian bindir of the apt packages
  grep -rqs "/usr/lib/postgresql/15/bin" "$PGORCH_WORK_DIR" || fail "the apt layout /usr/lib/postgresql/15/bin is not in the run folder"
  run_pid=$(ls "$PGORCH_WORK_DIR" | sed -n 's/^bookworm-.*-\([0-9]\+\)$/\1/p' | head -n1)
  [[ -n $run_pid ]] || fail "no run folder in $PGORCH_WORK_DIR"
  [[ -z $(containers "$run_pid") ]] || fail "the run's container was left behind"
  ;;
side_by_side)
  run side_by_side 0 --jobs 2
  [[ $(grep -c "status: success" "$results") -ge 8 ]] || fail "not every case of both targets succeeded"
  expect_in "$out" "its own container of \"pgorch-debian:trixie\""
  # each selector resolved inside its own container to an exact version of that major
  python3 - "$results" <<'PY' || fail "the report does not hold both targets with exact versions"
import re, sys, yaml
r = yaml.safe_load(open(sys.argv[1]))
versions = [t["test_version"] for t in r["test_results"]]
assert len(versions) == 2, versions
assert re.fullmatch(r"15\.\d+", versions[0]) and re.fullmatch(r"17\.\d+", versions[1]), versions
PY
  ;;
upgrade)
  run upgrade 0
  expect_in "$out" "running in a container"
  expect_in "$out" "step 1 (minor): passed, 15.6 -> 15.12"
  expect_in "$out" "step 2 (pg_upgrade): passed, 15.12 -> 15."
  expect_in "$out" "pg_controldata of pgdg 15.12 (binaries) is borrowed from pgdg 15."
  expect_in "$out" "upgrade: 2 step(s), 2 passed, 0 failed"
  ;;
sigint)
  start_bg bookworm || exit 1
  sleep 5
  kill -INT "$pid"
  wait "$pid"
  code=$?
  cat "$out"
  [[ $code == 130 ]] || fail "exit code $code after SIGINT, expected 130"
  left=$(containers "$pid")
  [[ -z $left ]] || fail "containers left after SIGINT: $left"
  ;;
crash)
  start_bg bookworm || exit 1
  sleep 3
  kill -9 "$pid"
  wait "$pid" 2>/dev/null
  [[ -n $(containers "$pid") ]] || fail "kill -9 should leave the crashed run's container (nothing to test)"
  crashed=$pid
  run bookworm 0
  left=$(containers "$crashed")
  [[ -z $left ]] || fail "the crashed run's container is still there: $left"
  ;;
*)
  echo "unknown test $test" >&2
  exit 2
  ;;
esac
[[ $failures == 0 ]] || { echo "$failures failure(s)" >&2; exit 1; }
echo "ok"
