# The common start of the e2e tests, sourced after `set -u`: reads PGORCH_HOST SOURCE_DIR
# CACHE_DIR into host, src and PGORCH_CACHE_DIR, makes $work (a folder the service user can
# traverse, under /var/tmp) and defines fail. Each test sets its own EXIT trap, which must
# remove "$work".
host=$1
src=$2
export PGORCH_CACHE_DIR=$3 NO_COLOR=1
work=$(mktemp -d /var/tmp/pgorch-e2e-XXXXXX 2>/dev/null || mktemp -d)
chmod 755 "$work"
fail() { echo "FAIL: $*"; exit 1; }
# pg_deb_version MAJOR: the newest MAJOR.x Debian's package lists offer today (e.g. 15.20).
# Tests ask for it at run time: the mirror drops a version when the next one comes out.
pg_deb_version() {
  apt-cache madison "postgresql-$1" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); sub(/-.*/, "", $2); print $2}' |
    sort -V | tail -n1 | grep .
}
