/* amx.h — what every AMX kernel file shares: the LDTILECFG operand and its loading.
 *
 * Included by the AMX kernel files (built with -mamx-tile -mamx-int8).  With -DWK_AMX_EMULATE
 * (tests only) the tile intrinsics come from a C model (amx-emulate.h) instead, so the kernels'
 * logic can be tested on CPUs without AMX. */
#ifndef WK_AMX_H
#define WK_AMX_H

#include <stdint.h>

#ifdef WK_AMX_EMULATE
#include "runtime/amx-emulate.h"
#else
#include <immintrin.h>
#endif

/* LDTILECFG's 64-byte operand (palette 1: 8 tiles of up to 16 rows × 64 bytes). */
typedef struct wk_amx_tilecfg {
  uint8_t palette_id;
  uint8_t start_row;
  uint8_t reserved[14];
  uint16_t colsb[16]; /* bytes per row of tile i */
  uint8_t rows[16];   /* rows of tile i */
} wk_amx_tilecfg;
_Static_assert(sizeof(wk_amx_tilecfg) == 64, "LDTILECFG takes 64 bytes");

static inline void wk_amx_tile_shape(wk_amx_tilecfg *cfg, int tile, int rows, int colsb) {
  cfg->rows[tile] = (uint8_t)rows;
  cfg->colsb[tile] = (uint16_t)colsb;
}

static inline void wk_amx_load_config(const wk_amx_tilecfg *cfg) {
  /* GCC 12's _tile_loadconfig declares only 8 bytes of memory input, so the stores that fill
   * cfg could be eliminated as dead before it (→ SIGILL): a compiler barrier keeps them. */
  __asm__ volatile("" ::: "memory");
  _tile_loadconfig(cfg);
}

#endif
