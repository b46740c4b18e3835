#!/bin/sh
# test_bench_cli.sh WHISK — a suite that selects no case is an error (F3): `whisk accuracy|bench
# attention|layer` with a --filter or --size that matches nothing must exit 2 with "no case
# matches" on stderr and print nothing on stdout (never "contract met"), in text and --json.
# And the accuracy table has its legend line.
set -u
WHISK=${1:?usage: test_bench_cli.sh path/to/whisk}
TMP=$(mktemp -d /tmp/wk_test_bench_cli_XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

no_case() { # args...: must fail with the message and no output
  "$WHISK" "$@" >"$TMP/out" 2>"$TMP/err"
  rc=$?
  [ "$rc" -eq 2 ] || fail "whisk $*: exit $rc, want 2"
  grep -q "no case matches" "$TMP/err" || fail "whisk $*: stderr lacks 'no case matches': $(cat "$TMP/err")"
  [ ! -s "$TMP/out" ] || fail "whisk $*: wrote to stdout: $(head -c 300 "$TMP/out")"
}
for json in "" --json; do
  no_case accuracy attention --filter nomatch $json
  no_case bench attention --filter nomatch $json
  no_case accuracy layer --size bogus $json
  no_case accuracy layer --filter nomatch $json
  no_case bench layer --size bogus $json
done
"$WHISK" accuracy attention --filter nomatch 2>"$TMP/err" >/dev/null
grep -q "no case matches --filter 'nomatch'" "$TMP/err" || fail "message names the filter: $(cat "$TMP/err")"
"$WHISK" accuracy layer --size bogus 2>"$TMP/err" >/dev/null
grep -q "'bogus'.*tiny, base, small, medium, large-v3" "$TMP/err" || fail "message lists the sizes: $(cat "$TMP/err")"

# a selected case still runs, and the table explains its columns
"$WHISK" accuracy attention --filter seed-tile >"$TMP/out" 2>"$TMP/err"
rc=$?
[ "$rc" -eq 0 ] || fail "accuracy attention --filter seed-tile: exit $rc: $(cat "$TMP/err")"
grep -q "^seed-tile " "$TMP/out" || fail "seed-tile row missing"
grep -q "^legend: max = " "$TMP/out" || fail "legend line missing"
grep -q "contract .*: met" "$TMP/out" || fail "contract line missing"

[ "$failures" -eq 0 ] && echo "test_bench_cli: all checks passed" || echo "test_bench_cli: $failures FAILED"
[ "$failures" -eq 0 ]
