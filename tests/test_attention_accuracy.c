/* test_attention_accuracy.c ISA — the accuracy contract on every case of the suite, for ISA:
 * max error ≤ 1 LSB against round-to-nearest of the FP64 reference, ≥ 99.9 % of all outputs
 * exact — and, stricter, ≥ 99.9 % in every single case —, no NaN, seed-tile correlation
 * ≥ 0.9999 (bounds from the issue; the FP64 oracle is tests/support/cases.c); float output within
 * 2e-5 of the reference's range.  That last bound follows from the 24-bit probabilities: a key
 * with weight 2^-k keeps 24 − k bits, and over 1500 keys the rounding errors add up like a
 * random walk; the suite measures ≤ 2.7e-6 (0.0003 output LSB), and 1.8e-5 on seed-tile, whose
 * logits reach the thousands (there the float logits' own rounding dominates). */
#include <string.h>

#include "cases.h"
#include "test_util.h"

int main(int argc, char **argv) {
  const wk_isa isa = wk_test_isa_arg(argc, argv);
  wk_context *ctx = wk_test_context(isa, 2);
  {
    long count = 0;
    double exact = 0;
    for (int i = 0; i < wk_attn_case_count(); i++) {
      wk_attn_case c;
      if (wk_attn_case_make(i, &c) != WK_STATUS_OK) {
        CHECK(0, "case %d: %s", i, wk_last_error());
        continue;
      }
      wk_attn_metrics m;
      if (wk_attn_case_evaluate(ctx, &c, &m) != WK_STATUS_OK) {
        CHECK(0, "%s: %s", c.name, wk_last_error());
        wk_attn_case_free(&c);
        continue;
      }
      CHECK(m.max_err_lsb <= 1, "%s %s: max error %d LSB", wk_isa_name(isa), c.name,
            m.max_err_lsb);
      CHECK(m.nan == 0, "%s %s: %d NaN", wk_isa_name(isa), c.name, m.nan);
      CHECK(m.f32_max_rel_err < 2e-5, "%s %s: float output error %.3g of the range",
            wk_isa_name(isa), c.name, m.f32_max_rel_err);
      CHECK(m.exact_pct >= 99.9, "%s %s: %.4f %% exact", wk_isa_name(isa), c.name, m.exact_pct);
      if (strcmp(c.name, "seed-tile") == 0)
        CHECK(m.corr >= 0.9999, "seed-tile correlation %.6f", m.corr);
      count += m.count;
      exact += m.exact_pct / 100.0 * m.count;
      wk_attn_case_free(&c);
    }
    double pct = 100.0 * exact / count;
    printf("%s: %ld outputs, %.4f %% exact\n", wk_isa_name(isa), count, pct);
    CHECK(pct >= 99.9, "%s: only %.4f %% of outputs exact", wk_isa_name(isa), pct);
  }
  wk_context_free(ctx);
  return wk_test_finish("test_attention_accuracy");
}
