#!/usr/bin/env bash
# Fault drill: kill -9 of the postmaster that pg_upgrade (copy mode) started. The step fails,
# the run exits 1 and keeps its data folders; the old cluster then starts with its own version
# and its fingerprint (per table: rows and an md5 of their content) equals the one taken before.
# usage: drill_pg_upgrade_kill.sh PGORCH_HOST SOURCE_DIR CACHE_DIR
set -u
source "$(dirname "$0")/lib.sh"
export PGORCH_WORK_DIR=$work/runs
trap 'for p in $(pgrep -f -- "bin/postgres -D $work" || true); do kill -9 $p 2>/dev/null; done; rm -rf "$work"' EXIT
versions_pair 15

s=$work/upgrade
upgrade_scenario "$s" pg_upgrade
# Many tables make pg_upgrade's schema dump and restore (the servers it starts with -b) last.
cat >"$s/scripts/setup.sh" <<'SH'
#!/bin/bash
set -e
for i in $(seq 1 300); do echo "CREATE TABLE t$i (id int PRIMARY KEY, v text); INSERT INTO t$i SELECT g, md5(g::text) FROM generate_series(1, 50) g;"; done | psql -XqU postgres
SH
chmod -R a+rwX "$work"

"$host" run "$s" >"$work/run.log" 2>&1 &
pid=$!
victim=
# The old cluster's server that pg_upgrade itself starts (-b, binary upgrade), killed while
# pg_upgrade's pg_dump reads it: not the new cluster's server, which the --check against the live
# old server also starts with -b and stops at once, nor the old one as it stops after the dump
# (a kill then races with the stop and may fail nothing).
for _ in $(seq 1 6000); do
  victim=$(pgrep -f -- "bin/postgres -D $PGORCH_WORK_DIR/[^ ]*/clusters/c0-[^ ]*/data .*-b" | head -n1)
  [[ -n $victim ]] && pgrep -f -- "pg_dump .*--binary-upgrade" >/dev/null && break
  victim=
  kill -0 $pid 2>/dev/null || break
  sleep 0.05
done
[[ -n $victim ]] || { cat "$work/run.log"; fail "no server started by pg_upgrade was seen"; }
kill -9 "$victim"
echo "killed pg_upgrade's server, pid $victim"
rc=0
wait $pid || rc=$?
[[ $rc -eq 1 ]] || { tail -30 "$work/run.log"; fail "the run exited $rc, want 1 (the step failed)"; }
grep -F "pg_upgrade" "$work/run.log" | tail -n 3

old_cluster_intact "$(ls -d "$PGORCH_WORK_DIR"/upgrade-*/clusters/c0-"$old"/data | head -n1)" 54987
echo "old cluster $old: starts, fingerprint of $(wc -l <"$work/after.txt") tables unchanged"
echo "1 passed, 0 failed"
