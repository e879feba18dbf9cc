#!/usr/bin/env bash
# `validate` refuses what `run` refuses: every malformed manifest of tests/fixtures/scenarios/bad
# (parse errors) and every manifest of tests/fixtures/scenarios/refused (refused against the
# plugins: version rules, a step plugin's own validate) makes both exit 2, printing
# "conf.yaml:LINE:COL: error[PGO-nnnn]:" with the place and the code of its expect.txt (a
# refused one: with the message of its second line), and nothing they print holds a raw control
# character (a NUL or an escape from the manifest is shown as \xNN).
# A fixture with a `generate` file gets its conf.yaml made in a copy ("fifo", "size N").
# usage: bad_manifests_test.sh PGORCH_HOST SOURCE_DIR
set -u
host=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export NO_COLOR=1 PGORCH_WORK_DIR=$tmp/work PGORCH_CACHE_DIR=$tmp/cache
failures=0 count=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

for fixture in "$src"/tests/fixtures/scenarios/bad/*/ "$src"/tests/fixtures/scenarios/refused/*/; do
  name=$(basename "$fixture")
  dir=$fixture
  if [[ -f $fixture/generate ]]; then
    dir=$tmp/$name
    cp -r "$fixture" "$dir"
    read -r what size <"$fixture/generate"
    case $what in
      fifo) mkfifo "$dir/conf.yaml" ;;
      size) { echo "kind: perf"; head -c $((size - 12)) /dev/zero | tr '\0' '#'; echo; } >"$dir/conf.yaml" ;;
    esac
  fi
  read -r pos code <"$fixture/expect.txt"
  want="conf.yaml:$pos: error[$code]:"
  [[ $pos == 0:0 ]] && want="conf.yaml: error[$code]:"
  for cmd in validate run; do
    out=$tmp/out.txt
    timeout 20 "$host" "$cmd" "$dir" >"$out" 2>&1
    rc=$?
    count=$((count + 1))
    [[ $rc -eq 2 ]] || { cat "$out"; fail "$name: $cmd exited $rc, want 2"; continue; }
    grep -qF -- "$want" "$out" || { cat "$out"; fail "$name: $cmd does not name \"$want\""; }
    if [[ $fixture == */refused/* ]]; then
      message=$(sed -n 2p "$fixture/expect.txt")
      grep -qF -- "$message" "$out" || { cat "$out"; fail "$name: $cmd does not say \"$message\""; }
    fi
    if LC_ALL=C grep -qaP '[\x00-\x08\x0B-\x1F\x7F]' "$out"; then fail "$name: $cmd printed a raw control character"; fi
  done
done
[[ -d $PGORCH_WORK_DIR ]] && fail "a refused run created its work folder"
echo "$((count - failures)) passed, $failures failed"
[[ $failures -eq 0 ]]
