#!/usr/bin/env python3
# exp2_fit.py — the 2^f polynomial of src/attention/attention-internal.h (WK_EXP2_C1..C5):
# p(f) = 1 + f·(c1 + … + c5·f^4) ≈ 2^f on [0, 1], p(0) = 1 exactly, minimising the maximum
# relative error by iteratively reweighted least squares on Chebyshev nodes (plain Python).
# Prints the error in exact arithmetic, the coefficients as float32, and the error of the float32
# Horner evaluation the kernels perform.  Not used by the build.
import math
N=400
xs=[0.5-0.5*math.cos(math.pi*(k+0.5)/N) for k in range(N)]
def solve(A,b):
    n=len(A[0]); M=[[sum(A[r][i]*A[r][j] for r in range(len(A))) for j in range(n)]+[sum(A[r][i]*b[r] for r in range(len(A)))] for i in range(n)]
    for i in range(n):
        p=max(range(i,n),key=lambda r:abs(M[r][i])); M[i],M[p]=M[p],M[i]
        for r in range(n):
            if r!=i:
                f=M[r][i]/M[i][i]; M[r]=[a-f*c for a,c in zip(M[r],M[i])]
    return [M[i][n]/M[i][i] for i in range(n)]
w=[1.0]*N
for it in range(60):
    A=[[w[k]*xs[k]**(p+1)/2**xs[k] for p in range(5)] for k in range(N)]
    b=[w[k]*(2**xs[k]-1)/2**xs[k] for k in range(N)]
    c=solve(A,b)
    err=[(1+sum(c[p]*x**(p+1) for p in range(5)))/2**x-1 for x in xs]
    m=max(abs(e) for e in err)
    w=[wi*(1+abs(e)/m) for wi,e in zip(w,err)]
print(m)
import struct
def f32(v): return struct.unpack('f',struct.pack('f',v))[0]
print([repr(f32(v)) for v in c])
# check float32 Horner
def horner(f):
    cs=[f32(v) for v in c]
    p=cs[4]
    for k in (3,2,1,0):
        p=f32(f32(p*f)+cs[k])
    return f32(f32(p*f)+1.0)
print(max(abs(horner(f32(x))/2**f32(x)-1) for x in [i/10000 for i in range(10000)]))
# the attention softmax's coefficients (WK_EXP2_Q1..Q5): each c times 2^24 - 1, rounded to float32
print([repr(f32(f32(v)*16777215.0)) for v in c])
