#!/usr/bin/env bash
# Runs pgorch-host as a user would and checks exit codes and messages.
# usage: cli_test.sh PGORCH_HOST SOURCE_DIR
set -u
host=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PGORCH_WORK_DIR=$tmp/work PGORCH_CACHE_DIR=$tmp/cache NO_COLOR=1
failures=0
passes=0

# expect CODE PATTERN -- ARGS...: runs the host, checks the exit code and that output matches PATTERN.
expect() {
  local code=$1 pattern=$2
  shift 3
  local out rc
  out=$("$host" "$@" 2>&1)
  rc=$?
  if [[ $rc -ne $code ]] || ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL: pgorch-host $* -> exit $rc (want $code), output:"
    sed 's/^/    /' <<<"$out"
    echo "    (wanted a line matching: $pattern)"
    failures=$((failures + 1))
  else
    passes=$((passes + 1))
  fi
}

expect 0 '^pgorch-host [0-9]+\.[0-9]+\.[0-9]+ \(plugin ABI 1\.1\)' -- --version
expect 0 'usage: pgorch-host \[options\] COMMAND' -- --help
expect 2 'usage: pgorch-host \[options\] COMMAND' --
expect 0 'usage: pgorch-host run SCENARIO' -- run --help
expect 2 'unknown command "frobnicate"' -- frobnicate
expect 2 'unknown option "--frobnicate"' -- run x --frobnicate
# A wrong scenario name lists the available ones (the original tool's behaviour).
cd "$src"
expect 2 'scenario "no-such-scenario" not found' -- run no-such-scenario
expect 2 'for example: .*quickstart' -- run no-such-scenario
expect 0 'quickstart' -- list
# A malformed manifest is refused before anything runs, with file:line:column.
mkdir -p "$tmp/bad"
printf 'kind: perf\ndb_params:\n  - db_type: pgdg\n    db_verison: "15.20"\ncases: []\n' >"$tmp/bad/conf.yaml"
expect 2 'conf.yaml:4:5: .*db_verison' -- validate "$tmp/bad"
expect 2 'Did you mean "db_version"' -- run "$tmp/bad"
[[ ! -e $tmp/work ]] || { echo "FAIL: an invalid scenario created a run folder"; failures=$((failures + 1)); }
# An unknown step type names the available plugins.
mkdir -p "$tmp/badstep"
printf 'kind: upgrade\ndb_version: "15.18"\nsteps:\n  - type: pg_upgrayed\n    db_version: "15.20"\n' >"$tmp/badstep/conf.yaml"
expect 2 'conf.yaml:4:11: .*pg_upgrayed' -- validate "$tmp/badstep"
# Plugins: the list and a description.
expect 0 'step +noop' -- plugins
expect 0 'noop' -- plugins --describe noop
expect 2 'no plugin named "nope"' -- plugins --describe nope
expect 0 '"message"' -- plugins --call noop --input '{"x":1}'
expect 2 '--input is not a JSON object' -- plugins --call noop --input '[1'
# As root, PostgreSQL runs as the service user: a cache it cannot reach (mktemp -d is 0700) is
# refused before anything is downloaded, naming the folder and the fix.
if [[ $(id -u) -eq 0 ]]; then
  expect 3 "folder \"$tmp\" is not accessible to the service user" -- provision pgdg 15.18 --cache-dir "$tmp/cache"
  expect 3 "chmod o\+x $tmp" -- provision pgdg 15.18 --cache-dir "$tmp/cache"
  [[ -z $(ls -A "$tmp/cache" 2>/dev/null) ]] || { echo "FAIL: the refused provision wrote into the cache"; failures=$((failures + 1)); }
fi

echo "$passes passed, $failures failed"
[[ $failures -eq 0 ]]
