#!/bin/sh
# test_exports.sh LIBWHISK_SO WHISK_H — libwhisk.so exports exactly the calls include/whisk.h
# declares with WK_API: every exported function is declared there, and every declared call is
# exported.  Anything else exported would be an ABI promise nobody made.
set -eu
SO=${1:?usage: test_exports.sh LIBWHISK_SO WHISK_H}
HDR=${2:?usage: test_exports.sh LIBWHISK_SO WHISK_H}
command -v nm >/dev/null 2>&1 || { echo "SKIP: nm not installed"; exit 77; }
TMP=$(mktemp -d /tmp/wk_test_exports_XXXXXX)
trap 'rm -rf "$TMP"' EXIT
# Declarations: `WK_API <type> [*]name(` possibly over several lines; the name is the last
# identifier before the first '('.
grep -v '^#' "$HDR" | tr '\n' ' ' | grep -oE 'WK_API [^;(]*\(' | sed -E 's/.*[^a-zA-Z0-9_]([a-zA-Z_][a-zA-Z0-9_]*)\($/\1/' \
  | sort -u > "$TMP/declared"
# Exported: defined dynamic symbols of the shared object (text and data), minus the linker's own.
nm -D --defined-only "$SO" | awk '{print $3}' | grep -vE '^(_init|_fini|_edata|_end|__bss_start)$' \
  | sort -u > "$TMP/exported"
[ -s "$TMP/declared" ] || { echo "FAIL: no WK_API declarations found in $HDR"; exit 1; }
extra=$(comm -13 "$TMP/declared" "$TMP/exported")
missing=$(comm -23 "$TMP/declared" "$TMP/exported")
status=0
if [ -n "$extra" ]; then
  echo "FAIL: exported but not declared in whisk.h:"; echo "$extra" | sed 's/^/  /'; status=1
fi
if [ -n "$missing" ]; then
  echo "FAIL: declared in whisk.h but not exported:"; echo "$missing" | sed 's/^/  /'; status=1
fi
[ $status = 0 ] && echo "exports: $(wc -l < "$TMP/exported") symbols, exactly whisk.h's WK_API calls"
exit $status
