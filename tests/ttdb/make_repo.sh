#!/usr/bin/env bash
# Builds the stand-in Nexus of the ttdb tests (tests/ttdb/README.md): Tantor-shaped server
# packages made from PostgreSQL builds the suite has anyway, and apt repositories serving them
# as Nexus does ({root}/repository/tantor-<edition>-<codename>/). Versions are found when it
# runs, never pinned:
#   - Debian's 15.x full toolsets (pgdg `deb`): the oldest and the newest Debian offers today
#     become se 15.<lo>.0 and se 15.<hi>.0 (with one 15.x today, the second is the same build
#     as Tantor's next patch level, 15.<x>.1), and the newest also be 15.<hi>.0;
#   - the newest major above 15 with a full toolset (pgdg `source`, the build other tests make
#     and cache) becomes se <M>.<m>.0.
# The result is kept under OUT/<key> (key: the versions, this script and db_installer.sh) and reused; OUT/current
# names it, and OUT/<key>/versions.env holds SE_LO SE_HI BE NEW PG_LO PG_HI PG_NEW CODENAME ARCH.
# usage: make_repo.sh PGORCH_HOST OUT     (PGORCH_CACHE_DIR: the version cache to use)
set -euo pipefail
host=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
exec 9>"$out/.lock"
flock 9

# offers PYTHON-FILTER: exact versions of `pgorch-host versions pgdg --json` that fit.
offers() {
  "$host" versions pgdg ${2:+"$2"} --json | python3 -c '
import json, sys
pick = eval("lambda o: " + sys.argv[1])
vs = {o["version"] for o in json.load(sys.stdin)["pgdg"]["offers"] if o["toolset"] == "full" and pick(o)}
key = lambda v: [int(x) for x in v.split(".")]
print("\n".join(sorted(vs, key=key)))' "$1"
}
mapfile -t deb15 < <(offers 'o["method"] == "deb"' 15)
((${#deb15[@]})) || { echo "make_repo: Debian offers no PostgreSQL 15 full toolset" >&2; exit 3; }
pg_lo=${deb15[0]} pg_hi=${deb15[-1]}
mapfile -t newer < <(offers 'int(o["version"].split(".")[0]) > 15')
((${#newer[@]})) || { echo "make_repo: no full toolset of a major above 15 is offered here" >&2; exit 3; }
pg_new=${newer[-1]}
se_lo=$pg_lo.0 se_hi=$pg_hi.0
[[ $pg_lo == "$pg_hi" ]] && se_hi=$pg_hi.1
codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
arch=$(dpkg --print-architecture)
key=$pg_lo-$pg_hi-$pg_new-$(cat "$0" "$here/db_installer.sh" | md5sum | cut -c1-8)
dir=$out/$key
if [[ -f $dir/.done ]]; then
  ln -sfn "$key" "$out/current"
  exit 0
fi
rm -rf "$dir"
www=$dir/www
mkdir -p "$www"

# install_root VERSION METHOD: the cached installation's folder (provisioned when missing).
install_root() {
  local bindir
  bindir=$(PGORCH_PGDG_METHODS=$2 "$host" provision pgdg "$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["bindir"])')
  if [[ $2 == deb ]]; then (cd "$bindir/../../../../.." && pwd); else (cd "$bindir/.." && pwd); fi
}
deb_lo=$(install_root "$pg_lo" deb)
deb_hi=$(install_root "$pg_hi" deb)
src_new=$(install_root "$pg_new" source)

# What Debian's PostgreSQL binaries need (tools/setup lists the same), and a source build.
deb_deps="libc6, libgssapi-krb5-2, libicu72, libldap-2.5-0, libllvm14, liblz4-1, libpam0g, libpq5, libreadline8, libselinux1, libssl3, libsystemd0, libuuid1, libxml2, libxslt1.1, libzstd1, zlib1g, locales, tzdata"
src_deps="libc6, libicu72, libssl3, libreadline8, zlib1g, locales, tzdata"

# package EDITION VERSION KIND SOURCE: tantor-EDITION-server-MAJOR_VERSION_ARCH.deb, installing
# under /opt/tantor/db/MAJOR. KIND debian: a Debian tree, kept in its relative shape
# (lib/postgresql/M/bin, share/postgresql/M) so that PostgreSQL still finds its files, with bin/
# links; KIND prefix: a relocatable --prefix build, copied as it is.
package() {
  local edition=$1 version=$2 kind=$3 src=$4 major=${2%%.*}
  local name=tantor-$edition-server-$major stage=$dir/stage/$edition-$2
  local prefix=$stage/opt/tantor/db/$major sample deps
  mkdir -p "$prefix" "$stage/DEBIAN"
  if [[ $kind == debian ]]; then
    mkdir -p "$prefix/lib/postgresql" "$prefix/share/postgresql" "$prefix/bin"
    cp -a "$src/usr/lib/postgresql/$major" "$prefix/lib/postgresql/"
    cp -a "$src/usr/share/postgresql/$major" "$prefix/share/postgresql/"
    for f in "$prefix/lib/postgresql/$major/bin/"*; do ln -s "../lib/postgresql/$major/bin/${f##*/}" "$prefix/bin/${f##*/}"; done
    sample=$prefix/share/postgresql/$major/postgresql.conf.sample
    deps=$deb_deps
  else
    cp -a "$src/." "$prefix/"
    rm -f "$prefix/.pgorch-install.json"
    sample=$(find "$prefix/share" -name postgresql.conf.sample | head -n1)
    deps=$src_deps
  fi
  # A vendor default, so that the differential test has a real difference to find.
  [[ $edition == se ]] && printf '\n# Tantor SE stand-in: a vendor default (tests/ttdb/README.md)\nrandom_page_cost = 1.1\n' >>"$sample"
  cat >"$stage/DEBIAN/control" <<EOF
Package: $name
Version: $version
Architecture: $arch
Maintainer: pgorch tests <tests@pgorch.invalid>
Depends: $deps
Section: database
Priority: optional
Description: Tantor DB $edition $version stand-in for pgorch's tests
 PostgreSQL ${version%.*} repackaged under /opt/tantor/db/$major (tests/ttdb/README.md).
EOF
  local pool=$www/repository/tantor-$edition-$codename/pool/main/t/$name
  mkdir -p "$pool"
  dpkg-deb --root-owner-group -Zgzip -z1 --build "$stage" "$pool/${name}_${version}_$arch.deb" >/dev/null
  rm -rf "$stage"
}

# index EDITION: Packages, Packages.gz and a Release listing their SHA256, as Nexus serves them.
index() {
  local repo=$www/repository/tantor-$1-$codename
  local d=$repo/dists/$codename
  mkdir -p "$d/main/binary-$arch"
  (cd "$repo" && dpkg-scanpackages --multiversion pool /dev/null 2>/dev/null) >"$d/main/binary-$arch/Packages"
  gzip -9 -k "$d/main/binary-$arch/Packages"
  {
    printf 'Origin: pgorch tests\nLabel: Tantor %s stand-in\nSuite: %s\nCodename: %s\nArchitectures: %s\nComponents: main\n' \
      "$1" "$codename" "$codename" "$arch"
    printf 'Date: %s\nSHA256:\n' "$(LC_ALL=C date -Ru)"
    for f in "main/binary-$arch/Packages" "main/binary-$arch/Packages.gz"; do
      printf ' %s %s %s\n' "$(sha256sum <"$d/$f" | cut -d' ' -f1)" "$(stat -c %s "$d/$f")" "$f"
    done
  } >"$d/Release"
}

package se "$se_lo" debian "$deb_lo"
package se "$se_hi" debian "$deb_hi"
package se "$pg_new.0" prefix "$src_new"
package be "$pg_hi.0" debian "$deb_hi"
index se
index be
install -m 755 "$here/db_installer.sh" "$www/db_installer.sh"
cat >"$dir/versions.env" <<EOF
SE_LO=$se_lo
SE_HI=$se_hi
BE=$pg_hi.0
NEW=$pg_new.0
PG_LO=$pg_lo
PG_HI=$pg_hi
PG_NEW=$pg_new
CODENAME=$codename
ARCH=$arch
EOF
touch "$dir/.done"
ln -sfn "$key" "$out/current"
# Yesterday's set (another point release): no test uses it any more.
find "$out" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -exec rm -rf {} +
echo "make_repo: $dir: se $se_lo $se_hi $pg_new.0, be $pg_hi.0"
