#!/bin/sh
# test_decoding.sh TEST_DECODING — src/decode/decoding.c token-identical to a float64 NumPy
# implementation of openai/whisper's decoding.py (tests/decoding_ref.py):
#   1. the scripted logits source (tests/decoding_script.h): greedy, sampling (T 0.7, 1.0),
#      beam 1/2/3/4/5, patience 0.5 and 2, length penalty 0 and 0.5, prompt, without timestamps,
#      no initial-timestamp limit, short sample_len — tokens identical, sums within 1e-9;
#   2. a tiny synthetic decoder (FP32, token embedding scaled for decisive logits) through
#      wk_decode_window: greedy and beam 5, with and without a prompt, 16 steps — tokens
#      identical, sums within 1e-3 relative.
# Skipped (77) without /usr/bin/python3 and NumPy.
set -u
BIN=${1:?usage: test_decoding.sh path/to/test_decoding}
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
"$BIN" --decoder "$TMP" ${WK_DECODING_SCALE:-4} ${WK_DECODING_STEPS:-16} > "$TMP/decoder.txt" ||
  { echo "FAIL: test_decoding --decoder"; status=1; }
"$PY" "$REF" decoder "$TMP" < "$TMP/decoder.txt" || status=1
[ $status -eq 0 ] && echo "test_decoding_ref: passed" || echo "test_decoding_ref: FAILED"
exit $status
