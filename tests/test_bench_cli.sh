#!/bin/sh
# test_bench_cli.sh WHISK — a suite that selects no case is an error (F3): `whisk accuracy|bench
# attention|layer` with a --filter that matches nothing must fail (exit 1, the suite's failure)
# with "no case matches" on stderr and print nothing on stdout (never "contract met"), in text and --json.
# And the accuracy table has its legend line.
set -u
WHISK=${1:?usage: test_bench_cli.sh path/to/whisk}
TMP=$(mktemp -d /tmp/wk_test_bench_cli_XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# And --size outside the Whisper sizes is a usage error (exit 2) naming the sizes.
expect_fail() { # want_rc message args...: must fail with the message and no output
  want=$1 msg=$2
  shift 2
  "$WHISK" "$@" >"$TMP/out" 2>"$TMP/err"
  rc=$?
  [ "$rc" -eq "$want" ] || fail "whisk $*: exit $rc, want $want"
  grep -q "$msg" "$TMP/err" || fail "whisk $*: stderr lacks '$msg': $(cat "$TMP/err")"
  [ ! -s "$TMP/out" ] || fail "whisk $*: wrote to stdout: $(head -c 300 "$TMP/out")"
}
for json in "" --json; do
  expect_fail 1 "no case matches" accuracy attention --filter nomatch $json
  expect_fail 1 "no case matches" bench attention --filter nomatch $json
  expect_fail 2 "expected tiny, base" accuracy layer --size bogus $json
  expect_fail 1 "no case matches" accuracy layer --filter nomatch $json
  expect_fail 2 "expected tiny, base" bench layer --size bogus $json
done
"$WHISK" accuracy attention --filter nomatch 2>"$TMP/err" >/dev/null
grep -q "no case matches --filter 'nomatch'" "$TMP/err" || fail "message names the filter: $(cat "$TMP/err")"
"$WHISK" accuracy layer --size bogus 2>"$TMP/err" >/dev/null
grep -q "tiny, base, small, medium or large-v3, got 'bogus'" "$TMP/err" || fail "message lists the sizes: $(cat "$TMP/err")"

# a selected case still runs, and the table explains its columns
"$WHISK" accuracy attention --filter seed-tile >"$TMP/out" 2>"$TMP/err"
rc=$?
[ "$rc" -eq 0 ] || fail "accuracy attention --filter seed-tile: exit $rc: $(cat "$TMP/err")"
grep -q "^seed-tile " "$TMP/out" || fail "seed-tile row missing"
grep -q "^legend: max = " "$TMP/out" || fail "legend line missing"
grep -q "contract .*: met" "$TMP/out" || fail "contract line missing"

[ "$failures" -eq 0 ] && echo "test_bench_cli: all checks passed" || echo "test_bench_cli: $failures FAILED"
[ "$failures" -eq 0 ]
