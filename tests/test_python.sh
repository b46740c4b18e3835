#!/bin/sh
# test_python.sh PYTHON_REF LIBWHISK_SO BUILD_DIR — python/whisk.py (ctypes) against the C API:
# python_ref writes a synthetic tiny model (q8_0) and, through whisk.h alone, the audio, log-mel,
# windows and INT8/FP32 encoder outputs of samples/hello.wav ×5 (2 windows); python_check.py
# requires the module to give the same bytes, whisk.Error with the right status on bad input,
# and INT8 vs FP32 cosine > 0.999.  Then the library search: from the source tree the module finds
# BUILD_DIR/libwhisk.so (when BUILD_DIR is <repo>/build), and installed by `cmake --install` into
# a temporary prefix it finds that prefix's library with no WHISK_LIBRARY set.
# Skipped (77) without /usr/bin/python3 + NumPy.
set -u
REFBIN=${1:?usage: test_python.sh python_ref libwhisk.so BUILD_DIR}
LIB=${2:?libwhisk.so}
BUILD=${3:?BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
PY=/usr/bin/python3
if [ ! -x "$PY" ] || ! "$PY" -c 'import numpy' >/dev/null 2>&1; then
  echo "SKIP: $PY with numpy is not available"
  exit 77
fi
TMP=$(mktemp -d /tmp/wk_test_python_XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
status=0
fail() { echo "FAIL: $*"; status=1; }

# 43.5 s of speech (hello.wav five times, still 22050 Hz): two encoder windows, the last padded.
"$PY" - "$SRC/samples/hello.wav" "$TMP/long.wav" <<'PYEOF' || { echo "FAIL: long.wav"; exit 1; }
import sys, wave
with wave.open(sys.argv[1]) as r, wave.open(sys.argv[2], "wb") as w:
    w.setparams(r.getparams())
    w.writeframes(r.readframes(r.getnframes()) * 5)
PYEOF
mkdir -p "$TMP/ref"
"$REFBIN" model "$TMP/tiny.bin" || { echo "FAIL: python_ref model"; exit 1; }
"$REFBIN" ref "$TMP/tiny.bin" "$TMP/long.wav" "$TMP/ref" || { echo "FAIL: python_ref ref"; exit 1; }
WHISK_LIBRARY="$LIB" PYTHONPATH="$SRC/python" "$PY" "$HERE/python_check.py" \
  "$TMP/tiny.bin" "$TMP/long.wav" "$TMP/ref" || fail "python_check.py"

# Where the module finds the library without WHISK_LIBRARY.
where() { env -u WHISK_LIBRARY PYTHONPATH="$1" "$PY" -c 'import whisk; print(whisk.library_path)'; }
if [ "$(cd "$BUILD" && pwd)" = "$SRC/build" ]; then
  got=$(where "$SRC/python") || fail "import from the source tree"
  [ "$got" = "$SRC/build/libwhisk.so" ] || fail "source tree: found '$got', not build/libwhisk.so"
fi
if cmake --install "$BUILD" --prefix "$TMP/prefix" >/dev/null; then
  mod="$TMP/prefix/share/whisk/python"
  [ -f "$mod/whisk.py" ] || fail "whisk.py not installed in share/whisk/python"
  got=$(where "$mod") || fail "import the installed module"
  case "$got" in
    "$TMP/prefix/"*) echo "installed module uses $got" ;;
    *) fail "installed module found '$got', not the prefix's library" ;;
  esac
else
  fail "cmake --install"
fi

[ $status -eq 0 ] && echo "test_python: passed" || echo "test_python: FAILED"
exit $status
