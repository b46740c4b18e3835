#!/bin/sh
# test_cli_output.sh WHISK — where `whisk attention -o` may write, and what it must never do (F1).
#
# No NumPy needed: the inputs are int8 .npy files built with printf.  Checked:
#   -o naming an input (the same path, a hard link, a symbolic link) is refused, input unchanged;
#   a failed write (file-size limit) leaves an existing output file unchanged, no temporary file;
#   a FIFO whose reader goes away, and a character device that fails every write (our own
#   /dev/full node, made with mknod; /dev/full itself only when not root) are still there after;
#   /dev/null and /dev/stdout (a pipe) are written in place.
set -u
export LC_ALL=C # awk prints bytes, not characters
WHISK=${1:?usage: test_cli_output.sh path/to/whisk}
TMP=$(mktemp -d /tmp/wk_test_out_XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# int8 .npy of shape (ROWS, 64): a 1.0 header padded to 128 bytes, then pseudo-random bytes.
npy() { # npy FILE ROWS SEED
  dict="{'descr': '|i1', 'fortran_order': False, 'shape': ($2, 64), }"
  pad=$((128 - 10 - ${#dict} - 1))
  { printf '\223NUMPY\001\000\166\000%s%*s\n' "$dict" "$pad" ""
    awk -v n=$(($2 * 64)) -v s="$3" 'BEGIN { srand(s); for (i = 0; i < n; i++) printf "%c", int(rand() * 200) + 28 }' </dev/null
  } > "$1"
}
npy "$TMP/q.npy" 16 1
npy "$TMP/k.npy" 16 2
npy "$TMP/v.npy" 16 3
cp "$TMP/q.npy" "$TMP/q.orig"
cp "$TMP/k.npy" "$TMP/k.orig"
cp "$TMP/v.npy" "$TMP/v.orig"
att() { # att OUT [extra args]: one head, 16 × 64
  out=$1
  shift
  "$WHISK" attention --q "$TMP/q.npy" --k "$TMP/k.npy" --v "$TMP/v.npy" --q-scale 0.01 \
    --k-scale 0.01 --v-scale 0.02 --out-scale 0.02 "$@" -o "$out"
}

att "$TMP/out.npy" 2>"$TMP/err" || fail "a valid run failed: $(cat "$TMP/err")"
[ "$(wc -c < "$TMP/out.npy")" -eq $((128 + 1024)) ] || fail "out.npy has the wrong size"

# -o = an input: refused before anything is written, the input unchanged
ln "$TMP/k.npy" "$TMP/k.hard"
ln -s v.npy "$TMP/v.link"
for o in "$TMP/q.npy" "$TMP/k.hard" "$TMP/v.link"; do
  att "$o" 2>"$TMP/err"
  rc=$?
  [ "$rc" -eq 1 ] || fail "-o $o (an input): exit $rc, expected 1"
  grep -q "input" "$TMP/err" || fail "-o $o: message does not say it is an input: $(cat "$TMP/err")"
done
cmp -s "$TMP/q.npy" "$TMP/q.orig" || fail "Q changed"
cmp -s "$TMP/k.npy" "$TMP/k.orig" || fail "K changed"
cmp -s "$TMP/v.npy" "$TMP/v.orig" || fail "V changed"
[ -L "$TMP/v.link" ] || fail "the symbolic link to V was replaced"

# a failed write (file-size limit 0: EFBIG) leaves the existing output as it was
printf 'precious' > "$TMP/keep.npy"
(ulimit -f 0 && trap '' XFSZ && att "$TMP/keep.npy") 2>"$TMP/err"
rc=$?
[ "$rc" -eq 1 ] || fail "write past the file-size limit: exit $rc, expected 1 ($(cat "$TMP/err"))"
[ "$(cat "$TMP/keep.npy")" = precious ] || fail "a failed write changed the existing output"
ls -a "$TMP" | grep -q '~tmp' && fail "a temporary file was left behind"

# a FIFO whose reader leaves early (the output, 128 KiB, is more than a pipe buffers)
npy "$TMP/q2.npy" 2048 4
npy "$TMP/k2.npy" 64 5
npy "$TMP/v2.npy" 64 6
mkfifo "$TMP/fifo" || fail "mkfifo"
head -c 1 "$TMP/fifo" > /dev/null &
reader=$!
(trap '' PIPE && "$WHISK" attention --q "$TMP/q2.npy" --k "$TMP/k2.npy" --v "$TMP/v2.npy" \
  --q-scale 0.01 --k-scale 0.01 --v-scale 0.02 --out-scale 0.02 -o "$TMP/fifo") 2>"$TMP/err"
rc=$?
wait "$reader"
[ "$rc" -eq 1 ] || fail "FIFO without reader: exit $rc, expected 1 ($(cat "$TMP/err"))"
[ -p "$TMP/fifo" ] || fail "the FIFO is gone after a failed write"

# a character device that fails every write
full=/dev/full
if [ "$(id -u)" = 0 ]; then
  full=
  mknod "$TMP/full" c 1 7 2>/dev/null && [ -c "$TMP/full" ] && full=$TMP/full
fi
if [ -n "$full" ] && [ -c "$full" ]; then
  att "$full" 2>"$TMP/err"
  rc=$?
  [ "$rc" -eq 1 ] || fail "-o $full: exit $rc, expected 1"
  [ -c "$full" ] || fail "$full is no longer a character device"
  echo "-o $full: $(cat "$TMP/err")"
else
  echo "SKIP -o full device: cannot make a device node (and /dev/full is not used as root)"
fi

# written in place: /dev/null, and /dev/stdout when it is a pipe
att /dev/null 2>"$TMP/err" || fail "-o /dev/null: $(cat "$TMP/err")"
[ -c /dev/null ] || fail "/dev/null is no longer a character device"
n=$(att /dev/stdout 2>"$TMP/err" | wc -c)
[ "$n" -eq $((128 + 1024)) ] || fail "-o /dev/stdout | wc -c gave $n bytes ($(cat "$TMP/err"))"

if [ "$failures" -ne 0 ]; then
  echo "test_cli_output: $failures failure(s)"
  exit 1
fi
echo "test_cli_output: all checks passed"
