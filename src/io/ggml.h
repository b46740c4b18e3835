/* ggml.h — whisper.cpp's ggml model files (internal API; include/whisk.h has the public calls).
 *
 * File layout (all little-endian int32 unless noted; no padding anywhere):
 *   magic 0x67676d6c ("ggml")
 *   hparams: n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer, n_text_ctx,
 *            n_text_state, n_text_head, n_text_layer, n_mels, ftype (+ 1000 · quantization
 *            version in quantized files)
 *   mel filters: n_mel, n_fft (201), then n_mel · n_fft float32
 *   vocabulary: count, then count × (uint32 length, bytes) — the byte-level BPE tokens; the
 *            special tokens after them (<|endoftext|>, …, timestamps) are implied by n_vocab
 *   tensors until the end of the file: n_dims, name length, type; ne[0 … n_dims) in ggml order
 *            (ne[0] varies fastest: a PyTorch [out][in] matrix is ne = {in, out}); the name;
 *            the data (ggml_nbytes bytes, at whatever offset it falls)
 *
 * What the loader accepts (everything else is WK_STATUS_BAD_FORMAT with a message naming the
 * section, tensor and field):
 *   n_vocab 256 … 1048576 (OpenAI's models: 51864 English-only, 51865, 51866 for large-v3);
 *   n_audio_ctx, n_text_ctx 1 … 16384; n_audio_state = n_text_state, 16 … 8192, split by the
 *   head counts (1 … 256) into head dims that are multiples of 16 within 16 … 128; layers
 *   1 … 128 each; n_mels 80 or 128; ftype 0 (f32), 1 (f16), 2 q4_0, 3 q4_1, 7 q8_0, 8 q5_0,
 *   9 q5_1, 10…14 q2_k…q6_k, with quantization version 2 for the quantized ftypes (0 otherwise);
 *   mel filters [n_mels][201]; vocabulary count ≤ n_vocab, each token ≤ 1024 bytes;
 *   exactly the tensors Whisper has (encoder and decoder), each once, of the shape the hparams
 *   imply; types: vectors, positional embeddings and conv biases f32; conv weights f32 or f16;
 *   matrices f32, f16 or the ftype's quantized type (rows a whole number of blocks);
 *   nothing after the last tensor (trailing bytes are rejected: a file holds what it declares).
 */
#ifndef WK_GGML_H
#define WK_GGML_H

#include <stddef.h>
#include <stdint.h>

#include "io/ggml-quants.h"
#include "runtime/runtime.h"
#include "model/decoder.h"
#include "model/encoder.h"
#include "whisk.h"

#define WK_GGML_MAGIC 0x67676d6cu
#define WK_GGML_QNT_VERSION 2
#define WK_GGML_QNT_VERSION_FACTOR 1000

/* One tensor of a loaded model.  The data stays in the file image (mmap or copy), at any
 * alignment: read it with memcpy or the dequantizers in ggml-quants.h. */
typedef struct wk_ggml_tensor {
  const char *name;      /* NUL-terminated, e.g. "encoder.blocks.0.attn.query.weight" */
  int type;              /* wk_ggml_type */
  int n_dims;            /* 1 … 4 */
  int64_t ne[4];         /* ggml order, ne[0] fastest; 1 past n_dims */
  const uint8_t *data;   /* nbytes bytes */
  size_t nbytes;
} wk_ggml_tensor;

/* Loads a model that borrows `data` (no copy): the caller keeps the buffer alive and unchanged
 * until wk_model_free.  For fuzzing and tests (an exact-size buffer lets ASan see over-reads). */
wk_status wk_model_load_view(const void *data, size_t size, wk_model **out);

/* Tensors in name order: i = 0 … wk_model_n_tensors − 1. */
int wk_model_n_tensors(const wk_model *m);
const wk_ggml_tensor *wk_model_tensor_at(const wk_model *m, int i);

/* The tensor called `name`, or NULL. */
const wk_ggml_tensor *wk_model_tensor(const wk_model *m, const char *name);

/* The mel filterbank as the file stores it: [n_mels][n_fft] (n_fft = 201). */
const float *wk_model_mel_filters(const wk_model *m, int *n_mels, int *n_fft);

/* Tokens the file stores (ids 0 … n − 1; the special tokens above them are implied). */
int wk_model_vocab_size(const wk_model *m);
/* Bytes of token `id` (not NUL-terminated; may be empty), or NULL for an id not stored. */
const uint8_t *wk_model_token(const wk_model *m, int id, size_t *len);

/* The header's hyper-parameters (ftype without the quantization version). */
typedef struct wk_model_hparams {
  int32_t n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer;
  int32_t n_text_ctx, n_text_state, n_text_head, n_text_layer, n_mels, ftype;
} wk_model_hparams;

/* Fills dst with the n fp32 values of the tensor called `name` (PyTorch layout). */
typedef wk_status (*wk_tensor_source)(const void *arg, const char *name, float *dst, size_t n);

/* Dequantizes every encoder tensor to fp32 in PyTorch layout (conv weights [out][in][3],
 * linear [out][in], conv biases [d], positions [n_ctx][d]) and fills *w; every pointer in *w
 * (including w->layers) points into one block returned in *storage, which the caller frees with
 * wk_free after the last use of *w.  Fails with BAD_FORMAT naming the tensor if any weight is
 * NaN or infinite. */
wk_status wk_model_encoder_f32(const wk_model *m, wk_encoder_f32 *w, float **storage);

/* The same for the decoder: token embedding [n_vocab][d], positions [n_text_ctx][d], every
 * layer's self- and cross-attention, MLP and LayerNorms, decoder.ln; one block in *storage. */
wk_status wk_model_decoder_f32(const wk_model *m, wk_decoder_f32 *w, float **storage);

/* The same two, but w->layers = NULL and w->layer_fn dequantizes one layer at a time into a
 * buffer inside *storage, reused for every layer: the fp32 copy of a model never exists whole
 * (large-v3: one 79 MB encoder layer instead of 2.5 GB).  The model (and pool) must outlive the
 * use of layer_fn; a bad tensor is reported when its layer is asked for.  With a pool (or
 * NULL) each tensor's chunks are dequantized on its threads: layer_fn must then not be called
 * from inside a job of that pool. */
wk_status wk_model_encoder_f32_streamed(const wk_model *m, wk_threadpool *pool,
                                        wk_encoder_f32 *w, float **storage);
wk_status wk_model_decoder_f32_streamed(const wk_model *m, wk_threadpool *pool,
                                        wk_decoder_f32 *w, float **storage);

/* The same fp32 encoder / decoder weights (one block, all layers) for dimensions hp, each tensor
 * filled by src — e.g. the synthetic values the benchmarks use, with no model file. */
wk_status wk_encoder_f32_from_source(const wk_model_hparams *hp, wk_tensor_source src,
                                     const void *arg, wk_encoder_f32 *w, float **storage);
wk_status wk_decoder_f32_from_source(const wk_model_hparams *hp, wk_tensor_source src,
                                     const void *arg, wk_decoder_f32 *w, float **storage);

#endif
