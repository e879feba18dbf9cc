# shellcheck shell=bash
# The common start of the ttdb tests, sourced after `set -u`: reads PGORCH_HOST SOURCE_DIR
# CACHE_DIR BUILD_DIR, makes $work (removed by the EXIT trap each test sets through cleanup),
# builds or reuses the stand-in Nexus (make_repo.sh; its versions in SE_LO SE_HI BE NEW PG_LO
# PG_HI PG_NEW CODENAME ARCH) and defines the helpers below.
host=$1
src=$2
export PGORCH_CACHE_DIR=$3 NO_COLOR=1
build=$4
work=$(mktemp -d /var/tmp/pgorch-ttdb-XXXXXX)
chmod 755 "$work"
export PGORCH_WORK_DIR=$work/runs
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }

# cleanup: stops nginx when it runs and removes $work (the EXIT trap of every test).
cleanup() {
  [[ -n ${nginx_prefix:-} && -f $nginx_prefix/nginx.pid ]] &&
    nginx -p "$nginx_prefix" -c "$nginx_prefix/nginx.conf" -s stop 2>/dev/null
  rm -rf "$work"
}

# repo: the stand-in Nexus (built once per build tree and set of versions) and its versions.
repo() {
  bash "$src/tests/ttdb/make_repo.sh" "$host" "$build/ttdb-repo" >"$work/make_repo.log" 2>&1 ||
    { tail -n 30 "$work/make_repo.log"; fail "cannot build the stand-in Nexus"; }
  repo_dir=$(cd "$build/ttdb-repo/current" && pwd)
  # shellcheck disable=SC1091
  source "$repo_dir/versions.env"
  echo "stand-in Nexus: se $SE_LO $SE_HI $NEW, be $BE (PostgreSQL $PG_LO, $PG_HI, $PG_NEW)"
}

# serve USER PASSWORD: nginx on a free port of 127.0.0.1 serving the stand-in Nexus, its
# repositories behind auth_basic (an htpasswd file made through openssl's standard input), the
# stand-in installer public; exports NEXUS_URL and sets $port.
serve() {
  command -v nginx >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx >/dev/null 2>&1 ||
    fail "nginx is missing and cannot be installed"
  nginx_prefix=$work/nginx
  mkdir -p "$nginx_prefix/tmp"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  printf '%s' "$2" | openssl passwd -apr1 -stdin | sed "s/^/$1:/" >"$nginx_prefix/htpasswd"
  local p=$nginx_prefix
  cat >"$p/nginx.conf" <<EOF
daemon on;
worker_processes 1;
pid $p/nginx.pid;
error_log $p/error.log;
$( [[ $(id -u) -eq 0 ]] && echo "user root;")
events { worker_connections 64; }
http {
  access_log $p/access.log;
  default_type application/octet-stream;
  client_body_temp_path $p/tmp/body;
  proxy_temp_path $p/tmp/proxy;
  fastcgi_temp_path $p/tmp/fastcgi;
  uwsgi_temp_path $p/tmp/uwsgi;
  scgi_temp_path $p/tmp/scgi;
  server {
    listen 127.0.0.1:$port;
    root $repo_dir/www;
    location /repository/ {
      auth_basic "Nexus Repository Manager";
      auth_basic_user_file $p/htpasswd;
    }
  }
}
EOF
  nginx -p "$p" -c "$p/nginx.conf" 2>"$p/start.log" || { cat "$p/start.log"; fail "nginx does not start"; }
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.05; done
  export NEXUS_URL=http://127.0.0.1:$port
}

# nexus_up: the stand-in Nexus built and served, the credentials of its user exported.
nexus_up() {
  repo
  serve tester "$password"
  export NEXUS_USER=tester NEXUS_USER_PASSWORD=$password
}

# requests PATTERN: how many requests of nginx's access log match an extended regex.
requests() { grep -cE "$1" "$nginx_prefix/access.log" || true; }

# scenario NAME: tests/fixtures/ttdb/common (fill_db.sh, case_1's queries) and then
# tests/fixtures/ttdb/NAME into $work/NAME, @SE_LO@ ... filled in in the *.in files; prints the folder.
scenario() {
  local to=$work/$1
  cp -r "$src/tests/fixtures/ttdb/common" "$to"
  cp -r "$src/tests/fixtures/ttdb/$1/." "$to"
  find "$to" -type f -name '*.in' | while read -r f; do
    sed -e "s/@SE_LO@/$SE_LO/g" -e "s/@SE_HI@/$SE_HI/g" -e "s/@BE@/$BE/g" -e "s/@NEW@/$NEW/g" \
        -e "s/@PG_HI@/$PG_HI/g" -e "s/@ARCH@/$ARCH/g" -e "s/@MAJOR_NEW@/${NEW%%.*}/g" "$f" >"${f%.in}" && rm "$f"
  done
  chmod -R a+rX "$to"
  echo "$to"
}

# results_of SCENARIO_DIR: the results folder of the newest run of that scenario.
results_of() { ls -dt "$PGORCH_WORK_DIR/$(basename "$1")"-*/results 2>/dev/null | head -n1; }

# json FILE EXPR: a Python expression over the JSON document `d` of FILE; prints its value.
json() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
