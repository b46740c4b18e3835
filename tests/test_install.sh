#!/bin/sh
# test_install.sh BUILD_DIR CC — `cmake --install` into a temporary prefix, then build and run
# a small program against the installed library through pkg-config, statically and shared.
set -eu
BUILD=${1:?usage: test_install.sh BUILD_DIR CC}
CC=${2:-cc}
command -v pkg-config >/dev/null 2>&1 || { echo "SKIP: pkg-config not installed"; exit 77; }
TMP=$(mktemp -d /tmp/wk_test_install_XXXXXX)
trap 'rm -rf "$TMP"' EXIT
cmake --install "$BUILD" --prefix "$TMP/prefix" >/dev/null
PC=$(find "$TMP/prefix" -name whisk.pc)
[ -n "$PC" ] || { echo "FAIL: whisk.pc not installed"; exit 1; }
export PKG_CONFIG_PATH="$(dirname "$PC")"
# whisk.pc records the configured prefix; point it at the temporary one.
sed -i "s|^prefix=.*|prefix=$TMP/prefix|" "$PC"
[ -x "$TMP/prefix/bin/whisk" ] || { echo "FAIL: whisk tool not installed"; exit 1; }
cat > "$TMP/use.c" <<'C'
#include <stdio.h>
#include <whisk.h>
int main(void) {
  wk_context *ctx;
  if (wk_context_create(NULL, &ctx) != WK_STATUS_OK) return 1;
  static int8_t qkv[12288], out[4096];
  for (int i = 0; i < 12288; i++) qkv[i] = (int8_t)(i * 37 % 128 - 64);
  wk_status s = wk_attention_tile64(ctx, qkv, sizeof qkv, out, sizeof out, 1, 1, 1, 1);
  printf("whisk %s: %s, out[0]=%d\n", wk_version(), wk_status_string(s), out[0]);
  wk_context_free(ctx);
  return s != WK_STATUS_OK;
}
C
LIBDIR=$(pkg-config --variable=libdir whisk)
# shellcheck disable=SC2046
"$CC" -std=c11 -o "$TMP/use_shared" "$TMP/use.c" $(pkg-config --cflags --libs whisk)
LD_LIBRARY_PATH="$LIBDIR" "$TMP/use_shared"
# shellcheck disable=SC2046
"$CC" -std=c11 -o "$TMP/use_static" "$TMP/use.c" $(pkg-config --cflags whisk) \
  "$LIBDIR/libwhisk.a" $(pkg-config --libs-only-l --static whisk | sed 's/-lwhisk//')
"$TMP/use_static"
echo "install, pkg-config, static and shared linking: ok"
