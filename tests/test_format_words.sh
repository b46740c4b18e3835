#!/bin/sh
# test_format_words.sh FORMAT_DUMP — the transcript writers with word timestamps
# (src/decode/format.c) against format_ref.py, a Python port of openai/whisper's utils.py
# writers: random transcripts with words and random subtitle options (highlight_words,
# max_line_width, max_line_count, max_words_per_line, each on or None), srt/vtt/txt/tsv byte for
# byte and the json by value, two seeds.  Skipped (77) without /usr/bin/python3.
set -eu
DUMP=${1:?usage: test_format_words.sh path/to/format_dump}
HERE=$(cd "$(dirname "$0")" && pwd)
[ -x /usr/bin/python3 ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
/usr/bin/python3 "$HERE/format_ref.py" check "$DUMP" 1500 1
/usr/bin/python3 "$HERE/format_ref.py" check "$DUMP" 1500 2
