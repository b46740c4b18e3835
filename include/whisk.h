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

/* Marks the exported calls: libwhisk.so is built with -fvisibility=hidden, so only what this
 * header declares with WK_API is part of its ABI. */
#if defined(__GNUC__)
#define WK_API __attribute__((visibility("default")))
#else
#define WK_API
#endif

#define WK_VERSION_MAJOR 0
#define WK_VERSION_MINOR 1
#define WK_VERSION_PATCH 0
/** The library's version as "MAJOR.MINOR.PATCH". */
WK_API const char *wk_version(void);

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
  WK_STATUS_INTERNAL = 6,     /* a bug in whisk: please report it */
  WK_STATUS_CANCELLED = 7     /* a progress callback asked to stop */
} wk_status;

/** A short constant name for a status ("invalid argument"). Never NULL. */
WK_API const char *wk_status_string(wk_status status);

/** The message of the last failing whisk call on this thread ("" if none). Never NULL.
 *  Valid until the next whisk call on the same thread. */
WK_API const char *wk_last_error(void);

/* ────────────────────────────────────────────────────────────────────────────
 * Instruction sets and CPU features
 * ──────────────────────────────────────────────────────────────────────────── */
typedef enum wk_isa {
  WK_ISA_SCALAR = 0,     /* portable C: the specification every other kernel must match */
  WK_ISA_AVX2 = 1,       /* AVX2 + FMA, exact (no saturating vpmaddubsw) */
  WK_ISA_AVXVNNI = 2,    /* AVX2 + FMA + AVX-VNNI (vpdpbusd on ymm; Intel client CPUs since
                          * Alder Lake, AMD Zen 5): no AVX-512 needed */
  WK_ISA_AVX512VNNI = 3, /* AVX-512 F/BW/VL + VNNI (vpdpbusd) */
  WK_ISA_AMX = 4,        /* AMX-TILE + AMX-INT8 on top of AVX-512 VNNI */
  WK_ISA_COUNT = 5,
  WK_ISA_AUTO = -1       /* the best the CPU has, capped by the WHISK_ISA environment variable */
} wk_isa;

/** "scalar", "avx2", "avxvnni", "avx512vnni", "amx" (or "auto"). */
WK_API const char *wk_isa_name(wk_isa isa);

/** Parses an ISA name (as wk_isa_name prints it, or "auto"). */
WK_API wk_status wk_isa_parse(const char *name, wk_isa *isa);

/** 1 if this CPU and OS can run kernels for `isa` (for AMX: tile permission granted).  The
 *  ladder is not a chain: a CPU may have AVX-512 VNNI without AVX-VNNI (Ice Lake) or AVX-VNNI
 *  without AVX-512 (Alder Lake); WK_ISA_AUTO takes the highest supported one. */
WK_API int wk_isa_supported(wk_isa isa);

/** The ISA WK_ISA_AUTO resolves to: the best supported one, capped by $WHISK_ISA if set.
 *  Fails with WK_STATUS_INVALID_ARGUMENT if $WHISK_ISA names no ISA. */
WK_API wk_status wk_isa_auto(wk_isa *isa);

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
WK_API void wk_cpu_get_info(wk_cpu_info *info);

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
WK_API wk_status wk_context_create(const wk_context_options *options, wk_context **context);
WK_API void wk_context_free(wk_context *context);
WK_API wk_isa wk_context_isa(const wk_context *context);
WK_API int wk_context_threads(const wk_context *context);

/** Name of the microkernel the context uses for a kernel family ("attention", ...), or NULL. */
WK_API const char *wk_context_kernel_name(const wk_context *context, const char *family);

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
  float scale;              /* per-tensor scale, used when token_scale and head_scale are NULL */
  const float *token_scale; /* optional per-token scales: token_scale[h*token_scale_head_stride + i] */
  ptrdiff_t token_scale_head_stride; /* 0: one scale per token shared by all heads */
  const float *head_scale;  /* optional per-head scales [heads] (replace `scale`; not together
                             * with token_scale).  The one way V can be scaled per head: the
                             * output of head h is then scaled by head_scale[h] / out_scale. */
} wk_q8_view;

typedef enum wk_dtype { WK_DTYPE_INT8 = 0, WK_DTYPE_F32 = 1 } wk_dtype;

typedef struct wk_attention_params {
  int heads;     /* ≥ 1 */
  int lq, lk;    /* query and key lengths, ≥ 1 (lk ≤ WK_ATTENTION_MAX_LK) */
  int head_dim;  /* multiple of 16, 16 … 128 */
  wk_q8_view q, k, v; /* q, k: per tensor, per head or per token; v: per tensor or per head */
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

/* Accepted scale range.  Every scale must be finite and > 0, and the products the kernel forms
 * in float must stay in float's range (else WK_STATUS_INVALID_ARGUMENT naming the scales):
 *   m = softmax_scale·log2(e) (default softmax_scale 1/sqrt(head_dim));
 *   m·q_scale (each per-token q scale) must be a normal float: in [FLT_MIN, FLT_MAX];
 *   m·max(q_scale)·max(k_scale) ≤ FLT_MAX / (2·128²·head_dim), so that every logit and every
 *     logit minus the row maximum is finite (≈ 1.6e32 for head_dim 64: q_scale·k_scale up to
 *     about 9e32 with the default softmax scale);
 *   WK_DTYPE_F32 output: v_scale ≤ FLT_MAX / 128 (outputs reach 128·v_scale).
 * k_scale has no lower bound (tiny logit multipliers just give a uniform softmax), and an
 * int8 output accepts any v_scale / out_scale ratio (it is formed in double; outputs beyond
 * int8's range saturate). */

/** Runs attention.  Query rows that see no key (masks) produce 0.  On any error status nothing
 *  is written to the output.  Allocates its scratch for the call (see wk_attention_ex). */
WK_API wk_status wk_attention(wk_context *context, const wk_attention_params *params);

/** Bytes of caller-owned workspace wk_attention_ex needs for these sizes on this context (its
 *  kernel and thread count; the same for any context of the same ISA and thread count).
 *  0 if an argument is out of range (wk_last_error says which). */
WK_API size_t wk_attention_workspace_size(const wk_context *context, int heads, int lq, int lk,
                                   int head_dim);

/** wk_attention with caller-owned scratch: `workspace` (any alignment) of at least
 *  wk_attention_workspace_size(context, heads, lq, lk, head_dim) bytes; no allocation.  Several
 *  threads may run at once, each with its own context and workspace.  A smaller workspace fails
 *  with WK_STATUS_INVALID_ARGUMENT.  workspace == NULL: as wk_attention. */
WK_API wk_status wk_attention_ex(wk_context *context, const wk_attention_params *params,
                          void *workspace, size_t workspace_size);

/** The seed effort's tile: one head, Q‖K‖V as three row-major 64×64 int8 matrices in one
 *  12288-byte buffer → 64×64 int8 output (4096 bytes); softmax scale 1/8 (= 1/sqrt(64)). */
WK_API wk_status wk_attention_tile64(wk_context *context, const int8_t *qkv, size_t qkv_size,
                              int8_t *out, size_t out_capacity, float q_scale, float k_scale,
                              float v_scale, float out_scale);

/* ────────────────────────────────────────────────────────────────────────────
 * Whisper model files (whisper.cpp's ggml .bin format)
 * ──────────────────────────────────────────────────────────────────────────── */
typedef struct wk_model wk_model;

/** Loads a whisper.cpp model file (ggml-tiny.bin … ggml-large-v3-turbo.bin, `.en` or
 *  multilingual; tensors F32, F16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 or Q2_K … Q6_K).  A regular file
 *  is memory-mapped read-only and stays open (the model keeps the mapping and the descriptor;
 *  encoders and decoders read their weights from it with pread); anything else (a pipe) is
 *  read into memory.  A file cut short after loading makes a later build fail with
 *  WK_STATUS_IO_ERROR.  Every field is checked before use: a malformed, truncated or hostile file gets
 *  WK_STATUS_BAD_FORMAT and a wk_last_error() message naming the section, tensor and field;
 *  WK_STATUS_IO_ERROR if it cannot be opened or read.  The model is read-only once loaded:
 *  threads may share it. */
WK_API wk_status wk_model_load(const char *path, wk_model **out);

/** The same from a buffer of `size` bytes.  The model keeps its own copy: `data` may be freed
 *  as soon as the call returns. */
WK_API wk_status wk_model_load_memory(const void *data, size_t size, wk_model **out);

WK_API void wk_model_free(wk_model *model); /* accepts NULL */

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
  const float *mel_filters;    /* [n_mels][201] the file's mel filterbank, for wk_log_mel (lives
                                  as long as the model) */
} wk_model_info;

/** Fills *info (strings are static or live as long as the model). */
WK_API wk_status wk_model_describe(const wk_model *model, wk_model_info *info);

/* ────────────────────────────────────────────────────────────────────────────
 * Audio: decode, mix to mono, resample to 16 kHz
 *
 * WAV, FLAC, OGG/Vorbis, Opus and MP3 (whatever the system's libsndfile reads), any channel
 * count up to 1024 (mixed to mono as the mean of the channels), any rate from 1 kHz to 768 kHz
 * (resampled with libsoxr, "very high quality").  Integer formats are scaled to [-1, 1) as
 * libsndfile does (a 16-bit sample s becomes s/32768, as Whisper's loader computes); the result
 * is clamped to [-1, 1] as Whisper's ffmpeg → s16le path clips.  Refused with
 * WK_STATUS_BAD_FORMAT and a message naming the source and what is wrong: unreadable or
 * malformed files, files without audio frames, float samples that are NaN or infinite (the first
 * such frame is named), 0 or more than 1024 channels; WK_STATUS_UNSUPPORTED: rates outside
 * [1 kHz, 768 kHz], audio longer than 12 hours (checked before anything is allocated when the
 * header states the length, and while decoding otherwise).
 * ──────────────────────────────────────────────────────────────────────────── */

#define WK_SAMPLE_RATE 16000 /* Whisper's rate: every wk_pcm is 16 kHz mono */

/** Decoded audio: 16 kHz mono float samples (caller-owned; free with wk_pcm_free). */
typedef struct wk_pcm {
  float *samples;         /* [n_samples], 16 kHz mono, each in [-1, 1] */
  size_t n_samples;
  int source_rate;        /* the file's sample rate, Hz */
  int source_channels;    /* the file's channel count */
  uint64_t source_frames; /* frames decoded from the file (at source_rate) */
} wk_pcm;

/** Decodes the audio file at `path` ("-" reads standard input to its end first; pipes and other
 *  non-seekable files are read whole, up to 4 GiB) into *out.  *out is zeroed first and holds
 *  nothing to free on failure.  WK_STATUS_IO_ERROR when the file cannot be opened or read. */
WK_API wk_status wk_audio_load(const char *path, wk_pcm *out);

/** Decodes an audio file held in memory (data[0..size)) into *out, as wk_audio_load does. */
WK_API wk_status wk_audio_load_memory(const void *data, size_t size, wk_pcm *out);

/** Frees pcm->samples and zeroes *pcm.  Accepts NULL. */
WK_API void wk_pcm_free(wk_pcm *pcm);

/* ────────────────────────────────────────────────────────────────────────────
 * Log-mel spectrogram, exactly as Whisper computes it (openai/whisper audio.py +
 * transcribe.py):
 *
 *   x      = pcm followed by 30 s (480000) of zeros            (transcribe: padding=N_SAMPLES)
 *   X[t,k] = Σ_n x_r[160t − 200 + n] · w[n] · e^{−2πi·kn/400}, n < 400, k ≤ 200, where x_r is x
 *            reflect-padded by 200 at both ends and w[n] = 0.5 − 0.5·cos(2πn/400) (periodic Hann)
 *            for t < n_frames = (n_samples + 480000) / 160 (torch.stft center=True, last frame
 *            dropped)
 *   M[m,t] = log10(max(Σ_k filters[m,k] · |X[t,k]|², 1e-10))
 *   mel    = (max(M, max(M) − 8) + 4) / 4
 *
 * The result is byte-identical for every thread count and ISA.
 * ──────────────────────────────────────────────────────────────────────────── */

#define WK_MEL_N_FFT 400
#define WK_MEL_BINS 201          /* N_FFT/2 + 1 frequency bins per filter */
#define WK_MEL_HOP 160
#define WK_MEL_PAD_SAMPLES 480000 /* 30 s of zeros appended before the STFT */
#define WK_MEL_WINDOW_FRAMES 3000 /* frames per 30-s encoder window */
#define WK_MEL_MAX_ABS 65536.0f  /* |pcm| above this is refused (keeps |X|² finite in float) */

/** Frames of the log-mel of n_samples samples: (n_samples + 480000) / 160.  0 when n_samples
 *  exceeds the 12-hour cap (12·3600·16000). */
WK_API size_t wk_mel_frames(size_t n_samples);

/** Computes the log-mel of pcm[0..n_samples) (16 kHz mono; n_samples may be 0) with the mel
 *  filterbank `filters` ([n_mels][201] row-major, as stored in the model file: finite, in
 *  [0, 1]; n_mels 1…512, Whisper uses 80 or 128) into mel ([n_mels][n_frames] row-major,
 *  n_frames = wk_mel_frames(n_samples); mel_capacity in floats must hold n_mels·n_frames).
 *  Samples must be finite with |x| ≤ WK_MEL_MAX_ABS.  Uses the context's thread pool. */
WK_API wk_status wk_log_mel(wk_context *context, const float *pcm, size_t n_samples,
                     const float *filters, int n_mels, float *mel, size_t mel_capacity);

/** The number of 30-s encoder windows of a log-mel of n_frames frames:
 *  ceil((n_frames − 3000) / 3000), at least 1; 0 when n_frames < 3000 (no such log-mel). */
WK_API size_t wk_mel_windows(size_t n_frames);

/** Copies window `window` of a log-mel ([n_mels][n_frames] from wk_log_mel) into out
 *  ([n_mels][3000] row-major; out_capacity in floats ≥ n_mels·3000), as transcribe.py cuts it:
 *  content_frames = n_frames − 3000; frames [3000·window, min(3000·window + 3000,
 *  content_frames)) are copied and the rest of the 3000 columns is 0 (pad_or_trim's zeros in
 *  the mel domain). */
WK_API wk_status wk_mel_window(const float *mel, size_t n_frames, int n_mels, size_t window,
                        float *out, size_t out_capacity);

/* ────────────────────────────────────────────────────────────────────────────
 * Encoder: log-mel in, Whisper encoder features out
 *
 *   features = ln_post(layers(stem(mel)))      mel [n_mels][2·n_ctx] → features [n_ctx][d]
 *
 * WK_PRECISION_INT8: int8 weights per output channel, int8 activations per token, exact int32
 * products, fp32 residual stream and LayerNorms — bit-identical on every ISA and thread count.
 * WK_PRECISION_FP32: the model's weights in fp32.
 * An encoder is read-only once created: several threads may run one encoder at once, each
 * with its own context.  Each context keeps the run's workspace (grown on first use, freed
 * with the context), so repeated runs allocate nothing.
 * ──────────────────────────────────────────────────────────────────────────── */
typedef struct wk_encoder wk_encoder;

typedef enum wk_precision { WK_PRECISION_INT8 = 0, WK_PRECISION_FP32 = 1 } wk_precision;

/** Builds the encoder of `model` (weights quantized and packed for the context's ISA; the
 *  encoder must then be run with contexts of that same ISA). */
WK_API wk_status wk_encoder_create(wk_context *context, const wk_model *model, wk_precision precision,
                            wk_encoder **encoder);
WK_API void wk_encoder_free(wk_encoder *encoder); /* accepts NULL */

/** The encoder's shapes: mel bins, output frames (1500 in Whisper) and width. */
WK_API wk_status wk_encoder_dims(const wk_encoder *encoder, int *n_mels, int *n_ctx, int *d);

/** features = encoder(mel).  mel: [n_mels][2·n_ctx] floats, channel-major (mel_count of them,
 *  exactly n_mels·2·n_ctx), finite; out: [n_ctx][d] floats (out_capacity ≥ n_ctx·d).  On error
 *  the output is unspecified. */
WK_API wk_status wk_encoder_run(wk_context *context, const wk_encoder *encoder, const float *mel,
                         size_t mel_count, float *out, size_t out_capacity);


/* ────────────────────────────────────────────────────────────────────────────
 * Transcription: audio in, Whisper's transcript out
 *
 * openai/whisper's transcribe.py and decoding.py are the specification: the log-mel of the
 * whole audio, 30-s windows from the seek position, greedy or beam-search decoding with the
 * timestamp rules, temperature fallback (compression ratio, average log-probability), the
 * no-speech skip, conditioning on the previous text, seeking by the last timestamp, language
 * detection on the first window.  Every step is deterministic: for a given model, precision and
 * parameters the transcript is the same on every ISA and thread count (sampling at temperatures
 * above 0 uses whisk's own seeded generator).
 * ──────────────────────────────────────────────────────────────────────────── */

/** The encoder, decoder and tokenizer of a model, ready to transcribe.  Read-only once
 *  created: several threads may transcribe with one transcriber at once, each with its own
 *  context.  It keeps no reference to the model (which may be freed afterwards). */
typedef struct wk_transcriber wk_transcriber;

/** Builds the transcriber of `model` in `precision` for the context's ISA (run it with
 *  contexts of that ISA). */
WK_API wk_status wk_transcriber_create(wk_context *context, const wk_model *model,
                                       wk_precision precision, wk_transcriber **out);
WK_API void wk_transcriber_free(wk_transcriber *transcriber); /* accepts NULL */

/** One word of a segment (word_timestamps: timing.py's word dict). */
typedef struct wk_word {
  const char *word;         /* UTF-8, NUL-terminated: its leading space and merged punctuation
                               included (" Hello,") */
  double start, end;        /* seconds from the start of the audio, rounded to 0.01 */
  double probability;       /* mean probability of its tokens */
} wk_word;

/** One segment of a transcript (transcribe.py's segment dict). */
typedef struct wk_segment {
  double start, end;        /* seconds from the start of the audio */
  const char *text;         /* UTF-8, NUL-terminated (invalid bytes became U+FFFD) */
  const int *tokens;        /* [n_tokens] its token ids, timestamps included */
  int n_tokens;
  int seek;                 /* the window's start in mel frames (10 ms) */
  double temperature;       /* the decoding temperature that produced it */
  double avg_logprob;       /* the window's mean log-probability per token */
  double compression_ratio; /* gzip compression ratio of the window's text */
  double no_speech_prob;    /* P(<|nospeech|>) at the window's first step */
  const wk_word *words;     /* [n_words] with word_timestamps (else NULL, 0) */
  int n_words;
} wk_segment;

/** Progress, after each decoded window. */
typedef struct wk_transcribe_progress {
  double done_seconds, total_seconds; /* audio transcribed so far, of the whole */
  const wk_segment *segments;         /* [n_segments] every segment so far (valid during the
                                         call only) */
  int n_segments;
  int first_new;                      /* segments[first_new …] came from this window */
} wk_transcribe_progress;
/** Return 0 to go on, nonzero to stop (wk_transcribe then fails with WK_STATUS_CANCELLED). */
typedef int (*wk_progress_fn)(void *user, const wk_transcribe_progress *progress);

#define WK_MAX_TEMPERATURES 16
#define WK_MAX_CLIP_TIMESTAMPS 4096

typedef struct wk_transcribe_params {
  const char *language;     /* code or English name ("en", "german"); NULL or "auto": detected
                               on the first window (multilingual models; ".en" models: English) */
  int translate;            /* task translate (to English) instead of transcribe */
  int beam_size;            /* 0: greedy (transcribe()'s default); 1 … 64: beam search */
  int best_of;              /* sampling (temperatures > 0): that many samples per window, the
                               most likely kept; 0 or 1: one (transcribe()'s default; the
                               whisper command line uses 5); ≤ 64 */
  float patience;           /* beam search; ≤ 0: 1.0 */
  float length_penalty;     /* < 0: length normalization (default); 0 … 1: Google's α */
  float temperatures[WK_MAX_TEMPERATURES]; /* tried in order; default 0, 0.2, 0.4 … 1.0 */
  int n_temperatures;       /* 1 … WK_MAX_TEMPERATURES */
  double compression_ratio_threshold; /* 2.4; NaN: no check */
  double logprob_threshold;           /* −1.0; NaN: no check */
  double no_speech_threshold;         /* 0.6; NaN: no check */
  int condition_on_previous_text;     /* 1: the previous window's text is the prompt */
  const char *initial_prompt;         /* text for the first window's prompt, or NULL */
  int carry_initial_prompt;           /* 1: the initial prompt heads every window's prompt */
  const double *clip_timestamps;      /* [n_clip_timestamps] seconds: start, end, start, end …
                                         of the parts to transcribe (an odd count: the last
                                         runs to the end; times past the end count as the
                                         end); NULL: all of it */
  int n_clip_timestamps;              /* 0 … WK_MAX_CLIP_TIMESTAMPS */
  int without_timestamps;   /* 1: <|notimestamps|> (one segment per window) */
  int word_timestamps;      /* 1: word-level timestamps (timing.py: the cross-attention of the
                               model's alignment heads, dynamic time warping), and segment
                               times and seeks refined by them, as transcribe.py does */
  const char *prepend_punctuations; /* merged into the next word; NULL: "\"'“¿([{-" */
  const char *append_punctuations;  /* merged into the previous word; NULL:
                                       "\"'.。,，!！?？:：”)]}、" */
  double hallucination_silence_threshold; /* word_timestamps: skip silent periods longer than
                                             this (s) around a likely hallucination; NaN: off */
  const char *alignment_heads; /* word_timestamps: NULL or "auto" (the preset of the model's
                                  size, else whisper's default: every head of the last half of
                                  the decoder layers), a preset name ("base.en", "large-v2" …),
                                  "all-last-half", or "L:H,L:H…" (layer:head pairs) */
  int suppress_blank;       /* 1 */
  int suppress_non_speech;  /* 1: decoding.py's suppress_tokens "-1" */
  const int *suppress_tokens; /* [n_suppress_tokens] more token ids never sampled (decoding.py's
                                 suppress_tokens ids ≥ 0; each below the vocabulary size), or
                                 NULL; the array must outlive the call */
  int n_suppress_tokens;
  float max_initial_timestamp; /* 1.0 s; ≤ 0: no limit */
  uint64_t seed;            /* the sampling generator's seed (temperatures > 0) */
  int sample_len;           /* most tokens sampled per window; 0: n_text_ctx / 2 (224) */
  wk_progress_fn progress;  /* may be NULL */
  void *progress_user;
} wk_transcribe_params;

/** transcribe()'s defaults (as the parameter comments say). */
WK_API void wk_transcribe_params_default(wk_transcribe_params *params);

/** A transcript (caller-owned; free with wk_transcription_free). */
typedef struct wk_transcription {
  wk_segment *segments;     /* [n_segments] */
  int n_segments;
  char *text;               /* the whole text, as transcribe() returns it */
  const char *language;     /* the language's code ("en"; static) */
  double duration;          /* seconds of audio */
  int n_windows;            /* windows decoded (skipped ones included) */
  int n_fallbacks;          /* decodes beyond the first temperature */
  long long n_tokens;       /* decoder steps run (beams counted once) */
  double mel_ms, encode_ms, decode_ms; /* time spent in each stage */
  int word_timestamps;      /* the segments carry words (the writers' word-level mode) */
  double align_ms;          /* word timestamps: the alignment passes (not in decode_ms) */
} wk_transcription;

/** Transcribes pcm[0 … n_samples) (16 kHz mono, as wk_audio_load returns; n_samples may be 0)
 *  into *out (zeroed first; nothing to free on failure).  INVALID_ARGUMENT for bad parameters
 *  (an unknown language, a temperature that is negative or not finite, a context of another
 *  ISA than the transcriber's), CANCELLED when the progress callback asks to stop. */
WK_API wk_status wk_transcribe(wk_context *context, const wk_transcriber *transcriber,
                               const float *pcm, size_t n_samples,
                               const wk_transcribe_params *params, wk_transcription *out);
WK_API void wk_transcription_free(wk_transcription *transcription); /* accepts NULL; zeroes */

/** Writes the transcript as "txt", "srt", "vtt", "tsv" or "json" (openai/whisper utils.py's
 *  writers; json is transcribe()'s result dict) to `path` atomically — a temporary file beside it,
 *  flushed and renamed over it, so `path` is never left half-written — or to standard output
 *  when path is "-". */
WK_API wk_status wk_transcription_write(const wk_transcription *transcription, const char *format,
                                        const char *path);

/** Subtitle options of the srt and vtt writers for transcripts with word timestamps (utils.py's
 *  highlight_words, max_line_width, max_line_count, max_words_per_line; 0 = None); without
 *  words they change nothing. */
typedef struct wk_subtitle_options {
  int highlight_words;      /* underline each word as it is spoken (a cue per word) */
  int max_line_width;       /* characters in a line before breaking it */
  int max_line_count;       /* lines in a cue (with max_line_width) */
  int max_words_per_line;   /* words in a line (no effect with max_line_width) */
} wk_subtitle_options;

/** wk_transcription_write with subtitle options (NULL: all 0, as wk_transcription_write). */
WK_API wk_status wk_transcription_write_ex(const wk_transcription *transcription,
                                           const char *format, const char *path,
                                           const wk_subtitle_options *options);

#ifdef __cplusplus
}
#endif
#endif /* WHISK_H */
