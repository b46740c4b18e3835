#!/bin/sh
# examples/encode.c (public API only) on a synthetic tiny model and samples/hello.wav.
# Usage: test_example_encode.sh WHISK EXAMPLE SAMPLES_DIR
set -u
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
"$1" synth-model --size tiny -o "$T/tiny.bin" || exit 1
"$2" "$T/tiny.bin" "$3/hello.wav" >"$T/out.txt" || { cat "$T/out.txt"; exit 1; }
cat "$T/out.txt"
grep -q '^window 0: features \[1500\]\[384\], first values -\{0,1\}[0-9]' "$T/out.txt" || exit 1
[ "$(wc -l <"$T/out.txt")" -eq 1 ] || exit 1
"$2" "$T/tiny.bin" "$T/missing.wav" 2>"$T/err.txt" && exit 1
grep -q "^encode: " "$T/err.txt" || exit 1
echo ok
