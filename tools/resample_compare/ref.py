# ref.py DIR — the exact band-limited 16 kHz samples of compare.c's signals in float64 (each
# signal is analytic: tones below 8 kHz are their own band-limited version, the sweep stays
# below 7.6 kHz, and the 9/10.5 kHz tones' band-limited version is 0), and each resampler's SNR.
# Edges (first and last 0.25 s) are left out: every resampler there sees zeros beyond the file.
import glob, os, sys
import numpy as np

d = sys.argv[1]
def sig(which, t):
    if which == 0:
        f = [100, 440, 1000, 2500, 4000, 5500, 7000]
        return sum(0.12 * np.sin(2 * np.pi * fi * t + i) for i, fi in enumerate(f))
    if which == 1:
        return 0.8 * np.sin(2 * np.pi * (50 * t + 0.5 * (7600.0 - 50) / 10.0 * t * t))
    return np.zeros_like(t)

rows = {}
for p in sorted(glob.glob(f"{d}/*.f32")):
    base = os.path.basename(p)[:-4]
    s_rate, name = base.split(".")
    s, rate = int(s_rate[3]), int(s_rate.split("_")[1])
    y = np.fromfile(p, np.float32).astype(np.float64)
    t = np.arange(len(y)) / 16000.0
    ref = sig(s, t)
    sl = slice(4000, len(y) - 4000)
    err = y[sl] - ref[sl]
    if s < 2:
        val = 10 * np.log10(np.sum(ref[sl] ** 2) / np.sum(err ** 2))
        tag = ["tones SNR", "sweep SNR"][s]
    else:
        val = 10 * np.log10(np.sum(err ** 2) / (len(err) * 0.5 * (0.4 ** 2 + 0.4 ** 2)))
        tag = "alias dB"
    rows.setdefault((rate, name), {})[tag] = (val, np.abs(err).max(), len(y))
for (rate, name), r in sorted(rows.items()):
    print(f"{rate:6d} {name:12s} " + "  ".join(
        f"{k} {v[0]:7.1f} dB (max|err| {v[1]:.1e}, n={v[2]})" for k, v in sorted(r.items())))
