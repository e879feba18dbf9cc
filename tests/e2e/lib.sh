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
# pg_deb_versions MAJOR: every MAJOR.x Debian's package lists offer today, oldest first.
pg_deb_versions() {
  apt-cache madison "postgresql-$1" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); sub(/-.*/, "", $2); print $2}' |
    sort -uV | grep .
}
# fingerprint PSQL_ARGS...: one line per table of schema public: name, row count, md5 of the rows
# (sorted in memory: a drill may have no disk left for temporary files).
fingerprint() {
  local q
  export PGOPTIONS="-c work_mem=1GB"
  q=$(psql -XAtq "$@" -c "SELECT string_agg(format('SELECT %L, count(*), md5(coalesce(string_agg(t::text, %L ORDER BY t::text), %L)) FROM public.%I t', c.relname, '|', '', c.relname), ' UNION ALL ' ORDER BY c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'") || return 1
  psql -XAtq "$@" -c "$q ORDER BY 1"
}
# bindir_of VERSION: the bindir pgorch provisions VERSION into (pgdg).
bindir_of() { "$host" provision pgdg "$1" --json | sed -n 's/.*"bindir":"\([^"]*\)".*/\1/p'; }
# versions_pair MAJOR: sets old and new to the oldest and newest MAJOR.x Debian offers (the same
# when it offers one) and provisions both.
versions_pair() {
  local versions
  mapfile -t versions < <(pg_deb_versions "$1")
  old=${versions[0]:-} new=${versions[-1]:-}
  [[ -n $old ]] || fail "no PostgreSQL $1 in Debian's package lists"
  for v in "$old" "$new"; do "$host" provision pgdg "$v" >/dev/null || fail "cannot provision $v"; done
}
# upgrade_scenario DIR STEP: an upgrade from $old to $new by STEP; scripts/setup.sh is the
# caller's, and the fingerprint after setup goes to $work/before.txt.
upgrade_scenario() {
  mkdir -p "$1/scripts"
  printf "kind: upgrade\ndb_version: '%s'\ninitial_setup_script: setup.sh\ninitial_post_scripts: [fingerprint.sh]\nsteps:\n  - type: %s\n    db_version: '%s'\n" \
    "$old" "$2" "$new" >"$1/conf.yaml"
  { echo '#!/bin/bash'; declare -f fingerprint; echo "fingerprint -U postgres >$work/before.txt"; } >"$1/scripts/fingerprint.sh"
}
# old_cluster_intact DATADIR PORT: the old cluster starts with $old's binaries as the service user
# and its fingerprint equals $work/before.txt.
old_cluster_intact() {
  local datadir=$1 port=$2 user=${PGORCH_SERVICE_USER:-pgorch} bindir sock=$work/sock
  [[ -f $datadir/PG_VERSION ]] || fail "the old data folder \"$datadir\" is gone"
  [[ -s $work/before.txt ]] || fail "no fingerprint was taken before the step"
  bindir=$(bindir_of "$old")
  [[ -x $bindir/pg_ctl ]] || fail "no pg_ctl for $old"
  mkdir -p "$sock" && chown "$user" "$sock"
  runuser -u "$user" -- "$bindir/pg_ctl" -D "$datadir" -l "$work/old.log" -w -o "-p $port -k $sock -c listen_addresses=''" start >/dev/null ||
    { cat "$work/old.log"; fail "the old cluster does not start"; }
  runuser -u "$user" -- bash -c "$(declare -f fingerprint); fingerprint -h $sock -p $port -U postgres" >"$work/after.txt"
  runuser -u "$user" -- "$bindir/pg_ctl" -D "$datadir" -m fast -w stop >/dev/null
  diff -u "$work/before.txt" "$work/after.txt" || fail "the old cluster's fingerprint changed"
}
