#!/bin/sh
# test_decoding.sh TEST_DECODING DECODING_DUMP — src/decode/decoding.c token-identical to a
# float64 NumPy implementation of openai/whisper's decoding.py (tests/decoding_ref.py):
#   1. the scripted logits source (tests/decoding_script.h): greedy, sampling (T 0.7, 1.0; best_of
#      3, 4, 5, 8 and ignored at T 0),
#      beam 1/2/3/4/5, patience 0.5 and 2, length penalty 0 and 0.5, prompt, without timestamps,
#      no initial-timestamp limit, short sample_len — tokens identical, sums within 1e-9;
#   2. synthetic tiny and base decoders (tests/decoding_dump.c: the token embedding scaled for
#      decisive logits, eot's logit rising with the position) through wk_decode_window until eot
#      or sample_len: FP32 greedy and beam 5 with and without a prompt, and transcribe.c's
#      temperature fallback (beam 5 at T 0, sampling at T 0.2 … 1.0 with transcribe's seeds) —
#      tokens identical (sampling: on every decisive step, see check_sampled), sums within 1e-5
#      relative, the logits along every sequence within 1e-4 of max |logit|, each sequence of
#      real length (≥ 20 tokens, ended by eot, timestamps); INT8 greedy = FP32 greedy on every
#      decisive step (decoding_dump's exit status).
# WK_DECODING_SIZES (default "tiny base") picks the sizes: sanitizer builds set it to tiny
# (tests/CMakeLists.txt).
# Skipped (77) without /usr/bin/python3 and NumPy.
set -u
BIN=${1:?usage: test_decoding.sh path/to/test_decoding path/to/decoding_dump}
DUMP=${2:?usage: test_decoding.sh path/to/test_decoding path/to/decoding_dump}
PY=/usr/bin/python3
REF=$(dirname "$0")/decoding_ref.py
if [ ! -x "$PY" ] || ! "$PY" -c 'import numpy' >/dev/null 2>&1; then
  echo "SKIP: $PY with numpy is not available"
  exit 77
fi
TMP=$(mktemp -d /tmp/wk_test_decoding_XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
status=0
"$BIN" --script > "$TMP/script.txt" || { echo "FAIL: test_decoding --script"; status=1; }
"$PY" "$REF" script < "$TMP/script.txt" || status=1
for size in ${WK_DECODING_SIZES:-tiny base}; do
  # embedding scale and eot drift per position (measured: decodes of 20 … 50 tokens)
  case $size in base) shape="4 0.12" ;; *) shape="4 0.06" ;; esac
  rm -rf "$TMP/$size" && mkdir "$TMP/$size" || exit 1
  echo "== $size"
  # shellcheck disable=SC2086
  "$DUMP" "$TMP/$size" $size $shape > "$TMP/$size.txt" ||
    { echo "FAIL: decoding_dump $size"; status=1; }
  grep '^int8' "$TMP/$size.txt"
  "$PY" "$REF" decoder "$TMP/$size" < "$TMP/$size.txt" || status=1
  rm -rf "$TMP/$size"
done
[ $status -eq 0 ] && echo "test_decoding_ref: passed" || echo "test_decoding_ref: FAILED"
exit $status
