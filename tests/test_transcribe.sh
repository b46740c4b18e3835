#!/bin/sh
# test_transcribe.sh TEST_TRANSCRIBE — src/decode/transcribe.c identical to a line-by-line Python
# port of transcribe.py's loop (tests/transcribe_ref.py) on 300 random scripted inputs (clip
# timestamps, carry_initial_prompt, conditioning, initial prompts): the decode calls (seek,
# temperature, the prompt's tokens) and every segment field.
# Skipped (77) without /usr/bin/python3.
set -u
BIN=${1:?usage: test_transcribe.sh path/to/test_transcribe}
PY=/usr/bin/python3
if [ ! -x "$PY" ]; then
  echo "SKIP: $PY is not available"
  exit 77
fi
exec "$PY" "$(dirname "$0")/transcribe_ref.py" "$BIN" ${WK_TRANSCRIBE_CASES:-300}
