/* layer_ref.h — the FP64 reference of one Whisper encoder layer (test/bench support, not in the
 * shipped library): plain C with double accumulation and double intermediates, Whisper's math
 * verbatim (model/layer.h), checked against NumPy by tests/test_layer_ref.sh. */
#ifndef WK_LAYER_REF_H
#define WK_LAYER_REF_H

#include "model/layer.h"

/* The reference of the layer (no smoothing: it is the function being approximated).
 * x: [len][d].  Computes the output rows rows[0..n_rows) (rows == NULL: all len rows, n_rows
 * ignored) into y: [n_rows or len][d].  Keys and values always span all len tokens.  `context`
 * only lends its thread pool. */
wk_status wk_layer_forward_ref(wk_context *context, const wk_layer_f32 *weights, const float *x,
                               int len, const int *rows, int n_rows, float *y);

#endif
