#!/bin/bash
# The fingerprint across a major version. The fixture's data plus one table per column type
# (each column hashed by its extended hash function 'h', in a record 'r', or by its text form
# 't'), upgraded to TO by pg_dumpall and by pg_upgrade: every fingerprint, the schema and the
# globals compare equal under the README's cross-major rules (what differs is reported as
# expected, with its reason). A row changed on the new side is caught.
# The versions, the one place they are named: TO the selector "15", the newest 15.x with a full
# toolset here (both steps need one on the new side); the old side of pg_dumpall an npm server
# build (immutable; it borrows psql and pg_controldata, README "Versions"); the old side of
# pg_upgrade the selector "13": pg_upgrade runs the old major's own pg_resetwal, which no npm
# build has, so it is borrowed from a 13.x built from Debian's source package (a few minutes,
# once per cache: label slow).
# usage: cross_major.sh HOST SOURCE_DIR CACHE_DIR [pg_dumpall|pg_upgrade...]  (default: both)
set -u
FROM_DUMPALL=${FROM_DUMPALL:-14.17}
FROM_UPGRADE=${FROM_UPGRADE:-13}
TO=${TO:-15}
METHODS=${*:4}
METHODS=${METHODS:-pg_dumpall pg_upgrade}
source "$(dirname "$0")/lib.sh"

# types DIR: the per-type tables, as an initial_post_script.
types() {
    cat >"$1/scripts/types.sql" <<'EOF'
\set ON_ERROR_STOP on
\c app
CREATE SCHEMA typed;
CREATE COLLATION typed.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE FUNCTION typed.make(name text, expr text) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
    EXECUTE format('CREATE TABLE typed.%I AS SELECT g AS id, %s AS v FROM generate_series(1, 500) g', name, expr);
    EXECUTE format('INSERT INTO typed.%I (id) VALUES (0)', name);   -- a NULL of each type
END $f$;
SELECT typed.make(n, e) FROM (VALUES
    ('t_int2', '(g % 30000)::int2'), ('t_int4', 'g'), ('t_int8', 'g::int8 * 1000000007'),
    ('t_numeric', '(g / 7.0)::numeric(20,6)'), ('t_float4', '(g / 3.0)::float4'),
    ('t_float8', 'CASE g % 50 WHEN 0 THEN ''NaN''::float8 WHEN 1 THEN ''-Infinity'' ELSE g / 3.0 END'),
    ('t_text', 'md5(g::text)'), ('t_varchar', 'md5(g::text)::varchar(40)'), ('t_bpchar', 'left(md5(g::text), 5)::char(8)'),
    ('t_bytea', 'decode(md5(g::text), ''hex'')'), ('t_bool', 'g % 2 = 0'), ('t_date', 'date ''2000-01-01'' + g'),
    ('t_time', 'time ''00:00'' + g * interval ''1 second'''), ('t_timetz', '(time ''00:00'' + g * interval ''1 minute'')::timetz'),
    ('t_timestamp', 'timestamp ''2024-01-01'' + g * interval ''37 seconds'''),
    ('t_timestamptz', 'timestamptz ''2024-01-01 00:00+00'' + g * interval ''37 seconds'''),
    ('t_interval', 'g * interval ''1 day 3 hours'''), ('t_uuid', 'md5(g::text)::uuid'),
    ('t_json', 'json_build_object(''g'', g)'), ('t_jsonb', 'jsonb_build_object(''g'', g, ''a'', ARRAY[g, g + 1])'),
    ('t_inet', '(''10.0.'' || g / 256 || ''.'' || g % 256)::inet'), ('t_cidr', '(''10.'' || g % 256 || ''.0.0/16'')::cidr'),
    ('t_macaddr', '(''08:00:2b:01:02:'' || lpad(to_hex(g % 256), 2, ''0''))::macaddr'), ('t_money', '(g * 1.25)::money'),
    ('t_point', 'point(g, g / 3.0)'), ('t_box', 'box(point(0, 0), point(g, g))'), ('t_int4range', 'int4range(g, g + 10)'),
    ('t_tstzrange', 'tstzrange(timestamptz ''2024-01-01 00:00+00'' + g * interval ''1 hour'', NULL)'),
    ('t_multirange', 'int4multirange(int4range(g, g + 1), int4range(g + 5, g + 9))'),
    ('t_tsvector', 'to_tsvector(''simple'', ''word'' || g || '' other'')'), ('t_bit', '(g % 256)::bit(8)'),
    ('t_varbit', '((g % 256)::bit(8))::varbit'), ('t_oid', 'g::oid'), ('t_pg_lsn', '(''0/'' || to_hex(g))::pg_lsn'),
    ('t_int_array', 'ARRAY[g, g + 1, NULL]'), ('t_text_array', 'ARRAY[''a'' || g, NULL]'),
    ('t_json_array', 'ARRAY[json_build_object(''g'', g)]'), ('t_enum', '(ARRAY[''happy'', ''sad''])[1 + g % 2]::sales.mood'),
    ('t_composite', 'ROW(''s'' || g, g)::sales.address'), ('t_domain', '(1 + g % 998)::sales.positive'),
    ('t_icu_nondeterministic', '(''Name '' || g) COLLATE typed.ci'), ('t_icu', '(''Name '' || g) COLLATE "de-x-icu"')
) AS t(n, e) WHERE n <> 't_multirange' OR current_setting('server_version_num')::int >= 140000;  -- multiranges: 14+
DROP FUNCTION typed.make(text, text);
EOF
}

for method in $METHODS; do
    if [ "$method" = pg_upgrade ]; then OLD=$FROM_UPGRADE; else OLD=$FROM_DUMPALL; fi
    echo "PostgreSQL $OLD -> $TO by $method"
    d="$work/$method"
    scenario "$d" "  - type: $method
    db_version: \"$TO\"" "" "initial_post_scripts: [types.sql]"
    types "$d"
    run "$d"
    S="$R/steps/01-$method"
    check "$method: exit 0" test "$RC" = 0
    check "$method: from a $OLD" grep -qE "\"from_version\":\"$OLD(\\.[0-9]+)?\"" "$R/report.json"
    check "$method: to a $TO.x" grep -qE "\"to_version\":\"$TO\\.[0-9]+\"" "$R/report.json"
    check "$method: every fingerprint, schema and global equal" grep -q '"verification":{"passed":true' "$R/report.json"
    hashed="t_int4:h t_json:t t_icu_nondeterministic:t t_icu:h t_json_array:t"
    # hash_record_extended (a record 'r', a composite 'h') exists from 14 on; 13 hashes them otherwise.
    [ "${OLD%%.*}" -ge 14 ] && hashed="$hashed t_bool:r t_composite:h t_timestamptz:r"
    for t in $hashed; do
        check "$method: typed.${t%%:*} hashed as ${t#*:}" grep -qE "\"typed.${t%%:*}\":\\{\"rows\":501,\"hash\":\"[0-9-]+\",\"method\":\"h${t#*:}\"\\}" "$S/snapshot-after.json"
    done
    # pg_upgrade runs update_extensions.sql, pg_dumpall creates extensions at the default version.
    check "$method: the extension at the new default version is an expected change, with its reason" \
        grep -qE '^db "app": extension "pg_trgm": version 1\.5 -> [0-9.]+ \(expected: .*default version\)$' "$S/verification.txt"
    [ "$RC" = 0 ] || { grep -v '^ *$' "$S/verification.txt" | head -20; tail -20 "$d/out.log"; }
done

# A changed row on the new side (by the fast method) is caught.
OLD=$FROM_DUMPALL
d="$work/changed"
[[ " $METHODS " == *" pg_dumpall "* ]] || finish
scenario "$d" "  - type: pg_dumpall
    db_version: \"$TO\"
    post_scripts: [change.sql]" "" "initial_post_scripts: [types.sql]"
types "$d"
printf '\\c app\nUPDATE typed.t_jsonb SET v = %s WHERE id = 5;\n' "'{\"g\": -5}'" >"$d/scripts/change.sql"
run "$d"
check "changed on the new side: exit 1" test "$RC" = 1
check "changed on the new side: the table is named" grep -qF 'db "app": table "typed.t_jsonb": content changed (same row count 501' "$d/out.log"
finish
