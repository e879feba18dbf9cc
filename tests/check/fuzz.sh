#!/usr/bin/env bash
# Runs one libFuzzer target for SECONDS from a fresh corpus seeded with the fixture folders. A
# crash (or leak, or timeout) fails the test; libFuzzer saves the input in CRASH_DIR, a fixture
# folder that seeds every later run, so the crash is replayed until it is fixed.
# A seed argument gen:SCRIPT is a Python script that writes seeds into the folder it is given
# (binary seeds such as archives are made when the test runs, not kept in git).
# usage: fuzz.sh FUZZER SECONDS CRASH_DIR [SEED_DIR | gen:SCRIPT ...]
set -u
fuzzer=$1 seconds=$2 crashes=$3
shift 3
# The shared ASan runtime (see CMakeLists.txt) comes after libc in the load order: that is fine.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
mkdir -p "$crashes"
seeds=("$crashes")
# Seed folders may nest (a scenario folder per fixture): libFuzzer reads files of the folder
# itself, so every file under a seed folder is linked into one flat seed folder.
flat=$corpus/seeds
mkdir -p "$flat" "$corpus/new"
for d in "$@"; do
  if [[ $d == gen:* ]]; then
    gen=$corpus/gen-$(basename "${d#gen:}" .py)
    python3 "${d#gen:}" "$gen" || { echo "FAIL: seed script ${d#gen:} failed"; exit 1; }
    d=$gen
  fi
  find "$d" -type f -size -1M 2>/dev/null | while read -r f; do ln -sf "$f" "$flat/$(echo "$f" | md5sum | cut -c1-16)"; done
done
before=$(ls "$crashes" | wc -l)
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$crashes/" "$corpus/new" "$flat" "${seeds[@]}" 2>"$corpus/log"
rc=$?
tail -n 15 "$corpus/log"
after=$(ls "$crashes" | wc -l)
if [[ $after -gt $before ]]; then
  echo "FAIL: $(basename "$fuzzer") found a problem (exit $rc); the input is saved in $crashes:"
  ls -t "$crashes" | head -n $((after - before))
  exit 1
fi
[[ $rc -eq 0 ]] || { echo "FAIL: $(basename "$fuzzer") exited $rc (see its log above)"; exit 1; }
echo "$(basename "$fuzzer"): $seconds s, no crash ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$corpus/log"))"
