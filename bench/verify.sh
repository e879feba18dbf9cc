#!/bin/bash
# Verification benchmark: what pgorch's snapshot (globals, schema, row counts and content hashes
# of every table) of a pgbench database costs, against the floor of reading its tables once,
# and what taking each snapshot once saves on a 4-step chain. All figures come from one chain
# per scale, run by pgorch itself:
#   steps 1-3   pre_script floor.sh, verify jobs 1: every snapshot is taken anew (a script ran)
#   steps 4-6   pre_script floor.sh, verify jobs = the core count (the default)
#   steps 7-10  a 4-step chain whose steps each have a pre_script (true): 8 snapshots, as before reuse
#   steps 11-14 the same chain with a pre_script on its first step only: each "after" snapshot
#               is the next step's "before" (5 snapshots)
# Every step is a minor update of the newest 15.x with a full toolset to itself (stop, start), so the chain
# costs little beyond the snapshots.
#
# usage: bench/verify.sh [PGORCH_HOST] [SCALES]     (defaults: build/bin/pgorch-host, "20 100")
# Figures per scale:
#   data        the tables' main forks in MB (what a sequential scan reads)
#   floor       median of the floor.sh runs: one SELECT of count(*) of every table, index and
#               bitmap scans off, warm, timed by psql \timing (3 runs after a warm-up, median)
#   snapshot    median duration_ms of the fresh snapshots of steps 1-3 (jobs 1) and 4-6 (jobs N)
#   ratio       snapshot / floor: the goal is <= 3
#   chain       sum of snapshot_ms of steps 7-10 (no reuse) and of steps 11-14 (reuse)
set -euo pipefail
HOST=$(realpath "${1:-$(dirname "$0")/../build/bin/pgorch-host}")
SCALES=${2:-"20 100"}
WORK=$(mktemp -d /tmp/pgorch-bench-verify-XXXX)
chmod 755 "$WORK"
trap 'rm -rf "$WORK"' EXIT
# The version (the only place this script names one): a selector, the newest 15.x with a full
# toolset here (pgbench is in it); the report of each run says which exact version it was.
VERSION=${VERSION:-15}
echo "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# scenario SCALE DIR: the chain of the header, its scripts, and a folder the scripts write to.
scenario() {
    local scale=$1 d=$2 i
    mkdir -p "$d/scripts" "$d/out" && chmod 777 "$d/out"
    cat >"$d/scripts/fill.sh" <<EOF
#!/bin/sh
set -e
createdb bench
pgbench -i -q -s $scale bench >/dev/null 2>&1
psql -X -q -d bench -c 'VACUUM ANALYZE'
EOF
    cat >"$d/scripts/floor.sh" <<EOF
#!/bin/sh
# count(*) of every table of bench, index scans off: warm-up, then 3 runs; the median to out/floor.
set -e
Q=\$(psql -X -At -d bench -c "SELECT string_agg(format('(SELECT count(*) FROM %I.%I)', schemaname, relname), ' + ') FROM pg_stat_user_tables")
MB=\$(psql -X -At -d bench -c "SELECT round(sum(pg_relation_size(relid)) / 1048576.0, 1) FROM pg_stat_user_tables")
T=\$(printf 'SET enable_indexscan = off;\nSET enable_indexonlyscan = off;\nSET enable_bitmapscan = off;\n\\\\timing on\nSELECT %s;\nSELECT %s;\nSELECT %s;\nSELECT %s;\n' "\$Q" "\$Q" "\$Q" "\$Q" \\
    | psql -X -d bench 2>&1 | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -3 | sort -n | sed -n 2p)
echo "\$MB \$T" >>"$d/out/floor"
EOF
    printf '#!/bin/sh\ntrue\n' >"$d/scripts/noop.sh"
    chmod 755 "$d/scripts/"*.sh
    {
        printf 'kind: upgrade\ndb_type: pgdg\ndb_version: "%s"\nargs:\n  initdb: --encoding=UTF8 --locale=C.UTF-8\n' "$VERSION"
        printf 'initial_setup_script: fill.sh\nsteps:\n'
        for i in 1 2 3 4 5 6; do
            printf '  - type: minor\n    db_version: "%s"\n    pre_scripts: [floor.sh]\n' "$VERSION"
            [ "$i" -le 3 ] && printf '    verify:\n      jobs: 1\n'
        done
        for i in 7 8 9 10 11; do printf '  - type: minor\n    db_version: "%s"\n    pre_scripts: [noop.sh]\n' "$VERSION"; done
        for i in 12 13 14; do printf '  - type: minor\n    db_version: "%s"\n' "$VERSION"; done
    } >"$d/conf.yaml"
}

# figures DIR SCALE: reads the run's report and snapshots, prints the lines of the header.
figures() {
    python3 - "$1" "$2" <<'PY'
import glob, json, os, statistics, sys
d, scale = sys.argv[1], sys.argv[2]
results = glob.glob(os.path.join(d, "runs", "*", "results"))[0]
report = json.load(open(os.path.join(results, "report.json")))
steps = report["steps"]
if any(s["verdict"] != "passed" for s in steps):
    sys.exit("a step failed: " + json.dumps([s.get("error") for s in steps]))
def fresh(first, last):
    out = []
    for i in range(first, last + 1):
        folder = glob.glob(os.path.join(results, "steps", "%02d-*" % i))[0]
        for f in ("snapshot-before.json", "snapshot-after.json"):
            out.append(json.load(open(os.path.join(folder, f)))["duration_ms"])
    return out
floors = [l.split() for l in open(os.path.join(d, "out", "floor"))]
mb = float(floors[0][0])
floor = statistics.median(float(f[1]) for f in floors)
one, many = statistics.median(fresh(1, 3)), statistics.median(fresh(4, 6))
chain_before = sum(s["snapshot_ms"] for s in steps[6:10])
chain_after = sum(s["snapshot_ms"] for s in steps[10:14])
print(f"scale {scale}: PostgreSQL {steps[0].get('to_version', '?')}, data {mb:.0f} MB; floor {floor:.0f} ms = {floor / mb:.3f} ms/MB")
print(f"  snapshot, jobs 1: {one:.0f} ms = {one / mb:.3f} ms/MB, ratio {one / floor:.2f}")
print(f"  snapshot, jobs {os.cpu_count()}: {many:.0f} ms = {many / mb:.3f} ms/MB, ratio {many / floor:.2f}")
print(f"  4-step chain: snapshots {chain_before:.0f} ms without reuse (8 taken), {chain_after:.0f} ms with reuse (5 taken)")
PY
}

for scale in $SCALES; do
    d="$WORK/scale-$scale"
    scenario "$scale" "$d"
    if ! "$HOST" run --work-dir "$d/runs" "$d" >"$d/out.log" 2>&1; then
        tail -30 "$d/out.log" >&2
        exit 1
    fi
    figures "$d" "$scale"
done
