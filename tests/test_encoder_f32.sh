#!/bin/sh
# test_encoder_f32.sh DUMP [full] — the FP32 encoder (wk_encoder_fp32_run) against a float64
# NumPy Whisper encoder (tests/encoder_ref.py): cosine ≥ 0.99999 on tiny-shaped (80 mels, d 384,
# 6 heads) and base-shaped (d 512, 8 heads) synthetic encoders.  NumPy here uses the reference
# BLAS (≈ 0.6 GFLOP/s), so the ctest run shortens the window: 2 layers, n_ctx 150 / 100.
# `full` runs tiny with all 4 layers at n_ctx 1500 and base with 6 layers at n_ctx 500 (minutes).
# Skipped (77) without /usr/bin/python3 and NumPy.
set -u
DUMP=${1:?usage: test_encoder_f32.sh path/to/encoder_f32_dump [full]}
MODE=${2:-quick}
PY=/usr/bin/python3
REF=$(dirname "$0")/encoder_ref.py
if [ ! -x "$PY" ] || ! "$PY" -c 'import numpy' >/dev/null 2>&1; then
  echo "SKIP: $PY with numpy is not available"
  exit 77
fi
TMP=$(mktemp -d /tmp/wk_test_encoder_f32_XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
if [ "$MODE" = full ]; then
  CFGS="tiny:80:1500:384:6:4 base:80:500:512:8:6"
else
  CFGS="tiny:80:150:384:6:2 base:80:100:512:8:2"
fi
status=0
for cfg in $CFGS; do
  IFS=: read -r name nm n d h l <<EOF2
$cfg
EOF2
  mkdir -p "$TMP/$name" && "$DUMP" "$TMP/$name" "$nm" "$n" "$d" "$h" "$l" 11 ||
    { echo "FAIL: dump $cfg"; exit 1; }
  printf '%s: ' "$name"
  "$PY" "$REF" "$TMP/$name" "$h" "$l" || status=1
  rm -rf "$TMP/$name"
done
[ $status -eq 0 ] && echo "test_encoder_f32: passed" || echo "test_encoder_f32: FAILED"
exit $status
