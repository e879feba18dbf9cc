#!/bin/bash
# Benchmark: the in-place catalog upgrade against pg_upgrade (copy and link) and pg_dumpall on the
# same pgbench database. Each method runs as a one-step pgorch scenario from Debian's 15.18;
# the time and downtime come from the run's report.json.
#   usage: bench/inplace.sh [SCALE]      (SCALE: pgbench scale, default 20 = ~300 MB)
#   env:   PGORCH_HOST (default build/bin/pgorch-host), PGORCH_CACHE_DIR, BENCH_WORK
set -euo pipefail
SCALE=${1:-20}
SRC=$(cd "$(dirname "$0")/.." && pwd)
HOST=${PGORCH_HOST:-$SRC/build/bin/pgorch-host}
WORK=${BENCH_WORK:-$(mktemp -d /tmp/pgorch-bench-inplace.XXXXXX)}
CACHE_ARGS=()
[ -n "${PGORCH_CACHE_DIR:-}" ] && CACHE_ARGS=(--cache-dir "$PGORCH_CACHE_DIR")
mkdir -p "$WORK"

# scenario NAME STEP_YAML: a scenario folder with the pgbench setup and one step.
scenario() {
    local dir="$WORK/scenarios/$1"
    mkdir -p "$dir/scripts"
    cp -r "$SRC/scenarios/inplace-15/sql_upgrade" "$dir/"
    printf '#!/bin/bash\nset -e\npgbench -i -q -s %s postgres\n' "$SCALE" >"$dir/scripts/setup.sh"
    chmod +x "$dir/scripts/setup.sh"
    printf 'kind: upgrade\ndb_type: pgdg\ndb_version: "15.18"\nargs:\n  initdb: --encoding=UTF8 --locale=C.UTF-8\ninitial_setup_script: setup.sh\nsteps:\n%s\n' "$2" >"$dir/conf.yaml"
    echo "$dir"
}

declare -A STEPS=(
  [inplace_catalog]='  - type: inplace_catalog
    db_type: pgdg_patched
    db_version: "15.18"'
  [pg_upgrade_copy]='  - type: pg_upgrade
    db_version: "15.18"'
  [pg_upgrade_link]='  - type: pg_upgrade
    db_version: "15.18"
    args:
      pg_upgrade: --link'
  [pg_dumpall]='  - type: pg_dumpall
    db_version: "15.18"'
)

printf '%-18s %12s %12s %s\n' method duration_s downtime_s verdict | tee "$WORK/bench.txt"
for m in inplace_catalog pg_upgrade_copy pg_upgrade_link pg_dumpall; do
    dir=$(scenario "$m" "${STEPS[$m]}")
    "$HOST" run --work-dir "$WORK/runs-$m" "${CACHE_ARGS[@]}" "$dir" >"$WORK/$m.log" 2>&1 || true
    report=$(ls "$WORK"/runs-$m/*/results/report.json 2>/dev/null | head -1)
    python3 - "$m" "$report" <<'PY' | tee -a "$WORK/bench.txt"
import json, sys
m, path = sys.argv[1], sys.argv[2]
try:
    r = json.load(open(path))
    s = r["steps"][0]
    print("%-18s %12.2f %12.2f %s" % (m, s.get("duration_ms", 0) / 1000, (s.get("downtime_ms") or 0) / 1000, s.get("verdict")))
except Exception as e:
    print("%-18s %12s %12s %s" % (m, "-", "-", "no report (%s)" % e))
PY
done
echo "scale $SCALE; logs and reports in $WORK"
