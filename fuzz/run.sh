#!/bin/sh
# run.sh BUILD SECONDS TARGET... — runs each libFuzzer target of BUILD (a -DWHISK_FUZZ=ON build)
# for SECONDS on its corpus, and fails if any of them finds a crash, a leak, a timeout or an
# out-of-memory.  The seeds (make_seeds) go to BUILD/fuzz-seeds/<target>; new inputs to the
# scratch corpus BUILD/fuzz-corpus/<target> (kept between runs); crashing inputs to
# BUILD/fuzz-artifacts/.  Nothing is written into the source tree.  A line per target gives
# its executions.  fuzz/lsan.supp names the leaks outside whisk (in system libraries) that
# LeakSanitizer ignores.
set -u
build=$1 seconds=$2
shift 2
seeds=$build/fuzz-seeds corpus=$build/fuzz-corpus artifacts=$build/fuzz-artifacts
rm -rf "$seeds"
mkdir -p "$seeds"
for t in "$@"; do mkdir -p "$corpus/$t"; done
mkdir -p "$artifacts"
"$build/fuzz/make_seeds" "$seeds" || { echo "fuzz: make_seeds failed" >&2; exit 1; }
status=0
summary=""
for t in "$@"; do
  log=$build/fuzz-$t.log
  echo "fuzz: $t for ${seconds}s (log: $log)" >&2
  # -rss_limit_mb/-malloc_limit_mb: a single allocation over 2 GiB is a finding (the library
  # must refuse absurd sizes first); -timeout: one input running 25 s is a finding.
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
  LSAN_OPTIONS=suppressions=$(dirname "$0")/lsan.supp:print_suppressions=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build/fuzz/$t" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=4096 \
      -malloc_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/$t-" \
      "$corpus/$t" "$seeds/$t" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  if [ $rc -ne 0 ]; then
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
