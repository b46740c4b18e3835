/* alignment-heads.h — which decoder cross-attention heads word timestamps read (internal API).
 *
 * openai/whisper's whisper/__init__.py is the source of the presets (_ALIGNMENT_HEADS: a
 * boolean [n_text_layer][n_text_head] mask per model, base85 + gzip; decoded once into the
 * (layer, head) lists of alignment-heads.c) and model.py of the default: every head of the last
 * half of the decoder layers (layers n_text_layer // 2 …).
 *
 * The spec string:
 *   NULL, "" or "auto"  the preset of the model's size as its hyper-parameters tell it (tiny …
 *                       medium, .en by the vocabulary; large with 80 mel bins is large-v2 —
 *                       large-v1 has the same hyper-parameters: name it to use its heads —, with
 *                       128 bins large-v3, or large-v3-turbo with 4 decoder layers); models of
 *                       other shapes get the default;
 *   a preset name       "tiny.en", "tiny", "base.en", "base", "small.en", "small", "medium.en",
 *                       "medium", "large-v1", "large-v2", "large-v3", "large-v3-turbo" (its
 *                       layers and heads must exist in the model);
 *   "all-last-half"     the default;
 *   "L:H,L:H…"          explicit (layer, head) pairs, 0-based, each in range, distinct. */
#ifndef WK_ALIGNMENT_HEADS_H
#define WK_ALIGNMENT_HEADS_H

#include "whisk.h"

/* The heads for `spec` and a model of n_text_layer layers × n_text_head heads, n_vocab and
 * n_mels: *pairs = [n][2] (layer, head), layer-major (wk_free), n ≥ 1.  INVALID_ARGUMENT
 * naming what is wrong (an unknown preset, a pair out of range, a malformed list). */
wk_status wk_alignment_heads(const char *spec, int n_text_layer, int n_text_head, int n_text_state,
                             int n_vocab, int n_mels, int **pairs, int *n);

#endif
