#!/bin/bash
# In-place catalog upgrade through pgorch-host on real PostgreSQL (Debian 15.18 -> 15.18 with
# CATALOG_VERSION_NO raised, built from source by pgdg_patched, cached in CACHE).
# usage: run_case.sh CASE HOST SOURCE_DIR WORK_ROOT CACHE
#   update       scenarios/inplace-15: info then update; the function has OID 9876 everywhere,
#                data and schema verified, the server runs the patched build
#   trial-fails  a script fails in app2: trial run stops, nothing changed, old binaries start
#   reset        update then reset: old binaries start, catalog dumps equal those before
set -u
CASE=$1 HOST=$2 SRC=$3 ROOT=$4 CACHE=$5
FIX="$SRC/tests/fixtures/inplace"
WORK="$ROOT/$CASE"
rm -rf "$WORK" && mkdir -p "$WORK"
FAILED=0
fail() { echo "FAIL: $*"; FAILED=1; }
check() { local what=$1; shift; if "$@"; then echo "ok: $what"; else fail "$what"; fi; }
results() { ls -d "$WORK"/runs/*/results 2>/dev/null | head -1; }
run() {
    local sc=$1; shift
    "$HOST" run --work-dir "$WORK/runs" --cache-dir "$CACHE" --keep "$@" "$sc" >"$WORK/out.log" 2>&1
    RC=$?
    echo "pgorch-host run $sc: exit $RC"
}
count() { grep -oE "$1" "$2" | wc -l; }

case "$CASE" in
update)
    run "$SRC/scenarios/inplace-15"
    R=$(results)
    L="$R/steps/02-inplace_catalog/inplace.log"
    check "exit code 0" test "$RC" -eq 0
    check "two steps passed" test "$(count '"verdict":"passed"' "$R/report.json")" -eq 2
    check "info says an update is required" grep -q 'Update required' "$R/steps/01-inplace_catalog/inplace.log"
    check "trial run in every database" test "$(count 'Trial run of sql-scripts for database: .* OK' "$L")" -eq 5
    check "template0 updated" grep -q 'Running sql-scripts for database: template0 .* OK' "$L"
    check "catalog dumped after each database" test "$(count 'Dump catalog_new_.* OK' "$L")" -eq 5
    check "function verified everywhere" test "$(count 'OID 9876 ok' "$R/steps/02-inplace_catalog/verifier-check_function.sh.log" 2>/dev/null || grep -rho 'OID 9876 ok' "$R" | wc -l)" -ge 5
    check "every verification passed" test "$(count '"verification":\{"passed":true' "$R/report.json")" -eq 2
    DATA=$(ls -d "$WORK"/runs/*/clusters/*/data | head -1)
    check "tablespace folder renamed" test -d "$(dirname "$DATA")/tblspc/PG_15_202209062"
    check "old tablespace folder gone" test ! -e "$(dirname "$DATA")/tblspc/PG_15_202209061"
    ;;
trial-fails)
    run "$FIX/trial-fails"
    R=$(results)
    L="$R/steps/01-inplace_catalog/inplace.log"
    check "exit code 1" test "$RC" -eq 1
    check "the trial run caught app2" grep -q 'Trial run of sql-scripts for database: app2 .* FAILED' "$L"
    check "app1 passed its trial" grep -q 'Trial run of sql-scripts for database: app1 .* OK' "$L"
    check "no real run" test "$(count 'Running sql-scripts' "$L")" -eq 0
    check "restored" grep -q 'Restore catalog version and tablespaces .* OK' "$L"
    check "report says nothing changed" grep -q 'nothing was changed' "$R/report.json"
    DATA=$(ls -d "$WORK"/runs/*/clusters/*/data | head -1)
    BIN=$(ls -d "$CACHE"/pgdg/15.18/usr/lib/postgresql/15/bin)
    check "catalog version is the old one" sh -c "'$BIN/pg_controldata' '$DATA' | grep -q 'Catalog version number: *202209061'"
    check "tablespace name is the old one" test -d "$(dirname "$DATA")/tblspc/PG_15_202209061"
    # The old binaries start the untouched cluster (as the service user, the data folder's owner).
    U=$(stat -c %U "$DATA")
    check "old binaries start" runuser -u "$U" -- "$BIN/pg_ctl" -D "$DATA" -o "-c listen_addresses= -k /tmp -p 55399" -l "$(dirname "$DATA")/start.log" -w start
    check "function absent" sh -c "runuser -u "$U" -- '$BIN/psql' -h /tmp -p 55399 -U postgres -tAc \"SELECT count(*) FROM pg_proc WHERE oid = 9876\" postgres | grep -qx 0"
    runuser -u "$U" -- "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1
    ;;
reset)
    run "$FIX/reset"
    R=$(results)
    L="$R/steps/02-inplace_catalog/inplace.log"
    check "exit code 0" test "$RC" -eq 0
    check "two steps passed" test "$(count '"verdict":"passed"' "$R/report.json")" -eq 2
    check "files restored" grep -q 'Restoring table files from backup .* OK' "$L"
    check "every restored catalog equals the one before" test "$(count 'Dump catalog_restore_.* OK' "$L")" -eq 5
    DATA=$(ls -d "$WORK"/runs/*/clusters/*/data | head -1)
    check "tablespace name is the old one again" test -d "$(dirname "$DATA")/tblspc/PG_15_202209061"
    ;;
*) echo "unknown case $CASE"; exit 2 ;;
esac
if [ "$FAILED" -ne 0 ]; then
    echo "--- pgorch-host output (tail)"; tail -40 "$WORK/out.log"
    exit 1
fi
echo "case $CASE passed"
