#!/bin/sh
# test_decoder_capture.sh DUMP — wk_decoder_step_capture (src/model/decoder.c: word timestamps'
# cross-attention logits and token probabilities) against a float64 NumPy decoder
# (tests/decoder_ref.py capture) on synthetic tiny (6 heads, 4 layers, 1500 audio rows) and base
# (8 heads, 6 layers, 301 rows) decoders: timing.py's find_alignment forward pass over
# sot_sequence + no_timestamps + 20 text tokens + eot, five (layer, head) pairs with a repeat
# and the last layer.  FP32 qk within 1e-5 of max |qk| per pair, target probabilities within
# 1e-4 relative; INT8 against FP32 qk within 0.1 of max |qk|, probabilities within 15%; rows
# without a target 0.  decoder_dump's exit status: the capture's logits, position and the next
# step equal wk_decoder_step's byte for byte, in both precisions.
# WK_DECODER_CAPTURE_SIZES (default "tiny base") picks the sizes: sanitizer builds set it to
# tiny (tests/CMakeLists.txt).  Skipped (77) without /usr/bin/python3 and NumPy.
set -u
DUMP=${1:?usage: test_decoder_capture.sh path/to/decoder_dump}
PY=/usr/bin/python3
REF=$(dirname "$0")/decoder_ref.py
if [ ! -x "$PY" ] || ! "$PY" -c 'import numpy' >/dev/null 2>&1; then
  echo "SKIP: $PY with numpy is not available"
  exit 77
fi
TMP=$(mktemp -d /tmp/wk_test_decoder_capture_XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
status=0
for size in ${WK_DECODER_CAPTURE_SIZES:-tiny base}; do
  case $size in
    tiny) dims="6 4" n_audio=1500 ;;
    base) dims="8 6" n_audio=301 ;;
    *) echo "unknown size $size"; exit 2 ;;
  esac
  rm -rf "$TMP"/*
  echo "== $size"
  "$DUMP" "$TMP" "$size" 5 "$n_audio" capture ||
    { echo "FAIL: decoder_dump $size capture"; status=1; }
  # shellcheck disable=SC2086
  [ -f "$TMP/probs_int8.f64" ] && "$PY" "$REF" "$TMP" $dims capture || status=1
done
[ $status -eq 0 ] && echo "test_decoder_capture: passed" || echo "test_decoder_capture: FAILED"
exit $status
