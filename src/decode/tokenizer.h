/* tokenizer.h — Whisper's tokenizer from a model file's vocabulary (internal API).
 *
 * openai/whisper's whisper/tokenizer.py is the specification (get_encoding, Tokenizer):
 *   - ids 0 … n_text − 1 are the byte-level BPE tokens the file stores (tiktoken's ranks: the
 *     rank of a byte string is its id); n_text = 50256 for English-only models (n_vocab 51864,
 *     GPT-2's vocabulary), 50257 for multilingual ones (51865, and 51866 for large-v3);
 *   - the special tokens follow, in get_encoding's order: <|endoftext|> (eot = n_text),
 *     <|startoftranscript|> (sot), one <|lang|> per language (LANGUAGES' order, the first
 *     n_languages), <|translate|>, <|transcribe|>, <|startoflm|>, <|startofprev|>, <|nospeech|>,
 *     <|notimestamps|>, then the 1501 timestamps <|0.00|> … <|30.00|> (0.02 s apart);
 *   - n_languages = n_vocab − n_text − 1509: 99, or 100 for large-v3 (which adds yue), and 99
 *     for the English-only models too (get_tokenizer passes num_languages = 99 to the gpt2
 *     encoding: the language ids exist there, the model just never uses them).
 *   Ids (tokenizer.py's arithmetic):
 *                   eot    sot    <|en|>  translate transcribe sot_lm sot_prev nospeech notimestamps <|0.00|>
 *     51864 (.en)   50256  50257  50258   50357     50358      50359  50360    50361    50362        50363
 *     51865         50257  50258  50259   50358     50359      50360  50361    50362    50363        50364
 *     51866 (v3)    50257  50258  50259   50359     50360      50361  50362    50363    50364        50365
 *
 * Text → tokens is tiktoken's encode_ordinary: the text is split by Whisper's pattern
 *     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * (matched by hand here: \p{L} and \p{N} are the Unicode general categories L* and N* from the
 * generated table unicode-classes.h, \s is the White_Space property), and each piece that is not
 * itself a token is merged by rank: repeatedly join the adjacent pair whose concatenation has
 * the lowest rank (the leftmost on ties) until no adjacent pair is a token.  Invalid UTF-8 bytes
 * in the input are kept: each is a one-byte "character" of neither class, so
 * decode(encode(bytes)) == bytes for any bytes.  Special-token text ("<|endoftext|>") in the
 * input is ordinary text (tiktoken's encode would refuse it).
 *
 * Tokens → text: the tokens' bytes, concatenated, assembled into UTF-8 by a streaming decoder
 * that holds a code point split across tokens until its last byte arrives and replaces each
 * maximal ill-formed subsequence with U+FFFD (Unicode §3.9, what Python's
 * bytes.decode("utf-8", "replace") does, so tiktoken's decode). */
#ifndef WK_TOKENIZER_H
#define WK_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "whisk.h"

#define WK_N_TIMESTAMPS 1501     /* <|0.00|> … <|30.00|> */
#define WK_TIMESTAMP_STEP 0.02   /* seconds per timestamp token */
#define WK_MAX_LANGUAGES 100     /* tokenizer.py's LANGUAGES */

/* The special token ids of one vocabulary size (see the table above). */
typedef struct wk_special_tokens {
  int n_vocab;         /* all ids: 0 … n_vocab − 1 */
  int n_text;          /* the BPE tokens: 0 … n_text − 1 */
  int eot;             /* <|endoftext|> = n_text */
  int sot;             /* <|startoftranscript|> */
  int language_begin;  /* <|en|> = sot + 1; language i is language_begin + i */
  int n_languages;     /* 99, or 100 for large-v3 */
  int translate, transcribe, sot_lm, sot_prev, no_speech, no_timestamps;
  int timestamp_begin; /* <|0.00|>; timestamp i (i · 0.02 s) is timestamp_begin + i */
  int multilingual;    /* n_vocab ≥ 51865 (whisper.cpp's and model.py's rule) */
} wk_special_tokens;

typedef struct wk_tokenizer wk_tokenizer;

/* Builds the tokenizer from a loaded model (the vocabulary is copied: the tokenizer may outlive
 * the model).  WK_STATUS_BAD_FORMAT when n_vocab and the stored count leave no room for
 * Whisper's special tokens (n_vocab − n_text − 1509 must be 0 … 100). */
wk_status wk_tokenizer_create(const wk_model *model, wk_tokenizer **out);
/* The same from n_stored token byte strings tokens[id][0 … lens[id]) (copied) and the vocabulary
 * size n_vocab: what wk_tokenizer_create does with the model's. */
wk_status wk_tokenizer_create_vocab(int n_vocab, int n_stored, const uint8_t *const *tokens,
                                    const size_t *lens, wk_tokenizer **out);
void wk_tokenizer_free(wk_tokenizer *t); /* accepts NULL */

const wk_special_tokens *wk_tokenizer_special(const wk_tokenizer *t);

/* Bytes of text token `id` (0 ≤ id < n_text; may be empty for a token the file lacks), or NULL
 * for a special or out-of-range id. */
const uint8_t *wk_tokenizer_bytes(const wk_tokenizer *t, int id, size_t *len);

/* Writes the name of special token `id` ("<|endoftext|>", "<|fr|>", "<|1.08|>", NUL-terminated)
 * into buf[cap] and returns its length; 0 (buf = "") when id is not a special token or cap is
 * too small (WK_SPECIAL_NAME_MAX always suffices). */
#define WK_SPECIAL_NAME_MAX 32
size_t wk_tokenizer_special_name(const wk_tokenizer *t, int id, char *buf, size_t cap);

/* Text → tokens (tiktoken's encode_ordinary on the bytes text[0 … len)).  tokens[cap] receives
 * *n_tokens ids; cap ≥ len always suffices (a token has at least one byte).
 * INVALID_ARGUMENT: NULL pointers, or the tokens do not fit in cap; UNSUPPORTED: a byte the
 * vocabulary has no single-byte token for (never in OpenAI's vocabularies). */
wk_status wk_tokenizer_encode(const wk_tokenizer *t, const char *text, size_t len, int *tokens,
                              size_t cap, size_t *n_tokens);

/* Tokens → text.  flags 0: only the text tokens (every special token skipped, the output
 * formats' text); WK_DECODE_SPECIALS: special tokens rendered as their names
 * (tokenizer.py's decode_with_timestamps).  *text (NUL-terminated valid UTF-8, *len bytes
 * without the NUL) is freed with wk_free.  INVALID_ARGUMENT: an id outside 0 … n_vocab − 1. */
#define WK_DECODE_SPECIALS 1
wk_status wk_tokenizer_decode(const wk_tokenizer *t, const int *tokens, size_t n, int flags,
                              char **text, size_t *len);

/* ── languages (tokenizer.py's LANGUAGES and TO_LANGUAGE_CODE) ── */

/* Code ("en", "haw", "yue") and English name ("english") of language i (0 … 99), or NULL. */
const char *wk_language_code(int i);
const char *wk_language_name(int i);
/* The index of a language given by code, name or one of tokenizer.py's aliases ("mandarin",
 * "castilian", …), case-insensitive; −1 if unknown. */
int wk_language_find(const char *code_or_name);
/* <|code|> of language i for this vocabulary, or −1 (i ≥ n_languages). */
int wk_tokenizer_language_token(const wk_tokenizer *t, int i);
/* The language index a token id stands for, or −1. */
int wk_tokenizer_token_language(const wk_tokenizer *t, int id);

/* ── suppression lists (sorted, distinct ids; owned by the tokenizer) ── */

/* tokenizer.py's non_speech_tokens: the first token of " -" and " '", and of each symbol
 * ("\"#()*+/:;<=>@[\\]^_`{|}~「」『』", "<<", ">>", "--", "♪♪", …) or " " + symbol where that is
 * a single token, and always the first token of the musical symbols ♩♪♫♬♭♮♯. */
const int *wk_tokenizer_non_speech_tokens(const wk_tokenizer *t, size_t *n);
/* decoding.py's default suppress_tokens ("-1"): the non-speech tokens plus transcribe,
 * translate, sot, sot_prev, sot_lm and no_speech. */
const int *wk_tokenizer_suppress_tokens(const wk_tokenizer *t, size_t *n);
/* decoding.py's SuppressBlank at the first sampled position: encode(" ") and eot. */
const int *wk_tokenizer_blank_tokens(const wk_tokenizer *t, size_t *n);

/* ── streaming UTF-8 assembly ──
 * Bytes arrive token by token; complete code points come out, a split one waits for its next
 * bytes, each maximal ill-formed subsequence becomes U+FFFD (EF BF BD).  To keep a code point
 * whole across a segment boundary, keep pushing into the same stream and flush only at the end
 * of the transcript (a segment then ends before the character it would have cut). */
typedef struct wk_utf8_stream {
  uint8_t buf[4];  /* the incomplete sequence so far */
  uint8_t n;       /* its length: 0 … 3 */
  uint8_t need;    /* continuation bytes still expected */
  uint8_t lo, hi;  /* the range the next continuation byte must be in */
} wk_utf8_stream;

/* Output capacity that push of n bytes (or flush, n = 0) never exceeds. */
#define WK_UTF8_STREAM_BOUND(n) (3 * (size_t)(n) + 3)

/* Feeds in[0 … n) and writes the complete output to out (≥ WK_UTF8_STREAM_BOUND(n) bytes, not
 * NUL-terminated); returns the bytes written. */
size_t wk_utf8_stream_push(wk_utf8_stream *s, const uint8_t *in, size_t n, char *out);
/* Ends the stream: U+FFFD for a dangling incomplete sequence (0 or 3 bytes written). */
size_t wk_utf8_stream_flush(wk_utf8_stream *s, char *out);

#endif
