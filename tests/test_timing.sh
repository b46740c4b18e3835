#!/bin/sh
# test_timing.sh TEST_TIMING — src/decode/timing.c against a float64 NumPy port of openai/whisper's
# timing.py and tokenizer.py's split_to_word_tokens (tests/timing_ref.py) on random scenarios from
# `test_timing --dump` (WK_TIMING_CASES, default 600: a fifth each split_to_word_tokens, dtw and
# find_alignment, two fifths add_word_timestamps): words, tokens and DTW paths identical, times
# and probabilities within 1e-9, every branch of the word-timestamp hacks exercised.
# Skipped (77) without /usr/bin/python3 and NumPy.
set -u
BIN=${1:?usage: test_timing.sh path/to/test_timing}
PY=/usr/bin/python3
if [ ! -x "$PY" ] || ! "$PY" -c 'import numpy' >/dev/null 2>&1; then
  echo "SKIP: $PY with numpy is not available"
  exit 77
fi
exec "$PY" "$(dirname "$0")/timing_ref.py" "$BIN" "${WK_TIMING_CASES:-600}" 1
