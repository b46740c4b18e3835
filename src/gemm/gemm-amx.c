/* gemm-amx.c — wk_qs8_gemm_ukernel_32x32c4__amx: INT8 GEMM on AMX-INT8 tiles, bit-identical to
 * the scalar spec (gemm-internal.h).
 *
 * tdpbssd multiplies signed bytes by signed bytes, so A and W are both used as they are: no
 * +128 shift and no compensation (unlike the VNNI kernel).  Its dword sums are exact
 * partial sums of Acc (|Acc| ≤ 2^30, gemm-internal.h; the hardware's dword adds wrap, so even a
 * wrapped intermediate would cancel).  The int32 tiles are stored to scratch and the float
 * epilogue is the AVX-512 VNNI kernel's own code (gemm-avx512-common.h).
 *
 * One microkernel step computes 32 rows × 32 columns with all 8 tiles (palette 1: each tile up
 * to 16 rows × 64 bytes):
 *
 *        tile          shape (rows × bytes per row)   holds
 *   T_C00 … T_C11      r × 64   (r × 16 int32)        C[16·ri + m][16·ci + n]   (ri, ci ∈ {0, 1})
 *   T_A0,  T_A1        r × 64   (r × 64 s8)           A rows 16·ri + m, one 64-deep K block
 *   T_B0,  T_B1        16 × 64  (16 × 16 × 4 s8)      W columns 16·ci + n, the same K block
 *
 * where r = 16, or fewer for the last rows of a block: r comes from the tile config (rows 0–15
 * of a step in T_A0/T_C0x, rows 16–31 in T_A1/T_C1x, which are left unconfigured when the step
 * has ≤ 16 rows).  Per K block kb the step runs  C_ij += A_i · B_j:
 *   tdpbssd: C[m].dword[n] += Σ_{q<16} Σ_{i<4} A[m].byte[4q + i] · B[q].byte[4n + i]
 * with A[m].byte[4q + i] = A[row m][64·kb + 4q + i] and B[q].byte[4n + i] = W[col n][64·kb + 4q
 * + i] — exactly the spec's sum over this K block.
 *
 * Operands:
 *   A  straight from the caller: the tile load reads r rows of 64 bytes, row m at
 *      a + m·a_stride + 64·kb, never past column k of a row.  If k is not a multiple of 64, the
 *      last, partial K block of the step's rows is first copied into a zero-padded [32][64]
 *      scratch (row stride 64) and loaded from there: A's own rows end at k.  (W is zero past
 *      k as well, so either padding alone would make the padded products 0; both are kept.)
 *   W  packed once (pack() below) into panels of 32 columns; panel p, K block kb, tile ci is
 *      one contiguous 1024-byte B tile (row stride 64):
 *        [kb][ci][q][n][i] = W[32p + 16ci + n][64kb + 4q + i]   (q, n < 16; i < 4; 0 past n or k)
 *      so zero-padded columns and K bytes add 0 and every B tile is a full 16 × 64.
 *   C  stored to a [32][32] int32 scratch (row stride 128 bytes), then the epilogue reads rows
 *      < r and the valid columns only (masked stores: nothing past n is written).
 *
 * Tile config: loaded at the start of every block() call (tile state is per thread, and other
 * kernels on the same thread may have changed it) and again only when the step's row count
 * changes (the last row tile of a block), released at the end.
 *
 * Memory ordering: GCC 12's tileloadd / ldtilecfg asm statements do not declare the memory
 * they read (ldtilecfg claims 8 of its 64 bytes), so a compiler barrier follows every store
 * that a tile instruction then reads (the config, the A tail copy); tilestored declares a
 * memory clobber, which keeps the epilogue's loads after it and the next stores after it.
 *
 * Speed (a 2-core Xeon with AMX, 2026-12-02, `whisk bench layer --size base`, 2 threads): the
 * base GEMMs run at 15–26 % of the measured tdpbssd peak; with the float epilogue skipped (a
 * timing experiment) at 28–43 %, so the vector epilogue, not the tiles, sets the pace.  Hence
 * the pipelining in step(): 10–40 % faster than epilogue-after-store (qkv 880 → 750–805 µs,
 * fc2 1095 → 820–880 µs, stem conv2 1045 → 615–690 µs).
 *
 * Built with -DWK_AMX_EMULATE (tests only) it runs on a C model of the tile instructions
 * (runtime/amx-emulate.h) and defines wk_gemm_kernel_amx_emulated instead. */
#include "gemm/gemm-avx512-common.h"
#include "runtime/amx.h"

#ifdef WK_AMX_EMULATE
#define AMX_KERNEL wk_gemm_kernel_amx_emulated
#define AMX_KERNEL_NAME "wk_qs8_gemm_ukernel_32x32c4__amx_emulated"
extern const wk_gemm_kernel wk_gemm_kernel_amx_emulated; /* tests only */
#else
#define AMX_KERNEL wk_gemm_kernel_amx
#define AMX_KERNEL_NAME "wk_qs8_gemm_ukernel_32x32c4__amx"
#endif

#define TM 16                      /* rows of an A or C tile */
#define TK 64                      /* K bytes per A tile row = 16 K-quads = rows of a B tile */
#define TN 16                      /* columns of a B or C tile (64 bytes: 16 × 4 s8, 16 int32) */
#define MR (2 * TM)                /* rows per step: two A tiles */
#define NR (2 * TN)                /* columns per step = per packed panel: two B tiles */
#define B_TILE_BYTES (TK * TN)     /* 1024: [16 quads][16 columns][4] */
#define KBLOCK_BYTES (2 * B_TILE_BYTES) /* one K block of a panel: B tiles ci = 0, 1 */
#define C_STRIDE (NR * (int)sizeof(int32_t)) /* bytes per row of the C scratch: 128 */

/* Tile numbers (immediates of the tile instructions). */
#define T_C00 0 /* C rows 0–15,  columns 0–15:  [r0][16] int32 */
#define T_C01 1 /* C rows 0–15,  columns 16–31 */
#define T_C10 2 /* C rows 16–31, columns 0–15:  [r1][16] int32 */
#define T_C11 3 /* C rows 16–31, columns 16–31 */
#define T_A0 4  /* A rows 0–15:  [r0][64] s8 */
#define T_A1 5  /* A rows 16–31: [r1][64] s8 */
#define T_B0 6  /* W columns 0–15:  [16 quads][16 × 4] s8 */
#define T_B1 7  /* W columns 16–31 */

_Static_assert(KBLOCK_BYTES % 64 == 0, "panels must keep 64-byte alignment");
_Static_assert(WK_GEMM_NB_ALIGN % NR == 0, "nr must divide the column block alignment");


/* The tiles of a step of `rows` rows (1 … 32): rows 0 … r0−1 in T_A0/T_C0x, r0 … rows−1 in
 * T_A1/T_C1x (unconfigured when rows ≤ 16: any use would fault). */
static void tile_config(int rows) {
  const int r0 = rows < TM ? rows : TM, r1 = rows - r0;
  wk_amx_tilecfg cfg = {.palette_id = 1};
  wk_amx_tile_shape(&cfg, T_C00, r0, TN * 4);
  wk_amx_tile_shape(&cfg, T_C01, r0, TN * 4);
  wk_amx_tile_shape(&cfg, T_A0, r0, TK);
  if (r1) {
    wk_amx_tile_shape(&cfg, T_C10, r1, TN * 4);
    wk_amx_tile_shape(&cfg, T_C11, r1, TN * 4);
    wk_amx_tile_shape(&cfg, T_A1, r1, TK);
  }
  wk_amx_tile_shape(&cfg, T_B0, TK / 4, TN * 4);
  wk_amx_tile_shape(&cfg, T_B1, TK / 4, TN * 4);
  wk_amx_load_config(&cfg);
}

static size_t panel_size(int k) { return (size_t)((k + TK - 1) / TK) * KBLOCK_BYTES; }

/* The C tiles' stores [2][32][32] int32 (this step's, the previous step's), then A's
 * zero-padded K tail [32][64] s8. */
#define SCRATCH_C_BYTES ((size_t)2 * MR * C_STRIDE)
#define SCRATCH_BYTES (SCRATCH_C_BYTES + (size_t)MR * TK)

static size_t scratch_size(int k) {
  (void)k;
  return SCRATCH_BYTES;
}

static void pack(const int8_t *w, ptrdiff_t w_stride, int n, int k, void *packed) {
  int8_t *o = packed;
  memset(o, 0, (size_t)((n + NR - 1) / NR) * panel_size(k)); /* the padding: columns ≥ n, K ≥ k */
  for (int j = 0; j < n; j++) {  /* column j: tile ci = (j mod 32)/16, column c = j mod 16 */
    const int8_t *wr = w + j * w_stride;
    int8_t *col = o + (size_t)(j / NR) * panel_size(k) + (size_t)((j % NR) / TN) * B_TILE_BYTES +
                  4 * (j % TN);
    for (int kk = 0; kk < k; kk += 4) { /* quad kk/4: K block kk/64, tile row (kk mod 64)/4 */
      int8_t *dst = col + (size_t)(kk / TK) * KBLOCK_BYTES + TN * 4 * ((kk % TK) / 4);
      if (k - kk >= 4)
        memcpy(dst, wr + kk, 4); /* a constant size: one 4-byte move, not a call */
      else
        memcpy(dst, wr + kk, (size_t)(k - kk));
    }
  }
}

/* C_ij += A_i · B_j for one K block: A rows 0–15 at a, rows 16–31 at a + 16·a_stride (row
 * stride a_stride), the panel's K block at w.  two_rows / two_cols: the step has > 16 rows /
 * > 16 columns (constants after inlining, so the unused tiles' instructions vanish). */
static inline __attribute__((always_inline)) void kblock(const int two_rows, const int two_cols,
                                                         const int8_t *a, ptrdiff_t a_stride,
                                                         const int8_t *w) {
  _tile_loadd(T_A0, a, a_stride);
  _tile_loadd(T_B0, w, TN * 4);
  _tile_dpbssd(T_C00, T_A0, T_B0);
  if (two_rows) {
    _tile_loadd(T_A1, a + TM * a_stride, a_stride);
    _tile_dpbssd(T_C10, T_A1, T_B0);
  }
  if (two_cols) {
    _tile_loadd(T_B1, w + B_TILE_BYTES, TN * 4);
    _tile_dpbssd(T_C01, T_A0, T_B1);
    if (two_rows) _tile_dpbssd(T_C11, T_A1, T_B1);
  }
}

/* A step whose int32 C block sits in a scratch buffer, waiting for its float epilogue. */
typedef struct pending {
  int i0, rows, j0, cols; /* rows 0 (none pending) */
  const int32_t *c;       /* [32][32] int32, row stride NR */
} pending;

/* Epilogue rows [r0, r1) of a pending step: exact Acc, then the fixed float sequence of
 * gemm-internal.h. */
static inline __attribute__((always_inline)) void epilogue(const wk_gemm_block_args *p,
                                                           const pending *e, int r0, int r1) {
  const int nv = e->cols > TN ? 2 : 1; /* 16·(nv − 1) < cols ≤ 16·nv */
  const __mmask16 last = (__mmask16)(0xffffu >> (16 * nv - e->cols));
  for (int r = r0; r < r1; r++) {
    const int i = e->i0 + r;
    const __m512 as = _mm512_set1_ps(p->a_scale[i]);
    const float *res = p->residual ? p->residual + i * p->residual_stride + e->j0 : NULL;
    float *out = p->out + i * p->out_stride + e->j0;
    for (int v = 0; v < nv; v++) {
      const __mmask16 m = v == nv - 1 ? last : (__mmask16)0xffff;
      const __m512i acc = _mm512_load_si512(e->c + NR * r + TN * v);
      wk_avx512_gemm_epilogue16(p, acc, as, e->j0, TN * v, res, out, m);
    }
  }
}

/* One step: rows i0 … i0+rows−1 (rows ≤ 32) × the panel's columns j0 … j0+cols−1 (cols ≤ 32)
 * into cbuf, the tile config already set for `rows`.
 *
 * Software pipelining: the previous step's epilogue (`prev`, in the other C buffer) runs on the
 * vector units while the tile unit works on this step — its rows are spread over this step's
 * K blocks, each slice issued right after a K block's tile instructions, so the out-of-order
 * core always has tile work queued and vector work to do beside it.  (With the epilogue after
 * its own step's tile store, the two units took turns: half the speed of the tiles alone.) */
static inline __attribute__((always_inline)) void step(const int two_rows, const int two_cols,
                                                       const wk_gemm_block_args *p, int i0,
                                                       int j0, int32_t *cbuf,
                                                       const int8_t *atail, const pending *prev) {
  const int k = p->k, kfull = k / TK, nkb = kfull + (k % TK != 0);
  const int8_t *a = p->a + i0 * p->a_stride;
  const int8_t *w = (const int8_t *)p->w + (size_t)(j0 / NR) * panel_size(k); /* the panel */
  const int per = (prev->rows + nkb - 1) / nkb; /* epilogue rows per K block */
  int er = 0;                                    /* the previous step's rows done */

  _tile_zero(T_C00);
  if (two_cols) _tile_zero(T_C01);
  if (two_rows) _tile_zero(T_C10);
  if (two_rows && two_cols) _tile_zero(T_C11);
  for (int kb = 0; kb < kfull; kb++) { /* whole K blocks: A in place */
    kblock(two_rows, two_cols, a + TK * kb, p->a_stride, w + (size_t)kb * KBLOCK_BYTES);
    const int e1 = er + per < prev->rows ? er + per : prev->rows;
    epilogue(p, prev, er, e1);
    er = e1;
  }
  if (k % TK) /* the partial K block: A from the zero-padded copy */
    kblock(two_rows, two_cols, atail, TK, w + (size_t)kfull * KBLOCK_BYTES);
  epilogue(p, prev, er, prev->rows);

  /* C tiles → cbuf [32][32] int32: tile C_ij at row 16i, column 16j. */
  _tile_stored(T_C00, cbuf, C_STRIDE);
  if (two_cols) _tile_stored(T_C01, cbuf + TN, C_STRIDE);
  if (two_rows) _tile_stored(T_C10, cbuf + TM * NR, C_STRIDE);
  if (two_rows && two_cols) _tile_stored(T_C11, cbuf + TM * NR + TN, C_STRIDE);
}

static void block(const wk_gemm_block_args *p) {
  int32_t *cbuf[2] = {p->scratch, (int32_t *)p->scratch + MR * NR}; /* [2][32][32] int32 */
  int8_t *atail = (int8_t *)p->scratch + SCRATCH_C_BYTES;   /* [32][64] s8, 64-byte aligned */
  const int k = p->k, kfull = k / TK, ktail = k % TK;
  int configured = 0; /* rows the tile config is set for; 0: not yet in this call */
  pending prev = {0}; /* the step whose epilogue is still to run */
  int buf = 0;        /* the C buffer of the next step */
  /* Row tile outer, panels inner (as the VNNI kernel): the step's 32 rows of A stay in L1
   * while the column block's packed W (sized by the operator to fit L2) streams past them. */
  for (int i0 = 0; i0 < p->m; i0 += MR) {
    const int rows = p->m - i0 < MR ? p->m - i0 : MR;
    if (rows != configured) {
      tile_config(rows);
      configured = rows;
    }
    if (ktail) { /* A's last K bytes of these rows, zero-padded to one whole K block */
      for (int r = 0; r < rows; r++) {
        memcpy(atail + TK * r, p->a + (i0 + r) * p->a_stride + TK * kfull, (size_t)ktail);
        memset(atail + TK * r + ktail, 0, (size_t)(TK - ktail));
      }
      __asm__ volatile("" ::: "memory"); /* tileloadd declares no memory input */
    }
    for (int j0 = 0; j0 < p->n; j0 += NR) {
      const int cols = p->n - j0 < NR ? p->n - j0 : NR;
      wk_gemm_prefetch_residual(p, i0 + MR, MR, j0, cols);
      switch ((rows > TM) * 2 + (cols > TN)) {
      case 0: step(0, 0, p, i0, j0, cbuf[buf], atail, &prev); break;
      case 1: step(0, 1, p, i0, j0, cbuf[buf], atail, &prev); break;
      case 2: step(1, 0, p, i0, j0, cbuf[buf], atail, &prev); break;
      default: step(1, 1, p, i0, j0, cbuf[buf], atail, &prev); break;
      }
      prev = (pending){.i0 = i0, .rows = rows, .j0 = j0, .cols = cols, .c = cbuf[buf]};
      buf ^= 1;
    }
  }
  epilogue(p, &prev, 0, prev.rows); /* the last step's */
  _tile_release();
}

const wk_gemm_kernel AMX_KERNEL = {
    .name = AMX_KERNEL_NAME,
    .isa = WK_ISA_AMX,
    .mr = MR,
    .nr = NR,
    .panel_size = panel_size,
    .scratch_size = scratch_size,
    .pack = pack,
    .block = block,
};
