#!/usr/bin/env bash
# Secrets never written: with NEXUS_USER_PASSWORD, PGPASSWORD and PGORCH_REGISTRY_PASSWORD set,
# a perf run whose fill script prints all three and fails (a passing script prints one too). Neither value may appear in the run
# folder, the scenario's results folder, the console or the --junit file; "***" stands in
# their place. While the run goes on, no process has a secret in its argv.
# usage: secrets_test.sh PGORCH_HOST SOURCE_DIR CACHE_DIR
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../lib/argv_watch.sh"
export PGORCH_WORK_DIR=$work/runs
trap 'argv_watch_stop; rm -rf "$work"' EXIT

version=$(pg_deb_version 15) || fail "no PostgreSQL 15 in Debian's package lists"
# Characters that JSON, XML, HTML and Markdown escape, so every report's spelling is tried.
export NEXUS_USER_PASSWORD='nx-S3cr&t<1>' PGPASSWORD='pg-"pa55"-q' PGORCH_REGISTRY_PASSWORD="reg-t0ken'9"
printf '%s\n' "$NEXUS_USER_PASSWORD" "$PGPASSWORD" "$PGORCH_REGISTRY_PASSWORD" >"$work/secrets.txt"

scenario=$work/leaky
mkdir -p "$scenario/cases/c1"
sed "s/@VERSION@/$version/" >"$scenario/conf.yaml" <<'YAML'
kind: perf
db_params:
  - db_type: pgdg
    db_version: '@VERSION@'
initial_script: passing.sh
db_initial_script: leak.sh
cases:
  - name: c1
    explain_queries:
      - query: q.sql
        expected: [q.txt]
YAML
# A passing script: its log holds the values; a failed statement puts one in the server log.
cat >"$scenario/passing.sh" <<'SH'
#!/bin/bash
echo "passing script sees nexus=$NEXUS_USER_PASSWORD"
psql -U postgres -c "SELECT '$PGORCH_REGISTRY_PASSWORD' AS leaked_into_server_log FROM no_such_table" || true
SH
# The failing fill script: its output goes into the reports and both results/conf.yaml.
cat >"$scenario/leak.sh" <<'SH'
#!/bin/bash
sleep 2
echo "nexus=$NEXUS_USER_PASSWORD pg=$PGPASSWORD registry=$PGORCH_REGISTRY_PASSWORD"
echo "to stderr: $PGPASSWORD $NEXUS_USER_PASSWORD $PGORCH_REGISTRY_PASSWORD" >&2
exit 1
SH
echo "SELECT 1;" >"$scenario/cases/c1/q.sql"
echo "plan" >"$scenario/cases/c1/q.txt"
chmod -R a+rX "$work"

argv_watch_start "$work/secrets.txt" "$work/argv-hits.txt"
"$host" run "$scenario" --junit "$work/junit-copy.xml" >"$work/console.txt" 2>&1
rc=$?
argv_watch_stop
[[ $rc -eq 1 ]] || { cat "$work/console.txt"; fail "run exited $rc, want 1 (the fill script fails)"; }
[[ -s $work/argv-hits.txt ]] && { cat "$work/argv-hits.txt"; fail "a secret was in a process's argv"; }
echo "argv: no secret in any process during the run"

run_dir=$(ls -d "$PGORCH_WORK_DIR"/leaky-* | head -n1)
[[ -d $run_dir ]] || fail "no run folder"
places=("$run_dir" "$scenario/results" "$work/console.txt" "$work/junit-copy.xml")
if hits=$(grep -rlF -f "$work/secrets.txt" "${places[@]}"); then
  for h in $hits; do echo "--- $h"; grep -nF -f "$work/secrets.txt" "$h" | head -5; done
  fail "a secret was written"
fi
echo "no secret in the run folder, results/, the console or the --junit copy"

# The values were there to leak: "***" stands in their place (Markdown escapes it as \*\*\*).
for f in "$run_dir/results/report.json" "$run_dir/results/junit.xml" "$work/junit-copy.xml" \
         "$scenario/results/conf.yaml" "$run_dir/logs/pgorch.log" "$work/console.txt" "$run_dir/results/report.html"; do
  grep -qF 'nexus=*** pg=*** registry=***' "$f" || fail "\"nexus=*** pg=*** registry=***\" not in $f"
done
grep -qF 'nexus=\*\*\* pg=\*\*\* registry=\*\*\*' "$run_dir/results/report.md" || fail "no redacted output in report.md"
grep -rqF 'passing script sees nexus=***' "$run_dir/logs" || fail "the passing script's log does not show ***"
grep -qF "'***'" "$run_dir"/logs/*.server.log || fail "the server log does not show the redacted statement"
echo "*** in report.json, junit.xml (both), report.md, report.html, results/conf.yaml, pgorch.log, script and server logs, console"
echo "3 passed, 0 failed"
