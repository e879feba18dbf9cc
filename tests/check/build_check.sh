#!/usr/bin/env bash
# Configures and builds the check folder: clang-14, ASan + UBSan, libFuzzer coverage; only the
# unit and plugin test binaries, the plugins they load and the fuzz targets. Prints how long it took.
# usage: build_check.sh SOURCE_DIR CHECK_DIR CLANGXX
set -euo pipefail
src=$1 dir=$2 cxx=$3
start=$(date +%s)
# catch_discover_tests runs the test binaries at build time to list them: no leak report there.
export ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
if [[ ! -f $dir/build.ninja ]]; then
  cmake -S "$src" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$cxx" \
    -DCMAKE_C_COMPILER="${cxx/clang++/clang}" -DPGORCH_SANITIZE=ON -DPGORCH_FUZZ=ON "${launcher[@]}" >/dev/null
fi
cmake --build "$dir" --target pgorch-unit-tests pgorch-plugin-tests pgorch-distro-pgdg pgorch-fuzzers -- -j"${PGORCH_CHECK_JOBS:-$(nproc)}"
echo "check build: $(($(date +%s) - start)) s"
