/* ggml-quants.h — ggml's tensor types as whisper.cpp model files store them: the block formats,
 * fp16 conversion, dequantization of every type a whisper.cpp file may carry, and the reference
 * quantizers of the legacy block types (used by the synthetic model writer).
 *
 * The formats are ggml's (ggml/src/ggml-common.h, ggml-quants.c); this is our own scalar code.
 * Blocks are read and written byte by byte (little-endian), never through a struct cast, so file
 * data at any alignment is fine.
 *
 *   type  id  block  bytes  layout of one block (x = dequantized value, q = stored integer)
 *   F32    0      1      4
 *   F16    1      1      2
 *   Q4_0   2     32     18  d:f16, qs[16]    x[j] = (nib − 8)·d;  low nibbles j < 16, high j ≥ 16
 *   Q4_1   3     32     20  d:f16, m:f16, qs[16]            x = nib·d + m
 *   Q5_0   6     32     22  d:f16, qh:u32, qs[16]           x = ((nib | bit5 << 4) − 16)·d
 *   Q5_1   7     32     24  d:f16, m:f16, qh:u32, qs[16]    x = (nib | bit5 << 4)·d + m
 *   Q8_0   8     32     34  d:f16, qs:i8[32]                x = q·d
 *   Q2_K  10    256     84  scales[16], qs[64], d:f16, dmin:f16
 *   Q3_K  11    256    110  hmask[32], qs[64], scales[12], d:f16
 *   Q4_K  12    256    144  d:f16, dmin:f16, scales[12], qs[128]
 *   Q5_K  13    256    176  d:f16, dmin:f16, scales[12], qh[32], qs[128]
 *   Q6_K  14    256    210  ql[128], qh[64], scales:i8[16], d:f16
 */
#ifndef WK_GGML_QUANTS_H
#define WK_GGML_QUANTS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef enum wk_ggml_type {
  WK_GGML_F32 = 0,
  WK_GGML_F16 = 1,
  WK_GGML_Q4_0 = 2,
  WK_GGML_Q4_1 = 3,
  WK_GGML_Q5_0 = 6,
  WK_GGML_Q5_1 = 7,
  WK_GGML_Q8_0 = 8,
  WK_GGML_Q2_K = 10,
  WK_GGML_Q3_K = 11,
  WK_GGML_Q4_K = 12,
  WK_GGML_Q5_K = 13,
  WK_GGML_Q6_K = 14,
} wk_ggml_type;

/* Elements per block and bytes per block of a type this loader supports; both 0 for any other
 * id (unknown, or a ggml type whisper.cpp files never carry). */
int wk_ggml_block_size(int type);
int wk_ggml_block_bytes(int type);
const char *wk_ggml_type_name(int type); /* "f32", "q5_1", …; "unknown" */

/* ── fp16 ↔ fp32 (IEEE binary16; round to nearest even) ──────────────────────────────────────
 * Branch-free bit manipulation (after Maratos' FP16 library), inline so that the F16 rows
 * vectorize: no per-element call and no table. */
static inline uint32_t wk_f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float wk_f32_from_bits(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

static inline float wk_f16_to_f32(uint16_t h) {
  const uint32_t w = (uint32_t)h << 16, sign = w & 0x80000000u, two_w = w + w;
  /* normal/inf/NaN: shift exponent+mantissa into place, re-bias by 2^(127−15) with a multiply
   * (0xE0 << 23 puts the exponent at +112 so that inf/NaN stay inf/NaN). */
  const float normalized = wk_f32_from_bits((two_w >> 4) + (0xE0u << 23)) * 0x1p-112f;
  /* subnormal: the mantissa as the low bits of 0.5's significand, minus 0.5 (exact) */
  const float denormalized = wk_f32_from_bits((two_w >> 17) | (126u << 23)) - 0.5f;
  const uint32_t r = sign | (two_w < (1u << 27) ? wk_f32_bits(denormalized)
                                                  : wk_f32_bits(normalized));
  return wk_f32_from_bits(r);
}

static inline uint16_t wk_f32_to_f16(float f) {
  /* Round to nearest even by letting the FPU round: scale the magnitude so that the bits below
   * fp16 precision fall off when added to a power of two chosen from f's exponent. */
  float base = (fabsf(f) * 0x1p+112f) * 0x1p-110f;
  const uint32_t w = wk_f32_bits(f), shl1_w = w + w, sign = w & 0x80000000u;
  uint32_t bias = shl1_w & 0xFF000000u;
  if (bias < 0x71000000u) bias = 0x71000000u;
  base = wk_f32_from_bits((bias >> 1) + 0x07800000u) + base;
  const uint32_t bits = wk_f32_bits(base);
  const uint32_t exp_bits = (bits >> 13) & 0x00007C00u, mantissa_bits = bits & 0x00000FFFu;
  const uint32_t nonsign = exp_bits + mantissa_bits;
  return (uint16_t)((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : nonsign));
}

/* n fp16 values (little-endian bytes at any alignment) → n floats. */
void wk_f16_row_to_f32(const uint8_t *src, float *dst, size_t n);

/* Dequantizes n elements of `type` (n a multiple of its block size) from src (n / block ·
 * block_bytes bytes, any alignment) into dst[n].  F32 and F16 included. */
void wk_ggml_dequantize_row(int type, const uint8_t *src, float *dst, size_t n);

/* Quantizes n floats (a multiple of 32 for the block types) into `type` exactly as ggml's
 * quantize_row_<type>_ref does (what whisper.cpp's quantize tool calls without an importance
 * matrix), bit for bit.  Supported: F32, F16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0.  Returns the bytes
 * written, 0 for a type it cannot write. */
size_t wk_ggml_quantize_row(int type, const float *src, uint8_t *dst, size_t n);

#endif
