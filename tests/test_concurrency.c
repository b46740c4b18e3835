/* test_concurrency.c — the library shared between threads (issue 10, item 3); run under
 * ThreadSanitizer by `make test-tsan`.
 *   model:     one loaded synthetic model (the "micro" size, f16) shared read-only by three
 *              threads, each with its own context (a 2-thread pool), each turning different
 *              audio into features — log-mel with the model's filters, then the INT8 and the FP32
 *              encoder (one shared encoder each, plus an INT8 encoder each thread builds from the
 *              shared model) — twice; every result byte-identical to a single-threaded run;
 *   kernels:   eight threads calling wk_attention (each its own context, shapes and inputs) and
 *              the internal GEMM (one packed weight set shared by all) at once, several times,
 *              each result byte-identical to the same call made alone on one thread;
 *   errors:    wk_last_error is per thread (each thread's own message survives the others'). */
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "gemm/gemm.h"
#include "synth_model.h"
#include "test_util.h"

enum { N_AUDIO = 3, N_KERNEL_THREADS = 8, REPS = 2 };
#define N_SAMPLES 8000 /* 0.5 s of audio per thread */

static wk_isa isa_best;

static wk_context *new_context(int n_threads) {
  wk_context_options o = {n_threads, isa_best};
  wk_context *c = NULL;
  if (wk_context_create(&o, &c) != WK_STATUS_OK) {
    fprintf(stderr, "cannot create a context: %s\n", wk_last_error());
    exit(1);
  }
  return c;
}

/* ── one model, three threads ──────────────────────────────────────────────────────────────── */

typedef struct audio_job {
  const wk_model *model;
  const wk_encoder *enc[2]; /* shared INT8 and FP32 encoders */
  const float *pcm;         /* [N_SAMPLES] */
  int n_mels, n_ctx, d;
  float *out[3];            /* [n_ctx][d] each: INT8, FP32, own INT8 encoder */
  int ok;
} audio_job;

/* pcm → log-mel (first 2·n_ctx frames) → the encoders: what each thread computes. */
static int encode_audio(wk_context *c, const audio_job *j, const wk_encoder *own,
                        float *const out[3]) {
  wk_model_info info;
  if (wk_model_describe(j->model, &info) != WK_STATUS_OK) return 0;
  const size_t frames = wk_mel_frames(N_SAMPLES), T = 2 * (size_t)j->n_ctx;
  const size_t n_mel = (size_t)j->n_mels * frames, n_in = (size_t)j->n_mels * T;
  float *mel = malloc(n_mel * sizeof *mel); /* [n_mels][frames] */
  float *in = malloc(n_in * sizeof *in);    /* [n_mels][2·n_ctx] */
  int ok = mel && in &&
           wk_log_mel(c, j->pcm, N_SAMPLES, info.mel_filters, j->n_mels, mel, n_mel) ==
               WK_STATUS_OK;
  for (int m = 0; ok && m < j->n_mels; m++) memcpy(in + m * T, mel + m * frames, T * sizeof *in);
  const size_t n_out = (size_t)j->n_ctx * j->d;
  for (int e = 0; ok && e < 3; e++) {
    const wk_encoder *enc = e < 2 ? j->enc[e] : own;
    if (enc) ok = wk_encoder_run(c, enc, in, n_in, out[e], n_out) == WK_STATUS_OK;
  }
  free(mel), free(in);
  return ok;
}

static void *audio_thread(void *arg) {
  audio_job *j = arg;
  wk_context *c = new_context(2);
  wk_encoder *own = NULL;
  j->ok = wk_encoder_create(c, j->model, WK_PRECISION_INT8, &own) == WK_STATUS_OK;
  const size_t n_out = (size_t)j->n_ctx * j->d;
  float *tmp[3];
  for (int e = 0; e < 3; e++) tmp[e] = malloc(n_out * sizeof(float));
  for (int rep = 0; rep < REPS && j->ok; rep++) { /* the second run reuses the workspace */
    j->ok = encode_audio(c, j, own, rep ? tmp : j->out);
    for (int e = 0; rep && j->ok && e < 3; e++)
      j->ok = memcmp(tmp[e], j->out[e], n_out * sizeof(float)) == 0;
  }
  for (int e = 0; e < 3; e++) free(tmp[e]);
  wk_encoder_free(own);
  wk_context_free(c);
  return NULL;
}

static void check_model_threads(void) {
  wk_synth_model_options o = {"micro", 0, "f16", 11, 1};
  uint8_t *file = NULL;
  size_t size = 0;
  wk_model *model = NULL;
  if (wk_synth_model_write_memory(&o, &file, &size) != WK_STATUS_OK ||
      wk_model_load_memory(file, size, &model) != WK_STATUS_OK) {
    CHECK(0, "micro model: %s", wk_last_error());
    free(file);
    return;
  }
  free(file); /* the model keeps its own copy */
  wk_context *c = new_context(1);
  audio_job jobs[N_AUDIO], ref[N_AUDIO];
  memset(jobs, 0, sizeof jobs);
  wk_encoder *enc[2] = {NULL, NULL};
  for (int p = 0; p < 2; p++)
    CHECK(wk_encoder_create(c, model, p ? WK_PRECISION_FP32 : WK_PRECISION_INT8, &enc[p]) ==
              WK_STATUS_OK, "encoder %d: %s", p, wk_last_error());
  int n_mels = 0, n_ctx = 0, d = 0;
  if (enc[0]) wk_encoder_dims(enc[0], &n_mels, &n_ctx, &d);
  float *pcm = malloc((size_t)N_AUDIO * N_SAMPLES * sizeof *pcm); /* [N_AUDIO][N_SAMPLES] */
  wk_test_rng r = {2024};
  for (int a = 0; a < N_AUDIO; a++) /* a different chirp plus noise for each thread */
    for (int i = 0; i < N_SAMPLES; i++)
      pcm[a * N_SAMPLES + i] = 0.3f * sinf(0.002f * (float)(a + 1) * (float)i * (float)i / 100.0f) +
                               wk_test_float(&r, -0.05f, 0.05f);
  const size_t n_out = (size_t)n_ctx * d;
  for (int a = 0; a < N_AUDIO && enc[0] && enc[1]; a++) {
    jobs[a] = (audio_job){model, {enc[0], enc[1]}, pcm + a * N_SAMPLES, n_mels, n_ctx, d,
                          {NULL, NULL, NULL}, 0};
    ref[a] = jobs[a];
    for (int e = 0; e < 3; e++) {
      jobs[a].out[e] = malloc(n_out * sizeof(float));
      ref[a].out[e] = malloc(n_out * sizeof(float));
    }
    /* the reference: alone, on a 1-thread context, with the shared encoders (for e = 2 too:
     * an encoder built from the same model by another context of the ISA is the same) */
    CHECK(encode_audio(c, &ref[a], enc[0], ref[a].out), "reference %d: %s", a, wk_last_error());
  }
  /* different audio gives different features (else the comparison proves little) */
  if (enc[0] && enc[1])
    CHECK(memcmp(ref[0].out[0], ref[1].out[0], n_out * sizeof(float)) != 0,
          "two different signals gave the same features");
  pthread_t t[N_AUDIO];
  for (int a = 0; a < N_AUDIO && enc[0] && enc[1]; a++)
    CHECK(pthread_create(&t[a], NULL, audio_thread, &jobs[a]) == 0, "pthread_create");
  for (int a = 0; a < N_AUDIO && enc[0] && enc[1]; a++) {
    pthread_join(t[a], NULL);
    CHECK(jobs[a].ok, "audio thread %d failed", a);
    static const char *const what[3] = {"INT8", "FP32", "own INT8"};
    for (int e = 0; e < 3 && jobs[a].ok; e++)
      CHECK(memcmp(jobs[a].out[e], ref[a].out[e], n_out * sizeof(float)) == 0,
            "audio thread %d: %s features differ from the single-threaded run", a, what[e]);
    for (int e = 0; e < 3; e++) free(jobs[a].out[e]), free(ref[a].out[e]);
  }
  free(pcm);
  wk_encoder_free(enc[0]), wk_encoder_free(enc[1]);
  wk_context_free(c);
  wk_model_free(model);
}

/* ── attention and GEMM from many threads ──────────────────────────────────────────────────── */

enum { HEADS = 2, LQ = 37, LK = 45, HD = 64, GM = 19, GN = 48, GK = 200 };

typedef struct kernel_job {
  int id;
  const wk_gemm_weights *weights; /* shared */
  int8_t q[HEADS * LQ * HD], k[HEADS * LK * HD], v[HEADS * LK * HD];
  float att_scale[3];
  int causal;
  int8_t a[GM * GK];
  float a_scale[GM];
  float att_out[HEADS * LQ * HD], gemm_out[GM * GN];         /* the concurrent results */
  float att_want[HEADS * LQ * HD], gemm_want[GM * GN];       /* the single-threaded ones */
  int ok;
} kernel_job;

static void init_kernel_job(kernel_job *j, int id, const wk_gemm_weights *w) {
  memset(j, 0, sizeof *j);
  j->id = id, j->weights = w, j->causal = id & 1;
  wk_test_rng r = {1000 + (uint64_t)id};
  for (size_t i = 0; i < sizeof j->q; i++) j->q[i] = (int8_t)wk_test_int(&r, -128, 127);
  for (size_t i = 0; i < sizeof j->k; i++) j->k[i] = (int8_t)wk_test_int(&r, -128, 127);
  for (size_t i = 0; i < sizeof j->v; i++) j->v[i] = (int8_t)wk_test_int(&r, -128, 127);
  for (int i = 0; i < 3; i++) j->att_scale[i] = wk_test_float(&r, 0.002f, 0.02f);
  for (size_t i = 0; i < sizeof j->a; i++) j->a[i] = (int8_t)wk_test_int(&r, -127, 127);
  for (int i = 0; i < GM; i++) j->a_scale[i] = wk_test_float(&r, 0.01f, 0.1f);
}

static int run_kernels(wk_context *c, const kernel_job *j, float *att_out, float *gemm_out) {
  wk_attention_params p = {0};
  p.heads = HEADS, p.lq = LQ, p.lk = LK, p.head_dim = HD, p.causal = j->causal;
  const wk_q8_view q = {j->q, HEADS * HD, HD, j->att_scale[0], NULL, 0, NULL};
  const wk_q8_view k = {j->k, HEADS * HD, HD, j->att_scale[1], NULL, 0, NULL};
  const wk_q8_view v = {j->v, HEADS * HD, HD, j->att_scale[2], NULL, 0, NULL};
  p.q = q, p.k = k, p.v = v;
  p.out_type = WK_DTYPE_F32, p.out = att_out, p.out_row_stride = HEADS * HD, p.out_head_stride = HD;
  if (wk_attention(c, &p) != WK_STATUS_OK) return 0;
  wk_gemm_args g = {0};
  g.m = GM, g.a = j->a, g.a_stride = GK, g.a_scale = j->a_scale, g.gelu = j->id % 3 == 0;
  g.out = gemm_out, g.out_stride = GN;
  return wk_gemm_run(c, j->weights, &g) == WK_STATUS_OK;
}

static void *kernel_thread(void *arg) {
  kernel_job *j = arg;
  wk_context *c = new_context(1 + (j->id & 1)); /* half with a 2-thread pool */
  j->ok = 1;
  for (int rep = 0; rep < REPS && j->ok; rep++) {
    j->ok = run_kernels(c, j, j->att_out, j->gemm_out) &&
            memcmp(j->att_out, j->att_want, sizeof j->att_out) == 0 &&
            memcmp(j->gemm_out, j->gemm_want, sizeof j->gemm_out) == 0;
  }
  wk_context_free(c);
  return NULL;
}

static void check_kernel_threads(void) {
  wk_context *c = new_context(1);
  int8_t *w = malloc(GN * GK);
  float w_scale[GN], bias[GN];
  wk_test_rng r = {77};
  for (int i = 0; i < GN * GK; i++) w[i] = (int8_t)wk_test_int(&r, -128, 127);
  for (int i = 0; i < GN; i++) w_scale[i] = wk_test_float(&r, 0.001f, 0.01f), bias[i] = 0.1f * i;
  wk_gemm_weights *weights = NULL;
  CHECK(wk_gemm_weights_create(c, w, GK, w_scale, bias, GN, GK, &weights) == WK_STATUS_OK, "%s",
        wk_last_error());
  free(w);
  kernel_job *jobs = malloc(N_KERNEL_THREADS * sizeof *jobs);
  for (int i = 0; i < N_KERNEL_THREADS && weights; i++) {
    init_kernel_job(&jobs[i], i, weights);
    CHECK(run_kernels(c, &jobs[i], jobs[i].att_want, jobs[i].gemm_want), "reference %d: %s", i,
          wk_last_error());
  }
  pthread_t t[N_KERNEL_THREADS];
  for (int i = 0; i < N_KERNEL_THREADS && weights; i++)
    CHECK(pthread_create(&t[i], NULL, kernel_thread, &jobs[i]) == 0, "pthread_create");
  for (int i = 0; i < N_KERNEL_THREADS && weights; i++) {
    pthread_join(t[i], NULL);
    CHECK(jobs[i].ok, "kernel thread %d: a result differs from the single-threaded run (or a "
                      "call failed)", i);
  }
  if (weights) /* distinct jobs give distinct results (else the comparison proves little) */
    CHECK(memcmp(jobs[0].att_want, jobs[1].att_want, sizeof jobs[0].att_want) != 0,
          "two jobs gave the same attention output");
  free(jobs);
  wk_gemm_weights_free(weights);
  wk_context_free(c);
}

/* ── per-thread error messages ─────────────────────────────────────────────────────────────── */

static void *error_thread(void *arg) {
  int *ok = arg;
  *ok = 1;
  for (int rep = 0; rep < 50 && *ok; rep++) {
    wk_isa isa;
    char name[32];
    snprintf(name, sizeof name, "no-such-isa-%p-%d", (void *)ok, rep);
    *ok = wk_isa_parse(name, &isa) != WK_STATUS_OK && strstr(wk_last_error(), name) != NULL;
  }
  return NULL;
}

static void check_error_threads(void) {
  int ok[4];
  pthread_t t[4];
  for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, error_thread, &ok[i]);
  for (int i = 0; i < 4; i++) {
    pthread_join(t[i], NULL);
    CHECK(ok[i], "thread %d: wk_last_error did not name its own failure", i);
  }
}

int main(void) {
  if (wk_isa_auto(&isa_best) != WK_STATUS_OK) isa_best = WK_ISA_SCALAR;
  check_model_threads();
  check_kernel_threads();
  check_error_threads();
  if (wk_test_failures) {
    fprintf(stderr, "test_concurrency: %d failure(s)\n", wk_test_failures);
    return 1;
  }
  printf("test_concurrency: ok (%s)\n", wk_isa_name(isa_best));
  return 0;
}
