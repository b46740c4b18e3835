/* exp2_check.c — checks wk_attn_exp2_q24 (src/attention/attention-internal.h) over every float
 * x in [−27, 0] against the exact rint((2^24 − 1)·2^x) (from double exp2) and reports how many
 * values differ, by how much at most, and whether the final clamp ever binds (the unclamped
 * rint(q·2^n) above 2^24 − 1: the AVX-512 kernels leave the clamp out on that count).  ~30 s.
 *   cc -O2 -ffp-contract=off -Isrc -Iinclude tools/fit/exp2_check.c -lm && ./a.out
 * Not used by the build. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attention/attention-internal.h"

int main(void) {
  long n = 0, differ = 0, worst = 0, binds = 0;
  for (uint32_t b = 0x80000000u;; b++) { /* −0, then more and more negative */
    float x;
    memcpy(&x, &b, 4);
    if (x < -27.0f) break;
    long exact = lrint(16777215.0 * exp2((double)x));
    long p = (long)wk_attn_exp2_q24(x);
    long e = labs(p - exact);
    differ += e != 0, worst = e > worst ? e : worst, n++;
    binds += wk_attn_exp2_q24_unclamped(x) > (long)WK_P_MAX; /* the clamp would change it */
  }
  printf("%ld floats: %ld differ from rint((2^24-1)*2^x), by at most %ld; the clamp binds for %ld\n",
         n, differ, worst, binds);
  return 0;
}
