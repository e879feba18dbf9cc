#!/usr/bin/env bash
# Benchmarks of the perf module (not a test; prints numbers from one run):
#  1. the timing plugin's cost per execution of a trivial query (SELECT 1), through pgorch-host,
#     against a bare libpq loop (psql running the same statement N times in one session) on the
#     same PostgreSQL binaries, as a ratio;
#  2. the wall time of the quickstart scenario with 1 and with 2 db_params targets.
#
# usage: bench/perf.sh [PGORCH_HOST]   (default build/bin/pgorch-host)
# Environment: N (executions, default 500), PGORCH_CACHE_DIR / PGORCH_WORK_DIR as for pgorch-host.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
host=${1:-$root/build/bin/pgorch-host}
n=${N:-500}
scratch=$(mktemp -d /tmp/pgorch-bench.XXXXXX)
chmod 755 "$scratch"
pgdata=$scratch/pgdata
cleanup() {
  [[ -f $pgdata/postmaster.pid ]] && runuser -u postgres -- "$bindir/pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1
  rm -rf "$scratch"
}
trap cleanup EXIT
now() { date +%s.%N; }

# A perf scenario in $1 with the given db_params lines and one trivial timing case.
trivial_scenario() {
  mkdir -p "$1/cases/trivial"
  echo 'SELECT 1;' >"$1/cases/trivial/timing_query.sql"
  printf '#!/bin/sh\ntrue\n' >"$1/fill_db.sh"
  cat >"$1/conf.yaml" <<YAML
kind: perf
db_params:
  - db_type: pgdg
    db_version: '15.12'
args:
  timing: --warmup=0 --repetitions=$n
db_initial_script: fill_db.sh
cases:
  - name: trivial
    timing_queries:
      - query: timing_query.sql
        expected_time_ms: 1000
YAML
  chmod -R a+rX "$scratch"
}

echo "== 1. timing plugin vs a bare libpq loop ($n executions of SELECT 1)"
trivial_scenario "$scratch/trivial"
"$host" run "$scratch/trivial" >"$scratch/trivial.out" 2>&1 || { cat "$scratch/trivial.out"; exit 1; }
report=$(sed -n 's/^report: \(.*report\.json\)$/\1/p' "$scratch/trivial.out" | head -n1)
read -r case_ms mean_ms median_ms < <(jq -r '.test_results[0].cases[0] |
  "\(.duration_ms) \(.timing_results[0].stats.mean) \(.timing_results[0].stats.median)"' "$report")
# The same server build (15.12, npm) and a psql of a full 15.x: the target's own binaries.
bindir=$("$host" provision pgdg 15.12 --json | sed -E 's/.*"bindir":"([^"]*)".*/\1/')
psql_bindir=$("$host" provision pgdg 15 --json | sed -E 's/.*"bindir":"([^"]*)".*/\1/')

# The same binaries, a throwaway server, psql running the statement n times in one session.
mkdir -p "$pgdata" && chown postgres "$pgdata" "$scratch"
runuser -u postgres -- "$bindir/initdb" -D "$pgdata" -A trust >/dev/null
runuser -u postgres -- "$bindir/pg_ctl" -D "$pgdata" -w -l "$scratch/pg.log" \
  -o "-c listen_addresses= -k $scratch -p 5487" start >/dev/null
for ((i = 0; i < n; i++)); do echo 'SELECT 1;'; done >"$scratch/loop.sql"
t0=$(now)
runuser -u postgres -- "$psql_bindir/psql" -X -q -h "$scratch" -p 5487 -d postgres -f "$scratch/loop.sql" >/dev/null
t1=$(now)
bare_ms=$(echo "($t1 - $t0) * 1000 / $n" | bc -l)
plugin_ms=$(echo "$case_ms / $n" | bc -l)
printf 'timing plugin, wall time per execution:     %8.3f ms (case %.0f ms / %d)\n' "$plugin_ms" "$case_ms" "$n"
printf 'timing plugin, measured sample mean/median: %8.3f / %.3f ms\n' "$mean_ms" "$median_ms"
printf 'bare libpq loop (psql, one session):        %8.3f ms per statement\n' "$bare_ms"
printf 'ratio plugin / bare:                        %8.1fx\n' "$(echo "$plugin_ms / $bare_ms" | bc -l)"

echo "== 2. quickstart wall time, 1 vs 2 db_params targets"
cp -r "$root/scenarios/quickstart" "$scratch/qs2"
cp -r "$root/scenarios/quickstart" "$scratch/qs1"
rm -rf "$scratch"/qs*/results "$scratch"/qs*/expected
# qs1 keeps only the first target
python3 - "$scratch/qs1/conf.yaml" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p).read()
s = re.sub(r"(db_params:\n  - db_type: pgdg\n    db_version: '[0-9.]+'\n)(  - db_type: pgdg\n    db_version: '[0-9.]+'\n)+", r"\1", s)
open(p, "w").write(s)
PY
chmod -R a+rX "$scratch"
for k in 1 2; do
  t0=$(now)
  "$host" run "$scratch/qs$k" >"$scratch/qs$k.out" 2>&1 || { tail -n 30 "$scratch/qs$k.out"; exit 1; }
  t1=$(now)
  eval "wall$k=$(echo "$t1 - $t0" | bc -l)"
done
printf '1 target:  %6.1f s\n2 targets: %6.1f s (%.2fx of one; 2.00x would be no overlap)\n' \
  "$wall1" "$wall2" "$(echo "$wall2 / $wall1" | bc -l)"
