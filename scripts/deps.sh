#!/bin/sh
# deps.sh [test|fuzz] — installs the Debian packages whisk needs to build (and, with `test`, to run
# its tests), if any are missing.  Run as root (or with password-less sudo); otherwise it names
# the packages and fails.
set -eu

need=""
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_cmd cmake || need="$need cmake"
have_cmd make || need="$need make"
have_cmd gcc || need="$need gcc"
have_cmd pkg-config || need="$need pkg-config"
# libc headers and the sanitizer runtimes come with gcc's libc6-dev / libasan / libubsan.
[ -f /usr/include/stdio.h ] || need="$need libc6-dev"
# Audio front end: decoding (libsndfile), resampling (libsoxr), the mel's FFT (kissfft).
[ -f /usr/include/sndfile.h ] || need="$need libsndfile1-dev"
[ -f /usr/include/soxr.h ] || need="$need libsoxr-dev"
[ -f /usr/include/kissfft/kiss_fftr.h ] || need="$need libkissfft-dev"
# zlib: the compression ratio of decoded text (Whisper's temperature-fallback rule).
[ -f /usr/include/zlib.h ] || need="$need zlib1g-dev"
# Test-only: NumPy cross-checks of whisk's .npy files and reference computations.
if [ "${1:-}" = test ]; then
  /usr/bin/python3 -c 'import numpy' >/dev/null 2>&1 || need="$need python3-numpy"
  # An optimized BLAS for NumPy: the float64 reference decoders (tests/decoding_ref.py) spend
  # their time in matrix products; Debian's reference BLAS takes twice the CPU time.
  ls /usr/lib/*/openblas-pthread/libblas.so.3 >/dev/null 2>&1 || need="$need libopenblas0-pthread"
  # Spoken test audio for the log-mel check.
  have_cmd espeak-ng || need="$need espeak-ng"
fi

# Fuzzing and ThreadSanitizer (make fuzz, make test-tsan): clang-14 with libFuzzer and the
# sanitizer runtimes.  Not needed by make test.
if [ "${1:-}" = fuzz ]; then
  have_cmd clang-14 || need="$need clang-14"
  ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 ||
    need="$need libclang-rt-14-dev"
fi

[ -z "$need" ] && exit 0

echo "whisk: installing missing Debian packages:$need" >&2
if [ "$(id -u)" = 0 ]; then
  SUDO=""
elif have_cmd sudo && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "whisk: please install them as root: apt-get install$need" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
