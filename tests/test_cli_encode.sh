#!/bin/sh
# whisk encode / mel / synth-model end to end (issue 8 items 2, 6):
#   - synth-model writes a loadable file for every --type on tiny; bad options → 2, bad -o → 1;
#   - encode hello.wav in int8 and fp32: exit 0, a [1][1500][384] float32 .npy;
#   - --json has exactly the documented keys;
#   - stdin ("-") gives the same bytes as the file path;
#   - a ~2-minute file encodes in 4 windows, each byte-identical to encoding that window's mel
#     alone (whisk mel + a NumPy cut + the hidden encode --mel-in);
#   - the same bytes across the ISAs this CPU has and 1 / 2 threads (the scalar ISA takes
#     minutes on a full tiny encoder: only with WHISK_TEST_SLOW=1; the library tests
#     test_encoder / test_f32_encoder check it on smaller encoders);
#   - bad inputs (missing model, truncated model, non-audio, empty file, -o into a missing
#     directory) → a message, exit 1, no output file left.
# Usage: test_cli_encode.sh WHISK SAMPLES_DIR.  Exit 77 (skip) if python3 or NumPy is missing,
# after every check that needs neither has run.
set -u
W=$1
HELLO=$2/hello.wav
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
PY=""
for p in /usr/bin/python3 python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import numpy' 2>/dev/null; then PY=$p; break; fi
done
JPY=$(command -v python3 || command -v /usr/bin/python3 || true)

# expect_fail WHAT OUTFILE CMD...: exit 1, a "whisk ...:" message, OUTFILE absent, no temp files.
expect_fail() {
  what=$1 out=$2; shift 2
  "$@" >"$T/out.txt" 2>"$T/err.txt"; rc=$?
  if [ $rc -ne 1 ]; then fail "$what: exit $rc, expected 1"; cat "$T/err.txt"; return; fi
  grep -q '^whisk [a-z-]*: ' "$T/err.txt" || { fail "$what: no message"; cat "$T/err.txt"; return; }
  [ -e "$out" ] && { fail "$what: left $out"; return; }
  ls -A "$T/o" | grep -q '~tmp' && { fail "$what: left a temporary file"; return; }
  ok "$what: $(head -1 "$T/err.txt")"
}
mkdir -p "$T/o"

# ── synth-model ──────────────────────────────────────────────────────────────────────────
"$W" synth-model --size tiny -o "$T/tiny.bin" || { echo "FAIL: synth-model tiny"; exit 1; }
for ty in f32 f16 q8_0 q5_0 q5_1 q4_0 q4_1; do
  if "$W" synth-model --size tiny --type $ty --seed 3 -o "$T/t-$ty.bin" &&
     "$W" mel -m "$T/t-$ty.bin" "$HELLO" >/dev/null; then ok "synth-model --type $ty loads"
  else fail "synth-model --type $ty"; fi
  rm -f "$T/t-$ty.bin"
done
"$W" synth-model --size tiny --en --outliers -o "$T/en.bin" && "$W" mel -m "$T/en.bin" "$HELLO" >/dev/null \
  && ok "synth-model --en --outliers loads" || fail "synth-model --en --outliers"
rm -f "$T/en.bin"
"$W" synth-model --size huge -o "$T/x.bin" 2>/dev/null; [ $? -eq 2 ] || fail "synth-model --size huge: not 2"
"$W" synth-model --size tiny --type q3 -o "$T/x.bin" 2>/dev/null; [ $? -eq 2 ] || fail "synth-model --type q3: not 2"
"$W" synth-model --size large-v3 --en -o "$T/x.bin" 2>/dev/null; [ $? -eq 2 ] || fail "synth-model large-v3 --en: not 2"
expect_fail "synth-model -o missing dir" "$T/o/none/m.bin" "$W" synth-model --size tiny -o "$T/o/none/m.bin"

# ── encode: int8, fp32, shape ───────────────────────────────────────────────────────────
SIZE1=$((128 + 1500 * 384 * 4)) # one window of tiny features: .npy v1.0 header + data
for p in int8 fp32; do
  if "$W" encode -m "$T/tiny.bin" "$HELLO" --precision $p -o "$T/$p.npy" >"$T/$p.txt"; then
    n=$(wc -c <"$T/$p.npy")
    [ "$n" -eq $SIZE1 ] && ok "encode $p: $n bytes" || fail "encode $p: $n bytes, expected $SIZE1"
    grep -q 'realtime' "$T/$p.txt" || fail "encode $p: no realtime line"
    if [ -n "$PY" ]; then
      "$PY" -c "
import numpy as np, sys
a = np.load(sys.argv[1])
assert a.shape == (1, 1500, 384) and a.dtype == np.float32, (a.shape, a.dtype)
assert np.isfinite(a).all() and a.std() > 0.1
" "$T/$p.npy" && ok "encode $p: [1][1500][384] float32" || fail "encode $p: shape/values"
    fi
  else fail "encode $p: exit $?"; fi
done

# ── --json ──────────────────────────────────────────────────────────────────────────────
"$W" encode -m "$T/tiny.bin" "$HELLO" --json >"$T/j.json" || fail "encode --json: exit $?"
if [ -n "$JPY" ]; then
  "$JPY" -c "
import json, sys
j = json.load(open(sys.argv[1]))
keys = ['windows','frames','d','load_ms','decode_ms','mel_ms','encode_ms','rtf','peak_rss_mb','precision','isa','threads']
assert sorted(j) == sorted(keys), sorted(j)
assert j['windows'] == 1 and j['frames'] == 1500 and j['d'] == 384 and j['precision'] == 'int8'
assert j['rtf'] > 0 and j['peak_rss_mb'] > 0 and j['threads'] >= 1
" "$T/j.json" && ok "encode --json: exactly the keys" || { fail "encode --json"; cat "$T/j.json"; }
fi

# ── stdin ───────────────────────────────────────────────────────────────────────────────
"$W" encode -m "$T/tiny.bin" - -o "$T/stdin.npy" <"$HELLO" >/dev/null &&
  cmp -s "$T/stdin.npy" "$T/int8.npy" && ok "stdin: same bytes as the path" || fail "stdin differs"
cat "$HELLO" | "$W" encode -m "$T/tiny.bin" - -o "$T/pipe.npy" >/dev/null &&
  cmp -s "$T/pipe.npy" "$T/int8.npy" && ok "pipe: same bytes as the path" || fail "pipe differs"

# ── ISAs and threads ────────────────────────────────────────────────────────────────────
isas=$("$W" info | sed -n 's/^isa: *supported:\([^;]*\);.*/\1/p')
for isa in $isas; do
  [ "$isa" = amx ] && continue # encoded like avx512vnni where granted; not on this machine
  [ "$isa" = scalar ] && [ "${WHISK_TEST_SLOW:-0}" != 1 ] && continue
  for t in 1 2; do
    for p in int8 fp32; do
      "$W" encode --isa $isa -t $t -m "$T/tiny.bin" "$HELLO" --precision $p -o "$T/x.npy" >/dev/null &&
        cmp -s "$T/x.npy" "$T/$p.npy" && ok "--isa $isa -t $t $p: same bytes" ||
        fail "--isa $isa -t $t $p differs"
    done
  done
done

# ── bad inputs ──────────────────────────────────────────────────────────────────────────
head -c 100000 "$T/tiny.bin" >"$T/trunc.bin"    # in the vocabulary
head -c 30000000 "$T/tiny.bin" >"$T/trunc2.bin" # in the tensors
echo "this is not audio, just text that goes on for a while........" >"$T/text.wav"
: >"$T/empty.wav"
expect_fail "missing model" "$T/o/a.npy" "$W" encode -m "$T/nope.bin" "$HELLO" -o "$T/o/a.npy"
expect_fail "truncated model" "$T/o/a.npy" "$W" encode -m "$T/trunc.bin" "$HELLO" -o "$T/o/a.npy"
expect_fail "model truncated in its tensors" "$T/o/a.npy" "$W" encode -m "$T/trunc2.bin" "$HELLO" -o "$T/o/a.npy"
expect_fail "model is audio" "$T/o/a.npy" "$W" encode -m "$HELLO" "$HELLO" -o "$T/o/a.npy"
expect_fail "missing audio" "$T/o/a.npy" "$W" encode -m "$T/tiny.bin" "$T/nope.wav" -o "$T/o/a.npy"
expect_fail "non-audio file" "$T/o/a.npy" "$W" encode -m "$T/tiny.bin" "$T/text.wav" -o "$T/o/a.npy"
expect_fail "empty file" "$T/o/a.npy" "$W" encode -m "$T/tiny.bin" "$T/empty.wav" -o "$T/o/a.npy"
expect_fail "empty stdin" "$T/o/a.npy" sh -c '"$0" encode -m "$1" - -o "$2" </dev/null' "$W" "$T/tiny.bin" "$T/o/a.npy"
expect_fail "-o into a missing dir" "$T/o/none/a.npy" "$W" encode -m "$T/tiny.bin" "$HELLO" -o "$T/o/none/a.npy"
expect_fail "mel: non-audio" "$T/o/m.npy" "$W" mel "$T/text.wav" -o "$T/o/m.npy"
"$W" encode "$HELLO" 2>/dev/null; [ $? -eq 2 ] || fail "encode without -m: not 2"
"$W" encode -m "$T/tiny.bin" 2>/dev/null; [ $? -eq 2 ] || fail "encode without AUDIO: not 2"
"$W" encode -m "$T/tiny.bin" --precision int4 "$HELLO" 2>/dev/null; [ $? -eq 2 ] || fail "--precision int4: not 2"
"$W" mel --n-mels 81 "$HELLO" 2>/dev/null; [ $? -eq 2 ] || fail "mel --n-mels 81: not 2"

# ── a 2-minute file: 4 windows, each as if encoded alone ───────────────────────────────
if [ -z "$PY" ]; then
  echo "skip: the 2-minute and mel checks need python3 with NumPy"
  [ $fails -eq 0 ] && exit 77
  echo "$fails check(s) failed"; exit 1
fi
# 118 s at 22050 Hz: hello.wav, then quiet noise, then hello.wav again every 30 s.
"$PY" - "$HELLO" "$T/long.wav" <<'PYEOF' || fail "writing the long file"
import sys, wave, numpy as np
with wave.open(sys.argv[1]) as w:
    rate, x = w.getframerate(), np.frombuffer(w.readframes(w.getnframes()), '<i2')
n = 118 * rate
rng = np.random.default_rng(1)
out = (rng.standard_normal(n) * 30).astype(np.int64)
for start in range(0, n, 30 * rate):
    k = min(len(x), n - start)
    out[start:start + k] += x[:k]
with wave.open(sys.argv[2], 'wb') as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
    w.writeframes(np.clip(out, -32768, 32767).astype('<i2').tobytes())
PYEOF
"$W" encode -m "$T/tiny.bin" "$T/long.wav" -o "$T/long.npy" --json >"$T/long.json" || fail "encode long"
"$W" mel -m "$T/tiny.bin" "$T/long.wav" -o "$T/long-mel.npy" >/dev/null || fail "mel long"
"$PY" - "$T" <<'PYEOF' || fail "cutting the windows"
import sys, json, numpy as np
t = sys.argv[1]
assert json.load(open(t + '/long.json'))['windows'] == 4
assert np.load(t + '/long.npy').shape == (4, 1500, 384)
mel = np.load(t + '/long-mel.npy')
content = mel.shape[1] - 3000
assert mel.shape[0] == 80 and 9000 < content <= 12000, mel.shape
for w in range(4):   # transcribe.py: mel[:, 3000w : 3000w + 3000] of the content, zero-padded
    cut = np.zeros((80, 3000), np.float32)
    k = min(3000, content - 3000 * w)
    cut[:, :k] = mel[:, 3000 * w : 3000 * w + k]
    np.save('%s/win%d.npy' % (t, w), cut)
PYEOF
for w in 0 1 2 3; do
  "$W" encode -m "$T/tiny.bin" --mel-in "$T/win$w.npy" -o "$T/alone$w.npy" >/dev/null || fail "encode window $w"
done
"$PY" - "$T" <<'PYEOF' && ok "2-minute file: 4 windows, each byte-identical to its window alone" || fail "windows differ"
import sys, numpy as np
t = sys.argv[1]
a = np.load(t + '/long.npy')
for w in range(4):
    b = np.load('%s/alone%d.npy' % (t, w))
    assert b.shape == (1, 1500, 384)
    assert a[w].tobytes() == b[0].tobytes(), 'window %d differs' % w
assert not np.array_equal(a[0], a[3])
PYEOF
# whisk mel without a model uses Whisper's own filterbank: the same as the synthetic model's.
"$W" mel "$HELLO" -o "$T/mel-slaney.npy" >/dev/null && "$W" mel -m "$T/tiny.bin" "$HELLO" -o "$T/mel-model.npy" >/dev/null &&
  cmp -s "$T/mel-slaney.npy" "$T/mel-model.npy" && ok "mel: Slaney filters = the model's" || fail "mel filters differ"

[ $fails -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all checks passed"
