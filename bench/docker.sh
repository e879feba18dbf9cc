#!/bin/sh
# Benchmark of the docker runtime: container start-to-ready time (create, start, service user,
# run folder, first exec) and exec round-trip latency, against DOCKER_HOST or, when it is not
# set, a podman API service started on a private socket for the duration of the benchmark.
#
#   bench/docker.sh [BUILD_DIR] [IMAGE] [STARTS] [EXECS]
#   defaults: build-docker (or build), pgorch-debian:bookworm, 5, 30
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-}
if [ -z "$build" ]; then
    for b in "$root/build-docker" "$root/build"; do [ -x "$b/bin/pgorch-docker-bench" ] && build=$b && break; done
fi
image=${2:-pgorch-debian:bookworm}
bin="$build/bin/pgorch-docker-bench"
if [ ! -x "$bin" ]; then
    echo "bench/docker.sh: $bin not built; run cmake --build BUILD_DIR --target pgorch-docker-bench" >&2
    exit 2
fi
started=
if [ -z "${DOCKER_HOST:-}" ]; then
    sock=/tmp/pgorch-podman-bench-$$.sock
    "$root/tools/podman-service" start "$sock" >&2
    started=$sock
    trap '"$root/tools/podman-service" stop "$started" >&2' EXIT INT TERM
    export DOCKER_HOST="unix://$sock"
fi
"$root/tools/build-image" --if-missing bookworm "$image" >&2
"$bin" "$image" "${3:-5}" "${4:-30}"
rm -rf /tmp/pgorch-bench
