#!/bin/sh
# test_cli_options.sh WHISK — the command line's options and its one usage-error format (F6).
#
# Every usage error must exit 2, print nothing on stdout and exactly two lines on stderr:
#     PROG: MESSAGE
#     Try 'PROG --help'.
# (PROG is "whisk", or "whisk COMMAND" once the command is known; cli/cli.h).  The cases:
# --threads without a value, 0, not a number, too big (before and after the command, long and
# short); a command that needs a suite without one, an unknown suite, an unknown command; an
# unknown option, a value given to a flag, an option the command does not take; --isa and
# --size values; stray arguments; `whisk attention`'s own options.  Then --help and --version
# exit 0, and global options work the same before and after the command.
set -u
WHISK=${1:?usage: test_cli_options.sh path/to/whisk}
TMP=$(mktemp -d /tmp/wk_test_cli_options_XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
failures=0

fail() {
  failures=$((failures + 1))
  echo "FAIL: $*"
}

# usage_error 'PROG: MESSAGE' ARGS...: whisk ARGS must fail with exactly that usage error.
usage_error() {
  want=$1
  shift
  prog=${want%%: *}
  "$WHISK" "$@" >"$TMP/out" 2>"$TMP/err"
  rc=$?
  printf "%s\nTry '%s --help'.\n" "$want" "$prog" >"$TMP/want"
  if [ "$rc" -ne 2 ]; then
    fail "whisk $*: exit status $rc, expected 2 (stderr: $(head -c 300 "$TMP/err"))"
  elif [ -s "$TMP/out" ]; then
    fail "whisk $*: printed on stdout: $(head -c 300 "$TMP/out")"
  elif ! cmp -s "$TMP/err" "$TMP/want"; then
    fail "whisk $*: stderr is
$(cat "$TMP/err")
expected
$(cat "$TMP/want")"
  else
    echo "ok   whisk $*  ->  $want"
  fi
}

# --threads: one rule (a whole number from 1 to 1024) and one message wherever it is given.
range="expected a whole number from 1 to 1024"
usage_error "whisk: --threads: missing value" --threads
usage_error "whisk: --threads: missing value" -t
usage_error "whisk: --threads: $range, got '0'" --threads 0
usage_error "whisk: --threads: $range, got '0'" -t0
usage_error "whisk: --threads: $range, got 'x'" --threads x
usage_error "whisk: --threads: $range, got ''" --threads=
usage_error "whisk: --threads: $range, got '2x'" --threads 2x
usage_error "whisk: --threads: $range, got ' 2'" --threads ' 2'
usage_error "whisk: --threads: $range, got '-3'" --threads -3
usage_error "whisk: --threads: $range, got '1025'" --threads 1025
usage_error "whisk: --threads: $range, got '99999999999'" --threads 99999999999
usage_error "whisk: --threads: $range, got '99999999999999999999999'" -t 99999999999999999999999
usage_error "whisk info: --threads: missing value" info --threads
usage_error "whisk info: --threads: $range, got '0'" info --threads 0
usage_error "whisk summary: --threads: $range, got 'x'" summary -t x
usage_error "whisk accuracy: --threads: $range, got '0'" accuracy attention --threads 0
usage_error "whisk bench: --threads: missing value" bench layer --threads
usage_error "whisk attention: --threads: $range, got '0'" attention --threads 0

# Commands and suites.
usage_error "whisk accuracy: missing SUITE (attention, layer, encoder or decoder)" accuracy
usage_error "whisk bench: missing SUITE (attention, layer, encoder or decoder)" bench --json
usage_error "whisk accuracy: unknown suite 'nosuch' (attention, layer, encoder or decoder)" accuracy nosuch
usage_error "whisk bench: unexpected argument 'extra'" bench attention extra
usage_error "whisk: unknown command 'nosuch'" nosuch
usage_error "whisk: unknown command 'nosuch'" --isa scalar nosuch
usage_error "whisk info: unexpected argument 'extra'" info extra
usage_error "whisk info: unexpected argument '--json'" info -- --json

# Options.
usage_error "whisk: --frobnicate: unknown option" --frobnicate
usage_error "whisk: -x: unknown option" -x
usage_error "whisk info: --frobnicate: unknown option" info --frobnicate
usage_error "whisk accuracy: --frobnicate: unknown option" accuracy attention --frobnicate=1
usage_error "whisk: --json: takes no value" --json=yes
usage_error "whisk: --isa: missing value" --isa
usage_error "whisk: --isa: expected scalar, avx2, avxvnni, avx512vnni, amx or auto, got 'sse9'" --isa sse9
usage_error "whisk info: --isa: expected scalar, avx2, avxvnni, avx512vnni, amx or auto, got ''" info --isa=
usage_error "whisk info: --json: not an option of this command" info --json
usage_error "whisk info: --json: not an option of this command" --json info
usage_error "whisk summary: --filter: not an option of this command" --filter tile64
usage_error "whisk attention: --size: not an option of this command" attention --size base
usage_error "whisk bench: --size: expected tiny, base, small, medium or large-v3, got 'bogus'" \
  bench layer --size bogus
usage_error "whisk accuracy: --size: expected tiny, base, small, medium or large-v3, got 'bogus'" \
  --size bogus accuracy layer
usage_error "whisk bench: --size: cannot be combined with --filter" bench layer --size base --filter gemm

# `whisk attention`'s own options (inputs are checked only after the arguments, so the files
# need not exist).
inputs="--q q.npy --k k.npy --v v.npy --q-scale 1 --k-scale 1 --v-scale 1 --out-scale 1 -o $TMP/o.npy"
# shellcheck disable=SC2086
{
  usage_error "whisk attention: --kv-len: expected a whole number ≥ 0, got '-1'" attention $inputs --kv-len -1
  usage_error "whisk attention: --kv-len: expected a whole number ≥ 0, got '1e3'" attention $inputs --kv-len 1e3
  usage_error "whisk attention: --softmax-scale: expected a number, got '1.5x'" attention $inputs --softmax-scale 1.5x
  usage_error "whisk attention: --q: given twice" attention $inputs --q q.npy
  usage_error "whisk attention: --out: given twice" attention $inputs --out o2.npy
  usage_error "whisk attention: --causal: given twice" attention $inputs --causal --causal
  usage_error "whisk attention: --out-f32: takes no value" attention $inputs --out-f32=1
  usage_error "whisk attention: --ou: ambiguous option (--out-scale, --out-f32, --out)" attention --ou x
  usage_error "whisk attention: --out: missing value" attention -o
  usage_error "whisk attention: missing required option --q" attention
  usage_error "whisk attention: unexpected argument 'extra'" attention $inputs extra
}

# --help and --version: stdout, exit 0.
check_ok() { # check_ok 'TEXT' ARGS...: exit 0, stdout contains TEXT, stderr empty
  want=$1
  shift
  "$WHISK" "$@" >"$TMP/out" 2>"$TMP/err"
  rc=$?
  if [ "$rc" -ne 0 ]; then
    fail "whisk $*: exit status $rc: $(head -c 300 "$TMP/err")"
  elif ! grep -qF -- "$want" "$TMP/out"; then
    fail "whisk $*: stdout lacks '$want': $(head -c 300 "$TMP/out")"
  elif [ -s "$TMP/err" ]; then
    fail "whisk $*: printed on stderr: $(head -c 300 "$TMP/err")"
  else
    echo "ok   whisk $*  ->  exit 0, '$want'"
  fi
}
check_ok "usage: whisk [options] [COMMAND [ARGS]]" --help
check_ok "usage: whisk [options] [COMMAND [ARGS]]" -h
check_ok "usage: whisk [options] [COMMAND [ARGS]]" --threads 2 --help
check_ok "usage: whisk info" info --help
check_ok "usage: whisk accuracy SUITE" accuracy -h
check_ok "usage: whisk attention" attention --help
check_ok "whisk " --version

# Global options before and after the command give the same result.
check_ok "chosen:   scalar, 1 threads" --isa scalar -t 1 info
cp "$TMP/out" "$TMP/before"
for args in "info --isa scalar -t 1" "info --isa=scalar --threads=1" "-t 1 info --isa scalar" \
  "--isa avx2 info --isa scalar -t1"; do
  # shellcheck disable=SC2086
  check_ok "chosen:   scalar, 1 threads" $args
  cmp -s "$TMP/out" "$TMP/before" || fail "whisk $args: output differs from --isa scalar -t 1 info"
done
# (a suite: each run takes a second or two)
check_ok '"seed-tile"' --json --isa scalar -t 1 accuracy attention --filter seed-tile
check_ok "seed-tile" accuracy --filter=seed-tile --isa=scalar attention --threads=1

if [ "$failures" -ne 0 ]; then
  echo "test_cli_options: $failures check(s) FAILED"
  exit 1
fi
echo "test_cli_options: all checks passed"
