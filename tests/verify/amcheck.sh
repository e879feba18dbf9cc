#!/bin/bash
# amcheck after each step (label pg): a chain of minor, pg_upgrade and pg_dumpall steps with
# `verify: amcheck: true` passes, and leaves no amcheck extension behind; an index page
# overwritten with dd while the server is stopped fails the step, naming the index.
# usage: amcheck.sh HOST SOURCE_DIR CACHE_DIR
set -u
source "$(dirname "$0")/lib.sh"

d="$work/chain"
scenario "$d" "$(minor_step)
  - type: pg_upgrade
    db_version: \"$NEW\"
  - type: pg_dumpall
    db_version: \"$NEW\"" "  amcheck: true"
run "$d"
check "chain: exit 0" test "$RC" = 0
check "chain: amcheck ran after each step" test "$(grep -o '"amcheck_ms":[0-9.e+-]*' "$R/report.json" | wc -l)" = 3
check "chain: no amcheck extension stays behind" bash -c "! grep -q '\"amcheck\"' '$R/steps/03-pg_dumpall/snapshot-after.json'"
check "chain: every verification passed" test "$(grep -o '"verification":{"passed":true' "$R/report.json" | wc -l)" = 3
check "chain: the extension pg_upgrade updated is an expected change" \
    grep -qF 'extension "pg_trgm": version 1.5 -> 1.6 (expected: pg_upgrade' "$R/steps/02-pg_upgrade/verification.txt"
[ "$RC" = 0 ] || tail -20 "$d/out.log"

# A leaf page of sales.orders_customer (block 1) overwritten in its tuple area, server stopped.
d="$work/corrupt"
scenario "$d" "$(minor_step corrupt.sh)" "  amcheck: true"
cat >"$d/scripts/corrupt.sh" <<'EOF'
#!/bin/sh
set -eu
file="$PGDATA/$(psql -X -At -d app -c "SELECT pg_relation_filepath('sales.orders_customer')")"
pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
head -c 1024 /dev/zero | tr '\0' 'Z' | dd of="$file" bs=1 seek=$((8192 + 6000)) conv=notrunc status=none
pg_ctl -D "$PGDATA" -l "$PGORCH_SERVER_LOG" -w start >/dev/null
EOF
chmod 755 "$d/scripts/corrupt.sh"
run "$d"
check "corrupt: exit 1" test "$RC" = 1
check "corrupt: the index is named" grep -qE '^ *db "app": index "sales.orders_customer": amcheck: .*index "orders_customer"' "$d/out.log"
check "corrupt: the data itself did not change" bash -c "! grep -q 'content changed' '$R/steps/01-minor/verification.txt'"
[ "$RC" = 1 ] || tail -20 "$d/out.log"
finish
