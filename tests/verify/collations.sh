#!/bin/bash
# Collation versions (label pg): an ICU collation with an index on it and a database with the
# ICU provider; a script records another version for both, as a catalog made by another ICU or
# glibc would (what ALTER COLLATION ... REFRESH VERSION sets). The post-check after the step
# warns by default and fails with `collations: fail`, naming the collation, both versions and
# the indexes that depend on it; the pre-flight before a step sees what an initial script did.
# usage: collations.sh HOST SOURCE_DIR CACHE_DIR
set -u
source "$(dirname "$0")/lib.sh"

# icu DIR: the ICU objects (after setup.sh) and the script that records another version.
icu() {
    cat >"$1/scripts/icu.sql" <<'EOF'
\set ON_ERROR_STOP on
CREATE DATABASE app_icu LOCALE_PROVIDER icu ICU_LOCALE 'en-US' TEMPLATE template0;
\c app
CREATE COLLATION public.pgorch_de (provider = icu, locale = 'de-DE');
CREATE TABLE public.names (n text COLLATE public.pgorch_de);
INSERT INTO public.names SELECT 'name ' || g FROM generate_series(1, 100) g;
CREATE INDEX names_n ON public.names (n);
EOF
    cat >"$1/scripts/other_version.sql" <<'EOF'
\set ON_ERROR_STOP on
UPDATE pg_database SET datcollversion = '0.1' WHERE datname = 'app_icu';
\c app
UPDATE pg_collation SET collversion = '0.1' WHERE collname = 'pgorch_de';
EOF
}

warned='db "app": collation "public.pgorch_de": version "0.1" recorded, "'
index='now; indexes that depend on it: public.names_n; rebuild them (REINDEX), then ALTER COLLATION public.pgorch_de REFRESH VERSION'

# case_run NAME STEPS VERIFY INITIAL_POST_SCRIPTS: runs one scenario of this test in $work/NAME.
case_run() {
    d="$work/$1"
    scenario "$d" "$2" "$3" "initial_post_scripts: [$4]"
    icu "$d"
    run "$d"
}

case_run warn "$(minor_step other_version.sql)" "" icu.sql
check "warn: exit 0" test "$RC" = 0
check "warn: the collation, both versions and the index" grep -qF "$warned" "$d/out.log"
check "warn: ... and what to do" grep -qF "$index" "$d/out.log"
check "warn: the database collation too" grep -qF 'db "app_icu": database collation: version "0.1" recorded' "$d/out.log"
check "warn: in the verification" grep -qF "warning: $warned" "$R/steps/01-minor/verification.txt"
check "warn: in the report" grep -qF 'warning: db \"app\": collation \"public.pgorch_de\"' "$R/report.json"
[ "$FAILED" = 0 ] || tail -20 "$d/out.log"

case_run fail "$(minor_step other_version.sql)" "  collations: fail" icu.sql
check "fail: exit 1" test "$RC" = 1
check "fail: names the collation" grep -qF "$warned" "$R/steps/01-minor/verification.txt"
check "fail: the step failed in its verification" grep -qF 'verification failed: 2 problem(s)' "$R/report.json"

case_run preflight "$(minor_step)" "  collations: fail" "icu.sql, other_version.sql"
check "pre-flight: exit 1" test "$RC" = 1
check "pre-flight: it stopped the step before it ran" grep -qF 'collation pre-flight failed: db \"app\": collation \"public.pgorch_de\"' "$R/report.json"
check "pre-flight: no snapshot was taken" test ! -e "$R/steps/01-minor/snapshot-before.json"
finish
