#!/usr/bin/python3
# gelu_fit.py — the GELU table of src/gemm/gemm-internal.h (wk_gelu).  Needs NumPy (Debian's
# python3-numpy, seen by /usr/bin/python3).  Not used by the build.
#
# gelu(x) = max(x, 0) − g(|x|) with g(a) = a·Φ(−a) = a·½·erfc(a/√2), exactly.  g is fitted on
# [0, T) in N = 16 equal intervals (the 16 lanes of one vpermps table), a = (i + t)/S with
# S = (float)(N/T) and t in [0, 1], by one polynomial of degree D = 4 in t per interval: a
# weighted minimax fit (Lawson iteration on Chebyshev points, weight 1/max(g, 0.01): relative
# where g is small, so gelu keeps its relative accuracy down to |gelu| ≈ 1e-3), g(0) = 0
# exactly (the first interval's constant).
# The coefficients are rounded to float; tools/fit/gelu_check.c measures the float result.
# Usage: gelu_fit.py   (prints WK_GELU_T, WK_GELU_S and wk_gelu_tab)
import math

import numpy as np

N, D, T = 16, 4, 5.4
S = float(np.float32(N / T))
erfc = np.vectorize(math.erfc)


def g(a):
    return a * 0.5 * erfc(a / math.sqrt(2.0))


K = 600
tt = (1 - np.cos(np.pi * (np.arange(K) + 0.5) / K)) / 2
coef = np.zeros((N, D + 1))
for i in range(N):
    y = g((i + tt) / S)
    w = 1 / np.maximum(y, 0.01)
    V = np.vander(tt, D + 1, increasing=True)[:, (1 if i == 0 else 0):]
    lw, best = np.ones(K) / K, None
    for _ in range(30):
        sw = np.sqrt(lw) * w
        c = np.linalg.lstsq(V * sw[:, None], y * sw, rcond=None)[0]
        err = w * (V @ c - y)
        if best is None or np.abs(err).max() < best[0]:
            best = (np.abs(err).max(), c)
        lw = lw * np.abs(err)
        lw /= lw.sum()
    coef[i, (1 if i == 0 else 0):] = best[1]

print("#define WK_GELU_T %.9gf        /* T: g = 0 from here up */" % T)
print("#define WK_GELU_S %.9gf /* S = (float)(%d/T) */" % (S, N))
print("static const float wk_gelu_tab[%d][%d] __attribute__((aligned(64), unused)) = {" % (D + 1, N))
for d in range(D + 1):
    vals = ["%.9e" % float(np.float32(coef[i, d])) for i in range(N)]
    vals = [v.replace("e+00", "").replace("0.000000000", "0.0") + "f" for v in vals]
    print("    {" + ", ".join(vals) + "},")
print("};")
