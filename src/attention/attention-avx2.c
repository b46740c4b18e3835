/* PLACEHOLDER — to be replaced by the real avx2 kernel. Forwards to the scalar spec. */
#include "attention/attention-internal.h"
static size_t ks(int lk, int d) { return wk_attention_kernel_scalar.k_packed_size(lk, d); }
static size_t vs(int lk, int d) { return wk_attention_kernel_scalar.v_packed_size(lk, d); }
static size_t ss(int lk, int d) { return wk_attention_kernel_scalar.scratch_size(lk, d); }
static void pk(const int8_t *k, ptrdiff_t rs, int lk, int d, void *o) { wk_attention_kernel_scalar.pack_k(k, rs, lk, d, o); }
static void pv(const int8_t *k, ptrdiff_t rs, int lk, int d, void *o) { wk_attention_kernel_scalar.pack_v(k, rs, lk, d, o); }
static void rows(const wk_attn_rows_args *a) { wk_attention_kernel_scalar.rows(a); }
const wk_attention_kernel wk_attention_kernel_avx2 = {"placeholder-avx2", WK_ISA_AVX2, ks, vs, ss, pk, pv, rows};
