# Helpers of the run_case.sh tests (tests/upgrade, tests/migrations, tests/inplace): each sets
# HOST (pgorch-host), WORK (the case's folder) and, when every run needs them, RUN_ARGS (an
# array of options of `pgorch-host run`), then sources this file. A case ends with `exit $FAILED`.
FAILED=0

fail() { echo "FAIL: $*"; FAILED=1; }
# check "what" COMMAND...: the command must succeed.
check() { local what=$1; shift; if "$@"; then echo "ok: $what"; else fail "$what"; fi; }
# The one results folder of this case's run.
results() { ls -d "$WORK"/runs/*/results 2>/dev/null | head -1; }
# run SCENARIO [extra args]: runs pgorch-host, output in $WORK/out.log, exit code in $RC.
run() {
    local sc=$1; shift
    "$HOST" run --work-dir "$WORK/runs" ${RUN_ARGS[@]+"${RUN_ARGS[@]}"} "$@" "$sc" >"$WORK/out.log" 2>&1
    RC=$?
    echo "pgorch-host run $sc: exit $RC"
}
# count PATTERN FILE: number of (non-overlapping) matches of an extended regex.
count() { grep -oE "$1" "$2" | wc -l; }
