#!/bin/bash
# The migration steps on real PostgreSQL (tests/fixtures/migrations), provisioned by pgorch:
# usage run_case.sh CASE HOST SOURCE_DIR WORK_ROOT
#   chain        migrate to v3, migrate to v5 (CREATE INDEX CONCURRENTLY in a no-transaction
#                delta), stairway v1..v5, compare with a fresh v5: passes; the report holds the
#                per-migration table, the histograms, the queries; the verification calls the
#                migrations' changes expected (Debian's newest 15.x, label pg)
#   html         the chain's report.html in headless Chromium: it renders, and shows the
#                migration table (needs the chain case's results)
#   broken       a lock wait and a long query are warnings; a syntax error on line 7 fails the
#                step naming V003__broken.sql:7:8, and the database stays at version 2
#   checksum     a delta changed after it was applied: refused, nothing applied
#   stairway     a down file that leaves a type behind: the stairway fails naming it
#   cross-major  migrate v1->v3 on an npm 15, pg_upgrade to the newest major with a full
#                toolset (a source build, shared with upgrade.cross-major), migrate v3->v5,
#                stairway v1..v5, compare with a fresh v5 (label slow)
set -u
CASE=$1 HOST=$2 SRC=$3 ROOT=$4
FIX="$SRC/tests/fixtures/migrations"
WORK="$ROOT/$CASE"
export NO_COLOR=1
source "$SRC/tests/lib/case.sh"
# json FILE EXPR: a Python expression over the parsed JSON `j` holds (prints it when not).
json() {
    python3 - "$1" "$2" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
try:
    ok = eval(sys.argv[2])
except Exception as e:
    ok = False
    print("error:", e)
if not ok: print("not true:", sys.argv[2])
sys.exit(0 if ok else 1)
PY
}
# The migrate step's details of step N (1-based) in report.json.
details() { echo "j['steps'][$1]['details']"; }

case "$CASE" in
chain|cross-major)
    rm -rf "$WORK" && mkdir -p "$WORK"
    SC="$FIX/chain"
    if [ "$CASE" = cross-major ]; then
        # The newest major with a full toolset above 15 that can really be fetched (today a
        # source build of Debian's newest source package), found when the test runs.
        TO=${TO:-$("$HOST" versions pgdg --json 2>"$WORK/versions.log" | python3 -c '
import json, sys
majors = [int(o["version"].split(".")[0]) for o in json.load(sys.stdin)["pgdg"]["offers"] if o["toolset"] == "full"]
print(max([m for m in majors if m > 15], default=""))')}
        check "a major above 15 with a full toolset is offered (${TO:-none})" test -n "$TO"
        SC="$WORK/scenario"
        cp -r "$FIX/chain" "$SC"
        # The start: an npm server build of 15 (immutable); pg_upgrade borrows its old side's
        # pg_controldata and pg_resetwal from Debian's 15.
        python3 - "$SC/conf.yaml" "$TO" <<'PY'
import sys
path, to = sys.argv[1], sys.argv[2]
text = open(path).read().replace("db_version: '15'", "db_version: '15.12'")
upgrade = "  - type: pg_upgrade\n    db_version: '%s'\n" % to
text = text.replace("  - type: migrate\n    args:\n      migrations: deltas\n      database: app\n      long_query_ms",
                    upgrade + "  - type: migrate\n    args:\n      migrations: deltas\n      database: app\n      long_query_ms", 1)
open(path, "w").write(text)
PY
    fi
    run "$SC"
    R=$(results)
    J="$R/report.json"
    check "exit code 0" test "$RC" -eq 0
    N=4; [ "$CASE" = cross-major ] && N=5
    check "$N steps passed" test "$(count '"verdict":"passed"' "$J")" -eq "$N"
    M1=$(details 0) M2=$(details $((N - 3)))
    check "migrate 1: v1..v3 applied" json "$J" "[m['label'] for m in $M1['migrations']] == ['V001','V002','V003'] and $M1['version'] == '3'"
    check "migrate 2: v4, v5 from 3" json "$J" "[m['label'] for m in $M2['migrations']] == ['V004','V005'] and $M2['version'] == '5'"
    check "every migration succeeded, in a transaction but V004" json "$J" \
        "all(m['success'] for m in $M1['migrations'] + $M2['migrations']) and [m['transactional'] for m in $M2['migrations']] == [False, True]"
    check "sizes before and after each migration" json "$J" \
        "all(m['size_before'] > 0 and m['size_after'] > 0 and m['size_delta'] == m['size_after'] - m['size_before'] for m in $M1['migrations'])"
    check "V001 grew the database (500 items)" json "$J" "$M1['migrations'][0]['size_delta'] >= 8192"
    check "queries from pg_stat_statements: the 2000-row insert of V002" json "$J" \
        "any(q['query'].startswith('INSERT INTO orders') and q['calls'] == 1 and q['rows'] == 2000 and q['total_ms'] > 0 and q['mean_ms'] > 0 for q in $M1['migrations'][1]['queries'])"
    check "pgorch's own statements are not among the queries" json "$J" \
        "not any('pg_stat_statements' in q['query'] or 'pgorch_migrations' in q['query'] or q['query'] in ('BEGIN', 'COMMIT') for m in $M1['migrations'] for q in m['queries'])"
    check "a histogram of all statements" json "$J" "sum(b['count'] for b in $M1['histogram']) == sum(m['statements'] for m in $M1['migrations'])"
    check "statement logs are artifacts" test -s "$R/steps/01-migrate/V002__add_orders.up.log"
    check "the statement log holds each statement with its place" grep -qF "V002__add_orders.sql:1:1" "$R/steps/01-migrate/V002__add_orders.up.log"
    check "CREATE INDEX CONCURRENTLY ran in its no-transaction delta: the index is valid" \
        grep -qF '"public.orders_item_idx":"CREATE INDEX orders_item_idx ON public.orders USING btree (item_id)"' "$R/steps/0$((N - 2))-migrate/snapshot-after.json"
    check "the versions table holds 5 rows" grep -qF '"pgorch_migrations.applied":{"rows":5' "$R/steps/0$((N - 2))-migrate/snapshot-after.json"
    check "the verification calls the new database expected, with the reason" \
        grep -qxF 'db "app": added by the step (expected: migrations of db "app" none -> 3 (V003))' "$R/steps/01-migrate/verification.txt"
    check "... and each change of the second migration" \
        grep -qF 'db "app": index "public.orders_item_idx": added by the step: "CREATE INDEX orders_item_idx ON public.orders USING btree (item_id)" (expected: migrations of db "app" 3 (V003) -> 5 (V005))' "$R/steps/0$((N - 2))-migrate/verification.txt"
    check "stairway: 5 rungs passed" json "$J" "[r['result'] for r in $(details $((N - 2)))['rungs']] == ['passed'] * 5"
    check "stairway: up, down, up again per rung" json "$J" "all([x['direction'] for x in r['runs']] == ['up', 'down', 'up'] for r in $(details $((N - 2)))['rungs'])"
    check "stairway: its database is gone, nothing unexpected" json "$J" "j['steps'][$((N - 2))]['verification']['unexpected'] == 0"
    check "compare: equal to the fresh v5" json "$J" "$(details $((N - 1)))['equal'] is True"
    check "report.md: the migrations table" grep -qE '^\| V002 add orders \| up \| [0-9.]+ (ms|s) \| passed \| [0-9.]+ (KiB|MiB) \| [0-9.]+ (KiB|MiB) \| \+[0-9.]+ (KiB|MiB|B) \| 2 \| 0 \|$' "$R/report.md"
    check "report.md: a histogram as a table" grep -qF '*Execution time of all statements*' "$R/report.md"
    check "report.md: the 8 KiB note" grep -qF 'may still show +8.00 KiB' "$R/report.md"
    check "report.md: folded details per migration" grep -qF '<details><summary>V002 add orders: details — passed</summary>' "$R/report.md"
    check "report.html: SVG histograms" test "$(count '<figcaption>Execution time of' "$R/report.html")" -ge 6
    check "junit: a test case per migration" grep -qF 'name="step 1 migrate V002 add orders"' "$R/junit.xml"
    check "junit: a test case per stairway rung" grep -qF "name=\"step $((N - 1)) stairway V005 order status\"" "$R/junit.xml"
    [ "$CASE" = cross-major ] && check "pg_upgrade to $TO in the middle" json "$J" "j['steps'][1]['method'] == 'pg_upgrade' and j['steps'][1]['to_version'].startswith('$TO.')"
    [ "$CASE" = cross-major ] && check "migrate 2 ran on $TO" json "$J" "j['steps'][2]['method'] == 'migrate' and j['steps'][2]['to_version'].startswith('$TO.')"
    ;;
html)
    # The chain's report in headless Chromium: a screenshot that is not blank, and the DOM it
    # rendered holds the migration table.
    R=$(ls -d "$ROOT"/chain/runs/*/results 2>/dev/null | head -1)
    check "the chain's results are there" test -s "$R/report.html"
    rm -rf "$WORK" && mkdir -p "$WORK/profile"
    command -v chromium >/dev/null || fail "chromium is not installed (tools/setup installs it)"
    flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking
           --disable-component-update --disable-sync "--user-data-dir=$WORK/profile" --window-size=1200,2400)
    timeout 120 chromium "${flags[@]}" --screenshot="$WORK/report.png" "file://$R/report.html" >"$WORK/chromium.log" 2>&1
    check "chromium took a screenshot" test -s "$WORK/report.png"
    timeout 120 chromium "${flags[@]}" --dump-dom "file://$R/report.html" >"$WORK/dom.html" 2>>"$WORK/chromium.log"
    check "the rendered page holds the migration table" python3 - "$WORK/dom.html" <<'PY'
import sys, html.parser
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.cells = []; self.in_cell = False
    def handle_starttag(self, t, a): self.in_cell = t in ("td", "th")
    def handle_endtag(self, t): self.in_cell = False
    def handle_data(self, d):
        if self.in_cell: self.cells.append(d.strip())
p = P(); p.feed(open(sys.argv[1]).read())
need = ["migration", "size change", "V001 create items", "V002 add orders", "V003 order totals"]
missing = [n for n in need if n not in p.cells]
print("missing cells:", missing) if missing else None
sys.exit(1 if missing else 0)
PY
    check "the screenshot is a picture, not a blank page" python3 - "$WORK/report.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat, w, h = 8, b"", 0, 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR": w, h, depth, color = struct.unpack(">IIBB", body[:10])
    if kind == b"IDAT": idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
# Distinct byte values over the image: a blank page has one or two; text, tables and bars many.
distinct = len(set(raw[i] for i in range(0, len(raw), 7)))
print(f"{w}x{h}, {distinct} distinct byte values")
sys.exit(0 if w >= 800 and h >= 600 and distinct > 40 else 1)
PY
    ;;
broken)
    rm -rf "$WORK" && mkdir -p "$WORK"
    run "$FIX/broken" --keep
    R=$(results)
    J="$R/report.json"
    check "exit code 1" test "$RC" -eq 1
    check "the message points at line 7 with the server's message" grep -qF 'V003__broken.sql:7:8: syntax error at or near "TABEL"' "$WORK/out.log"
    check "the message says the version left" grep -qF 'db "app" is at version 2 (V002), the last good one' "$WORK/out.log"
    check "V001, V002 applied, V003 failed, V004 never tried" json "$J" \
        "[(m['label'], m['success']) for m in $(details 0)['migrations']] == [('V001', True), ('V002', True), ('V003', False)]"
    check "the report says which version the database is at" json "$J" "$(details 0)['version'] == '2'"
    check "a lock wait over 300 ms is a warning" json "$J" \
        "any(w['kind'] == 'lock_wait' and 'AccessExclusiveLock' in w['message'] for w in $(details 0)['migrations'][1]['warnings'])"
    check "a statement over 200 ms is a warning" json "$J" \
        "any(w['kind'] == 'long_query' and 'V002__account_notes.pre.sql:6' in w['message'] for w in $(details 0)['migrations'][1]['warnings'])"
    check "the failed statement is a warning" json "$J" \
        "{'kind': 'failed_statement', 'message': 'V003__broken.sql:7:8: syntax error at or near \"TABEL\"'} in $(details 0)['migrations'][2]['warnings']"
    check "the failed statement's log says so" grep -qF 'FAILED (42601): syntax error at or near "TABEL" at V003__broken.sql:7:8' "$R/steps/01-migrate/V003__broken.up.log"
    check "the lock wait is in the statement log" grep -qE 'LOG: process [0-9]+ acquired AccessExclusiveLock' "$R/steps/01-migrate/V002__account_notes.up.log"
    check "junit: the failed migration" grep -qF 'message="V003__broken.sql:7:8: syntax error at or near &quot;TABEL&quot;"' "$R/junit.xml"
    check "report.md: the warnings table" grep -qF '| V002 account notes | lock_wait | **statement at V002\_\_account_notes.sql:1 waited' "$R/report.md"
    # The kept cluster, started again: the versions table says 2, the failed delta left nothing.
    DATA=$(ls -d "$WORK"/runs/*/clusters/c0-*/data | head -1)
    BIN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["versions"][0]["install"]["bindir"])' "$J")
    PORT=$((20000 + RANDOM % 20000))
    SOCK=$(mktemp -d /tmp/pgorch-m-XXXX) && chmod 777 "$SOCK"
    AS=(); [ "$(id -u)" = 0 ] && AS=(setpriv --reuid="$(stat -c %U "$DATA")" --regid="$(stat -c %G "$DATA")" --init-groups)
    check "the kept cluster starts" "${AS[@]}" "$BIN/pg_ctl" -w -D "$DATA" -l "$SOCK/log" -o "-p $PORT -k $SOCK -c listen_addresses=''" start
    q() { "$BIN/psql" -X -At -h "$SOCK" -p "$PORT" -U postgres -d app -c "$1"; }
    check "the versions table's last version is 2" test "$(q "SELECT string_agg(version || ':' || type || ':' || success, ',' ORDER BY installed_rank) FROM pgorch_migrations.applied")" = "1:SQL:true,2:SQL:true"
    check "V003's table was rolled back" test "$(q "SELECT to_regclass('audit') IS NULL")" = t
    check "V002 is applied" test "$(q "SELECT count(*) FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'note'")" = 1
    "${AS[@]}" "$BIN/pg_ctl" -w -D "$DATA" -m fast stop >/dev/null || cat "$SOCK/log"
    rm -rf "$SOCK"
    ;;
checksum)
    rm -rf "$WORK" && mkdir -p "$WORK"
    run "$FIX/checksum"
    R=$(results)
    check "exit code 1" test "$RC" -eq 1
    check "refused: V001 changed after it was applied" grep -qE 'delta V001 changed after it was applied \(checksum [0-9a-f]{8} recorded, [0-9a-f]{8} now\)' "$WORK/out.log"
    check "step 1 passed, step 2 failed" json "$R/report.json" "[s['verdict'] for s in j['steps']] == ['passed', 'failed']"
    check "nothing applied by step 2" test -z "$(ls "$R/steps/02-migrate/" 2>/dev/null | grep '\.log$')"
    ;;
stairway)
    rm -rf "$WORK" && mkdir -p "$WORK"
    run "$FIX/stairway"
    R=$(results)
    J="$R/report.json"
    check "exit code 1" test "$RC" -eq 1
    check "the stairway names the delta and the object left behind" \
        grep -qF "stairway: V002: the downgrade leaves a trace: type \"public.mood\": left behind by the downgrade: \"enum ('happy', 'sad')\"" "$WORK/out.log"
    check "V001 passed, V002 failed, V003 not reached" json "$J" "[r['result'] for r in $(details 0)['rungs']] == ['passed', 'failed']"
    check "the stairway's database was dropped, failed as it did" grep -qF 'dropping database "pgorch_stairway_1"' "$WORK/out.log"
    # Without the irreversible declaration, V003 is refused before anything runs.
    mkdir -p "$WORK/undeclared" && cp -r "$FIX/stairway/deltas" "$WORK/undeclared/"
    grep -v irreversible "$FIX/stairway/conf.yaml" >"$WORK/undeclared/conf.yaml"
    "$HOST" validate "$WORK/undeclared" >"$WORK/validate.log" 2>&1
    check "validate: exit 2" test $? -eq 2
    check "validate names V003 and the option" grep -qE 'conf.yaml:[0-9]+:[0-9]+: error\[PGO-2011\]: step 1 \(stairway\): option "migrations": V003 has no down file and is not declared irreversible' "$WORK/validate.log"
    ;;
*) fail "unknown case $CASE" ;;
esac
if [ "$FAILED" != 0 ]; then
    echo "--- pgorch-host output (tail) ---"
    tail -40 "$WORK/out.log" 2>/dev/null
    exit 1
fi
echo "all passed"
