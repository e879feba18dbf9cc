#!/bin/bash
# A STAND-IN for Tantor's db_installer.sh, for pgorch's tests only. Tantor's real installer
# (https://public.tantorlabs.ru/db_installer.sh) is unreachable from the test machines, so the
# installer test serves this one instead: it takes the real installer's arguments and
# environment (--edition, --maintenance-version, --major-version; NEXUS_URL, NEXUS_USER,
# NEXUS_USER_PASSWORD) and installs the edition's server package from the stand-in Nexus with
# apt, as the real one installs from Tantor's Nexus. The stand-in repository is not signed
# ([trusted=yes]); its credentials go into an apt auth.conf.d entry of mode 0600.
set -euo pipefail
edition='' version='' major=''
for a; do
  case $a in
    --edition=*) edition=${a#*=} ;;
    --maintenance-version=*) version=${a#*=} ;;
    --major-version=*) major=${a#*=} ;;
    *) echo "db_installer.sh (stand-in): unknown argument \"$a\"" >&2; exit 2 ;;
  esac
done
[[ -n $edition && -n $version && -n $major ]] || { echo "db_installer.sh (stand-in): --edition, --maintenance-version and --major-version are required" >&2; exit 2; }
[[ -n ${NEXUS_URL:-} ]] || { echo "db_installer.sh (stand-in): NEXUS_URL is not set" >&2; exit 2; }
. /etc/os-release
url=$NEXUS_URL
[[ $url == *://* ]] || url=https://$url
authority=${url#*://}
authority=${authority%%/*}
# apt gives credentials to plain http only when the machine line names the scheme.
machine=$authority
[[ $url == http://* ]] && machine=http://$authority
echo "deb [trusted=yes] $url/repository/tantor-$edition-$VERSION_CODENAME $VERSION_CODENAME main" >"/etc/apt/sources.list.d/tantor-$edition.list"
if [[ -n ${NEXUS_USER:-} ]]; then
  install -d -m 755 /etc/apt/auth.conf.d
  # printf is a shell builtin: the password never is a process argument.
  (umask 077 && printf 'machine %s\nlogin %s\npassword %s\n' "$machine" "$NEXUS_USER" "${NEXUS_USER_PASSWORD:-}" >/etc/apt/auth.conf.d/tantor.conf)
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "tantor-$edition-server-$major=$version"
echo "db_installer.sh (stand-in): tantor-$edition-server-$major $version installed"
