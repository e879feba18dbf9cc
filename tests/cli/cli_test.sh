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

expect 0 '^pgorch-host [0-9]+\.[0-9]+\.[0-9]+ \(plugin ABI 1\.2\)' -- --version
expect 0 'usage: pgorch-host \[options\] COMMAND' -- --help
expect 2 'usage: pgorch-host \[options\] COMMAND' --
expect 0 'usage: pgorch-host run SCENARIO' -- run --help
expect 2 '^error\[PGO-2001\]: unknown command "frobnicate"' -- frobnicate
expect 2 'unknown option "--frobnicate"' -- run x --frobnicate
# Every error carries a code of the catalog; explain-error says what it means and what to do.
expect 0 'explain-error CODE' -- --help
expect 0 '^PGO-2005 unknown_key \(exit 2: ' -- explain-error PGO-2005
expect 0 '^  meaning: conf.yaml has a key pgorch does not know' -- explain-error 2005
expect 0 '^  usual fix:' -- explain-error unknown_key
expect 0 '^PGO-9000  interrupted' -- explain-error
expect 2 '^error\[PGO-2001\]: unknown error code "PGO-1234"' -- explain-error PGO-1234
expect 0 'usage: pgorch-host explain-error' -- explain-error --help
# A wrong scenario name lists the available ones (the original tool's behaviour).
cd "$src"
expect 2 'error\[PGO-2002\]: scenario "no-such-scenario" not found' -- run no-such-scenario
expect 2 'for example: .*quickstart' -- run no-such-scenario
expect 0 'quickstart' -- list
mkdir -p "$tmp/empty"
expect 2 '^error\[PGO-2002\]: no scenarios found' -- list "$tmp/empty"
expect 2 '^error\[PGO-2001\]: --older-than must be a number' -- gc --older-than soon
# A malformed manifest is refused before anything runs, with file:line:column.
mkdir -p "$tmp/bad"
printf 'kind: perf\ndb_params:\n  - db_type: pgdg\n    db_verison: "15.20"\ncases: []\n' >"$tmp/bad/conf.yaml"
expect 2 'conf.yaml:4:5: error\[PGO-2005\]: unknown key "db_verison"' -- validate "$tmp/bad"
expect 2 'Did you mean "db_version"' -- run "$tmp/bad"
# The code an error prints is one explain-error knows.
code=$("$host" validate "$tmp/bad" 2>&1 | grep 'db_verison' | grep -o 'PGO-[0-9]*' | head -n1)
expect 0 "^$code unknown_key" -- explain-error "$code"
[[ ! -e $tmp/work ]] || { echo "FAIL: an invalid scenario created a run folder"; failures=$((failures + 1)); }
# The perf check options of the issue's measurements: refused by validate, before anything runs.
mkdir -p "$tmp/perfopts"
echo 'SELECT 1;' >"$tmp/perfopts/q.sql"
for args in 'timing: --repetitions=zero' 'timing: --warmpu=2' 'explain: --normalise=numbers'; do
  printf 'kind: perf\ndb_params:\n  - db_version: "15"\nargs:\n  %s\ncases:\n  - name: c1\n    explain_queries:\n      - query: q.sql\n        expected: [q.sql]\n    timing_queries:\n      - query: q.sql\n        expected_time_ms: 10\n' "$args" >"$tmp/perfopts/conf.yaml"
  expect 2 "conf.yaml:5:[0-9]+: .*option \"(repetitions|warmpu|normalise)\"" -- validate "$tmp/perfopts"
done
expect 2 'Did you mean "normalize"' -- validate "$tmp/perfopts"
[[ ! -e $tmp/work ]] || { echo "FAIL: a refused scenario created a run folder"; failures=$((failures + 1)); }
# An unknown step type names the available plugins.
mkdir -p "$tmp/badstep"
printf 'kind: upgrade\ndb_version: "15.18"\nsteps:\n  - type: pg_upgrayed\n    db_version: "15.20"\n' >"$tmp/badstep/conf.yaml"
expect 2 'conf.yaml:4:11: error\[PGO-2007\]: no step plugin "pg_upgrayed"' -- validate "$tmp/badstep"
# The original tool's habits: --scenario NAME, and names looked up in ./items first.
mkdir -p "$tmp/cwd/items/pgdg_perf" "$tmp/cwd/other"
cp "$tmp/bad/conf.yaml" "$tmp/cwd/items/pgdg_perf/"
cp "$tmp/bad/conf.yaml" "$tmp/cwd/other/"
cd "$tmp/cwd"
expect 2 'items/pgdg_perf/conf.yaml:4:5: .*db_verison' -- run --scenario pgdg_perf
expect 2 'items/pgdg_perf/conf.yaml:4:5: .*db_verison' -- validate --scenario=pgdg_perf
expect 2 'other/conf.yaml:4:5: .*db_verison' -- validate other
expect 2 'for example: pgdg_perf, ' -- run --scenario nope
cd "$src"
# Selectors and versions against a distro whose "mirror" is a file (tests/plugins/fixtures/listing.cpp).
fixtures=$(dirname "$host")/../tests/plugins/fixture-plugins
if [[ -f $fixtures/pgorch-distro-fx_listing.so ]]; then
  export PGORCH_FX_LISTING=$tmp/mirror.json
  cat >"$PGORCH_FX_LISTING" <<'JSON'
{"offers": [{"version": "16.8", "method": "binaries", "toolset": "server", "cost": "download"},
            {"version": "17.10", "method": "binaries", "toolset": "server", "cost": "download"},
            {"version": "17.12", "method": "source", "toolset": "full", "cost": "build"},
            {"version": "15.20", "method": "deb", "toolset": "full", "cost": "download"}],
 "problems": [{"method": "path", "reason": "PGORCH_PGDG_PATH is not set"}]}
JSON
  fxdir=$(mktemp -d) && chmod 755 "$fxdir"  # a cache the service user can reach
  fx=(--plugin-dir "$fixtures" -q --work-dir "$fxdir/work" --cache-dir "$fxdir/cache")
  expect 0 '17\.12 +source +full +no \(build\)' -- versions fx_listing 17 "${fx[@]}"
  expect 0 'could not list path: PGORCH_PGDG_PATH is not set' -- versions fx_listing "${fx[@]}"
  expect 0 '"offers":\[\{"version":"16.8"' -- versions fx_listing 16 --json "${fx[@]}"
  mkdir -p "$tmp/chain" "$tmp/from16" "$tmp/into16"
  printf 'kind: upgrade\ndb_type: fx_listing\ndb_version: "15.20"\nsteps:\n  - type: pg_upgrade\n    db_version: "17"\n' >"$tmp/chain/conf.yaml"
  expect 0 'step 1 \(pg_upgrade\): fx_listing 17 -> 17\.12 \(source, full toolset, build\)' -- validate "$tmp/chain" "${fx[@]}"
  expect 0 'nothing was provisioned or run' -- run --dry-run "$tmp/chain" "${fx[@]}"
  # pg_upgrade runs the old major's own pg_resetwal: a server-only 16.8 with no full 16 to lend
  # one is refused by validate and run --dry-run exactly as run refuses it
  printf 'kind: upgrade\ndb_type: fx_listing\ndb_version: "16.8"\nsteps:\n  - type: pg_upgrade\n    db_version: "17"\n' >"$tmp/from16/conf.yaml"
  expect 3 'needs pg_resetwal for fx_listing 16\.8 .*it must come from the same major' -- validate "$tmp/from16" "${fx[@]}"
  expect 3 'needs pg_resetwal for fx_listing 16\.8 .*it must come from the same major' -- run --dry-run "$tmp/from16" "${fx[@]}"
  printf 'kind: upgrade\ndb_type: fx_listing\ndb_version: "15.20"\nsteps:\n  - type: pg_upgrade\n    db_version: "16.8"\n' >"$tmp/into16/conf.yaml"
  expect 3 'step 1 \(pg_upgrade\) needs pg_upgrade 16\.8 itself .*server-only build.*full toolsets here: 17\.12 \(source\), 15\.20 \(deb\)' -- validate "$tmp/into16" "${fx[@]}"
  expect 3 'conf.yaml:6:17: error\[PGO-3002\]: step 1 \(pg_upgrade\) needs pg_upgrade' -- run "$tmp/into16" "${fx[@]}"
  # plugins --call exits as the plugin's status says: PGORCH_ERR_ENVIRONMENT is 3.
  expect 3 'error\[PGO-3000\]: plugin "fx_fails" failed: no mirror answers' -- plugins --call fx_fails "${fx[@]}"
  unset PGORCH_FX_LISTING
  rm -rf "$fxdir"
else
  echo "FAIL: $fixtures/pgorch-distro-fx_listing.so is not built"
  failures=$((failures + 1))
fi
# Plugins: the list and a description.
expect 0 'step +noop' -- plugins
expect 0 'noop' -- plugins --describe noop
expect 2 'error\[PGO-2007\]: no plugin "nope"' -- plugins --describe nope
expect 0 '"message"' -- plugins --call noop --input '{"x":1}'
expect 1 'error\[PGO-1009\]: plugin "noop" failed: noop failed on purpose' -- plugins --call noop --input '{"options":{"fail":"true"}}'
expect 2 '--input is not a JSON object' -- plugins --call noop --input '[1'
# As root, PostgreSQL runs as the service user: a cache it cannot reach (mktemp -d is 0700) is
# refused before anything is downloaded, naming the folder and the fix.
if [[ $(id -u) -eq 0 ]]; then
  expect 3 "error\\[PGO-3007\\]: folder \"$tmp\" is not accessible to the service user" -- provision pgdg 15.12 --cache-dir "$tmp/cache"
  expect 3 "chmod o\+x $tmp" -- provision pgdg 15.18 --cache-dir "$tmp/cache"
  [[ -z $(ls -A "$tmp/cache" 2>/dev/null) ]] || { echo "FAIL: the refused provision wrote into the cache"; failures=$((failures + 1)); }
fi

echo "$passes passed, $failures failed"
[[ $failures -eq 0 ]]
