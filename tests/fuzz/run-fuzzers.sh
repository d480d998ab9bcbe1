#!/bin/bash
# tests/fuzz/run-fuzzers.sh BUILD_DIR SECONDS [TARGET...]: runs each libFuzzer target of
# BUILD_DIR (configured with CC=clang -Dfuzzing=true) for SECONDS from its seed corpus.
#
# The corpus is copied to a temporary directory first, so what the fuzzer adds never
# lands in the source tree.  Prints one summary line per target; fails if any target
# crashed, leaked, hit a sanitizer report or timed out, and then leaves the input that
# did it in BUILD_DIR/fuzz-artifacts/ (copy it into corpus/TARGET/ as a reproducer once
# the bug is understood).
#
# JOBS=N runs N targets at a time (default: the number of CPUs).  Extra libFuzzer flags
# can be given in FUZZ_FLAGS (-dict is added for the targets that have one).
set -uo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS [TARGET...]" >&2
  exit 2
fi

build=$(cd "$1" && pwd)
seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
jobs=${JOBS:-$(nproc)}

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for d in "$here"/corpus/*/; do
    targets+=("$(basename "$d")")
  done
fi

for t in "${targets[@]}"; do
  if [ ! -x "$build/tests/fuzz/fuzz-$t" ]; then
    echo "$build/tests/fuzz/fuzz-$t is missing: configure with CC=clang -Dfuzzing=true" >&2
    exit 2
  fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export LSAN_OPTIONS="suppressions=$here/../lsan.supp,print_suppressions=0"
export G_DEBUG=gc-friendly

# One target: fuzz, then write "RESULT" and the libFuzzer log next to its corpus.
run_one () {
  local t=$1
  local dir="$work/$t"
  local dict=()

  mkdir -p "$dir/corpus"
  find "$here/corpus/$t" -maxdepth 1 -type f ! -name README.md -exec cp {} "$dir/corpus/" \;
  [ -f "$here/$t.dict" ] && dict=(-dict="$here/$t.dict")

  # -timeout: an input that takes 10 s is a hang; -rss_limit_mb: one that eats memory.
  # shellcheck disable=SC2086
  "$build/tests/fuzz/fuzz-$t" "$dir/corpus" "${dict[@]}" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$t-" ${FUZZ_FLAGS:-} > "$dir/log" 2>&1
  echo $? > "$dir/status"
}

running=0
for t in "${targets[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait

failed=0
for t in "${targets[@]}"; do
  dir="$work/$t"
  log="$dir/log"
  status=$(cat "$dir/status")
  seeds=$(find "$here/corpus/$t" -maxdepth 1 -type f ! -name README.md | wc -l)
  corpus=$(find "$dir/corpus" -maxdepth 1 -type f | wc -l)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -oE '(INITED|DONE|pulse|NEW|REDUCE) +cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 | awk '{print $3 " ft " $5}')
  if [ "$status" -eq 0 ]; then
    result=OK
  else
    result="FAILED (exit $status)"
    failed=$((failed + 1))
  fi
  printf 'fuzz-%-14s %10s runs %7s/s  corpus %3d -> %4d  cov %-14s %s\n' \
    "$t" "${runs:-?}" "${rate:-?}" "$seeds" "$corpus" "${cov:-?}" "$result"
  if [ "$status" -ne 0 ]; then
    grep -E '^(==[0-9]+==|SUMMARY|[^ ]*runtime error|#[0-9]+ +0x|    #[0-9]+|artifact_prefix|Test unit written|Direct leak|Indirect leak|ALARM|\*\*)' "$log" \
      | head -60 | sed 's/^/    /'
    cp "$log" "$artifacts/$t.log"
    echo "    full log: $artifacts/$t.log"
  fi
done

if [ "$failed" -gt 0 ]; then
  echo "$failed fuzz target(s) failed; inputs in $artifacts"
  exit 1
fi
