#!/bin/bash
# Upgrade benchmark: for a pgbench-initialized database at two scales, the wall time and the
# downtime of each upgrade method (minor OLD -> NEW, pg_upgrade copy and --link, pg_dumpall
# NEW -> NEW) through pgorch, against the same commands run by hand. OLD is an npm server build
# (immutable), NEW a selector resolved today (the newest 15.x with a full toolset); override with
# OLD_VERSION / NEW_VERSION.
#
# usage: bench/upgrade.sh [PGORCH_HOST] [SCALES]     (defaults: build/bin/pgorch-host, "5 20")
# Through pgorch, "step" is the step plugin's wall time (what the by-hand column times) and
# "verify" the two verification snapshots pgorch adds around it.
set -euo pipefail
HOST=${1:-$(dirname "$0")/../build/bin/pgorch-host}
SCALES=${2:-"5 20"}
WORK=$(mktemp -d /tmp/pgorch-bench-XXXX)
chmod 755 "$WORK"
trap 'stop_all; rm -rf "$WORK"' EXIT

# The OS user PostgreSQL runs as by hand (initdb refuses root).
OSUSER=$(id -un)
if [ "$(id -u)" = 0 ]; then
    OSUSER=$(getent passwd pgorch >/dev/null && echo pgorch || echo postgres)
fi
as_pg() { if [ "$(id -u)" = 0 ]; then setpriv --reuid="$OSUSER" --regid="$(id -g "$OSUSER")" --init-groups "$@"; else "$@"; fi; }
now_ms() { date +%s%3N; }
bindir() { "$HOST" provision pgdg "$1" --json | sed -E 's/.*"bindir":"([^"]*)".*/\1/'; }

OLD_VERSION=${OLD_VERSION:-15.12}
NEW_VERSION=${NEW_VERSION:-15}
OLD=$(bindir "$OLD_VERSION")
NEW=$(bindir "$NEW_VERSION")
PORT=$((30000 + RANDOM % 20000))
RUNNING=()
stop_all() { for d in "${RUNNING[@]:-}"; do [ -n "$d" ] && as_pg "$NEW/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1 || true; done; }

# make_cluster BINDIR DIR PORT: initdb + start (socket in DIR).
make_cluster() {
    as_pg mkdir -p "$2"
    as_pg "$1/initdb" -D "$2/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    start_cluster "$1" "$2" "$3"
}
start_cluster() {
    as_pg "$1/pg_ctl" -w -D "$2/data" -l "$2/log" -o "-p $3 -k $2 -c listen_addresses=''" start >/dev/null
    RUNNING+=("$2/data")
}
stop_cluster() { as_pg "$1/pg_ctl" -w -D "$2/data" -m fast stop >/dev/null; }

# by_hand METHOD SCALE -> "step_ms downtime_ms"
by_hand() {
    local method=$1 scale=$2 d="$WORK/hand-$1-$2" from=$NEW
    mkdir -p "$d" && chmod 777 "$d"
    [ "$method" = minor ] && from=$OLD
    make_cluster "$from" "$d/old" "$PORT"
    as_pg "$NEW/pgbench" -i -q -s "$scale" -h "$d/old" -p "$PORT" -U postgres postgres >/dev/null 2>&1
    local t0 t1 down
    case $method in
    minor)
        t0=$(now_ms)
        stop_cluster "$OLD" "$d/old"
        start_cluster "$NEW" "$d/old" "$PORT"
        t1=$(now_ms); down=$((t1 - t0))
        stop_cluster "$NEW" "$d/old" ;;
    pg_upgrade-copy|pg_upgrade-link)
        local mode=""; [ "$method" = pg_upgrade-link ] && mode=--link
        t0=$(now_ms)
        as_pg "$NEW/initdb" -D "$d/new/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
        # --check against the live old server (as the step does), then the downtime starts.
        (cd "$d" && as_pg "$NEW/pg_upgrade" -b "$NEW" -B "$NEW" -d "$d/old/data" -D "$d/new/data" -p "$PORT" \
            -P $((PORT + 1)) -s "$d" -U postgres --check $mode >/dev/null)
        local td=$(now_ms)
        stop_cluster "$NEW" "$d/old"
        (cd "$d" && as_pg "$NEW/pg_upgrade" -b "$NEW" -B "$NEW" -d "$d/old/data" -D "$d/new/data" -p "$PORT" \
            -P $((PORT + 1)) -s "$d" -U postgres $mode >/dev/null)
        start_cluster "$NEW" "$d/new" $((PORT + 1))
        t1=$(now_ms); down=$((t1 - td))
        stop_cluster "$NEW" "$d/new" ;;
    pg_dumpall)
        t0=$(now_ms)
        make_cluster "$NEW" "$d/new" $((PORT + 1))
        local td=$(now_ms)
        as_pg "$NEW/pg_dumpall" -h "$d/old" -p "$PORT" -U postgres -f "$d/dump.sql"
        sed -i '/^CREATE ROLE postgres;$/d' "$d/dump.sql"
        as_pg "$NEW/psql" -X -q -v ON_ERROR_STOP=1 -h "$d/new" -p $((PORT + 1)) -U postgres -d postgres \
            -o /dev/null -f "$d/dump.sql"
        t1=$(now_ms); down=$((t1 - td))
        stop_cluster "$NEW" "$d/new"; stop_cluster "$NEW" "$d/old" ;;
    esac
    RUNNING=()
    echo "$((t1 - t0)) $down"
}

# through_pgorch METHOD SCALE -> "step_ms downtime_ms verify_ms"
through_pgorch() {
    local method=$1 scale=$2 sc="$WORK/sc-$1-$2" type=$1 args="" from=$NEW_VERSION
    mkdir -p "$sc"
    case $method in
    minor) from=$OLD_VERSION ;;
    pg_upgrade-copy) type=pg_upgrade ;;
    pg_upgrade-link) type=pg_upgrade; args=$'    args:\n      pg_upgrade: --link\n' ;;
    esac
    printf '#!/bin/sh\nexec pgbench -i -q -s %s postgres\n' "$scale" >"$sc/setup.sh"
    chmod 755 "$sc/setup.sh"
    printf 'kind: upgrade\ndb_type: pgdg\ndb_version: "%s"\nargs:\n  initdb: --encoding=UTF8 --locale=C.UTF-8\ninitial_setup_script: setup.sh\nsteps:\n  - type: %s\n    db_version: "%s"\n%s' \
        "$from" "$type" "$NEW_VERSION" "$args" >"$sc/conf.yaml"
    "$HOST" -q run --work-dir "$WORK/runs" "$sc" >"$WORK/last.log" 2>&1 || { cat "$WORK/last.log" >&2; return 1; }
    local report
    report=$(ls -t "$WORK"/runs/*/results/report.json | head -1)
    # Boost.JSON writes doubles with an exponent (2.564666113E3): keep it, printf reads it.
    local num='[0-9.]+([eE][+-]?[0-9]+)?'
    local step=$(grep -oE "\"duration_ms\":$num,\"downtime_ms\"" "$report" | grep -oE "$num" | head -1)
    local down=$(grep -oE "\"downtime_ms\":$num" "$report" | grep -oE "$num" | head -1)
    local snap=$(grep -oE "\"snapshot_ms\":$num" "$report" | grep -oE "$num" | head -1)
    rm -rf "$WORK/runs"
    printf '%.0f %.0f %.0f\n' "$step" "$down" "$snap"
}

printf '%-6s %-16s %12s %12s %12s %14s %14s\n' scale method "pgorch step" "pgorch down" "pgorch verify" "by hand step" "by hand down"
for scale in $SCALES; do
    for method in minor pg_upgrade-copy pg_upgrade-link pg_dumpall; do
        read -r ps pd pv < <(through_pgorch "$method" "$scale")
        read -r hs hd < <(by_hand "$method" "$scale")
        printf '%-6s %-16s %10s ms %10s ms %11s ms %12s ms %12s ms\n' "$scale" "$method" "$ps" "$pd" "$pv" "$hs" "$hd"
    done
done
