#!/bin/bash
# Upgrade-module integration tests on real PostgreSQL, provisioned by pgorch itself (pgdg
# binaries and deb methods; selectors such as "15" resolved when the test runs, so no test
# pins a version a mirror can drop): usage run_case.sh CASE HOST SOURCE_DIR WORK_ROOT
#   steps        scenarios/upgrade-15: minor, pg_upgrade copy, pg_upgrade --link, pg_dumpall, all verified
#   row-deleted  a post_script deletes a row: exit 1, the diff names db "app" and table "public.orders"
#   check-fails  the old cluster uses an extension the new installation lacks: pg_upgrade --check
#                stops the step, logs are in the results, the old cluster is untouched and starts
#   bad-version  a version nobody provides: exit 3, error[PGO-3001]
#   bad-verify   an unknown verify kind: exit 2 (PGO-2004), nothing runs
#   cross-major  npm builds of 15 (pg_upgrade) and 14 (pg_dumpall) -> the newest major with a
#                full toolset (today a source build); pg_upgrade from a server-only 14 refused
#                (label slow)
set -u
CASE=$1 HOST=$2 SRC=$3 ROOT=$4
FIX="$SRC/tests/fixtures/upgrade"
WORK="$ROOT/$CASE"
rm -rf "$WORK" && mkdir -p "$WORK"
source "$SRC/tests/lib/case.sh"
# junit EXPR [FILE]: a Python expression over the <testsuites> counts (tests, failures, errors,
# skipped) of the run's junit.xml (or FILE) holds.
junit() {
    python3 - "${2:-$(results)/junit.xml}" "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
counts = {k: int(root.get(k)) for k in ("tests", "failures", "errors", "skipped")}
ok = root.tag == "testsuites" and eval(sys.argv[2], {}, counts)
if not ok: print(counts)
sys.exit(0 if ok else 1)
PY
}
# reports: junit.xml, report.md and report.html are next to report.json and listed.
reports() {
    local R f; R=$(results)
    for f in junit.xml report.md report.html; do
        check "$f written" test -s "$R/$f"
        check "$f listed" grep -qxF "report: $R/$f" "$WORK/out.log"
    done
}

case "$CASE" in
steps)
    run "$SRC/scenarios/upgrade-15" --junit "$WORK/ci/junit.xml"
    R=$(results)
    check "exit code 0" test "$RC" -eq 0
    reports
    check "junit: 4 steps and their scripts, nothing failed" junit "tests >= 5 and failures == 0 and errors == 0 and skipped == 0"
    V15=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["steps"][1]["to_version"])' "$R/report.json")
    check "'15' resolved to an exact 15.x" grep -qE '^15\.[0-9]+$' <<<"$V15"
    check "junit names the steps" grep -qF "name=\"step 3 pg_upgrade $V15 -&gt; $V15\"" "$R/junit.xml"
    check "--junit copy" cmp -s "$WORK/ci/junit.xml" "$R/junit.xml"
    check "markdown steps table" grep -qF "| 3 | pg_upgrade (link) | $V15 -> $V15 | passed |" "$R/report.md"
    check "the minor step ran the npm builds" grep -qF '"from_version":"15.6","to_version":"15.12"' "$R/report.json"
    check "the old side borrowed pg_controldata" grep -qE '"borrowed":\{[^}]*"pg_controldata":"pgdg 15\.[0-9]+ \(deb\)"' "$R/report.json"
    check "the versions are recorded as written and resolved" grep -qF '"db_version":"15","version":"'"$V15"'"' "$R/report.json"
    check "html duration and downtime charts" test "$(count '<svg' "$R/report.html")" -eq 2
    check "report.json written" test -s "$R/report.json"
    check "four steps passed" test "$(count '"verdict":"passed"' "$R/report.json")" -eq 4
    check "every verification passed" test "$(count '"verification":\{"passed":true' "$R/report.json")" -eq 4
    check "no unexpected difference" test "$(count '"unexpected":0' "$R/report.json")" -eq 4
    check "link mode recorded" grep -q '"variant":"link"' "$R/report.json"
    check "downtime measured for every step" test "$(count '"downtime_ms":[1-9][^,]*,"size_before"' "$R/report.json")" -eq 4
    check "dump size reported" grep -qE '"dump_bytes":[1-9]' "$R/report.json"
    check "seed-shaped results" grep -q '^result: passed' "$R/conf.yaml"
    check "snapshots hold the 200000 orders" grep -q '"sales.orders":{"rows":200000' "$R/steps/04-pg_dumpall/snapshot-after.json"
    check "snapshot covers functions" grep -q 'sales.customer_total(cid bigint)' "$R/steps/02-pg_upgrade/snapshot-after.json"
    check "console summary" grep -q 'pg_upgrade (link)' "$WORK/out.log"
    ;;
row-deleted)
    run "$FIX/row-deleted"
    R=$(results)
    check "exit code 1" test "$RC" -eq 1
    check "step failed" grep -q '"verdict":"failed"' "$R/report.json"
    check "diff names the table" grep -qF 'db \"app\": table \"public.orders\": rows 1000 -> 999' "$R/report.json"
    check "the step's error code" grep -qF '"error_code":"PGO-1005"' "$R/report.json"
    check "console names the table" grep -qF 'db "app": table "public.orders": rows 1000 -> 999' "$WORK/out.log"
    check "declared change is expected" grep -qF 'table "public.events": rows 2 -> 1 (expected)' "$R/steps/01-minor/verification.txt"
    check "ignored row_content: the changed row is not reported" test "$(grep -c 'public.audit' "$R/steps/01-minor/verification.txt")" -eq 0
    check "ignored row_content: counted, not hashed" grep -qF '"public.audit":{"rows":2,"hash":"","method":""}' "$R/steps/01-minor/snapshot-before.json"
    check "other tables are hashed" grep -qE '"public.orders":\{"rows":1000,"hash":"[0-9-]+","method":"[hrt]+"\}' "$R/steps/01-minor/snapshot-before.json"
    check "seed-shaped results say failed" grep -q '^result: failed' "$R/conf.yaml"
    reports
    check "junit: the step fails" junit "failures >= 1 and errors == 0"
    check "junit failure names the table" grep -qF 'table &quot;public.orders&quot;: rows 1000 -&gt; 999' "$R/junit.xml"
    check "markdown verdict" grep -qF '**Verdict: FAILED**' "$R/report.md"
    ;;
check-fails)
    CACHE="$WORK/cache"
    # The old side: an npm server build (immutable); its layout says where its lib and share are.
    "$HOST" provision pgdg 15.12 --cache-dir "$CACHE" --json >"$WORK/provision.json" 2>"$WORK/provision.log" || fail "provision 15.12"
    "$HOST" provision pgdg 15 --cache-dir "$CACHE" --json >"$WORK/provision-new.json" 2>>"$WORK/provision.log" || fail "provision 15"
    layout() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
    OLD_BIN=$(layout "$WORK/provision.json" bindir) OLD_LIB=$(layout "$WORK/provision.json" libdir)
    SHARE=$(layout "$WORK/provision.json" sharedir) NEW_BIN=$(layout "$WORK/provision-new.json" bindir)
    check "15.12 provisioned" test -x "$OLD_BIN/postgres"
    # A fake extension in the old installation only: its library is a copy of a contrib module's,
    # next to it (the server's $libdir: libdir itself in Debian's layout, libdir/postgresql in
    # the npm builds').
    CONTRIB=$(find "$OLD_LIB" -name pg_stat_statements.so | head -1)
    check "the old side's contrib found" test -n "$CONTRIB"
    cp "$CONTRIB" "$(dirname "$CONTRIB")/pgorch_fake.so"
    printf "default_version = '1.0'\nmodule_pathname = '\$libdir/pgorch_fake'\nrelocatable = true\n" \
        >"$SHARE/extension/pgorch_fake.control"
    printf "CREATE FUNCTION pgorch_fake_reset() RETURNS void LANGUAGE c AS 'MODULE_PATHNAME', 'pg_stat_statements_reset';\n" \
        >"$SHARE/extension/pgorch_fake--1.0.sql"
    run "$FIX/check-fails" --cache-dir "$CACHE" --keep
    R=$(results)
    check "exit code 1" test "$RC" -eq 1
    check "the check stopped the step" grep -q 'pg_upgrade --check failed' "$R/report.json"
    check "a failed step's code" grep -qF '"error_code":"PGO-1004"' "$R/report.json"
    check "nothing was upgraded and the old cluster kept running" grep -q 'nothing was upgraded and the old cluster \\"c0-15.12\\" kept running' "$R/report.json"
    check "the check ran against the live old server" grep -q 'Performing Consistency Checks on Old Live Server' "$R/steps/01-pg_upgrade/pg_upgrade-check.out"
    check "pg_upgrade output saved" test -s "$R/steps/01-pg_upgrade/pg_upgrade-check.out"
    check "missing library named in the logs" grep -rq 'pgorch_fake' "$R/steps/01-pg_upgrade/"
    DATA=$(ls -d "$WORK"/runs/*/clusters/c0-15.12/data)
    check "old pg_control untouched" test -f "$DATA/global/pg_control"
    # The old cluster still starts on its own binaries (as the data folder's owner, the service
    # user) and still holds its data (read with the new side's psql: the npm build has none).
    PORT=$((20000 + RANDOM % 20000))
    SOCK=$(mktemp -d /tmp/pgorch-t-XXXX) && chmod 777 "$SOCK"
    OWNER=$(stat -c %U "$DATA")
    AS=(); [ "$(id -u)" = 0 ] && AS=(setpriv --reuid="$OWNER" --regid="$(stat -c %G "$DATA")" --init-groups)
    check "old cluster starts" "${AS[@]}" "$OLD_BIN/pg_ctl" -w -D "$DATA" -l "$SOCK/restart.log" \
        -o "-p $PORT -k $SOCK -c listen_addresses=''" start
    check "old data is there" test "$("$NEW_BIN/psql" -X -At -h "$SOCK" -p "$PORT" -U postgres -d postgres -c 'SELECT count(*) FROM keep_me')" = 100
    "${AS[@]}" "$OLD_BIN/pg_ctl" -w -D "$DATA" -m fast stop >/dev/null || cat "$SOCK/restart.log"
    rm -rf "$SOCK"
    ;;
bad-version)
    run "$FIX/bad-version"
    check "exit code 3" test "$RC" -eq 3
    check "the version cannot be had (PGO-3001), at its place" grep -qE 'conf.yaml:4:13: error\[PGO-3001\]: the start version' "$WORK/out.log"
    check "report.json has the code" grep -qF '"error_code":"PGO-3001"' "$(results)/report.json"
    reports
    check "junit: an error, not a failure" junit "errors == 1 and failures == 0"
    ;;
bad-verify)
    run "$FIX/bad-verify"
    check "exit code 2" test "$RC" -eq 2
    check "names the pattern" grep -qF 'error[PGO-2004]: verify pattern "view": unknown kind "view"' "$WORK/out.log"
    ;;
cross-major)
    # Real cross-major upgrades into TO, the newest major with a full toolset here, as a selector
    # found when the test runs (today a source build of Debian's newest source package; a version
    # whose pool files a mirror dropped is not offered, so then the next one), on
    # scenarios/upgrade-15's data:
    # - pg_dumpall from an npm server build of 14 (immutable);
    # - pg_upgrade from an npm server build of 15: pg_upgrade runs the old side's own
    #   pg_resetwal -n, so the old side needs a full toolset of its major to lend it (with
    #   pg_controldata): Debian's 15. A server-only 14 has none and is refused before anything runs.
    # Not from Debian's own 15.x server: its security fixes write a column option "pg_attver" that
    # upstream 17 does not know, so both pg_upgrade and the restore fail with 'unrecognized
    # parameter "pg_attver"' - pgorch reports exactly that (set FROM_UPGRADE=15 to see it).
    FROM_DUMP=${FROM_DUMP:-14.17} FROM_UPGRADE=${FROM_UPGRADE:-15.12}
    if [ -z "${TO:-}" ]; then
        TO=$("$HOST" versions pgdg --json 2>"$WORK/versions.log" | python3 -c '
import json, sys
above = int(sys.argv[1].split(".")[0])
majors = [int(o["version"].split(".")[0]) for o in json.load(sys.stdin)["pgdg"]["offers"] if o["toolset"] == "full"]
print(max([m for m in majors if m > above], default=""))' "$FROM_UPGRADE")
    fi
    check "a major above $FROM_UPGRADE with a full toolset is offered (${TO:-none})" test -n "$TO"
    for method in pg_upgrade pg_dumpall; do
        FROM=$FROM_DUMP
        [ "$method" = pg_upgrade ] && FROM=$FROM_UPGRADE
        SC="$WORK/cross-$method"
        mkdir -p "$SC/scripts" && cp "$SRC/scenarios/upgrade-15/scripts/"*.sh "$SC/scripts/"
        printf 'kind: upgrade\ndb_type: pgdg\ndb_version: "%s"\nargs:\n  initdb: --encoding=UTF8 --locale=C.UTF-8\ninitial_setup_script: setup.sh\nverifiers:\n  - check_app.sh\nsteps:\n  - type: %s\n    db_version: "%s"\n' "$FROM" "$method" "$TO" >"$SC/conf.yaml"
        rm -rf "$WORK/runs"
        run "$SC"
        R=$(results)
        check "$method: exit code 0" test "$RC" -eq 0
        check "$method: step passed" test "$(count '"verdict":"passed"' "$R/report.json")" -eq 1
        check "$method: verification passed" test "$(count '"verification":\{"passed":true' "$R/report.json")" -eq 1
        check "$method: '$TO' resolved to an exact $TO.x" grep -qE '"to_version":"'"$TO"'\.[0-9]+"' "$R/report.json"
        check "$method: from the npm build of $FROM" grep -qF '"from_version":"'"$FROM"'"' "$R/report.json"
        cp -r "$R" "$WORK/results-$method"
    done
    # The pair that cannot be sound is refused before anything runs, naming the missing tool.
    SC="$WORK/cross-refused"
    mkdir -p "$SC" && printf 'kind: upgrade\ndb_type: pgdg\ndb_version: "%s"\nsteps:\n  - type: pg_upgrade\n    db_version: "%s"\n' "$FROM_DUMP" "$TO" >"$SC/conf.yaml"
    rm -rf "$WORK/runs"
    run "$SC"
    check "pg_upgrade from a server-only $FROM_DUMP: exit 3" test "$RC" -eq 3
    check "the refusal names pg_resetwal" grep -q "needs pg_resetwal" "$WORK/out.log"
    check "nothing ran" test -z "$(ls -d "$WORK"/runs/*/clusters/* 2>/dev/null)"
    ;;
*) fail "unknown case $CASE" ;;
esac
if [ "$FAILED" != 0 ]; then
    echo "--- pgorch-host output (tail) ---"
    tail -40 "$WORK/out.log" 2>/dev/null
    exit 1
fi
