/* peak-loops.h — the register-only throughput loops behind peak.c (bench only).
 *
 * Each loop runs `iters` iterations of independent instructions of one kind — enough
 * independent accumulators that the instruction's throughput, not its latency, bounds the
 * loop — and returns the seconds it took.  No memory is touched inside the loop: the figure
 * is the core's arithmetic peak for that instruction, the ceiling a kernel built on it can
 * reach.  The ops per iteration (2 per multiply-add) are the WK_PEAK_OPS_* constants.
 *
 * One file per ISA (bench/peak-<isa>.c), built with that ISA's flags only; the scalar loops
 * are in peak.c. */
#ifndef WK_PEAK_LOOPS_H
#define WK_PEAK_LOOPS_H

/* scalar: 4 × (imul r32 + add r32) — the scalar kernels' int32 multiply-add. */
#define WK_PEAK_OPS_INT8_SCALAR (4.0 * 2)
double wk_peak_int8_loop__scalar(long iters);
/* scalar: 12 × (mulss + addss) (the build forbids contracting them into an FMA). */
#define WK_PEAK_OPS_FP32_SCALAR (12.0 * 2)
double wk_peak_fp32_loop__scalar(long iters);

#if defined(__x86_64__)
/* avx2: 6 × (vpmaddwd ymm + vpaddd ymm) — 16 int16 multiply-adds each, the AVX2 kernels'
 * int8 path (sign-extended to int16, since vpmaddubsw would saturate). */
#define WK_PEAK_OPS_INT8_AVX2 (6.0 * 16 * 2)
double wk_peak_int8_loop__avx2(long iters);
/* avx2: 12 × vfmadd231ps ymm, 8 lanes. */
#define WK_PEAK_OPS_FP32_AVX2 (12.0 * 8 * 2)
double wk_peak_fp32_loop__avx2(long iters);

/* avxvnni: 12 × vpdpbusd ymm (VEX), 32 u8·s8 multiply-adds each; its fp32 loop is avx2's. */
#define WK_PEAK_OPS_INT8_AVXVNNI (12.0 * 32 * 2)
double wk_peak_int8_loop__avxvnni(long iters);

/* avx512vnni: 16 × vpdpbusd zmm, 64 u8·s8 multiply-adds each. */
#define WK_PEAK_OPS_INT8_AVX512VNNI (16.0 * 64 * 2)
double wk_peak_int8_loop__avx512vnni(long iters);
/* avx512: 16 × vfmadd231ps zmm, 16 lanes. */
#define WK_PEAK_OPS_FP32_AVX512 (16.0 * 16 * 2)
double wk_peak_fp32_loop__avx512(long iters);

/* amx: 4 × tdpbssd on 16×64-byte tiles (4 accumulator tiles, 2 A, 2 B as in the GEMM's 32×32
 * step), 16·16·64 s8·s8 multiply-adds each. */
#define WK_PEAK_OPS_INT8_AMX (4.0 * 16 * 16 * 64 * 2)
double wk_peak_int8_loop__amx(long iters);
#endif

/* ── the streaming reads of bench/bandwidth.c ──
 * xor of every 64-bit word of p[0 … bytes) (bytes a multiple of 256, p 64-byte aligned), with
 * the ISA's widest loads and four independent accumulators: the loads, not a dependency
 * chain, set the pace (on Zen 5 the zmm loop reads DRAM ≈ 1.5× faster than 64-bit loads). */
#include <stddef.h>
#include <stdint.h>
uint64_t wk_bandwidth_xor__scalar(const void *p, size_t bytes);
#if defined(__x86_64__)
uint64_t wk_bandwidth_xor__avx2(const void *p, size_t bytes);
uint64_t wk_bandwidth_xor__avx512(const void *p, size_t bytes);
#endif

#endif
