#!/bin/sh
# run.sh — builds compare.c against both resamplers and prints speed and quality (see compare.c).
set -eu
here=$(dirname "$0")
tmp=$(mktemp -d /tmp/wk_resample_XXXXXX)
trap 'rm -rf "$tmp"' EXIT
gcc -O2 -o "$tmp/compare" "$here/compare.c" $(pkg-config --cflags --libs soxr samplerate) -lm
"$tmp/compare" "$tmp"
/usr/bin/python3 "$here/ref.py" "$tmp"
