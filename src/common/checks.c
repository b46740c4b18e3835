/* checks.c — the shared argument checks (checks.h). */
#include "common/checks.h"

int wk_view_extent(const void *base, ptrdiff_t row_stride, ptrdiff_t head_stride, int heads,
                   int len, int width, size_t es, uintptr_t *lo, uintptr_t *hi) {
  /* last element + 1 = (heads−1)·head_stride + (len−1)·row_stride + width, in elements */
  ptrdiff_t a, b, last;
  if (__builtin_mul_overflow((ptrdiff_t)(heads - 1), head_stride, &a) ||
      __builtin_mul_overflow((ptrdiff_t)(len - 1), row_stride, &b) ||
      __builtin_add_overflow(a, b, &last) || __builtin_add_overflow(last, (ptrdiff_t)width, &last) ||
      __builtin_mul_overflow(last, (ptrdiff_t)es, &last))
    return 0;
  *lo = (uintptr_t)base;
  return !__builtin_add_overflow(*lo, (uintptr_t)last, hi);
}

int wk_scale_product(wk_scale_range a, wk_scale_range b, double gain, double max_ok,
                     double min_ok, wk_scale_range *prod) {
  /* one IEEE single multiply each, as in the kernels (float arithmetic, FLT_EVAL_METHOD 0) */
  const float hi = a.max * b.max, lo = a.min * b.min;
  prod->max = hi;
  prod->min = lo;
  if (!isfinite(hi) || (double)hi * gain > max_ok) return WK_SCALE_OVERFLOW;
  if ((double)lo < min_ok) return WK_SCALE_UNDERFLOW;
  return WK_SCALE_IN_RANGE;
}
