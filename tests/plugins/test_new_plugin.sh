#!/bin/sh
# tools/new-plugin in a scratch tree: a step and a distro scaffold, with no "noop" left, that
# compile against the SDK; bad names and existing folders are refused.
#   test_new_plugin.sh SOURCE_DIR WORK_DIR CXX [BOOST_INCLUDE_DIR [GENERATED_SDK_INCLUDE_DIR]]
# (the last: where the build wrote <pgorch/errors.hpp>)
set -eu
src=$1
work=$2
cxx=$3
boost_inc=${4:-}
gen_inc=${5:-}

fail() { echo "FAIL: $*" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work/plugins/step"
cp -r "$src/plugins/step/noop" "$work/plugins/step/"

"$src/tools/new-plugin" --root "$work" step my_step >/dev/null
"$src/tools/new-plugin" --root "$work" distro my_distro >/dev/null

for p in step/my_step distro/my_distro; do
    dir="$work/plugins/$p"
    name=$(basename "$p")
    kind=$(dirname "$p")
    for f in CMakeLists.txt "$name.cpp" README.md; do
        [ -f "$dir/$f" ] || fail "$dir/$f was not created"
    done
    [ "$(tail -n 1 "$dir/CMakeLists.txt")" = "pgorch_add_plugin($kind $name $name.cpp)" ] ||
        fail "$dir/CMakeLists.txt is wrong: $(cat "$dir/CMakeLists.txt")"
    grep -qx "  project($name LANGUAGES CXX)" "$dir/CMakeLists.txt" ||
        fail "$dir/CMakeLists.txt cannot build on its own: $(cat "$dir/CMakeLists.txt")"
    if grep -n noop "$dir"/*; then fail "\"noop\" is left in $dir"; fi
    grep -q "\.name = \"$name\"" "$dir/$name.cpp" || fail "$name.cpp does not declare the name \"$name\""
    set -- -std=c++20 -fsyntax-only -Wall -Werror -I "$src/sdk/include"
    [ -n "$boost_inc" ] && set -- "$@" -I "$boost_inc"
    [ -n "$gen_inc" ] && set -- "$@" -I "$gen_inc"
    "$cxx" "$@" "$dir/$name.cpp" || fail "$name.cpp does not compile"
done

grep -q 'PGORCH_KIND_DISTRO' "$work/plugins/distro/my_distro/my_distro.cpp" || fail "the distro is not of kind distro"
grep -q '\.provision = sdk::callback<my_distro_provision>,' "$work/plugins/distro/my_distro/my_distro.cpp" ||
    fail "the distro has no provision callback"
grep -q '\.run = nullptr,' "$work/plugins/distro/my_distro/my_distro.cpp" || fail "the distro still has a run callback"
grep -q '\.run = sdk::callback<my_step_run>,' "$work/plugins/step/my_step/my_step.cpp" || fail "the step has no run callback"

if "$src/tools/new-plugin" --root "$work" step Bad-Name 2>/dev/null; then fail "a bad name was accepted"; fi
if "$src/tools/new-plugin" --root "$work" step my_step 2>/dev/null; then fail "an existing plugin was overwritten"; fi
if "$src/tools/new-plugin" --root "$work" widget w 2>/dev/null; then fail "an unknown kind was accepted"; fi
echo "new-plugin: ok"
