#!/usr/bin/env bash
# The ttdb distro on real PostgreSQL, from a stand-in Nexus (a real nginx with auth_basic serving
# Tantor-shaped packages as apt repositories: tests/ttdb/README.md).
#   nexus         `versions ttdb` lists editions and versions; a perf run on se and be 15 (a
#                 selector) from Nexus; the second run provisions from the cache
#   package       a run from the scenario's package file; a package of another version, a version
#                 that is not MAJOR.MINOR.PATCH and a missing db_edition refused before anything
#                 runs (exit 2, file:line:column); a misnamed package file is a warning
#   password      a wrong NEXUS_USER_PASSWORD: exit 3 naming NEXUS_URL and HTTP 401, and the
#                 password in no argv during the run and nowhere pgorch writes
#   chain         se 15 -> minor to the newest se 15 -> pg_upgrade --link to the newest higher
#                 major, verified after every step (the original tool's upgrade_test shape)
#   differential  ttdb se 15 and pgdg 15 side by side: every plan and timing compared, each
#                 difference marked in report.json, report.md and report.html
#   installer     (docker) the installer method in a container, with the stand-in db_installer.sh
# usage: ttdb_test.sh CASE PGORCH_HOST SOURCE_DIR CACHE_DIR BUILD_DIR
set -u
case_name=$1
shift
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../lib/argv_watch.sh"
trap 'argv_watch_stop; cleanup' EXIT
password='nx-S3cr&t<"pw">'

run() { # run ARGS...: pgorch-host, output in $work/out.txt, exit code in $rc
  "$host" "$@" >"$work/out.txt" 2>&1
  rc=$?
}
show() { sed 's/^/  | /' "$work/out.txt" | tail -n "${1:-40}"; }
expect_rc() { [[ $rc -eq $1 ]] || { show; fail "$2: exit $rc, want $1"; }; }
expect_out() { grep -qF -- "$1" "$work/out.txt" || { show; fail "$2: the output does not say \"$1\""; }; }

case_nexus() {
  nexus_up
  # A cache of its own: the downloads are what this test looks at.
  export PGORCH_CACHE_DIR=$work/cache
  run versions ttdb
  expect_rc 0 "versions ttdb"
  expect_out "EDITION" "versions ttdb has an edition column"
  for x in "$SE_LO se" "$SE_HI se" "$NEW se" "$BE be"; do
    grep -qE "^ +${x% *} +${x#* } +nexus +full" "$work/out.txt" || { show; fail "versions ttdb does not list ${x#* } ${x% *}"; }
  done
  ok "versions ttdb lists se $SE_LO, $SE_HI, $NEW and be $BE from Nexus"
  sc=$(scenario perf)
  run run "$sc"
  expect_rc 0 "the perf run on ttdb se and be 15"
  local res
  res=$(results_of "$sc")
  [[ $(json "$res/report.json" '[(t["test_version"], t["test_edition"], t["install"]["method"]) for t in d["test_results"]]') == \
     "[('$SE_HI', 'se', 'nexus'), ('$BE', 'be', 'nexus')]" ]] || fail "report.json: $(json "$res/report.json" '[(t["test_version"], t["test_edition"], t["install"]["method"]) for t in d["test_results"]]')"
  [[ $(json "$res/report.json" 'd["test_results"][0]["install"]["bindir"]') == "$PGORCH_CACHE_DIR/ttdb/se/$SE_HI/opt/tantor/db/15/bin" ]] ||
    fail "se's bindir is $(json "$res/report.json" 'd["test_results"][0]["install"]["bindir"]')"
  [[ $(json "$res/report.json" 'd["test_results"][0]["exact_version"]') == "$PG_HI" ]] || fail "se's exact version is not PostgreSQL $PG_HI"
  ok "se $SE_HI and be $BE ran from Nexus (PostgreSQL $PG_HI), each its own installation in the cache"
  [[ $(requests "GET /repository/tantor-se-$CODENAME/dists/$CODENAME/Release HTTP/1.1\" 200 .*") -ge 1 ]] || fail "no Release of se was read"
  grep -qE '^[^ ]+ - tester .*tantor-se-server-15_.*\.deb HTTP/1.1" 200' "$nginx_prefix/access.log" ||
    fail "the se package was not downloaded as NEXUS_USER tester"
  local debs
  debs=$(requests '\.deb HTTP/1.1" 200')
  run run "$sc"
  expect_rc 0 "the second perf run"
  [[ $(requests '\.deb HTTP/1.1" 200') -eq $debs ]] || fail "the second run downloaded a package again"
  ok "the second run provisioned from the cache (no download)"
}

case_package() {
  repo
  sc=$(scenario package)
  mkdir -p "$sc/packages"
  cp "$repo_dir/www/repository/tantor-se-$CODENAME/pool/main/t/tantor-se-server-15/tantor-se-server-15_${SE_HI}_$ARCH.deb" "$sc/packages/"
  unset NEXUS_URL NEXUS_USER NEXUS_USER_PASSWORD
  run run "$sc"
  expect_rc 0 "the run from the package file"
  [[ $(json "$(results_of "$sc")/report.json" 'd["test_results"][0]["install"]["method"]') == package ]] || fail "not installed by method package"
  ok "ttdb se $SE_HI ran from the scenario's package file"
  # Refused before anything runs: validate and run say the same, at file:line:column.
  refuse() { # refuse WHAT SED-EXPR MESSAGE LINE
    local bad=$work/bad-$1
    rm -rf "$bad" && cp -r "$sc" "$bad" && rm -rf "$bad/results"
    sed -i "$2" "$bad/conf.yaml"
    for cmd in validate run; do
      run "$cmd" "$bad"
      expect_rc 2 "$cmd with $1"
      expect_out "$3" "$cmd with $1"
      expect_out "$bad/conf.yaml:$4:" "$cmd with $1 points at the line"
    done
    [[ -z $(ls -d "$PGORCH_WORK_DIR/bad-$1"-*/clusters/* 2>/dev/null) ]] || fail "a cluster was made for $1"
    ok "$1 refused before anything runs: $(grep -m1 error: "$work/out.txt")"
  }
  refuse mismatch "s/db_version: .*/db_version: '$SE_LO'/" "is version $SE_HI (its Version field), but db_version is $SE_LO" 8
  refuse format "s/db_version: .*/db_version: '15.6'/" 'ttdb version "15.6" is not MAJOR.MINOR.PATCH' 6
  expect_out "hint: Tantor numbers its releases like 15.6.0" "the format refusal has a hint"
  refuse edition "/db_edition:/d" "db_type ttdb needs a db_edition" 6
  local named=$work/misnamed
  rm -rf "$named" && cp -r "$sc" "$named" && rm -rf "$named/results"
  mv "$named/packages/"*.deb "$named/packages/server.deb"
  sed -i "s/package: .*/package: server.deb/" "$named/conf.yaml"
  run validate "$named"
  expect_rc 0 "validate with a misnamed package file"
  expect_out "warning: $named/conf.yaml:8:" "the misnamed package is a warning at its line"
  expect_out "is not named like the server package of ttdb $SE_HI se" "the misnamed package warning"
  ok "a misnamed package file is a warning"
}

case_password() {
  repo
  serve tester "$password"
  # A cache of its own: what earlier tests installed would need no Nexus at all.
  export PGORCH_CACHE_DIR=$work/cache
  local wrong='wr0ng-"S3cr&t"<1>'
  export NEXUS_USER=tester NEXUS_USER_PASSWORD=$wrong
  printf '%s\n' "$wrong" "$password" >"$work/secrets.txt"
  sc=$(scenario perf)
  sed -i "0,/db_version: '15'/s//db_version: '$SE_HI'/" "$sc/conf.yaml"
  argv_watch_start "$work/secrets.txt" "$work/argv-hits.txt"
  "$host" run "$sc" --junit "$work/junit.xml" >"$work/out.txt" 2>&1
  rc=$?
  argv_watch_stop
  expect_rc 3 "a run with a wrong NEXUS_USER_PASSWORD"
  expect_out "NEXUS_URL \"$NEXUS_URL\" answered HTTP 401" "the refusal names NEXUS_URL and the status"
  cp "$work/out.txt" "$work/console.txt"
  [[ -s $work/argv-hits.txt ]] && { cat "$work/argv-hits.txt"; fail "a password was in a process's argv"; }
  ok "exit 3: $(grep -m1 'HTTP 401' "$work/console.txt" | cut -c1-160)..."
  # The selector goes through the listing: the same status, named as the reason.
  run run "$(scenario perf)"
  expect_rc 3 "a selector with a wrong password"
  expect_out "answered HTTP 401" "the listing's refusal"
  cp "$work/out.txt" "$work/console-selector.txt"
  unset NEXUS_USER
  run run "$sc"
  expect_rc 3 "an anonymous run"
  expect_out "anonymously (NEXUS_USER is not set)" "the anonymous refusal"
  ok "a selector and an anonymous request are refused the same way"
  local places=("$PGORCH_WORK_DIR" "$sc/results" "$work/console.txt" "$work/console-selector.txt" "$work/out.txt"
                "$work/junit.xml" "$PGORCH_CACHE_DIR/ttdb")
  if hits=$(grep -rlF -f "$work/secrets.txt" "${places[@]}" 2>/dev/null); then
    for h in $hits; do echo "--- $h"; grep -nF -f "$work/secrets.txt" "$h" | head -3; done
    fail "a password was written"
  fi
  [[ -z $(find "$PGORCH_WORK_DIR" -name curl.conf) ]] || fail "a curl config with the credentials was left in a run folder"
  ok "no password in argv, the run folders, logs, reports, results, the junit copy, the console or the cache"
}

case_chain() {
  nexus_up
  sc=$(scenario chain)
  cp "$src/scenarios/upgrade-15/scripts/setup.sh" "$src/scenarios/upgrade-15/scripts/check_app.sh" "$sc/scripts/"
  chmod -R a+rX "$sc"
  run run "$sc"
  local res
  res=$(results_of "$sc")
  [[ $rc -eq 0 ]] || { show 60; [[ -n $res ]] && cat "$res/report.md"; fail "the chain: exit $rc"; }
  local got
  got=$(json "$res/report.json" '" ".join(s["method"] + ":" + s["from_version"] + "->" + s["to_version"] + ":" + s["verdict"] for s in d["steps"])')
  [[ $got == "minor:$SE_LO->$SE_HI:passed pg_upgrade:$SE_HI->$NEW:passed" ]] || fail "steps: $got"
  ok "ttdb se $SE_LO -> minor $SE_HI -> pg_upgrade $NEW, verified after each step"
}

case_differential() {
  nexus_up
  sc=$(scenario differential)
  run run "$sc"
  expect_rc 0 "the differential run"
  local res
  res=$(results_of "$sc")
  local rows
  rows=$(json "$res/report.json" '"|".join(r["kind"] + " " + r["query"] + "=" + str(r["differs"]) for r in d["distribution_comparisons"][0]["rows"])')
  [[ $rows == "server version =False|plan explain_query.sql=False|plan timing_query.sql=True|timing timing_query.sql="* ]] ||
    fail "report.json's comparison: $rows"
  [[ $(json "$res/report.json" 'd["distribution_comparisons"][0]["targets"]') == "['ttdb $SE_HI se', 'pgdg $PG_HI']" ]] ||
    fail "compared: $(json "$res/report.json" 'd["distribution_comparisons"][0]["targets"]')"
  grep -qF "## Distributions compared: major 15" "$res/report.md" || fail "report.md has no comparison"
  grep -qE '^\| case_1 \| plan timing_query.sql \| .* \| \*\*DIFFERS: plans differ' "$res/report.md" ||
    fail "report.md does not mark the plan that differs"
  grep -qE '^\| case_1 \| plan explain_query.sql \| .* \| same \(same plan\)' "$res/report.md" || fail "report.md does not show the same plan as same"
  grep -qF -- '-  ->  Index Scan using items_grp on public.items' "$res/report.md" || fail "report.md has no diff of the plans"
  grep -qF 'Distributions compared: major 15' "$res/report.html" || fail "report.html has no comparison"
  grep -qF '<span class="add">  -&gt;  Bitmap Heap Scan on public.items' "$res/report.html" ||
    fail "report.html does not mark the differing plan line"
  ok "ttdb se $SE_HI and pgdg $PG_HI side by side: $(json "$res/report.json" 'd["distribution_comparisons"][0]["differences"]') difference(s) marked in report.json, report.md, report.html"
}

case_installer() {
  password='nx-S3cr&t<pw>'  # apt's auth.conf cannot hold a double quote
  nexus_up
  sc=$(scenario perf)
  python3 - "$sc/conf.yaml" "$port" <<'PY'
import sys
path, port = sys.argv[1], sys.argv[2]
text = open(path).read()
# Only the se target, in a container, through the installer.
head, _, rest = text.partition("  - db_type: ttdb\n    db_version: '15'\n    db_edition: be\n")
text = head + rest
text = text.replace("kind: perf\n", "kind: perf\ndocker:\n  image: pgorch-debian:bookworm\nargs:\n  ttdb: --methods=installer "
                    f"--installer_url=http://127.0.0.1:{port}/db_installer.sh\n", 1)
open(path, "w").write(text)
PY
  run run --runtime docker "$sc"
  expect_rc 0 "the installer run in a container"
  local res
  res=$(results_of "$sc")
  [[ $(json "$res/report.json" '(d["test_results"][0]["install"]["method"], d["test_results"][0]["install"]["bindir"], d["test_results"][0]["test_version"])') == \
     "('installer', '/opt/tantor/db/15/bin', '$SE_HI')" ]] || fail "report.json: $(json "$res/report.json" 'd["test_results"][0]["install"]')"
  [[ $(requests 'GET /db_installer.sh HTTP/1.1" 200') -ge 1 ]] || fail "db_installer.sh was not downloaded"
  grep -qE "^[^ ]+ - tester .*tantor-se-server-15_${SE_HI}_$ARCH\.deb HTTP/1.1\" 200 .*APT" "$nginx_prefix/access.log" ||
    fail "apt in the container did not download the se package as NEXUS_USER tester"
  ok "the installer method ran the stand-in db_installer.sh in the container and installed se $SE_HI"
}

"case_$case_name"
echo "passed: ttdb $case_name"
