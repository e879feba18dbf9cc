#!/bin/bash
# The mutation test (label pg): for each mutation, a one-step chain (minor OLD -> NEW, see
# lib.sh) whose post_script makes that one change in database app; each must exit 1 with the
# diff line naming the change. A control run with no mutation passes. No secret (the role
# password, its hash) appears in what a run writes.
# usage: mutations.sh HOST SOURCE_DIR CACHE_DIR [NAME...]   (names: run only those mutations)
set -u
source "$(dirname "$0")/lib.sh"
shift 3
ONLY=" $* "

# mutation NAME SQL EXPECTED: SQL runs in database app (or postgres for globals) after the step.
mutation() {
    local name=$1 sql=$2 expected=$3 d="$work/$1"
    [ "$ONLY" != "  " ] && [[ "$ONLY" != *" $name "* ]] && return 0
    scenario "$d" "$(minor_step mutate.sql)"
    printf '\\set ON_ERROR_STOP on\n\\c app\n%s\n' "$sql" >"$d/scripts/mutate.sql"
    run "$d"
    if [ "$RC" = 1 ] && grep -qF -- "$expected" "$d/out.log"; then
        echo "ok: $name: exit 1, \"$expected\""
    else
        fail "$name: exit $RC, expected exit 1 and \"$expected\""
        grep -E '^ *(db|role|database|membership|error)' "$d/out.log" | head -10
        tail -5 "$d/out.log"
    fi
}

# The control: nothing changed, nothing reported; the password never leaks. Three steps: the
# second's pre_script adds a row, so its "before" snapshot must be taken anew (the first step's
# "after" one no longer holds); the third's is the second's "after" one.
if [ "$ONLY" = "  " ] || [[ "$ONLY" == *" control "* ]]; then
    d="$work/control"
    scenario "$d" "$(minor_step)
$(minor_step)
    pre_scripts: [add_row.sql]
$(minor_step)"
    printf '\\c app\nINSERT INTO inventory.changes (product_id) VALUES (1);\n' >"$d/scripts/add_row.sql"
    run "$d"
    check "control: exit 0" test "$RC" = 0
    check "control: one snapshot reused (step 3), none after a script (step 2)" \
        test "$(grep -c 'the last step.s "after" one' "$R/../logs/pgorch.log")" = 1
    check "control: step 2 saw the row the script added" grep -qF '"inventory.changes":{"rows":201' "$R/steps/02-minor/snapshot-before.json"
    check "control: no difference" grep -qx "no difference" "$R/steps/01-minor/verification.txt"
    check "control: the roles are in the snapshot" grep -qF '"app_reader":"login: true' "$R/steps/01-minor/snapshot-after.json"
    check "control: whether a password is set, not the password" grep -qF 'password: set' "$R/steps/01-minor/snapshot-after.json"
    check "control: no password or hash in the results" bash -c "! grep -rqE 'reader-secret-7Qx|SCRAM-SHA-256\\\$' '$R' '$d/out.log'"
    check "control: columns hashed by h, r and t" grep -qE '"sales.customers":\{"rows":1000,"hash":"[0-9-]+","method":"hhhthrrhht"\}' "$R/steps/01-minor/snapshot-after.json"
    [ "$FAILED" = 0 ] || tail -20 "$d/out.log"
fi

mutation row "UPDATE sales.orders SET note = 'changed' WHERE id = 7;" \
    'db "app": table "sales.orders": content changed (same row count 20000'
mutation index "DROP INDEX sales.orders_customer;" 'db "app": index "sales.orders_customer": missing after the step'
mutation setval "SELECT setval('sales.order_no', 5000);" 'db "app": sequence "sales.order_no": last_value 140993 (called) -> 5000 (called)'
mutation function_body "CREATE OR REPLACE FUNCTION sales.customer_total(cid bigint) RETURNS numeric LANGUAGE sql STABLE AS 'SELECT 0::numeric';" \
    'db "app": function "sales.customer_total(cid bigint)": changed'
mutation column_default "ALTER TABLE sales.orders ALTER order_no SET DEFAULT 0;" 'db "app": column "sales.orders.order_no": changed'
mutation constraint "ALTER TABLE sales.orders DROP CONSTRAINT orders_quantity_check;" \
    'db "app": constraint "sales.orders.orders_quantity_check": missing after the step'
mutation large_object "SELECT lo_unlink(oid) FROM pg_largeobject_metadata;" 'db "app": large objects: count 1 -> 0'
mutation revoke "REVOKE SELECT ON sales.orders FROM app_reader;" \
    'db "app": table "sales.orders": privileges {app_reader=r/postgres,postgres=arwdDxt/postgres} -> {postgres=arwdDxt/postgres}'
mutation grant "GRANT INSERT ON sales.customers TO app_reader;" \
    'db "app": table "sales.customers": privileges {app_reader=r/postgres,postgres=arwdDxt/postgres} -> {app_reader=ar/postgres,postgres=arwdDxt/postgres}'
mutation owner "ALTER TABLE sales.orders OWNER TO app_owner;" 'db "app": table "sales.orders": owner postgres -> app_owner'
mutation comment "COMMENT ON TABLE sales.orders IS 'all orders';" 'db "app": table "sales.orders": comment "all orders" added by the step'
mutation database_setting "ALTER DATABASE app SET work_mem = '64MB';" 'database "app": settings {work_mem=64MB} added by the step'
mutation connection_limit "ALTER ROLE app_reader CONNECTION LIMIT 5;" 'role "app_reader": connection limit -1 -> 5'
mutation new_role "CREATE ROLE brand_new_role;" 'role "brand_new_role": added by the step'
mutation enum_value "ALTER TYPE sales.mood ADD VALUE 'ecstatic';" \
    "db \"app\": type \"sales.mood\": changed: \"enum ('happy', 'sad')\" -> \"enum ('happy', 'sad', 'ecstatic')\""
mutation reloptions "ALTER TABLE sales.orders SET (fillfactor = 70);" \
    'db "app": storage parameters of "sales.orders": added by the step: "fillfactor=70"'
mutation not_null "ALTER TABLE sales.customers ALTER name DROP NOT NULL;" \
    'db "app": column "sales.customers.name": changed: "#2 text not null" -> "#2 text"'
mutation policy "DROP POLICY reader_policy ON sales.orders;" 'db "app": policy "sales.orders.reader_policy": missing after the step'
mutation trigger_disabled "ALTER TABLE inventory.products DISABLE TRIGGER products_audit;" \
    'db "app": trigger "inventory.products.products_audit": changed'
mutation extension_version "ALTER EXTENSION pg_trgm UPDATE TO '1.6';" 'db "app": extension "pg_trgm": changed: "1.5" -> "1.6"'
mutation column_collation 'ALTER TABLE sales.customers ALTER name TYPE text COLLATE "C";' \
    'db "app": column "sales.customers.name": changed: "#2 text not null" -> "#2 text not null collate C"'
mutation default_privilege "ALTER DEFAULT PRIVILEGES IN SCHEMA sales GRANT SELECT ON TABLES TO app_reader;" \
    'db "app": default privileges "postgres in schema sales on tables": added by the step: "{app_reader=r/postgres}"'
mutation membership "GRANT app_reader TO app_owner;" 'membership "app_owner in app_reader": added by the step'
finish
