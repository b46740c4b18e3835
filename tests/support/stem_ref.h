/* stem_ref.h — the FP64 reference of Whisper's conv stem (test/bench support, not in the shipped
 * library): float weights and inputs, double accumulation and double intermediates (h is kept
 * in double), the output rounded to float once. */
#ifndef WK_STEM_REF_H
#define WK_STEM_REF_H

#include "model/stem.h"

/* The reference of wk_stem_run, same arguments (weights unquantized).  `context` only lends its
 * thread pool. */
wk_status wk_stem_forward_ref(wk_context *context, const wk_stem_f32 *w, const float *mel,
                              int frames, float *x);

#endif
