/* peak.h — this machine's peak int8 throughput per ISA, measured, for "% of peak" figures. */
#ifndef WK_PEAK_H
#define WK_PEAK_H

#include "whisk.h"

typedef struct wk_peak {
  double ops_per_s;   /* one core: 2 ops per multiply-add */
  double clock_hz;    /* measured core clock (dependent add chain) */
  const char *method; /* how ops_per_s was obtained */
} wk_peak;

/* Peak for one core running `isa`'s int8 multiply-add instruction, measured with independent
 * instruction chains (avx2: vpmaddwd ymm; avx512vnni: vpdpbusd zmm).  Scalar (1 MAC/cycle) and
 * AMX (1024 MAC/cycle, Intel's figure) are nominal rates × the measured core clock. */
wk_peak wk_peak_measure(wk_isa isa);

#endif
