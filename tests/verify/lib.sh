# The common start of the verification tests, sourced after `set -u` with the arguments
# HOST SOURCE_DIR CACHE_DIR: host, src, fix (tests/fixtures/verify), $work (a folder the service
# user can traverse, removed at exit), the PostgreSQL versions and the helpers below.
host=$1
src=$2
export PGORCH_CACHE_DIR=$3 NO_COLOR=1
fix="$src/tests/fixtures/verify"
work=$(mktemp -d /var/tmp/pgorch-verify-XXXXXX 2>/dev/null || mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
FAILED=0

# The versions of these tests, the one place they are named: selectors, resolved by pgorch when
# a test runs (README "Versions"): "15" is the newest 15.x with a full toolset here, so a minor
# step OLD -> NEW may be one version to itself (a stop and a start on the same binaries).
OLD=${OLD:-15}
NEW=${NEW:-15}

fail() { echo "FAIL: $*"; FAILED=1; }
# check "what" COMMAND...: the command must succeed.
check() { local what=$1; shift; if "$@"; then echo "ok: $what"; else fail "$what"; fi; }
# scenario DIR STEPS [VERIFY] [EXTRA]: a scenario folder on the fixture's scripts: the chain
# starts at $OLD, STEPS is the YAML of its steps, VERIFY the body of a top-level verify:
# section, EXTRA more top-level YAML; $ARGS, when set, more lines under args:.
scenario() {
    local d=$1
    rm -rf "$d" && mkdir -p "$d" && cp -r "$fix/scripts" "$d/"
    {
        printf 'kind: upgrade\ndb_type: pgdg\ndb_version: "%s"\nargs:\n  initdb: --encoding=UTF8 --locale=C.UTF-8\n' "$OLD"
        [ -n "${ARGS:-}" ] && printf '%s\n' "$ARGS"
        printf 'initial_setup_script: setup.sh\n%s\n' "${4:-}"
        [ -n "${3:-}" ] && printf 'verify:\n%s\n' "$3"
        printf 'steps:\n%s\n' "$2"
    } >"$d/conf.yaml"
}
# minor_step [POST_SCRIPT]: one minor step OLD -> NEW, with a post_script.
minor_step() {
    printf '  - type: minor\n    db_version: "%s"\n' "$NEW"
    [ -n "${1:-}" ] && printf '    post_scripts: [%s]\n' "$1"
    return 0
}
# run DIR: runs the scenario; output in DIR/out.log, exit code in $RC, results folder in $R.
run() {
    rm -rf "$1/runs"
    "$host" run --work-dir "$1/runs" "$1" >"$1/out.log" 2>&1
    RC=$?
    R=$(ls -d "$1"/runs/*/results 2>/dev/null | head -1)
}
# finish: the exit code of the test.
finish() {
    [ "$FAILED" = 0 ] && { echo "all passed"; exit 0; }
    exit 1
}
