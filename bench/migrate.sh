#!/bin/bash
# Migration benchmark: what the migrate step costs per migration, statistics included, against
# the same delta files applied by hand with `psql -X -1 -f FILE` (one psql per file), on the same
# cluster. All figures come from one chain run by pgorch itself:
#   step 1  migrate a one-delta folder (its own versions table): loads pg_stat_statements (one
#           restart), so no later step pays for it
#   step 2  migrate an empty folder into db pg0, after a pre_script applying the deltas by hand
#           into db hand1: the step's fixed cost (sessions, the statistics' scratch database)
#   step 3  migrate the N deltas into db pg1, statistics on
#   step 4  migrate the N deltas into db pg2, statistics on, after a pre_script applying them by
#           hand into db hand2
#   step 5  migrate the N deltas into db pg3, statistics off
#   step 6  migrate an empty folder into db pg4, statistics off: the fixed cost without statistics
# Each delta: a table, an insert of ROWS rows, an index, a column added, an update of a tenth of
# the rows (5 statements). The databases are made by the setup script, outside every timing.
#
# usage: bench/migrate.sh [PGORCH_HOST] [N] [ROWS]     (defaults: build/bin/pgorch-host, 20, 2000)
# Figures:
#   by hand     psql -1 -f per file: wall time per migration (median of the two pre_scripts), and
#               what of it is psql's start and connection alone (psql -c 'SELECT 1' per file)
#   pgorch      the migrate step's duration (measured by the host around the plugin call) minus
#               the empty step's of the same statistics setting, per migration: statistics on
#               (median of steps 3, 4, minus step 2) and off (step 5 minus step 6)
#   ratio       pgorch / by hand: the goal is <= 1.05 with statistics
set -euo pipefail
HOST=$(realpath "${1:-$(dirname "$0")/../build/bin/pgorch-host}")
N=${2:-20}
ROWS=${3:-2000}
WORK=$(mktemp -d /tmp/pgorch-bench-migrate-XXXX)
chmod 755 "$WORK"
trap 'rm -rf "$WORK"' EXIT
# The version (the only place this script names one): a selector, the newest 15.x with a full
# toolset here (psql is in it); the report says which exact version it was.
VERSION=${VERSION:-15}
echo "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

d=$WORK/scenario
mkdir -p "$d/deltas" "$d/empty" "$d/warm" "$d/scripts" "$d/out" && chmod 777 "$d/out"
touch "$d/empty/README"
printf 'SELECT 1;\n' >"$d/warm/V1__warm.sql"
for i in $(seq 1 "$N"); do
    {
        printf 'CREATE TABLE t%d (id integer PRIMARY KEY, name text NOT NULL, amount numeric NOT NULL DEFAULT 0);\n' "$i"
        printf "INSERT INTO t%d SELECT g, 'row ' || g, g %% 97 FROM generate_series(1, %d) g;\n" "$i" "$ROWS"
        printf 'CREATE INDEX t%d_name ON t%d (name);\n' "$i" "$i"
        printf 'ALTER TABLE t%d ADD COLUMN note text;\n' "$i"
        printf "UPDATE t%d SET note = 'tenth' WHERE id %% 10 = 0;\n" "$i"
    } >"$d/deltas/$(printf 'V%03d__table_%d.sql' "$i" "$i")"
done
cat >"$d/scripts/setup.sh" <<'EOF'
#!/bin/sh
set -e
for db in pg0 pg1 pg2 pg3 pg4 hand1 hand2; do createdb "$db"; done
EOF
# byhand.sh DB: every delta with psql -1 -f, in version order; the wall time to out/hand.
cat >"$d/scripts/byhand.sh" <<EOF
#!/bin/bash
set -e
db=\$(basename "\$0" .sh | sed 's/^byhand-//')
start=\$(date +%s%N)
for f in $d/deltas/V*.sql; do psql -X -q -1 -v ON_ERROR_STOP=1 -d "\$db" -f "\$f" >/dev/null; done
end=\$(date +%s%N)
echo "\$(( (end - start) / 1000 ))" >>$d/out/hand
start=\$(date +%s%N)
for f in $d/deltas/V*.sql; do psql -X -q -d "\$db" -c 'SELECT 1' >/dev/null; done
end=\$(date +%s%N)
echo "\$(( (end - start) / 1000 ))" >>$d/out/connect
EOF
cp "$d/scripts/byhand.sh" "$d/scripts/byhand-hand1.sh"
cp "$d/scripts/byhand.sh" "$d/scripts/byhand-hand2.sh"
chmod 755 "$d/scripts/"*.sh
cat >"$d/conf.yaml" <<EOF
kind: upgrade
db_type: pgdg
db_version: "$VERSION"
args:
  initdb: --encoding=UTF8 --locale=C.UTF-8
initial_setup_script: setup.sh
steps:
  - type: migrate
    args: {migrations: warm, table: warm.applied}
  - type: migrate
    pre_scripts: [byhand-hand1.sh]
    args: {migrations: empty, database: pg0}
  - type: migrate
    args: {migrations: deltas, database: pg1, long_query_ms: '100000'}
  - type: migrate
    pre_scripts: [byhand-hand2.sh]
    args: {migrations: deltas, database: pg2, long_query_ms: '100000'}
  - type: migrate
    args: {migrations: deltas, database: pg3, statistics: 'false', long_query_ms: '100000'}
  - type: migrate
    args: {migrations: empty, database: pg4, statistics: 'false'}
EOF
if ! "$HOST" run --work-dir "$WORK/runs" "$d" >"$WORK/out.log" 2>&1; then
    tail -30 "$WORK/out.log" >&2
    exit 1
fi
python3 - "$WORK" "$N" "$ROWS" <<'PY'
import glob, json, os, statistics, sys
work, n, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
results = glob.glob(os.path.join(work, "runs", "*", "results"))[0]
steps = json.load(open(os.path.join(results, "report.json")))["steps"]
hand = [int(l) / 1000 / n for l in open(os.path.join(work, "scenario", "out", "hand"))]
connect = [int(l) / 1000 / n for l in open(os.path.join(work, "scenario", "out", "connect"))]
fixed = steps[1]["duration_ms"]
fixed_off = steps[5]["duration_ms"]
on = [(steps[i]["duration_ms"] - fixed) / n for i in (2, 3)]
off = (steps[4]["duration_ms"] - fixed_off) / n
by_hand = statistics.median(hand)
pg_on = statistics.median(on)
applied = [len(steps[i]["details"]["migrations"]) for i in (2, 3, 4)]
assert applied == [n, n, n], applied
inside = statistics.median(m["duration_ms"] for m in steps[2]["details"]["migrations"] + steps[3]["details"]["migrations"])
print(f"{n} migrations of 5 statements ({rows} rows each), PostgreSQL {steps[2]['to_version']}")
print(f"  by hand (psql -X -1 -f per file): {by_hand:.1f} ms per migration (runs: {', '.join(f'{h:.1f}' for h in hand)}); "
      f"of which psql's start and connection: {statistics.median(connect):.1f} ms")
print(f"  pgorch migrate, statistics on:   {pg_on:.1f} ms per migration (runs: {', '.join(f'{x:.1f}' for x in on)}); "
      f"its statements and bookkeeping alone: {inside:.1f} ms (median)")
print(f"  pgorch migrate, statistics off:  {off:.1f} ms per migration")
print(f"  the step's fixed cost (sessions, the statistics' scratch database): {fixed:.0f} ms per step; "
      f"without statistics {fixed_off:.0f} ms")
print(f"  ratio, statistics on: {pg_on / by_hand:.3f} (goal <= 1.05); off: {off / by_hand:.3f}")
stmts = by_hand - statistics.median(connect)
print(f"  against psql's statements alone ({stmts:.1f} ms, its start and connection taken out): "
      f"statistics on {pg_on / stmts:.3f}, off {off / stmts:.3f}")
PY
