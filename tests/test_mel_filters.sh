#!/bin/sh
# test_mel_filters.sh DUMP — wk_mel_filters_slaney against an independent NumPy implementation of
# librosa.filters.mel(sr=16000, n_fft=400, n_mels, htk=False, norm="slaney", dtype=float32),
# which is how Whisper's mel_filters.npz was made: Slaney mel scale (linear below 1 kHz at
# 200/3 Hz per mel, log above with step ln(6.4)/27), n_mels + 2 band edges evenly spaced in mel,
# triangles over the rfft bin frequencies, area normalization 2 / (f[i+2] − f[i]).  librosa
# stores the triangles into a float32 array and then multiplies by the float64 norm in place;
# the reference does the same.  Pass: max |C − NumPy| / max |NumPy| ≤ 1e-7 for 80 and 128 mels.
# Skipped (77) without /usr/bin/python3 and NumPy.
set -u
DUMP=${1:?usage: test_mel_filters.sh path/to/mel_filters_dump}
PY=/usr/bin/python3
if [ ! -x "$PY" ] || ! "$PY" -c 'import numpy' >/dev/null 2>&1; then
  echo "SKIP: $PY with numpy is not available"
  exit 77
fi
TMP=$(mktemp -d /tmp/wk_test_mel_XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
status=0
for n in 80 128; do
  "$DUMP" "$n" "$TMP/mel$n.f32" || { echo "FAIL: dump $n"; exit 1; }
  "$PY" - "$TMP/mel$n.f32" "$n" <<'PYEOF' || status=1
import sys
import numpy as np

path, n_mels = sys.argv[1], int(sys.argv[2])
sr, n_fft = 16000, 400

def hz_to_mel(f):
    f = np.asanyarray(f, dtype=np.float64)
    f_sp = 200.0 / 3
    mels = f / f_sp
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-300) / min_log_hz) / logstep, mels)

def mel_to_hz(m):
    f_sp = 200.0 / 3
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)

fftfreqs = np.fft.rfftfreq(n=n_fft, d=1.0 / sr)
mel_f = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(sr / 2.0), n_mels + 2))
fdiff = np.diff(mel_f)
ramps = np.subtract.outer(mel_f, fftfreqs)
weights = np.zeros((n_mels, 1 + n_fft // 2), dtype=np.float32)
for i in range(n_mels):
    lower = -ramps[i] / fdiff[i]
    upper = ramps[i + 2] / fdiff[i + 1]
    weights[i] = np.maximum(0, np.minimum(lower, upper))
enorm = 2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels])
weights *= enorm[:, np.newaxis]

c = np.fromfile(path, dtype=np.float32).reshape(n_mels, 1 + n_fft // 2)
diff = np.abs(c.astype(np.float64) - weights.astype(np.float64)).max()
rel = diff / np.abs(weights).max()
exact = np.mean(c == weights) * 100
nz = (weights > 0).sum(axis=1)
print(f"n_mels={n_mels}: max |C - numpy| / max = {rel:.3e}, {exact:.2f}% bit-identical, "
      f"row sums of nonzeros {nz.min()}..{nz.max()}")
sys.exit(0 if rel <= 1e-7 and (nz > 0).all() else 1)
PYEOF
done
[ $status -eq 0 ] && echo "test_mel_filters: passed" || echo "test_mel_filters: FAILED"
exit $status
