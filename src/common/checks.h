/* checks.h — the argument checks the operators share (attention, GEMM, quantizer): the memory
 * a strided view touches, overlap of two such ranges, and the range of float scales.
 *
 * Scales.  A kernel multiplies scales together in float (attention: softmax_scale·log2(e)·q_s,
 * then ·k_s; GEMM: a_s·w_s) and then scales an exact integer by the product.  Each scale on its
 * own being finite and > 0 is not enough: 1e36 × 1e36 overflows float, and the integers can
 * carry a finite product past FLT_MAX (|Acc|·c).  Float multiplication rounds monotonically, so
 * the products of the smallest and of the largest scales bound every product the kernel forms;
 * wk_scale_product checks those two extremes once, before any work. */
#ifndef WK_CHECKS_H
#define WK_CHECKS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* Byte range [*lo, *hi) touched by a [heads][len][width] view of elements of `es` bytes, with
 * element (h, i, c) at base + (h·head_stride + i·row_stride + c)·es.  Requires heads, len ≥ 1
 * and strides ≥ 0 (the caller checks those).  Returns 0 if the arithmetic overflows. */
int wk_view_extent(const void *base, ptrdiff_t row_stride, ptrdiff_t head_stride, int heads,
                   int len, int width, size_t es, uintptr_t *lo, uintptr_t *hi);

/* The same for `rows` rows of `width` elements, `stride` elements apart (one head). */
static inline int wk_extent(const void *base, ptrdiff_t stride, int rows, int width, size_t es,
                            uintptr_t *lo, uintptr_t *hi) {
  return wk_view_extent(base, stride, 0, 1, rows, width, es, lo, hi);
}

/* 1 if the byte ranges [alo, ahi) and [blo, bhi) share a byte (empty ranges share none). */
static inline int wk_overlaps(uintptr_t alo, uintptr_t ahi, uintptr_t blo, uintptr_t bhi) {
  return alo < bhi && blo < ahi;
}

/* A usable scale on its own: finite and > 0. */
static inline int wk_scale_ok(float s) { return isfinite(s) && s > 0.0f; }

/* The smallest and the largest of a set of positive scales. */
typedef struct wk_scale_range {
  float min, max;
} wk_scale_range;

/* Widens r (start from {INFINITY, 0}) by one scale s (already checked with wk_scale_ok). */
static inline void wk_scale_range_add(wk_scale_range *r, float s) {
  if (s < r->min) r->min = s;
  if (s > r->max) r->max = s;
}

/* Why a product of scales is out of range (wk_scale_product). */
enum {
  WK_SCALE_IN_RANGE = 0,
  WK_SCALE_OVERFLOW = 1, /* max_a·max_b·gain > max_ok (or the float product is ∞) */
  WK_SCALE_UNDERFLOW = 2 /* min_a·min_b < min_ok */
};

/* The float products x·y for x in a, y in b, as the kernels compute them (one IEEE single
 * multiply), bounded by their extremes: prod->max = a.max·b.max, prod->min = a.min·b.min.
 * Returns WK_SCALE_OVERFLOW if prod->max·gain (in double: exact for the gains used, powers of
 * two times small integers) exceeds max_ok, WK_SCALE_UNDERFLOW if prod->min < min_ok (pass 0
 * to allow any positive product), else WK_SCALE_IN_RANGE. */
int wk_scale_product(wk_scale_range a, wk_scale_range b, double gain, double max_ok,
                     double min_ok, wk_scale_range *prod);

#endif
