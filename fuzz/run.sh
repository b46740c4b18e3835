#!/bin/sh
# run.sh BUILD SECONDS TARGET... — runs each libFuzzer target of BUILD (a -DWHISK_FUZZ=ON build)
# for SECONDS on its corpus, and fails if any of them finds a crash, a leak, a timeout or an
# out-of-memory.  FUZZ_JOBS (default 1) targets run at a time, each on one core (libFuzzer's
# single process), in batches: 6 targets with FUZZ_JOBS=2 take 3 × SECONDS.  The seeds
# (make_seeds) go to BUILD/fuzz-seeds/<target>; new inputs to the scratch corpus
# BUILD/fuzz-corpus/<target> (kept between runs); crashing inputs to BUILD/fuzz-artifacts/.
# Nothing is written into the source tree.  A line per target gives its executions.
# fuzz/lsan.supp names the leaks outside whisk (in system libraries) that LeakSanitizer ignores.
set -u
build=$1 seconds=$2
shift 2
jobs=${FUZZ_JOBS:-1}
case $jobs in '' | *[!0-9]* | 0) echo "fuzz: FUZZ_JOBS must be a positive number" >&2; exit 2 ;; esac
supp=$(cd "$(dirname "$0")" && pwd)/lsan.supp
seeds=$build/fuzz-seeds corpus=$build/fuzz-corpus artifacts=$build/fuzz-artifacts
rm -rf "$seeds"
mkdir -p "$seeds"
for t in "$@"; do mkdir -p "$corpus/$t"; rm -f "$build/fuzz-$t.rc"; done
mkdir -p "$artifacts"
"$build/fuzz/make_seeds" "$seeds" || { echo "fuzz: make_seeds failed" >&2; exit 1; }

# One target; its exit status goes to BUILD/fuzz-TARGET.rc.
run_one() {
  t=$1 log=$build/fuzz-$1.log
  echo "fuzz: $t for ${seconds}s (log: $log)" >&2
  # -rss_limit_mb/-malloc_limit_mb: a single allocation over 2 GiB is a finding (the library
  # must refuse absurd sizes first); -timeout: one input running 25 s is a finding.
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
  LSAN_OPTIONS=suppressions=$supp:print_suppressions=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build/fuzz/$t" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=4096 \
      -malloc_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/$t-" \
      "$corpus/$t" "$seeds/$t" >"$log" 2>&1
  echo $? >"$build/fuzz-$t.rc"
}

running=0
for t in "$@"; do
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait
    running=0
  fi
done
wait

status=0
summary=""
for t in "$@"; do
  log=$build/fuzz-$t.log
  rc=$(cat "$build/fuzz-$t.rc" 2>/dev/null || echo "?")
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  if [ "$rc" != 0 ]; then
    status=1
    grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz finding|.*runtime error)' "$log" | head -n 5 >&2
    summary="$summary
  $t: FAILED (exit $rc) after ${execs:-?} executions; input in $artifacts/"
  else
    summary="$summary
  $t: ${execs:-?} executions in ${seconds}s, no finding"
  fi
done
echo "fuzz summary:$summary"
exit $status
