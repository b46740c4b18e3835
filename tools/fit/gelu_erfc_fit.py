#!/usr/bin/env python3
# gelu_erfc_fit.py — the erfc coefficients of src/gemm/gemm-internal.h (GELU, erf form).
# Usage: gelu_erfc_fit.py 8 9 4 gelu   (power p, degree n, interval [0, T], GELU weighting);
# needs python3-mpmath.  Not used by the build.
# Lawson-IRLS weighted minimax fit of S(a) = 1 + sum c_i a^i  ~  erfc(a)^(-1/p) on [0, T],
# weight = GELU error sensitivity: err_gelu ~ h * err_E, err_E ~ p*erfc*dS/g.
import sys, mpmath as mp
mp.mp.dps = 40
p = int(sys.argv[1]); n = int(sys.argv[2]); T = mp.mpf(sys.argv[3]); wmode = sys.argv[4]
NG = 1500
pts = [T*(1-mp.cos(mp.pi*(i+0.5)/NG))/2 for i in range(NG)]
g = [mp.erfc(a)**(-mp.mpf(1)/p) for a in pts]
def wt(a, ga):
    s = p*mp.erfc(a)/ga
    if wmode == 'gelu': s *= max(a/mp.sqrt(2), mp.mpf('0.05'))
    return s
W = [wt(a, ga) for a, ga in zip(pts, g)]
lw = [mp.mpf(1)/NG]*NG
best = None
for it in range(60):
    # minimise sum lw * (W*(S-g))^2 ; unknowns c1..cn ; S-g = sum c_i a^i - (g-1)
    A = mp.zeros(n, n); b = mp.zeros(n, 1)
    rows = []
    for j, a in enumerate(pts):
        ww = lw[j]*W[j]**2
        row = [a**(i+1) for i in range(n)]
        rows.append(row)
        for r in range(n):
            b[r] += ww*row[r]*(g[j]-1)
            for c in range(n):
                A[r, c] += ww*row[r]*row[c]
    c = mp.lu_solve(A, b)
    errs = [W[j]*(1 + sum(c[i]*rows[j][i] for i in range(n)) - g[j]) for j in range(NG)]
    m = max(abs(e) for e in errs)
    if best is None or m < best[0]: best = (m, [c[i] for i in range(n)])
    tot = sum(lw[j]*abs(errs[j]) for j in range(NG))
    lw = [lw[j]*abs(errs[j])/tot for j in range(NG)]
print("p=%d n=%d T=%s max weighted err %.3g" % (p, n, T, float(best[0])))
for ci in best[1]: print("%.9e" % float(ci))
