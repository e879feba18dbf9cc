#!/usr/bin/env bash
# db_params' db_port (the seed's "port of the database on the host"): the cluster listens there;
# when something else holds the port the run fails with a clear error instead of moving.
# usage: db_port_test.sh PGORCH_HOST SOURCE_DIR CACHE_DIR
set -u
source "$(dirname "$0")/lib.sh"
export PGORCH_WORK_DIR=$work/runs
listener=
trap '[[ -n $listener ]] && kill $listener 2>/dev/null; rm -rf "$work"' EXIT

# A port nothing listens on: ask the kernel for one.
port=$(perl -MIO::Socket::INET -e 'my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1", LocalPort => 0) or die; print $s->sockport')
[[ $port =~ ^[0-9]+$ ]] || fail "cannot find a free port"
cp -r "$src/tests/fixtures/db_port" "$work/scenario"
sed -i "s/DB_PORT/$port/" "$work/scenario/conf.yaml"

"$host" run "$work/scenario" >"$work/run1.log" 2>&1 || { tail -30 "$work/run1.log"; fail "the run with db_port $port failed"; }
got=$(cat "$work"/runs/*/port.txt 2>/dev/null)
[[ $got == "$port" ]] || fail "the cluster listened on port '$got', want $port"
echo "db_port $port: the cluster listened there"

# Someone else holds the port: a clear error naming it, exit 3, nothing moved.
perl -MIO::Socket::INET -e 'my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1", LocalPort => $ARGV[0], ReuseAddr => 1) or die "$!"; sleep 300' "$port" &
listener=$!
sleep 0.5
rc=0
"$host" run "$work/scenario" >"$work/run2.log" 2>&1 || rc=$?
grep -q "error\\[PGO-3009\\]: .*port $port (its db_port) is in use" "$work/run2.log" || { tail -30 "$work/run2.log"; fail "no clear error for a taken db_port"; }
[[ $rc -ne 0 ]] || fail "a run whose db_port is taken passed"
echo "taken db_port: exit $rc, the error names the port"
echo "2 passed, 0 failed"
