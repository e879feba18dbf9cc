#!/usr/bin/env bash
# Ctrl-C during a run: pgorch-host exits 130, every server it started is stopped, and a run right
# after it passes (no stale sockets, pid files or ports in the way).
# usage: sigint_test.sh PGORCH_HOST SOURCE_DIR CACHE_DIR
set -u
source "$(dirname "$0")/lib.sh"
export PGORCH_WORK_DIR=$work
trap 'rm -rf "$work"' EXIT

# Servers of this test's runs (their data folders live under $work).
servers() { pgrep -f -- "postgres.*-D $work" || true; }

# Provision first so the interrupted run is interrupted while it runs, not while it downloads:
# a whole run of the quickstart provisions its versions and the tools they borrow.
"$host" run "$src/scenarios/quickstart" >"$work/run0.log" 2>&1 || { tail -30 "$work/run0.log"; fail "the warm-up run failed"; }

"$host" run "$src/scenarios/quickstart" >"$work/run1.log" 2>&1 &
pid=$!
# Wait until a server of this run is up, then interrupt.
for _ in $(seq 1 120); do
  [[ -n $(servers) ]] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.5
done
if [[ -z $(servers) ]]; then
  cat "$work/run1.log"
  if ! kill -0 $pid 2>/dev/null; then
    # Say how it ended: a status above 128 is a signal nobody in this test sent.
    rc=0
    wait $pid || rc=$?
    echo "--- debug log of the run (tail)"
    tail -40 "$work"/*/logs/pgorch.log 2>/dev/null
    fail "pgorch-host ended with status $rc before any server started"
  fi
  fail "no server started within 60 s"
fi
sleep 1
kill -INT $pid
rc=0
wait $pid || rc=$?
[[ $rc -eq 130 ]] || { tail -30 "$work/run1.log"; fail "interrupted run exited $rc, want 130"; }
sleep 1
[[ -z $(servers) ]] || { ps -fp "$(servers | tr '\n' ',' | sed 's/,$//')"; fail "servers left running after Ctrl-C"; }
grep -q "interrupted" "$work/run1.log" || fail "the interrupted run did not say so"
echo "interrupted run: exit 130, no server left"

"$host" run "$src/scenarios/quickstart" >"$work/run2.log" 2>&1 || { tail -30 "$work/run2.log"; fail "the run after an interrupted one failed"; }
echo "next run: passed"
echo "2 passed, 0 failed"
