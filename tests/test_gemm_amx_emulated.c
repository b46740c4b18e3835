/* test_gemm_amx_emulated.c — the AMX GEMM microkernel's logic, bit-exact against the scalar spec
 * on any AVX-512 VNNI CPU: gemm-amx.c is built into this test with -DWK_AMX_EMULATE, which runs
 * its tile instructions on a C model (runtime/amx-emulate.h) that also faults on tile shapes
 * the hardware would reject.  The operator cannot select an emulated kernel, so a small driver
 * below does what gemm.c does with a kernel (pack in 256-column tasks, zero-padded scales and
 * bias, block() over row × column blocks), under several blockings, with guard bytes after the
 * packed weights and the scratch.  Cases:
 *   shapes, k_large: the sweeps of test_gemm_kernels.c (gemm_kernel_check.h), so every row,
 *              column and K remainder of the 32 × 32 × 64 tiling, strides, epilogues, in place;
 *   whisper:   1500×512×512 with bias + GELU + residual (one blocking: the model is slow).
 * (The quantizer is the quant family's: tests/test_quant.c.) */
#include <math.h>
#include <string.h>

#include "gemm_kernel_check.h"

extern const wk_gemm_kernel wk_gemm_kernel_amx_emulated;

#define GUARD 256   /* bytes checked after the packed weights and after the scratch */
#define GUARD_BYTE 0xa5
#define PACK_COLS 256 /* the operator's columns per packing task */

static wk_context *spec_ctx; /* scalar, 1 thread: the spec output */

static int guard_intact(const uint8_t *g, const char *what, const char *buf) {
  for (int i = 0; i < GUARD; i++)
    if (g[i] != GUARD_BYTE) {
      CHECK(0, "%s: %s written past its size (byte %d)", what, buf, i);
      return 0;
    }
  return 1;
}

/* p through `kern` the way gemm.c runs it: row blocks of mb rows (a multiple of kern->mr),
 * column blocks of nb columns (a multiple of WK_GEMM_NB_ALIGN).  Returns the output buffer. */
static float *run_kernel(const wk_gemm_kernel *kern, const problem *p, int mb, int nb,
                         const char *what) {
  const int n = p->n, k = p->k;
  const size_t n_pad = ((size_t)n + WK_GEMM_NB_ALIGN - 1) / WK_GEMM_NB_ALIGN * WK_GEMM_NB_ALIGN;
  const size_t psize = kern->panel_size(k), packed_bytes = n_pad / (size_t)kern->nr * psize;
  const size_t used_bytes = ((size_t)n + kern->nr - 1) / (size_t)kern->nr * psize;
  uint8_t *packed = wk_alloc(packed_bytes + GUARD);
  memset(packed, GUARD_BYTE, packed_bytes + GUARD);
  for (int j0 = 0; j0 < n; j0 += PACK_COLS)
    kern->pack(p->w + j0 * p->w_stride, p->w_stride, n - j0 < PACK_COLS ? n - j0 : PACK_COLS, k,
               packed + (size_t)(j0 / kern->nr) * psize);
  guard_intact(packed + used_bytes, what, "pack"); /* ceil(n / nr) panels, no more */
  float *w_scale = wk_alloc(sizeof(float) * n_pad), *bias = NULL;
  memset(w_scale, 0, sizeof(float) * n_pad);
  memcpy(w_scale, p->w_scale, sizeof(float) * n);
  if (p->bias) {
    bias = wk_alloc(sizeof(float) * n_pad);
    memset(bias, 0, sizeof(float) * n_pad);
    memcpy(bias, p->bias, sizeof(float) * n);
  }
  const size_t scratch_bytes = kern->scratch_size(k);
  uint8_t *scratch = wk_alloc(scratch_bytes + GUARD); /* 64-byte aligned */
  memset(scratch, GUARD_BYTE, scratch_bytes + GUARD);

  float *out = new_output(p);
  const float *residual = p->in_place ? out : p->residual;
  for (int i0 = 0; i0 < p->m; i0 += mb)
    for (int j0 = 0; j0 < n; j0 += nb) {
      wk_gemm_block_args b = {
          .m = p->m - i0 < mb ? p->m - i0 : mb,
          .n = n - j0 < nb ? n - j0 : nb,
          .k = k,
          .a = p->a + i0 * p->a_stride,
          .a_stride = p->a_stride,
          .a_scale = p->a_scale + i0,
          .w = packed + (size_t)(j0 / kern->nr) * psize,
          .w_scale = w_scale + j0,
          .bias = bias ? bias + j0 : NULL,
          .gelu = p->gelu,
          .residual = residual ? residual + i0 * p->out_stride + j0 : NULL,
          .residual_stride = p->out_stride,
          .out = out + i0 * p->out_stride + j0,
          .out_stride = p->out_stride,
          .scratch = scratch,
      };
      kern->block(&b);
    }
  guard_intact(scratch + scratch_bytes, what, "block scratch");
  guard_intact(packed + used_bytes, what, "packed weights (after block)");
  wk_free(packed);
  wk_free(w_scale);
  wk_free(bias);
  wk_free(scratch);
  return out;
}

/* Blockings: the operator's at 1 thread (mr·8 rows × every column), the smallest (mr × 64),
 * and one in between. */
static void compare_amx(const problem *p, const char *what, int reference) {
  const wk_gemm_kernel *kern = &wk_gemm_kernel_amx_emulated;
  const int blockings[][2] = {{kern->mr * 8, 1 << 30}, {kern->mr, WK_GEMM_NB_ALIGN},
                              {kern->mr * 3, 2 * WK_GEMM_NB_ALIGN}};
  float *want = run(spec_ctx, p);
  char label[200];
  snprintf(label, sizeof label, "%s scalar", what);
  check_sentinel(p, want, label);
  if (reference) check_reference(p, want, label);
  for (size_t b = 0; b < sizeof blockings / sizeof blockings[0]; b++) {
    snprintf(label, sizeof label, "%s %s (blocks %d x %d)", what, kern->name, blockings[b][0],
             blockings[b][1] == 1 << 30 ? p->n : blockings[b][1]);
    float *got = run_kernel(kern, p, blockings[b][0], blockings[b][1], label);
    same_bytes(p, want, got, label);
    free(got);
  }
  free(want);
}

static void test_whisper(wk_test_rng *rng) {
  const wk_gemm_kernel *kern = &wk_gemm_kernel_amx_emulated;
  problem p;
  make_problem(&p, rng, 1500, 512, 512, 0, 1 | 2 | 4, 4.0f);
  float *want = run(spec_ctx, &p);
  float *got = run_kernel(kern, &p, kern->mr * 8, 256, "whisper");
  same_bytes(&p, want, got, "whisper 1500x512x512 bias+gelu+residual");
  free(want);
  free(got);
  free_problem(&p);
  printf("whisper: 1500x512x512 identical to the spec\n");
}

int main(void) {
  if (!wk_isa_supported(WK_ISA_AVX512VNNI)) {
    printf("SKIP: the emulated AMX kernel still needs AVX-512 VNNI for its vector code\n");
    return WK_TEST_SKIP;
  }
  wk_context_options o = {1, WK_ISA_SCALAR};
  if (wk_context_create(&o, &spec_ctx) != WK_STATUS_OK) {
    fprintf(stderr, "cannot create the scalar context: %s\n", wk_last_error());
    return 1;
  }
  printf("%s (mr %d, nr %d) against %s\n", wk_gemm_kernel_amx_emulated.name,
         wk_gemm_kernel_amx_emulated.mr, wk_gemm_kernel_amx_emulated.nr,
         wk_context_kernel_name(spec_ctx, "gemm"));
  wk_test_rng rng = {20261123};
  gemm_check_shapes(&rng, compare_amx);
  gemm_check_k_large(&rng, compare_amx);
  test_whisper(&rng);
  wk_context_free(spec_ctx);
  return wk_test_finish("test_gemm_amx_emulated");
}
