#!/bin/sh
# test_decoder.sh DUMP — the text decoder (src/model/decoder.c) against a float64 NumPy decoder
# without a KV cache (tests/decoder_ref.py) on the tiny synthetic model (d 384, 6 heads,
# 4 layers, n_vocab 51865, 200 feature rows), a 2-beam plan: a 4-token prompt prefill, then 3
# steps each after a reorder.  FP32 logits within 1e-4 of max |logit|; the prompt at once ==
# token by token byte for byte in FP32 and INT8 (decoder_dump's exit status); INT8 top-1 = FP32
# top-1 on every row whose FP32 top-2 margin exceeds twice the measured INT8 error.
# Skipped (77) without /usr/bin/python3 and NumPy.
set -u
DUMP=${1:?usage: test_decoder.sh path/to/decoder_dump}
PY=/usr/bin/python3
REF=$(dirname "$0")/decoder_ref.py
if [ ! -x "$PY" ] || ! "$PY" -c 'import numpy' >/dev/null 2>&1; then
  echo "SKIP: $PY with numpy is not available"
  exit 77
fi
TMP=$(mktemp -d /tmp/wk_test_decoder_XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
status=0
"$DUMP" "$TMP" tiny 7 200 || { echo "FAIL: decoder_dump (or prefill != token by token)"; status=1; }
[ -f "$TMP/logits_int8.npy" ] && "$PY" "$REF" "$TMP" 6 4 || status=1
[ $status -eq 0 ] && echo "test_decoder_ref: passed" || echo "test_decoder_ref: FAILED"
exit $status
