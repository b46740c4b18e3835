/* bandwidth.h — this machine's measured memory read bandwidth, the floor of a memory-bound
 * step (the decoder reads every weight once per token).
 *
 * A streaming read: xors of a buffer far larger than any last-level cache (WK_BANDWIDTH_BYTES)
 * with the context ISA's widest loads (zmm, ymm, or 64-bit words for scalar; peak-loops.h),
 * split into chunks that the context's thread pool hands out; one warm-up pass, then the
 * median of `repeats` passes.  Bytes read / seconds, in bytes per second.
 *
 *   void *buf = wk_bandwidth_buffer(WK_BANDWIDTH_BYTES);       // allocated and written once
 *   double bps = wk_bandwidth_read(ctx, buf, WK_BANDWIDTH_BYTES, 5);
 */
#ifndef WK_BANDWIDTH_H
#define WK_BANDWIDTH_H

#include <stddef.h>

#include "whisk.h"

/* 256 MiB: ≥ 8× the largest L3 a core of the machines seen shares (32 MiB on Zen 4), and one
 * pass is ≈ 10–30 ms at DRAM speed, so a measurement at two thread counts takes < 1 s. */
#define WK_BANDWIDTH_BYTES ((size_t)256 << 20)

/* A buffer of `bytes` (a multiple of 4 KiB) with every page written, or NULL (message set). */
void *wk_bandwidth_buffer(size_t bytes);
void wk_bandwidth_buffer_free(void *buf); /* accepts NULL */

/* The median read rate of `repeats` (1 … 64) passes over buf on the context's threads, in
 * bytes/s, after one untimed pass; 0 on bad arguments. */
double wk_bandwidth_read(wk_context *context, const void *buf, size_t bytes, int repeats);

#endif
