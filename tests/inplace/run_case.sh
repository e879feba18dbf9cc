#!/bin/bash
# In-place catalog upgrade through pgorch-host on real PostgreSQL (Debian's 15.x -> the same 15.x
# with CATALOG_VERSION_NO raised, built from source by pgdg_patched, cached in CACHE). The
# fixtures say "15" on both sides: the inplace_catalog step's rule (the same version) makes pgorch
# resolve them together to the newest 15.x both distributions offer that day; V below is it.
# usage: run_case.sh CASE HOST SOURCE_DIR WORK_ROOT CACHE
#   update       scenarios/inplace-15: info then update; the function has OID 9876 everywhere,
#                data and schema verified, the server runs the patched build
#   trial-fails  a script fails in app2: trial run stops, nothing changed, old binaries start
#   reset        update then reset: old binaries start, catalog dumps equal those before
#   replica      standby create, update of the primary, update of the replica in replica mode,
#                standby sync: the replica follows (digests equal everywhere), runs the patched
#                build, its tablespace folder is renamed and the host verifies its data
#   replica-stale   the replica is not updated: sync fails on the catalog version it names
#   replica-missing sync names a replica that does not exist: a clear error, exit 2
set -u
CASE=$1 HOST=$2 SRC=$3 ROOT=$4 CACHE=$5
FIX="$SRC/tests/fixtures/inplace"
WORK="$ROOT/$CASE"
rm -rf "$WORK"
case "$CASE" in replica*)
    # pg_basebackup copies a tablespace only when its path fits in 99 bytes (tar format): run
    # under a short folder, one per build tree, linked from the usual place.
    SHORT="/tmp/pgorch-$(printf %s "$ROOT" | md5sum | cut -c1-8)-$CASE"
    rm -rf "$SHORT" && mkdir -p "$SHORT" "$ROOT" && ln -sfn "$SHORT" "$WORK" && WORK=$SHORT ;;
esac
mkdir -p "$WORK"
RUN_ARGS=(--cache-dir "$CACHE" --keep)
source "$SRC/tests/lib/case.sh"
# The exact start version the run resolved "15" to.
version() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["db_version"])' "$(results)/report.json"; }

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
    V=$(version)
    BIN=$(ls -d "$CACHE"/pgdg/"$V"/usr/lib/postgresql/15/bin)
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
replica)
    run "$FIX/replica"
    R=$(results)
    RUN=$(dirname "$R")
    S="$R/steps/04-standby"
    check "exit code 0" test "$RC" -eq 0
    check "four steps passed" test "$(count '"verdict":"passed"' "$R/report.json")" -eq 4
    check "replica streamed after create" grep -q 'replica "standby1" streams and replayed' "$R/steps/01-standby/standby.log"
    check "primary updated in every database" test "$(count 'Running sql-scripts for database: .* OK' "$R/steps/02-inplace_catalog/inplace.log")" -eq 5
    check "replica updated in replica mode" grep -q 'Update user tablespaces .* OK' "$R/steps/03-inplace_catalog/inplace.log"
    V=$(version)
    check "every step returned the primary" test "$(count '"cluster_after":"c0-'"$V"'"' "$R/report.json")" -eq 4
    check "replica tablespace folder renamed" test -d "$(ls -d "$RUN"/clusters/standby1/tblspc-*/ | head -1)PG_15_202209062"
    check "old replica tablespace folder gone" test -z "$(ls -d "$RUN"/clusters/standby1/tblspc-*/PG_15_202209061 2>/dev/null)"
    check "digests compared in every connectable database" test "$(count 'digests equal' "$S/standby.log")" -eq 4
    check "no digest differs" test "$(count 'DIFFER' "$S/standby.log")" -eq 0
    check "replica has the new catalog version" grep -q '"catalog_version":"202209062"' "$R/report.json"
    check "replica runs the patched build" grep -q '"replica_bindir":"[^"]*pgdg_patched' "$R/report.json"
    check "replica ran Debian's build before" grep -qF "[standby1] passed, server version \"$V (Debian" "$R/steps/01-standby/verification.txt"
    check "replica verified on the patched build" grep -qxF "[standby1] passed, server version \"$V\"" "$S/verification.txt"
    check "replica verification passed twice" test "$(count '"clusters":\{"standby1":\{"passed":true' "$R/report.json")" -eq 2
    check "replica snapshot saved" test -s "$S/snapshot-after-standby1.json"
    BIN=$(ls -d "$CACHE"/pgdg_patched/"$V"-bump1/bin)
    check "replica pg_control: new catalog version, in recovery" sh -c "'$BIN/pg_controldata' '$RUN/clusters/standby1/data' | grep -q 'Catalog version number: *202209062' && '$BIN/pg_controldata' '$RUN/clusters/standby1/data' | grep -q 'shut down in recovery'"
    ;;
replica-stale)
    run "$FIX/replica/stale"
    R=$(results)
    S="$R/steps/03-standby/standby.log"
    check "exit code 1" test "$RC" -eq 1
    check "two steps passed" test "$(count '"verdict":"passed"' "$R/report.json")" -eq 2
    check "sync names the catalog version" grep -q 'digests DIFFER in catalog_version_no$' "$S"
    check "the stale replica replayed the new function" test "$(count 'DIFFER in .*pg_proc' "$S")" -eq 0
    check "report says it does not match" grep -q 'does not match primary' "$R/report.json"
    ;;
replica-missing)
    run "$FIX/replica/missing"
    check "exit code 2" test "$RC" -eq 2
    check "clear message" grep -q 'replica "nosuch" does not exist in this run' "$WORK/out.log"
    ;;
*) echo "unknown case $CASE"; exit 2 ;;
esac
if [ "$FAILED" -ne 0 ]; then
    echo "--- pgorch-host output (tail)"; tail -40 "$WORK/out.log"
    exit 1
fi
echo "case $CASE passed"
