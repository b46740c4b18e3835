/* ggml-quants.c — ggml block formats: dequantize every type whisper.cpp files carry, quantize
 * the legacy block types exactly like ggml's reference (ggml-quants.h). */
#include "io/ggml-quants.h"

#include <float.h>
#include <math.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

int wk_ggml_block_size(int type) {
  switch (type) {
  case WK_GGML_F32:
  case WK_GGML_F16: return 1;
  case WK_GGML_Q4_0:
  case WK_GGML_Q4_1:
  case WK_GGML_Q5_0:
  case WK_GGML_Q5_1:
  case WK_GGML_Q8_0: return 32;
  case WK_GGML_Q2_K:
  case WK_GGML_Q3_K:
  case WK_GGML_Q4_K:
  case WK_GGML_Q5_K:
  case WK_GGML_Q6_K: return 256;
  }
  return 0;
}

int wk_ggml_block_bytes(int type) {
  switch (type) {
  case WK_GGML_F32: return 4;
  case WK_GGML_F16: return 2;
  case WK_GGML_Q4_0: return 2 + 16;
  case WK_GGML_Q4_1: return 4 + 16;
  case WK_GGML_Q5_0: return 2 + 4 + 16;
  case WK_GGML_Q5_1: return 4 + 4 + 16;
  case WK_GGML_Q8_0: return 2 + 32;
  case WK_GGML_Q2_K: return 16 + 64 + 4;
  case WK_GGML_Q3_K: return 32 + 64 + 12 + 2;
  case WK_GGML_Q4_K: return 4 + 12 + 128;
  case WK_GGML_Q5_K: return 4 + 12 + 32 + 128;
  case WK_GGML_Q6_K: return 128 + 64 + 16 + 2;
  }
  return 0;
}

const char *wk_ggml_type_name(int type) {
  switch (type) {
  case WK_GGML_F32: return "f32";
  case WK_GGML_F16: return "f16";
  case WK_GGML_Q4_0: return "q4_0";
  case WK_GGML_Q4_1: return "q4_1";
  case WK_GGML_Q5_0: return "q5_0";
  case WK_GGML_Q5_1: return "q5_1";
  case WK_GGML_Q8_0: return "q8_0";
  case WK_GGML_Q2_K: return "q2_k";
  case WK_GGML_Q3_K: return "q3_k";
  case WK_GGML_Q4_K: return "q4_k";
  case WK_GGML_Q5_K: return "q5_k";
  case WK_GGML_Q6_K: return "q6_k";
  }
  return "unknown";
}

static inline float f16_at(const uint8_t *p) { return wk_f16_to_f32((uint16_t)(p[0] | p[1] << 8)); }
static inline void put_f16(uint8_t *p, float f) {
  const uint16_t h = wk_f32_to_f16(f);
  p[0] = (uint8_t)h, p[1] = (uint8_t)(h >> 8);
}
static inline uint32_t u32_at(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void wk_f16_row_to_f32(const uint8_t *src, float *dst, size_t n) {
  size_t i = 0;
#if defined(__SSE2__)
  /* Four at a time with x86-64's baseline SSE2 (no ISA flags): wk_f16_to_f32's operations lane
   * by lane, so the result is bit-identical to the scalar definition (checked on all 65536
   * values by test_model).  GCC -O2 does not vectorize the scalar loop; this is ≈ 4× faster. */
  const __m128i zero = _mm_setzero_si128(), sign_mask = _mm_set1_epi32((int)0x80000000u);
  const __m128i exp_offset = _mm_set1_epi32(0xE0 << 23), magic = _mm_set1_epi32(126 << 23);
  const __m128i denorm_cutoff = _mm_set1_epi32(1 << 26); /* compared with two_w / 2, unsigned-safe */
  const __m128 exp_scale = _mm_set1_ps(0x1p-112f), half = _mm_set1_ps(0.5f);
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm_loadu_si128((const __m128i *)(const void *)(src + 2 * i));
    for (int part = 0; part < 2; part++) {
      const __m128i w = part ? _mm_unpackhi_epi16(zero, h) : _mm_unpacklo_epi16(zero, h); /* h << 16 */
      const __m128i two_w = _mm_add_epi32(w, w), sign = _mm_and_si128(w, sign_mask);
      const __m128 normalized = _mm_mul_ps(
          _mm_castsi128_ps(_mm_add_epi32(_mm_srli_epi32(two_w, 4), exp_offset)), exp_scale);
      const __m128 denormalized =
          _mm_sub_ps(_mm_castsi128_ps(_mm_or_si128(_mm_srli_epi32(two_w, 17), magic)), half);
      const __m128i is_denorm = _mm_cmplt_epi32(_mm_srli_epi32(two_w, 1), denorm_cutoff);
      const __m128i bits = _mm_or_si128(_mm_and_si128(is_denorm, _mm_castps_si128(denormalized)),
                                        _mm_andnot_si128(is_denorm, _mm_castps_si128(normalized)));
      _mm_storeu_ps(dst + i + 4 * part, _mm_castsi128_ps(_mm_or_si128(sign, bits)));
    }
  }
#endif
  for (; i < n; i++) dst[i] = wk_f16_to_f32((uint16_t)(src[2 * i] | src[2 * i + 1] << 8));
}

/* ── legacy blocks of 32 ─────────────────────────────────────────────────────────────────── */

static void dequant_q4_0(const uint8_t *b, float *y) { /* 18 bytes → 32 */
  const float d = f16_at(b);
  for (int j = 0; j < 16; j++) {
    y[j] = (float)((b[2 + j] & 0x0F) - 8) * d;
    y[j + 16] = (float)((b[2 + j] >> 4) - 8) * d;
  }
}

static void dequant_q4_1(const uint8_t *b, float *y) { /* 20 bytes → 32 */
  const float d = f16_at(b), m = f16_at(b + 2);
  for (int j = 0; j < 16; j++) {
    y[j] = (float)(b[4 + j] & 0x0F) * d + m;
    y[j + 16] = (float)(b[4 + j] >> 4) * d + m;
  }
}

static void dequant_q5_0(const uint8_t *b, float *y) { /* 22 bytes → 32 */
  const float d = f16_at(b);
  const uint32_t qh = u32_at(b + 2);
  for (int j = 0; j < 16; j++) {
    const int h0 = (int)((qh >> j) << 4 & 0x10), h1 = (int)((qh >> (j + 12)) & 0x10);
    y[j] = (float)(((b[6 + j] & 0x0F) | h0) - 16) * d;
    y[j + 16] = (float)(((b[6 + j] >> 4) | h1) - 16) * d;
  }
}

static void dequant_q5_1(const uint8_t *b, float *y) { /* 24 bytes → 32 */
  const float d = f16_at(b), m = f16_at(b + 2);
  const uint32_t qh = u32_at(b + 4);
  for (int j = 0; j < 16; j++) {
    const int h0 = (int)((qh >> j) << 4 & 0x10), h1 = (int)((qh >> (j + 12)) & 0x10);
    y[j] = (float)((b[8 + j] & 0x0F) | h0) * d + m;
    y[j + 16] = (float)((b[8 + j] >> 4) | h1) * d + m;
  }
}

static void dequant_q8_0(const uint8_t *b, float *y) { /* 34 bytes → 32 */
  const float d = f16_at(b);
  for (int j = 0; j < 32; j++) y[j] = (float)(int8_t)b[2 + j] * d;
}

/* ── k-quants: super-blocks of 256 (ggml's dequantize_row_q*_K) ──────────────────────────── */

/* 6-bit scale and min j (0…7) of Q4_K/Q5_K's 12 packed bytes */
static void scale_min_k4(int j, const uint8_t *q, int *d, int *m) {
  if (j < 4) {
    *d = q[j] & 63, *m = q[j + 4] & 63;
  } else {
    *d = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

static void dequant_q2_k(const uint8_t *b, float *y) { /* scales[16] qs[64] d dmin */
  const uint8_t *scales = b, *q = b + 16;
  const float d = f16_at(b + 80), dmin = f16_at(b + 82);
  int is = 0;
  for (int n = 0; n < 256; n += 128) {
    for (int shift = 0; shift < 8; shift += 2) {
      for (int half = 0; half < 2; half++) {
        const int sc = scales[is++];
        const float dl = d * (float)(sc & 0xF), ml = dmin * (float)(sc >> 4);
        for (int l = 0; l < 16; l++) *y++ = dl * (float)((q[l + 16 * half] >> shift) & 3) - ml;
      }
    }
    q += 32;
  }
}

static void dequant_q3_k(const uint8_t *b, float *y) { /* hmask[32] qs[64] scales[12] d */
  const uint8_t *hm = b, *q = b + 32, *s = b + 96;
  const float d_all = f16_at(b + 108);
  int sc[16]; /* 6-bit scales: low 4 bits from s[0..7], high 2 bits from s[8..11] */
  for (int j = 0; j < 16; j++) {
    const int lo = j < 8 ? s[j] & 0xF : s[j - 8] >> 4;
    const int hi = (s[8 + (j & 3)] >> (2 * (j >> 2))) & 3;
    sc[j] = (lo | hi << 4) - 32;
  }
  int is = 0;
  uint8_t m = 1;
  for (int n = 0; n < 256; n += 128) {
    for (int shift = 0; shift < 8; shift += 2) {
      for (int half = 0; half < 2; half++) {
        const float dl = d_all * (float)sc[is++];
        for (int l = 16 * half; l < 16 * half + 16; l++)
          *y++ = dl * (float)(((q[l] >> shift) & 3) - ((hm[l] & m) ? 0 : 4));
      }
      m <<= 1;
    }
    q += 32;
  }
}

static void dequant_q4_k(const uint8_t *b, float *y) { /* d dmin scales[12] qs[128] */
  const float d = f16_at(b), dmin = f16_at(b + 2);
  const uint8_t *scales = b + 4, *q = b + 16;
  for (int j = 0, is = 0; j < 256; j += 64, is += 2, q += 32) {
    int sc, m;
    scale_min_k4(is, scales, &sc, &m);
    const float d1 = d * (float)sc, m1 = dmin * (float)m;
    scale_min_k4(is + 1, scales, &sc, &m);
    const float d2 = d * (float)sc, m2 = dmin * (float)m;
    for (int l = 0; l < 32; l++) *y++ = d1 * (float)(q[l] & 0xF) - m1;
    for (int l = 0; l < 32; l++) *y++ = d2 * (float)(q[l] >> 4) - m2;
  }
}

static void dequant_q5_k(const uint8_t *b, float *y) { /* d dmin scales[12] qh[32] qs[128] */
  const float d = f16_at(b), dmin = f16_at(b + 2);
  const uint8_t *scales = b + 4, *qh = b + 16, *ql = b + 48;
  uint8_t u1 = 1, u2 = 2;
  for (int j = 0, is = 0; j < 256; j += 64, is += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
    int sc, m;
    scale_min_k4(is, scales, &sc, &m);
    const float d1 = d * (float)sc, m1 = dmin * (float)m;
    scale_min_k4(is + 1, scales, &sc, &m);
    const float d2 = d * (float)sc, m2 = dmin * (float)m;
    for (int l = 0; l < 32; l++) *y++ = d1 * (float)((ql[l] & 0xF) + (qh[l] & u1 ? 16 : 0)) - m1;
    for (int l = 0; l < 32; l++) *y++ = d2 * (float)((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
  }
}

static void dequant_q6_k(const uint8_t *b, float *y) { /* ql[128] qh[64] scales:i8[16] d */
  const uint8_t *ql = b, *qh = b + 128;
  const int8_t *sc = (const int8_t *)(b + 192);
  const float d = f16_at(b + 208);
  for (int n = 0; n < 256; n += 128, y += 128, ql += 64, qh += 32, sc += 8) {
    for (int l = 0; l < 32; l++) {
      const int is = l / 16;
      const int q1 = ((ql[l] & 0xF) | ((qh[l] >> 0) & 3) << 4) - 32;
      const int q2 = ((ql[l + 32] & 0xF) | ((qh[l] >> 2) & 3) << 4) - 32;
      const int q3 = ((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32;
      const int q4 = ((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32;
      /* ggml: d * sc * q, evaluated left to right in float */
      y[l] = d * (float)sc[is] * (float)q1;
      y[l + 32] = d * (float)sc[is + 2] * (float)q2;
      y[l + 64] = d * (float)sc[is + 4] * (float)q3;
      y[l + 96] = d * (float)sc[is + 6] * (float)q4;
    }
  }
}

void wk_ggml_dequantize_row(int type, const uint8_t *src, float *dst, size_t n) {
  void (*block)(const uint8_t *, float *) = NULL;
  switch (type) {
  case WK_GGML_F32: memcpy(dst, src, n * sizeof(float)); return; /* little-endian host */
  case WK_GGML_F16: wk_f16_row_to_f32(src, dst, n); return;
  case WK_GGML_Q4_0: block = dequant_q4_0; break;
  case WK_GGML_Q4_1: block = dequant_q4_1; break;
  case WK_GGML_Q5_0: block = dequant_q5_0; break;
  case WK_GGML_Q5_1: block = dequant_q5_1; break;
  case WK_GGML_Q8_0: block = dequant_q8_0; break;
  case WK_GGML_Q2_K: block = dequant_q2_k; break;
  case WK_GGML_Q3_K: block = dequant_q3_k; break;
  case WK_GGML_Q4_K: block = dequant_q4_k; break;
  case WK_GGML_Q5_K: block = dequant_q5_k; break;
  case WK_GGML_Q6_K: block = dequant_q6_k; break;
  default: return;
  }
  const size_t qk = (size_t)wk_ggml_block_size(type), bytes = (size_t)wk_ggml_block_bytes(type);
  for (size_t i = 0; i < n / qk; i++) block(src + i * bytes, dst + i * qk);
}

/* ── quantizers: ggml's quantize_row_<type>_ref, operation for operation ─────────────────── */

/* The first of a block's values with the largest magnitude, sign kept (ggml's `max`). */
static float largest_magnitude(const float *x) {
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < 32; j++)
    if (amax < fabsf(x[j])) amax = fabsf(x[j]), max = x[j];
  return max;
}

static void min_max(const float *x, float *min, float *max) { /* of a block of 32 */
  float lo = FLT_MAX, hi = -FLT_MAX;
  for (int j = 0; j < 32; j++) {
    if (x[j] < lo) lo = x[j];
    if (x[j] > hi) hi = x[j];
  }
  *min = lo, *max = hi;
}

static void quant_q4_0(const float *x, uint8_t *b) {
  const float max = largest_magnitude(x);
  const float d = max / -8, id = d != 0.0f ? 1.0f / d : 0.0f;
  put_f16(b, d);
  for (int j = 0; j < 16; j++) {
    /* ggml truncates x·id + 8.5 toward zero (the value is ≥ 0.5 here) and clamps to 15 */
    int q0 = (int)(x[j] * id + 8.5f), q1 = (int)(x[j + 16] * id + 8.5f);
    q0 = q0 < 15 ? q0 : 15, q1 = q1 < 15 ? q1 : 15;
    b[2 + j] = (uint8_t)(q0 | q1 << 4);
  }
}

static void quant_q4_1(const float *x, uint8_t *b) {
  float min, max;
  min_max(x, &min, &max);
  const float d = (max - min) / 15, id = d != 0.0f ? 1.0f / d : 0.0f;
  put_f16(b, d), put_f16(b + 2, min);
  for (int j = 0; j < 16; j++) {
    int q0 = (int)((x[j] - min) * id + 0.5f), q1 = (int)((x[j + 16] - min) * id + 0.5f);
    q0 = q0 < 15 ? q0 : 15, q1 = q1 < 15 ? q1 : 15;
    b[4 + j] = (uint8_t)(q0 | q1 << 4);
  }
}

static void quant_q5_0(const float *x, uint8_t *b) {
  const float max = largest_magnitude(x);
  const float d = max / -16, id = d != 0.0f ? 1.0f / d : 0.0f;
  put_f16(b, d);
  uint32_t qh = 0;
  for (int j = 0; j < 16; j++) {
    int q0 = (int)(x[j] * id + 16.5f), q1 = (int)(x[j + 16] * id + 16.5f);
    q0 = q0 < 31 ? q0 : 31, q1 = q1 < 31 ? q1 : 31;
    b[6 + j] = (uint8_t)((q0 & 0x0F) | (q1 & 0x0F) << 4);
    qh |= (uint32_t)(q0 >> 4 & 1) << j | (uint32_t)(q1 >> 4 & 1) << (j + 16);
  }
  for (int k = 0; k < 4; k++) b[2 + k] = (uint8_t)(qh >> 8 * k);
}

static void quant_q5_1(const float *x, uint8_t *b) {
  float min, max;
  min_max(x, &min, &max);
  const float d = (max - min) / 31, id = d != 0.0f ? 1.0f / d : 0.0f;
  put_f16(b, d), put_f16(b + 2, min);
  uint32_t qh = 0;
  for (int j = 0; j < 16; j++) {
    /* ggml does not clamp here: (x − min)·id ≤ 31 by construction, + 0.5 truncates to ≤ 31 */
    const int q0 = (int)((x[j] - min) * id + 0.5f), q1 = (int)((x[j + 16] - min) * id + 0.5f);
    b[8 + j] = (uint8_t)((q0 & 0x0F) | (q1 & 0x0F) << 4);
    qh |= (uint32_t)(q0 >> 4 & 1) << j | (uint32_t)(q1 >> 4 & 1) << (j + 16);
  }
  for (int k = 0; k < 4; k++) b[4 + k] = (uint8_t)(qh >> 8 * k);
}

static void quant_q8_0(const float *x, uint8_t *b) {
  float amax = 0.0f;
  for (int j = 0; j < 32; j++) amax = amax > fabsf(x[j]) ? amax : fabsf(x[j]);
  const float d = amax / 127, id = d != 0.0f ? 1.0f / d : 0.0f;
  put_f16(b, d);
  for (int j = 0; j < 32; j++) b[2 + j] = (uint8_t)(int8_t)roundf(x[j] * id); /* half away */
}

size_t wk_ggml_quantize_row(int type, const float *src, uint8_t *dst, size_t n) {
  void (*block)(const float *, uint8_t *) = NULL;
  switch (type) {
  case WK_GGML_F32: memcpy(dst, src, n * sizeof(float)); return n * sizeof(float);
  case WK_GGML_F16:
    for (size_t i = 0; i < n; i++) {
      const uint16_t h = wk_f32_to_f16(src[i]);
      dst[2 * i] = (uint8_t)h, dst[2 * i + 1] = (uint8_t)(h >> 8);
    }
    return 2 * n;
  case WK_GGML_Q4_0: block = quant_q4_0; break;
  case WK_GGML_Q4_1: block = quant_q4_1; break;
  case WK_GGML_Q5_0: block = quant_q5_0; break;
  case WK_GGML_Q5_1: block = quant_q5_1; break;
  case WK_GGML_Q8_0: block = quant_q8_0; break;
  default: return 0;
  }
  const size_t bytes = (size_t)wk_ggml_block_bytes(type);
  for (size_t i = 0; i < n / 32; i++) block(src + 32 * i, dst + i * bytes);
  return n / 32 * bytes;
}
