/* peak-amx.c — the AMX throughput loop (peak-loops.h); built with the AMX flags.  Called only
 * where wk_isa_supported(WK_ISA_AMX), which has obtained the OS's tile-data permission. */
#include "common/common.h"
#include "peak-loops.h"
#include "runtime/amx.h"

double wk_peak_int8_loop__amx(long iters) {
  /* Tiles 0–3: int32 accumulators C[16][16]; 4–5: A [16][64] s8; 6–7: B [16 quads][16×4] s8,
   * the GEMM kernel's 2×2 step.  Four independent accumulators cover tdpbssd's latency. */
  wk_amx_tilecfg cfg = {.palette_id = 1};
  for (int t = 0; t < 8; t++) wk_amx_tile_shape(&cfg, t, 16, 64);
  wk_amx_load_config(&cfg);
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  _tile_zero(4);
  _tile_zero(5);
  _tile_zero(6);
  _tile_zero(7);
  const double t0 = wk_now();
  for (long it = 0; it < iters; it++) {
    _tile_dpbssd(0, 4, 6);
    _tile_dpbssd(1, 4, 7);
    _tile_dpbssd(2, 5, 6);
    _tile_dpbssd(3, 5, 7);
  }
  /* storing an accumulator waits for its tdpbssd chain before the clock is read (a few
   * hundred cycles: < 0.1 % of a loop) */
  int32_t sink[16][16];
  _tile_stored(3, sink, 64);
  const double dt = wk_now() - t0;
  _tile_release();
  __asm__ volatile("" : : "r"(sink[0][0]));
  return dt;
}
