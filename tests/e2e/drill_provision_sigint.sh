#!/usr/bin/env bash
# Fault drill: SIGINT while a version is downloaded into an empty cache. pgorch-host exits 130,
# the cache holds no usable entry for the version (no install marker), and the next provisioning
# of it succeeds from scratch.
# usage: drill_provision_sigint.sh PGORCH_HOST SOURCE_DIR CACHE_DIR
set -u
source "$(dirname "$0")/lib.sh"
export PGORCH_WORK_DIR=$work/runs PGORCH_CACHE_DIR=$work/cache PGORCH_PGDG_METHODS=deb
trap 'rm -rf "$work"' EXIT
version=$(pg_deb_version 15) || fail "no PostgreSQL 15 in Debian's package lists"
mkdir -p "$PGORCH_CACHE_DIR"
chmod 755 "$PGORCH_CACHE_DIR"

"$host" provision pgdg "$version" >"$work/p1.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  compgen -G "$PGORCH_CACHE_DIR/pgdg/.staging-*" >/dev/null && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.05
done
compgen -G "$PGORCH_CACHE_DIR/pgdg/.staging-*" >/dev/null || { cat "$work/p1.log"; fail "no download was seen"; }
sleep 0.5
kill -INT $pid
rc=0
wait $pid || rc=$?
[[ $rc -eq 130 ]] || { cat "$work/p1.log"; fail "interrupted provisioning exited $rc, want 130"; }
if [[ -e $PGORCH_CACHE_DIR/pgdg/$version/.pgorch-install.json ]]; then fail "an interrupted download left a usable cache entry"; fi
echo "interrupted: exit 130, no usable cache entry ($(ls -A "$PGORCH_CACHE_DIR/pgdg" | tr '\n' ' '))"

"$host" provision pgdg "$version" >"$work/p2.log" 2>&1 || { cat "$work/p2.log"; fail "the next provisioning failed"; }
[[ -e $PGORCH_CACHE_DIR/pgdg/$version/.pgorch-install.json ]] || fail "the next provisioning left no install marker"
"$(bindir_of "$version")/postgres" --version | grep -qF "$version" || fail "the provisioned postgres is not $version"
echo "next provisioning: clean, $("$(bindir_of "$version")/postgres" --version)"
echo "2 passed, 0 failed"
