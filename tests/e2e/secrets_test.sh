#!/usr/bin/env bash
# Secrets never written: with NEXUS_USER_PASSWORD, PGPASSWORD and PGORCH_REGISTRY_PASSWORD set,
# a perf run whose fill script prints all three and fails (a passing script prints one too and
# puts one in the server log). Neither value may appear in the run folder, the scenario's results
# folder, the console or the --junit file; "***" stands in their place. While the run goes on, no
# process has a secret in its argv.
# Mode docker-copy: the same run in a bookworm container (the docker_engine fixture's image) of
# podman's API service on tcp://127.0.0.1:<free port>, started here, so the docker runtime copies
# the folders in and logs/ and results/ out (no bind mount): the server log arrives only with that
# copy, after the engine's scrub. Scripts in a container get none of the host's environment: they
# read the values from a file of the scenario, as a user's script holding a password would.
# usage: secrets_test.sh PGORCH_HOST SOURCE_DIR CACHE_DIR [local|docker-copy]
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../lib/argv_watch.sh"
mode=${4:-local}
export PGORCH_WORK_DIR=$work/runs

# starttime PID: the process's start time (field 22 of /proc/PID/stat), "" when it is gone.
starttime() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }
# Stops the podman service started below, only while its pid is still that process (pids wrap).
stop_service() {
  [[ -n ${svc:-} ]] || return 0
  local i
  if [[ -n ${svc_start:-} && $(starttime "$svc") == "$svc_start" ]]; then
    kill "$svc" 2>/dev/null
    for i in $(seq 1 50); do [[ $(starttime "$svc") == "$svc_start" ]] || break; sleep 0.1; done
    [[ $(starttime "$svc") == "$svc_start" ]] && kill -9 "$svc" 2>/dev/null
  fi
  wait "$svc" 2>/dev/null
  svc=
}
trap 'argv_watch_stop; stop_service; rm -rf "$work"' EXIT

case $mode in
local)
  version=$(pg_deb_version 15) || fail "no PostgreSQL 15 in Debian's package lists"
  docker_yaml='' prelude='' run_opts=() ;;
docker-copy)
  # '15': the newest 15.x the container's apt offers, resolved inside the container.
  version=15 prelude='. ./secrets.env'
  docker_yaml=$'docker:\n  image: pgorch-debian:bookworm\nargs:\n  initdb: --encoding=UTF8 --locale=C.UTF-8'
  run_opts=(--runtime docker) ;;
*) fail "unknown mode \"$mode\" (local or docker-copy)" ;;
esac
# Characters that JSON, XML, HTML and Markdown escape, so every report's spelling is tried.
export NEXUS_USER_PASSWORD='nx-S3cr&t<1>' PGPASSWORD='pg-"pa55"-q' PGORCH_REGISTRY_PASSWORD="reg-t0ken'9"
printf '%s\n' "$NEXUS_USER_PASSWORD" "$PGPASSWORD" "$PGORCH_REGISTRY_PASSWORD" >"$work/secrets.txt"

scenario=$work/leaky
mkdir -p "$scenario/cases/c1"
cat >"$scenario/conf.yaml" <<YAML
kind: perf
$docker_yaml
db_params:
  - db_type: pgdg
    db_version: '$version'
initial_script: passing.sh
db_initial_script: leak.sh
cases:
  - name: c1
    explain_queries:
      - query: q.sql
        expected: [q.txt]
YAML
# What a container's scripts read instead of the host's environment (not in any results folder).
[[ -n $prelude ]] && for v in NEXUS_USER_PASSWORD PGPASSWORD PGORCH_REGISTRY_PASSWORD; do
  printf 'export %s=%q\n' "$v" "${!v}"; done >"$scenario/secrets.env"
# A passing script: its log holds the values; a failed statement puts one in the server log
# (sent on psql's stdin: the argv watcher below must not catch the test's own command line).
{ echo '#!/bin/bash'; echo "$prelude"; cat <<'SH'; } >"$scenario/passing.sh"
echo "passing script sees nexus=$NEXUS_USER_PASSWORD"
psql -U postgres <<SQL || true
SELECT '$PGORCH_REGISTRY_PASSWORD' AS leaked_into_server_log FROM no_such_table;
SQL
SH
# The failing fill script: its output goes into the reports and both results/conf.yaml.
{ echo '#!/bin/bash'; echo "$prelude"; cat <<'SH'; } >"$scenario/leak.sh"
sleep 2
echo "nexus=$NEXUS_USER_PASSWORD pg=$PGPASSWORD registry=$PGORCH_REGISTRY_PASSWORD"
echo "to stderr: $PGPASSWORD $NEXUS_USER_PASSWORD $PGORCH_REGISTRY_PASSWORD" >&2
exit 1
SH
echo "SELECT 1;" >"$scenario/cases/c1/q.sql"
echo "plan" >"$scenario/cases/c1/q.txt"
chmod -R a+rX "$work"

if [[ $mode == docker-copy ]]; then
  # podman's API service on a tcp port of its own: a tcp engine makes the docker runtime copy.
  command -v podman >/dev/null || fail "podman is not installed (tools/podman-service start installs it as root)"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  podman system service --time=0 "tcp://127.0.0.1:$port" >"$work/podman.log" 2>&1 </dev/null &
  svc=$!
  svc_start=$(starttime "$svc")
  export DOCKER_HOST=tcp://127.0.0.1:$port
  for i in $(seq 1 150); do
    curl -fsS --max-time 2 "http://127.0.0.1:$port/v1.41/_ping" >/dev/null 2>&1 && break
    [[ $i -eq 150 || -z $(starttime "$svc") ]] && { cat "$work/podman.log"; fail "podman's API service did not answer on $DOCKER_HOST"; }
    sleep 0.1
  done
  echo "podman API service on $DOCKER_HOST (pid $svc)"
fi

argv_watch_start "$work/secrets.txt" "$work/argv-hits.txt"
"$host" run "$scenario" "${run_opts[@]}" --junit "$work/junit-copy.xml" >"$work/console.txt" 2>&1
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
if [[ $mode == docker-copy ]]; then
  grep -qF "running in a container" "$work/console.txt" || { cat "$work/console.txt"; fail "the run was not in a container"; }
  # PostgreSQL wrote its log inside the container: on the host it can only come from the copy-out.
  ls "$run_dir"/logs/*.server.log >/dev/null 2>&1 || fail "no server log was copied out of the container"
fi

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
