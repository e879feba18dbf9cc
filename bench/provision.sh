#!/bin/bash
# Prints cold vs warm provisioning time of a pgdg version (Debian packages into an empty cache,
# then from the cache) and the time of a cluster's create (initdb) + start + stop.
# Usage: bench/provision.sh [VERSION] [BUILD_DIR]    (default 15.20, build)
# Not a test: it downloads packages and takes a few seconds to a minute.
set -euo pipefail
version="${1:-15.20}"
build="${2:-$(dirname "$0")/../build}"
bin="$build/bin/pgorch-pg-tests"
if [[ ! -x "$bin" ]]; then
    echo "bench: $bin not found; build first: cmake --build $build --target pgorch-pg-tests" >&2
    exit 2
fi
PGORCH_BENCH_VERSION="$version" "$bin" "[.bench]" 2>/dev/null | sed -n '/^pgdg /,/create+start+stop/p'
