#!/usr/bin/env bash
# Fault drill: the work folder fills up during pg_dumpall. On a small tmpfs (mounted here, as
# root) the dump runs out of space: the run exits 1 with an error naming the device and its
# mount point, and the old cluster is intact (it starts; its fingerprint equals the one before).
# usage: drill_disk_full.sh PGORCH_HOST SOURCE_DIR CACHE_DIR
set -u
source "$(dirname "$0")/lib.sh"
[[ $(id -u) -eq 0 ]] || { echo "SKIP: mounting a tmpfs needs root"; rm -rf "$work"; exit 77; }
small=$work/small
mkdir -p "$small"
mount -t tmpfs -o size=160m,mode=0755 pgorch-drill "$small" || { rm -rf "$work"; fail "cannot mount a tmpfs"; }
export PGORCH_WORK_DIR=$small/runs
trap 'for p in $(pgrep -f -- "bin/postgres -D $small" || true); do kill -9 $p 2>/dev/null; done; sleep 1; umount -l "$small"; rm -rf "$work"' EXIT
versions_pair 15

s=$work/dump
upgrade_scenario "$s" pg_dumpall
# Rows that compress: 40000 values of 3200 characters take a few MB in the data folder (TOAST
# compresses them) and in WAL, but 128 MB in the dump, more than what is left of the 160 MB once
# the new cluster exists.
cat >"$s/scripts/setup.sh" <<'SH'
#!/bin/bash
set -e
psql -XqU postgres -c "CREATE TABLE big (id int PRIMARY KEY, v text); INSERT INTO big SELECT g, repeat(md5(g::text), 100) FROM generate_series(1, 40000) g; CREATE TABLE small (id int PRIMARY KEY); INSERT INTO small SELECT generate_series(1, 1000); CHECKPOINT"
SH
chmod -R a+rwX "$work"

rc=0
"$host" run "$s" >"$work/run.log" 2>&1 || rc=$?
df -h "$small" | tail -n1
[[ $rc -eq 1 ]] || { tail -30 "$work/run.log"; fail "the run exited $rc, want 1"; }
grep -E "no space left on device \"pgorch-drill\" mounted at \"$small\"" "$work/run.log" ||
  { tail -30 "$work/run.log"; fail "the error does not name the device and its mount point"; }

rm -f "$PGORCH_WORK_DIR"/dump-*/steps/*/dumpall.sql  # room for the old server to start
old_cluster_intact "$(ls -d "$PGORCH_WORK_DIR"/dump-*/clusters/c0-"$old"/data | head -n1)" 54988
echo "out of space during pg_dumpall: exit 1, the device named, the old cluster intact"
echo "1 passed, 0 failed"
