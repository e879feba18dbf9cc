#!/bin/bash
# pgorch-host compare on two real databases that differ in one column default, one index and
# one function body: exit 1, each named with its field; ignoring those kinds: exit 0; the
# pg_service.conf names of pum's -p1/-p2; json and html output. The server is Debian's newest
# 15.x (a selector, resolved when the test runs), its databases made in single-user mode.
# usage: compare_cli.sh HOST WORK_ROOT   (label pg)
set -u
HOST=$1 WORK=$2/compare-cli
export NO_COLOR=1
FAILED=0
fail() { echo "FAIL: $*"; FAILED=1; }
check() { local what=$1; shift; if "$@"; then echo "ok: $what"; else fail "$what"; fi; }
rm -rf "$WORK" && mkdir -p "$WORK" && chmod 755 "$WORK"
BIN=$("$HOST" provision pgdg 15 --json 2>"$WORK/provision.log" | python3 -c 'import json,sys; print(json.load(sys.stdin)["bindir"])')
check "15 provisioned" test -x "$BIN/postgres"
DATA=$WORK/data SOCK=$(mktemp -d /tmp/pgorch-cmp-XXXX) PORT=$((20000 + RANDOM % 20000))
chmod 777 "$SOCK"
AS=()
if [ "$(id -u)" = 0 ]; then
    mkdir -p "$DATA" && chown nobody "$DATA" "$WORK"
    AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
STARTED=
stop() { [ -n "$STARTED" ] && "${AS[@]}" "$BIN/pg_ctl" -w -D "$DATA" -m fast stop >/dev/null 2>&1; rm -rf "$SOCK"; }
trap stop EXIT
"${AS[@]}" "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$WORK/initdb.log" 2>&1 || fail "initdb"
single() { "${AS[@]}" "$BIN/postgres" --single -D "$DATA" "$1" >>"$WORK/single.log" 2>&1; }
printf 'CREATE DATABASE first\nCREATE DATABASE second\n' | single postgres
printf '%s\n' "CREATE TABLE items (id integer PRIMARY KEY, name text, price numeric DEFAULT 0)" \
    "CREATE INDEX items_name_idx ON items (name)" \
    "CREATE FUNCTION total(integer) RETURNS integer LANGUAGE sql AS 'SELECT \$1 * 2'" | single first
printf '%s\n' "CREATE TABLE items (id integer PRIMARY KEY, name text, price numeric DEFAULT 1)" \
    "CREATE FUNCTION total(integer) RETURNS integer LANGUAGE sql AS 'SELECT \$1 * 3'" | single second
"${AS[@]}" "$BIN/pg_ctl" -w -D "$DATA" -l "$WORK/server.log" -o "-p $PORT -k $SOCK -c listen_addresses=''" start >/dev/null &&
    STARTED=1
check "the server started" test -n "$STARTED"
A="host=$SOCK port=$PORT dbname=first user=postgres"
B="host=$SOCK port=$PORT dbname=second user=postgres"

"$HOST" compare "$A" "$B" >"$WORK/text.out" 2>&1
check "different: exit 1" test $? -eq 1
cat "$WORK/text.out"
check "the column default is named with its field" grep -qxF 'column "public.items.price": default 0 -> 1' "$WORK/text.out"
check "the index is named" grep -qF 'index "public.items_name_idx": only in host='"$SOCK"' port='"$PORT"' dbname=first user=postgres (was "CREATE INDEX items_name_idx ON public.items USING btree (name)")' "$WORK/text.out"
check "the function body is named" grep -qE '^function "public.total\(integer\)": body md5 [0-9a-f]{32} -> [0-9a-f]{32}$' "$WORK/text.out"
check "three differences, nothing else" grep -qxF '3 differences' "$WORK/text.out"

# pum's spelling: -p1/-p2 with service names of pg_service.conf, and json.
printf '[app_test]\nhost=%s\nport=%s\ndbname=first\nuser=postgres\n[app_comp]\nhost=%s\nport=%s\ndbname=second\nuser=postgres\n' \
    "$SOCK" "$PORT" "$SOCK" "$PORT" >"$WORK/pg_service.conf"
PGSERVICEFILE=$WORK/pg_service.conf "$HOST" compare -p1 app_test -p2 app_comp --format json >"$WORK/out.json" 2>"$WORK/json.err"
check "service names, json: exit 1" test $? -eq 1
check "json: three differences with their fields" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
kinds = sorted(d["kind"] for d in j["differences"])
col = [d for d in j["differences"] if d["kind"] == "columns"][0]
sys.exit(0 if not j["equal"] and j["count"] == 3 and kinds == ["columns", "functions", "indexes"]
         and col["fields"] == [{"field": "default", "before": "0", "after": "1"}] and j["first"]["target"] == "app_test" else 1)' "$WORK/out.json"

"$HOST" compare "$A" "$B" --ignore columns -i indexes --ignore functions >"$WORK/ignored.out" 2>&1
check "ignoring the three kinds: exit 0" test $? -eq 0
check "no difference" grep -qxF 'no difference' "$WORK/ignored.out"
"$HOST" compare "$A" "$A" -s
check "a database against itself: exit 0" test $? -eq 0
"$HOST" compare "$A" "$B" --format html -o "$WORK/compare.html"
check "html: exit 1" test $? -eq 1
check "html: a self-contained page with the differences" grep -qF '<td>default</td><td class="bad">0</td><td class="bad">1</td>' "$WORK/compare.html"
"$HOST" compare "$A" "host=$SOCK port=$PORT dbname=nosuchdb user=postgres" >"$WORK/bad.out" 2>&1
check "a database that cannot be reached: exit 3" test $? -eq 3
"$HOST" compare "$A" >"$WORK/one.out" 2>&1
check "one database only: exit 2" test $? -eq 2
"$HOST" compare "$A" "$B" --ignore index >"$WORK/kind.out" 2>&1
check "an unknown kind: exit 2" test $? -eq 2
check "the unknown kind is named" grep -qF 'unknown kind "index"' "$WORK/kind.out"
[ "$FAILED" = 0 ] && echo "all passed"
exit "$FAILED"
