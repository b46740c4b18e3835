/*
 * whisk.h — the one public header of libwhisk.
 *
 * whisk runs the Whisper speech encoder on CPUs with INT8 kernels that are exact (bit-identical
 * across instruction sets and thread counts) and fast.  Conventions, after zstd:
 *   - every call that can fail returns a wk_status; wk_status_string() names it and
 *     wk_last_error() gives the detailed message of the last failure on the calling thread;
 *   - create/free pairs; every *_free accepts NULL;
 *   - inputs are const; the library never calls exit() or abort() on user input.
 */
#ifndef WHISK_H
#define WHISK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WK_VERSION_MAJOR 0
#define WK_VERSION_MINOR 1
#define WK_VERSION_PATCH 0
/** The library's version as "MAJOR.MINOR.PATCH". */
const char *wk_version(void);

/* ────────────────────────────────────────────────────────────────────────────
 * Status codes
 * ──────────────────────────────────────────────────────────────────────────── */
typedef enum wk_status {
  WK_STATUS_OK = 0,
  WK_STATUS_INVALID_ARGUMENT = 1, /* NULL pointer, bad size, NaN/inf/zero/negative scale, ... */
  WK_STATUS_UNSUPPORTED = 2,      /* valid request this build/CPU cannot run (head dim, ISA) */
  WK_STATUS_OUT_OF_MEMORY = 3,
  WK_STATUS_IO_ERROR = 4,     /* a file could not be opened, read or written */
  WK_STATUS_BAD_FORMAT = 5,   /* a file is truncated, malformed or hostile */
  WK_STATUS_INTERNAL = 6      /* a bug in whisk: please report it */
} wk_status;

/** A short constant name for a status ("invalid argument"). Never NULL. */
const char *wk_status_string(wk_status status);

/** The message of the last failing whisk call on this thread ("" if none). Never NULL.
 *  Valid until the next whisk call on the same thread. */
const char *wk_last_error(void);

/* ────────────────────────────────────────────────────────────────────────────
 * Instruction sets and CPU features
 * ──────────────────────────────────────────────────────────────────────────── */
typedef enum wk_isa {
  WK_ISA_SCALAR = 0,     /* portable C: the specification every other kernel must match */
  WK_ISA_AVX2 = 1,       /* AVX2 + FMA, exact (no saturating vpmaddubsw) */
  WK_ISA_AVX512VNNI = 2, /* AVX-512 F/BW/VL + VNNI (vpdpbusd) */
  WK_ISA_AMX = 3,        /* AMX-TILE + AMX-INT8 on top of AVX-512 VNNI */
  WK_ISA_COUNT = 4,
  WK_ISA_AUTO = -1       /* the best the CPU has, capped by the WHISK_ISA environment variable */
} wk_isa;

/** "scalar", "avx2", "avx512vnni", "amx" (or "auto"). */
const char *wk_isa_name(wk_isa isa);

/** Parses an ISA name (as wk_isa_name prints it, or "auto"). */
wk_status wk_isa_parse(const char *name, wk_isa *isa);

/** 1 if this CPU and OS can run kernels for `isa` (for AMX: tile permission granted). */
int wk_isa_supported(wk_isa isa);

/** The ISA WK_ISA_AUTO resolves to: the best supported one, capped by $WHISK_ISA if set.
 *  Fails with WK_STATUS_INVALID_ARGUMENT if $WHISK_ISA names no ISA. */
wk_status wk_isa_auto(wk_isa *isa);

/** CPU features as seen by whisk (cpuid and XGETBV). */
typedef struct wk_cpu_info {
  char vendor[13];
  char brand[49];
  int avx2, fma, avx512f, avx512bw, avx512vl, avx512vnni, avxvnni;
  int amx_tile, amx_int8, amx_bf16;
  int os_avx, os_avx512, os_amx; /* XGETBV: the OS saves the registers */
  int amx_permitted;             /* arch_prctl(ARCH_REQ_XCOMP_PERM, XTILEDATA) succeeded */
  int online_cores;
} wk_cpu_info;

/** Fills *info (features are detected once, at first use). */
void wk_cpu_get_info(wk_cpu_info *info);

/* ────────────────────────────────────────────────────────────────────────────
 * Context: the ISA the kernels are chosen for and a thread pool.
 * A context may be used by one call at a time; make one per calling thread.
 * ──────────────────────────────────────────────────────────────────────────── */
typedef struct wk_context wk_context;

typedef struct wk_context_options {
  int n_threads; /* 0: all online cores */
  wk_isa isa;    /* WK_ISA_AUTO, or an explicit ISA (which the CPU must support) */
} wk_context_options;

/** Creates a context. `options` may be NULL (all cores, WK_ISA_AUTO).
 *  Fails with WK_STATUS_UNSUPPORTED when an explicit ISA is not supported by this CPU. */
wk_status wk_context_create(const wk_context_options *options, wk_context **context);
void wk_context_free(wk_context *context);
wk_isa wk_context_isa(const wk_context *context);
int wk_context_threads(const wk_context *context);

/** Name of the microkernel the context uses for a kernel family ("attention", ...), or NULL. */
const char *wk_context_kernel_name(const wk_context *context, const char *family);

/* ────────────────────────────────────────────────────────────────────────────
 * INT8 attention
 *
 *   O[h,i,:] = Σ_j softmax_j(scale · (q_s[i]·Q[h,i,:]) · (k_s[j]·K[h,j,:])) · v_s·V[h,j,:]
 *
 * Q, K, V are symmetric int8 with float scales.  Scores are exact int32; the softmax runs in
 * base 2 with a fixed sequence of IEEE operations and 24-bit probabilities; P·V is exact
 * integer arithmetic; so every ISA and thread count gives the same bytes.
 * ──────────────────────────────────────────────────────────────────────────── */

/** An int8 tensor viewed as [heads][len][head_dim]: element (h, i, c) is at
 *  data[h*head_stride + i*row_stride + c].  Token-major ([len][heads·d], as a QKV projection
 *  writes it): row_stride = heads·d, head_stride = d.  Head-major ([heads][len][d]):
 *  row_stride = d, head_stride = len·d.  Strides are in elements and must be ≥ 0. */
typedef struct wk_q8_view {
  const int8_t *data;
  ptrdiff_t row_stride;
  ptrdiff_t head_stride;
  float scale;              /* per-tensor scale, used when token_scale is NULL */
  const float *token_scale; /* optional per-token scales: token_scale[h*token_scale_head_stride + i] */
  ptrdiff_t token_scale_head_stride; /* 0: one scale per token shared by all heads */
} wk_q8_view;

typedef enum wk_dtype { WK_DTYPE_INT8 = 0, WK_DTYPE_F32 = 1 } wk_dtype;

typedef struct wk_attention_params {
  int heads;     /* ≥ 1 */
  int lq, lk;    /* query and key lengths, ≥ 1 (lk ≤ WK_ATTENTION_MAX_LK) */
  int head_dim;  /* multiple of 16, 16 … 128 */
  wk_q8_view q, k, v; /* q, k: per tensor or per token; v: per tensor only */
  float softmax_scale; /* 0: 1/sqrt(head_dim) */
  int causal;    /* nonzero: query i sees keys j ≤ i + (lk − lq) (bottom-right aligned) */
  int kv_len;    /* 0: lk; else only keys j < kv_len are seen */
  /* Output [heads][lq][head_dim] at out[h*out_head_stride + i*out_row_stride + c]. */
  wk_dtype out_type;
  void *out;     /* int8_t* or float*; must not overlap any input */
  ptrdiff_t out_row_stride, out_head_stride; /* in elements, ≥ 0 */
  float out_scale; /* WK_DTYPE_INT8: O / out_scale is rounded to nearest (even) and clamped */
} wk_attention_params;

#define WK_ATTENTION_MAX_LK (1 << 20)

/** Runs attention.  Query rows that see no key (masks) produce 0.  On any error status nothing
 *  is written to the output. */
wk_status wk_attention(wk_context *context, const wk_attention_params *params);

/** The seed effort's tile: one head, Q‖K‖V as three row-major 64×64 int8 matrices in one
 *  12288-byte buffer → 64×64 int8 output (4096 bytes); softmax scale 1/8 (= 1/sqrt(64)). */
wk_status wk_attention_tile64(wk_context *context, const int8_t *qkv, size_t qkv_size,
                              int8_t *out, size_t out_capacity, float q_scale, float k_scale,
                              float v_scale, float out_scale);

/* ────────────────────────────────────────────────────────────────────────────
 * Whisper model files (whisper.cpp's ggml .bin format)
 * ──────────────────────────────────────────────────────────────────────────── */
typedef struct wk_model wk_model;

/** Loads a whisper.cpp model file (ggml-tiny.bin … ggml-large-v3-turbo.bin, `.en` or
 *  multilingual; tensors F32, F16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 or Q2_K … Q6_K).  A regular file
 *  is memory-mapped read-only (the model keeps the mapping); anything else (a pipe) is read into
 *  memory.  Every field is checked before use: a malformed, truncated or hostile file gets
 *  WK_STATUS_BAD_FORMAT and a wk_last_error() message naming the section, tensor and field;
 *  WK_STATUS_IO_ERROR if it cannot be opened or read.  The model is read-only once loaded:
 *  threads may share it. */
wk_status wk_model_load(const char *path, wk_model **out);

/** The same from a buffer of `size` bytes.  The model keeps its own copy: `data` may be freed
 *  as soon as the call returns. */
wk_status wk_model_load_memory(const void *data, size_t size, wk_model **out);

void wk_model_free(wk_model *model); /* accepts NULL */

typedef struct wk_model_info {
  /* hyper-parameters as the file stores them */
  int n_vocab;                 /* 51864 (English-only), 51865, 51866 (large-v3) */
  int n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer; /* encoder: 1500, d, heads, layers */
  int n_text_ctx, n_text_state, n_text_head, n_text_layer;     /* decoder: 448, d, heads, layers */
  int n_mels;                  /* 80, or 128 (large-v3, large-v3-turbo) */
  int ftype;                   /* ggml ftype, quantization version removed: 0 f32, 1 f16, 2 q4_0,
                                  3 q4_1, 7 q8_0, 8 q5_0, 9 q5_1, 10 … 14 q2_k … q6_k */
  int quant_version;           /* 2 for quantized files, 0 otherwise */
  const char *ftype_name;      /* "f32", "f16", "q5_1", … (static) */
  const char *size;            /* "tiny", "base", "small", "medium", "large" (v1 and v2 share
                                  their hparams), "large-v3", "large-v3-turbo", or "custom" */
  int multilingual;            /* n_vocab ≥ 51865; 0: an English-only ".en" model */
  int n_vocab_stored;          /* tokens stored in the file (50256 or 50257 in OpenAI's) */
  int n_tensors;
  uint64_t file_bytes;
} wk_model_info;

/** Fills *info (strings are static or live as long as the model). */
wk_status wk_model_describe(const wk_model *model, wk_model_info *info);

#ifdef __cplusplus
}
#endif
#endif /* WHISK_H */
