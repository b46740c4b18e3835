/* amx-emulate.h — a C model of the AMX-TILE / AMX-INT8 instructions the AMX kernels use, so
 * their logic can be tested on CPUs without AMX (build the kernel file with -DWK_AMX_EMULATE
 * and without -mamx-*).  Test builds only: it keeps the tile state in thread-local storage and
 * aborts on what the hardware would fault on (#UD/#GP), so a wrong tile shape fails loudly.
 *
 * Semantics (Intel SDM, LDTILECFG / TILELOADD / TILESTORED / TILEZERO / TDPB[SU][SU]D):
 *   config (64 bytes): [0] palette (1), [1] start_row, [16 + 2i] colsb of tile i (uint16),
 *                      [48 + i] rows of tile i; tiles hold up to 16 rows × 64 bytes.
 *   load/store move rows × colsb bytes, row r at base + r·stride; a load zeroes the rest.
 *   tdpb**d: C[m].dword[n] += Σ_k Σ_{i<4} A[m].byte[4k+i] · B[k].byte[4n+i] for m < C.rows,
 *            k < A.colsb/4, n < C.colsb/4 (bytes signed or unsigned per the name: A then B),
 *            requiring C.rows = A.rows, C.colsb = B.colsb, A.colsb = 4·B.rows. */
#ifndef WK_AMX_EMULATE_H
#define WK_AMX_EMULATE_H

#include <immintrin.h> /* first, so the real intrinsics can be replaced below */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct wk_amx_emu_state {
  int configured;
  uint16_t colsb[8];
  uint8_t rows[8];
  uint8_t tile[8][16][64];
} wk_amx_emu_state;

static _Thread_local wk_amx_emu_state wk_amx_emu;

static inline void wk_amx_emu_fault(const char *what, int t) {
  fprintf(stderr, "amx-emulate: %s (tile %d)\n", what, t);
  abort();
}

static inline void wk_amx_emu_check_tile(int t) {
  if (!wk_amx_emu.configured) wk_amx_emu_fault("tile instruction without a tile config", t);
  if (t < 0 || t > 7) wk_amx_emu_fault("no such tile", t);
  if (wk_amx_emu.rows[t] == 0 || wk_amx_emu.colsb[t] == 0)
    wk_amx_emu_fault("tile not configured", t);
}

static inline void wk_amx_emu_loadconfig(const void *config) {
  const uint8_t *c = config;
  if (c[0] != 1) wk_amx_emu_fault("palette must be 1", -1);
  for (int i = 2; i < 16; i++)
    if (c[i]) wk_amx_emu_fault("reserved config bytes must be 0", -1);
  memset(&wk_amx_emu, 0, sizeof wk_amx_emu);
  for (int t = 0; t < 8; t++) {
    uint16_t colsb;
    memcpy(&colsb, c + 16 + 2 * t, 2);
    const uint8_t rows = c[48 + t];
    if (colsb > 64 || rows > 16 || (colsb == 0) != (rows == 0))
      wk_amx_emu_fault("bad tile shape", t);
    wk_amx_emu.colsb[t] = colsb;
    wk_amx_emu.rows[t] = rows;
  }
  for (int t = 8; t < 16; t++)
    if (c[16 + 2 * t] || c[17 + 2 * t] || c[48 + t]) wk_amx_emu_fault("tiles 8-15 do not exist", t);
  wk_amx_emu.configured = 1;
}

static inline void wk_amx_emu_release(void) { memset(&wk_amx_emu, 0, sizeof wk_amx_emu); }

static inline void wk_amx_emu_zero(int t) {
  wk_amx_emu_check_tile(t);
  memset(wk_amx_emu.tile[t], 0, sizeof wk_amx_emu.tile[t]);
}

static inline void wk_amx_emu_loadd(int t, const void *base, size_t stride) {
  wk_amx_emu_check_tile(t);
  memset(wk_amx_emu.tile[t], 0, sizeof wk_amx_emu.tile[t]);
  for (int r = 0; r < wk_amx_emu.rows[t]; r++)
    memcpy(wk_amx_emu.tile[t][r], (const uint8_t *)base + (size_t)r * stride, wk_amx_emu.colsb[t]);
}

static inline void wk_amx_emu_stored(int t, void *base, size_t stride) {
  wk_amx_emu_check_tile(t);
  for (int r = 0; r < wk_amx_emu.rows[t]; r++)
    memcpy((uint8_t *)base + (size_t)r * stride, wk_amx_emu.tile[t][r], wk_amx_emu.colsb[t]);
}

/* C += A·B over byte quads; a_signed / b_signed pick sign or zero extension. */
static inline void wk_amx_emu_dp(int c, int a, int b, int a_signed, int b_signed) {
  wk_amx_emu_check_tile(c);
  wk_amx_emu_check_tile(a);
  wk_amx_emu_check_tile(b);
  if (c == a || c == b || a == b) wk_amx_emu_fault("dot product tiles must differ", c);
  const int m_rows = wk_amx_emu.rows[c], n_cols = wk_amx_emu.colsb[c] / 4;
  const int k_quads = wk_amx_emu.colsb[a] / 4;
  if (wk_amx_emu.rows[a] != m_rows || wk_amx_emu.colsb[b] != wk_amx_emu.colsb[c] ||
      wk_amx_emu.rows[b] != k_quads || (wk_amx_emu.colsb[a] & 3) || (wk_amx_emu.colsb[c] & 3))
    wk_amx_emu_fault("tile shapes do not match (C = A·B)", c);
  for (int m = 0; m < m_rows; m++) {
    for (int n = 0; n < n_cols; n++) {
      int32_t acc;
      memcpy(&acc, &wk_amx_emu.tile[c][m][4 * n], 4);
      uint32_t sum = (uint32_t)acc; /* the hardware's dword adds wrap */
      for (int k = 0; k < k_quads; k++)
        for (int i = 0; i < 4; i++) {
          const uint8_t x = wk_amx_emu.tile[a][m][4 * k + i], y = wk_amx_emu.tile[b][k][4 * n + i];
          const int32_t xa = a_signed ? (int8_t)x : x, yb = b_signed ? (int8_t)y : y;
          sum += (uint32_t)(xa * yb);
        }
      memcpy(&wk_amx_emu.tile[c][m][4 * n], &sum, 4);
    }
  }
}

/* The intrinsics' names, rebound to the model (the real ones are macros or inline functions). */
#undef _tile_loadconfig
#undef _tile_release
#undef _tile_zero
#undef _tile_loadd
#undef _tile_stored
#undef _tile_dpbssd
#undef _tile_dpbusd
#define _tile_loadconfig(config) wk_amx_emu_loadconfig(config)
#define _tile_release() wk_amx_emu_release()
#define _tile_zero(t) wk_amx_emu_zero(t)
#define _tile_loadd(t, base, stride) wk_amx_emu_loadd(t, base, (size_t)(stride))
#define _tile_stored(t, base, stride) wk_amx_emu_stored(t, base, (size_t)(stride))
#define _tile_dpbssd(c, a, b) wk_amx_emu_dp(c, a, b, 1, 1)
#define _tile_dpbusd(c, a, b) wk_amx_emu_dp(c, a, b, 0, 1)

#endif
