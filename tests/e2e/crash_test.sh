#!/usr/bin/env bash
# A crashed local run is found and cleaned: kill -9 of pgorch-host during the fill script leaves
# its PostgreSQL server running; the next run (another scenario) stops it, says "removed
# leftovers of run X: 1 server stopped, N MB freed", and passes; `gc --older-than 0` then removes
# the dead run's folder.
# usage: crash_test.sh PGORCH_HOST SOURCE_DIR CACHE_DIR
set -u
source "$(dirname "$0")/lib.sh"
export PGORCH_WORK_DIR=$work/runs
cleanup() {
  [[ -s $work/script.pid ]] && kill -9 "$(cat "$work/script.pid")" 2>/dev/null
  for pid in $(servers); do kill -9 "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
servers() { pgrep -f -- "bin/postgres -D $PGORCH_WORK_DIR" || true; }

version=$(pg_deb_version 15) || fail "no PostgreSQL 15 in Debian's package lists"
"$host" provision pgdg "$version" >/dev/null || fail "cannot provision $version"

# make_scenario NAME FILL_BODY: a perf scenario that only fills its database.
make_scenario() {
  mkdir -p "$work/$1"
  printf 'kind: perf\ndb_params:\n  - db_version: "%s"\ndb_initial_script: fill.sh\ncases: []\n' "$version" >"$work/$1/conf.yaml"
  printf '#!/bin/bash\npsql -U postgres -qc "CREATE TABLE t (id int PRIMARY KEY)"\n%s\n' "$2" >"$work/$1/fill.sh"
}
make_scenario stuck "echo \$\$ >$work/script.pid; exec sleep 600"
make_scenario quick "true"
chmod -R a+rwX "$work"

"$host" run "$work/stuck" >"$work/run1.log" 2>&1 &
pid=$!
for _ in $(seq 1 240); do [[ -s $work/script.pid ]] && break; kill -0 $pid 2>/dev/null || break; sleep 0.5; done
[[ -s $work/script.pid ]] || { cat "$work/run1.log"; fail "the fill script never started"; }
kill -9 $pid
wait $pid 2>/dev/null
orphan=$(servers)
[[ -n $orphan ]] || fail "no server left running after kill -9 (the drill needs one)"
dead=$(basename "$(ls -d "$PGORCH_WORK_DIR"/stuck-*)")
echo "killed run $dead; its server (pid $orphan) is still running"

"$host" run "$work/quick" >"$work/run2.log" 2>&1 || { cat "$work/run2.log"; fail "the next run failed"; }
grep -E "removed leftovers of run $dead: 1 server stopped, [0-9]+ MB freed" "$work/run2.log" ||
  { cat "$work/run2.log"; fail "the next run did not report the leftovers of $dead"; }
[[ -z $(servers) ]] || fail "the orphaned server still runs: $(servers)"
kill -0 "$orphan" 2>/dev/null && fail "pid $orphan is still alive"
[[ -d $PGORCH_WORK_DIR/$dead/clusters ]] && fail "the dead run's data folder is still there"
echo "next run: stopped the orphaned server, reported it, passed"

"$host" run "$work/quick" >"$work/run3.log" 2>&1 || fail "a third run failed"
grep -q "removed leftovers" "$work/run3.log" && fail "leftovers reported twice"

mkdir -p "$work/no-cache"  # never the shared test cache
"$host" gc --older-than 0 --cache-dir "$work/no-cache" >"$work/gc.log" 2>&1 || { cat "$work/gc.log"; fail "gc failed"; }
cat "$work/gc.log"
[[ -d $PGORCH_WORK_DIR/$dead ]] && fail "gc left the dead run's folder"
grep -qF "removed run folder \"$PGORCH_WORK_DIR/$dead\"" "$work/gc.log" || fail "gc did not say it removed $dead"
echo "gc: removed the dead run's folder"
echo "3 passed, 0 failed"
