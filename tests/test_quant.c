/* test_quant.c ISA — the quant family on ISA equals the scalar specification bit for bit:
 *   kernels:  amax_bits and quantize on k = 1 … 70 and 1500 (every vector-width remainder of
 *             AVX2's 8/16/32 and AVX-512's 16/32/64 loops), ties, subnormal and huge rows, a
 *             scale small enough that the ±127 clamp binds, NaN/∞ at every position class; no
 *             byte written past the row;
 *   rows:     wk_quantize_rows on 1 and 3 threads;
 *   qkv:      wk_quantize_qkv (Q, K per token·head, V per head) and wk_qkv_finish (V from
 *             the maxima the QKV GEMM leaves) on 1 and 3 threads, against the rule written
 *             out here; NaN in Q, K or V named; a short workspace refused;
 *   weights:  wk_quantize_weights against the rule written out here (with and without column
 *             factors), NaN refused; the ISA's quantizer on 1 and 3 threads gives the same
 *             bytes, the first bad row named. */
#include <math.h>
#include <string.h>

#include "quant/quant-internal.h"
#include "quant/quant.h"
#include "runtime/dispatch.h"
#include "test_util.h"

static void fill(wk_test_rng *r, float *x, int k, int kind) {
  for (int i = 0; i < k; i++) {
    const float v = wk_test_float(r, -3.0f, 3.0f);
    x[i] = kind == 1 ? (float)wk_test_int(r, -127, 126) + 0.5f /* ties */
           : kind == 2 ? v * 1e-44f                              /* subnormal */
           : kind == 3 ? v * 1e37f                               /* huge */
           : kind == 4 ? 0.0f                                    /* all zero */
                       : v;
  }
}

static void check_kernels(const wk_quant_kernel *kern, wk_test_rng *r) {
  const wk_quant_kernel *spec = &wk_quant_kernel_scalar;
  int cases = 0;
  for (int k = 1; k <= 1500; k = k < 70 ? k + 1 : 1500 + (k == 1500)) {
    for (int kind = 0; kind < 5; kind++) {
      float x[1500];
      int8_t q0[1500], q1[1501];
      fill(r, x, k, kind);
      const uint32_t a0 = spec->amax_bits(x, k), a1 = kern->amax_bits(x, k);
      CHECK(a0 == a1, "%s amax k=%d kind=%d: %08x vs %08x", kern->name, k, kind, a1, a0);
      const float s = wk_quantize_scale(a0);
      q1[k] = 0x55;
      spec->quantize(x, k, s, q0);
      kern->quantize(x, k, s, q1);
      CHECK(memcmp(q0, q1, (size_t)k) == 0, "%s quantize k=%d kind=%d differs", kern->name, k,
            kind);
      CHECK(q1[k] == 0x55, "%s quantize k=%d wrote past the row", kern->name, k);
      /* a scale below amax/127 (the contract allows any finite s > 0): the clamp to ±127 binds
       * on both sides, also where rint gives exactly ±128 */
      spec->quantize(x, k, s / 1.5f, q0);
      kern->quantize(x, k, s / 1.5f, q1);
      CHECK(memcmp(q0, q1, (size_t)k) == 0, "%s quantize k=%d kind=%d, clamped, differs",
            kern->name, k, kind);
      cases++;
    }
    /* a NaN or ∞ anywhere (first, last, in the vector body or the tail) is seen */
    float x[1500];
    fill(r, x, k, 0);
    const int pos[3] = {0, k - 1, k / 2};
    for (int p = 0; p < 3; p++) {
      const float keep = x[pos[p]];
      x[pos[p]] = p == 1 ? -INFINITY : NAN;
      CHECK(kern->amax_bits(x, k) >= WK_F32_NONFINITE_BITS, "%s: non-finite at %d of %d missed",
            kern->name, pos[p], k);
      x[pos[p]] = keep;
    }
  }
  printf("%s: %d rows equal the scalar kernel's\n", kern->name, cases);
}

/* The Q/K/V rule, written out: per token·head for Q and K, per head for V. */
static void qkv_expected(const float *f, int len, int H, int hd, int8_t *q8, int8_t *k8,
                         int8_t *v8, float *qs, float *ks, float *vsc) {
  const wk_quant_kernel *sp = &wk_quant_kernel_scalar;
  const int w = H * hd;
  for (int h = 0; h < H; h++) {
    uint32_t m = 0;
    for (int i = 0; i < len; i++) {
      wk_quant_row(sp, f + (size_t)i * 3 * w + h * hd, hd, q8 + (size_t)i * w + h * hd,
                   &qs[h * len + i]);
      wk_quant_row(sp, f + (size_t)i * 3 * w + w + h * hd, hd, k8 + (size_t)i * w + h * hd,
                   &ks[h * len + i]);
      for (int c = 0; c < hd; c++) {
        const uint32_t b = wk_f32_abs_bits(f[(size_t)i * 3 * w + 2 * w + h * hd + c]);
        m = b > m ? b : m;
      }
    }
    vsc[h] = wk_quantize_scale(m);
    for (int i = 0; i < len; i++)
      sp->quantize(f + (size_t)i * 3 * w + 2 * w + h * hd, hd, vsc[h], v8 + (size_t)i * w + h * hd);
  }
}

static void check_qkv(wk_isa isa, wk_test_rng *r) {
  static const int lens[] = {1, 31, 32, 33, 100};
  static const int hds[] = {16, 64, 80};
  int cases = 0;
  for (int li = 0; li < 5; li++)
    for (int hi = 0; hi < 3; hi++)
      for (int H = 1; H <= 3; H += 2) {
        const int len = lens[li], hd = hds[hi], w = H * hd;
        const size_t nf = (size_t)len * 3 * w, n8 = (size_t)len * w, ns = (size_t)H * len;
        float *f = malloc(nf * sizeof(float));
        int8_t *e8 = malloc(3 * n8), *g8 = malloc(3 * n8);
        float *es = malloc((2 * ns + H) * sizeof(float)), *gs = malloc((2 * ns + H) * sizeof(float));
        for (size_t i = 0; i < nf; i++) f[i] = wk_test_float(r, -4.0f, 4.0f) * (i % 7 ? 1 : 9);
        qkv_expected(f, len, H, hd, e8, e8 + n8, e8 + 2 * n8, es, es + ns, es + 2 * ns);
        const size_t wsz = wk_quantize_qkv_workspace_size(len, H);
        void *ws = malloc(wsz);
        for (int threads = 1; threads <= 3; threads += 2) {
          wk_context *c = wk_test_context(isa, threads);
          memset(g8, 0x55, 3 * n8);
          wk_status s = wk_quantize_qkv(c, f, len, H, hd, g8, g8 + n8, g8 + 2 * n8, gs, gs + ns,
                                        gs + 2 * ns, ws, wsz);
          CHECK(s == WK_STATUS_OK, "qkv: %s", wk_last_error());
          CHECK(memcmp(e8, g8, 3 * n8) == 0 &&
                    memcmp(es, gs, (2 * ns + H) * sizeof(float)) == 0,
                "qkv %s len=%d heads=%d hd=%d threads=%d differs from the rule", wk_isa_name(isa),
                len, H, hd, threads);
          { /* the end the encoder's QKV GEMM leaves (wk_qkv_finish): Q, K and their scales
             * done, V in fp32 with its maxima per token·head */
            float *vf = malloc(n8 * sizeof(float));
            uint32_t *am = malloc((size_t)len * H * sizeof(uint32_t));
            for (int i = 0; i < len; i++)
              for (int h = 0; h < H; h++) {
                uint32_t m = 0;
                for (int e = 0; e < hd; e++) {
                  const float v = f[(size_t)i * 3 * w + 2 * w + h * hd + e];
                  vf[(size_t)i * w + h * hd + e] = v;
                  m = wk_f32_abs_bits(v) > m ? wk_f32_abs_bits(v) : m;
                }
                am[(size_t)i * H + h] = m;
              }
            memset(g8 + 2 * n8, 0x55, n8);
            CHECK(wk_qkv_finish(c, len, H, hd, es, es + ns, am, vf, g8 + 2 * n8,
                                gs + 2 * ns) == WK_STATUS_OK,
                  "qkv finish: %s", wk_last_error());
            CHECK(memcmp(e8 + 2 * n8, g8 + 2 * n8, n8) == 0 &&
                      memcmp(es + 2 * ns, gs + 2 * ns, (size_t)H * sizeof(float)) == 0,
                  "qkv finish %s len=%d heads=%d hd=%d threads=%d differs from the rule",
                  wk_isa_name(isa), len, H, hd, threads);
            if (threads == 1) { /* NaN in a Q scale, a K scale, a V maximum: named */
              const float keep = es[ns - 1];
              es[ns - 1] = NAN; /* Q: the last token of the last head */
              CHECK(wk_qkv_finish(c, len, H, hd, es, es + ns, am, vf, g8 + 2 * n8,
                                  gs + 2 * ns) == WK_STATUS_INVALID_ARGUMENT &&
                        strstr(wk_last_error(), "Q of token") != NULL,
                    "qkv finish: NaN Q scale: %s", wk_last_error());
              es[ns - 1] = keep;
              es[ns] = NAN; /* K: token 0 of head 0 */
              CHECK(wk_qkv_finish(c, len, H, hd, es, es + ns, am, vf, g8 + 2 * n8,
                                  gs + 2 * ns) == WK_STATUS_INVALID_ARGUMENT &&
                        strstr(wk_last_error(), "K of token 0, head 0") != NULL,
                    "qkv finish: NaN K scale: %s", wk_last_error());
              qkv_expected(f, len, H, hd, e8, e8 + n8, e8 + 2 * n8, es, es + ns, es + 2 * ns);
              am[(size_t)(len - 1) * H + (H - 1)] = 0x7fc00000u; /* V of the last head */
              CHECK(wk_qkv_finish(c, len, H, hd, es, es + ns, am, vf, g8 + 2 * n8,
                                  gs + 2 * ns) == WK_STATUS_INVALID_ARGUMENT &&
                        strstr(wk_last_error(), "V of head") != NULL,
                    "qkv finish: NaN V: %s", wk_last_error());
            }
            free(vf), free(am);
          }
          if (threads == 1 && len == 100 && hd == 64) {
            CHECK(wk_quantize_qkv(c, f, len, H, hd, g8, g8 + n8, g8 + 2 * n8, gs, gs + ns,
                                  gs + 2 * ns, ws, wsz - 1) == WK_STATUS_INVALID_ARGUMENT,
                  "qkv: short workspace accepted");
            for (int part = 0; part < 3; part++) { /* NaN in Q, K, then V of the last head */
              const size_t at = (size_t)37 * 3 * w + (size_t)part * w + (size_t)(H - 1) * hd + 5;
              const float keep = f[at];
              f[at] = NAN;
              CHECK(wk_quantize_qkv(c, f, len, H, hd, g8, g8 + n8, g8 + 2 * n8, gs, gs + ns,
                                    gs + 2 * ns, ws, wsz) == WK_STATUS_INVALID_ARGUMENT,
                    "qkv: NaN in part %d accepted", part);
              CHECK(strstr(wk_last_error(), part == 2 ? "V of head" : "token 37") != NULL,
                    "qkv: message '%s'", wk_last_error());
              f[at] = keep;
            }
          }
          wk_context_free(c);
        }
        free(ws), free(f), free(e8), free(g8), free(es), free(gs);
        cases++;
      }
  printf("qkv: %d shapes equal the rule on 1 and 3 threads\n", cases);
}

static void check_rows(wk_isa isa, wk_test_rng *r) {
  const int m = 37, k = 77;
  float x[37 * 77];
  int8_t q0[37 * 77], q1[37 * 77];
  float s0[37], s1[37];
  for (int i = 0; i < m * k; i++) x[i] = wk_test_float(r, -2.0f, 2.0f);
  wk_context *sp = wk_test_context(WK_ISA_SCALAR, 1), *c = wk_test_context(isa, 3);
  CHECK(wk_quantize_rows(sp, x, k, m, k, q0, k, s0) == WK_STATUS_OK, "%s", wk_last_error());
  CHECK(wk_quantize_rows(c, x, k, m, k, q1, k, s1) == WK_STATUS_OK, "%s", wk_last_error());
  CHECK(memcmp(q0, q1, sizeof q0) == 0 && memcmp(s0, s1, sizeof s0) == 0, "rows differ");
  x[5 * k + 76] = INFINITY;
  CHECK(wk_quantize_rows(c, x, k, m, k, q1, k, s1) == WK_STATUS_INVALID_ARGUMENT &&
            strstr(wk_last_error(), "row 5"),
        "rows: inf not named: %s", wk_last_error());
  wk_context_free(sp), wk_context_free(c);
}

static void check_weights(wk_isa isa, wk_test_rng *r) {
  const int n = 5, k = 33;
  float w[5 * 40], col[33], sc[5];
  int8_t q[5 * 33];
  for (int i = 0; i < 5 * 40; i++) w[i] = wk_test_float(r, -0.1f, 0.1f);
  for (int c = 0; c < k; c++) col[c] = wk_test_float(r, 0.5f, 4.0f);
  for (int i = 0; i < 40; i++) w[2 * 40 + i] = 0.0f; /* an all-zero row: scale 1, q 0 */
  for (int use_col = 0; use_col < 2; use_col++) {
    CHECK(wk_quantize_weights(NULL, w, 40, n, k, use_col ? col : NULL, q, sc) == WK_STATUS_OK, "%s",
          wk_last_error());
    for (int j = 0; j < n; j++) {
      float amax = 0;
      for (int c = 0; c < k; c++)
        amax = fmaxf(amax, fabsf(use_col ? w[j * 40 + c] * col[c] : w[j * 40 + c]));
      const float s = amax > 0 ? amax / 127.0f : 1.0f;
      CHECK(sc[j] == s, "weights: scale of row %d", j);
      for (int c = 0; c < k; c++) {
        long v = lrintf((use_col ? w[j * 40 + c] * col[c] : w[j * 40 + c]) / s);
        v = v > 127 ? 127 : v < -127 ? -127 : v;
        CHECK(q[j * k + c] == v, "weights: q[%d][%d] = %d, expected %ld", j, c, q[j * k + c], v);
      }
    }
  }
  w[3 * 40 + 7] = NAN;
  CHECK(wk_quantize_weights(NULL, w, 40, n, k, NULL, q, sc) == WK_STATUS_INVALID_ARGUMENT &&
            strstr(wk_last_error(), "row 3"),
        "weights: NaN not refused: %s", wk_last_error());
  CHECK(wk_quantize_weights(NULL, w, 10, n, k, NULL, q, sc) == WK_STATUS_INVALID_ARGUMENT,
        "weights: stride < k accepted");

  /* the ISA's quantizer, rows split across threads (tasks of 64 rows): the bytes of the
   * scalar rule on the calling thread; the first bad row named */
  enum { N = 200, K = 33 }; /* K = the length of col */
  float *wb = malloc(sizeof(float) * N * K), *sa = malloc(sizeof(float) * N),
        *sb = malloc(sizeof(float) * N);
  int8_t *qa = malloc(N * K), *qb = malloc(N * K);
  for (int i = 0; i < N * K; i++) wb[i] = wk_test_float(r, -1.0f, 1.0f);
  CHECK(wk_quantize_weights(NULL, wb, K, N, K, col, qa, sa) == WK_STATUS_OK, "%s",
        wk_last_error());
  for (int threads = 1; threads <= 3; threads += 2) {
    wk_context *c = wk_test_context(isa, threads);
    memset(qb, 0, N * K);
    CHECK(wk_quantize_weights(c, wb, K, N, K, col, qb, sb) == WK_STATUS_OK, "%s",
          wk_last_error());
    CHECK(memcmp(qa, qb, N * K) == 0 && memcmp(sa, sb, sizeof(float) * N) == 0,
          "weights: %s on %d threads differs from the scalar rule", wk_isa_name(isa), threads);
    const float keep_a = wb[150 * K + 3], keep_b = wb[70 * K + 30];
    wb[150 * K + 3] = INFINITY, wb[70 * K + 30] = NAN;
    CHECK(wk_quantize_weights(c, wb, K, N, K, NULL, qb, sb) == WK_STATUS_INVALID_ARGUMENT &&
              strstr(wk_last_error(), "row 70 "),
          "weights, %d threads: first bad row not named: %s", threads, wk_last_error());
    wb[150 * K + 3] = keep_a, wb[70 * K + 30] = keep_b;
    wk_context_free(c);
  }
  free(wb), free(sa), free(sb), free(qa), free(qb);
}

int main(int argc, char **argv) {
  const wk_isa isa = wk_test_isa_arg(argc, argv);
  wk_test_rng r = {4242};
  check_kernels(wk_kernels_for(isa)->quant, &r);
  check_qkv(isa, &r);
  check_rows(isa, &r);
  check_weights(isa, &r);
  return wk_test_finish("test_quant");
}
