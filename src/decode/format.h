/* format.h — transcript output: txt, srt, vtt, tsv and json, and the compression ratio (internal
 * API).
 *
 * openai/whisper's whisper/utils.py is the specification (WriteTXT, WriteSRT, WriteVTT,
 * WriteTSV, WriteJSON, format_timestamp, compression_ratio), for segments without word timings:
 *   txt   each segment's text, stripped, on its own line;
 *   srt   per segment "i\nHH:MM:SS,mmm --> HH:MM:SS,mmm\ntext\n\n", i from 1;
 *   vtt   "WEBVTT\n\n", then per segment "[HH:]MM:SS.mmm --> [HH:]MM:SS.mmm\ntext\n\n" (hours
 *         only when nonzero);
 *   tsv   "start\tend\ttext\n", then per segment round(start · 1000) and round(end · 1000) as
 *         integers (milliseconds), a tab between, then the stripped text with every tab made
 *         a space;
 *   json  {"text", "segments": [{"id", "seek", "start", "end", "text", "tokens", "temperature",
 *         "avg_logprob", "compression_ratio", "no_speech_prob"}], "language"} — transcribe()'s
 *         result dict; text written as UTF-8 (json.dump escapes non-ASCII instead: the same
 *         JSON value).
 * In srt and vtt the text is stripped and "-->" becomes "->" (a cue's text must not contain
 * the arrow; Python's replace, left to right, so "--->" still leaves "-->").  Stripping is
 * Python's str.strip(): White_Space plus U+001C … U+001F.
 * Timestamps: milliseconds = round(seconds · 1000) (half to even, as Python's round), then
 * hours, minutes, seconds, milliseconds; hours past 99 take more digits (as Python's
 * f"{hours:02d}"), nothing is clamped.
 *
 * With word timestamps (wk_transcript.word_timestamps, transcribe(word_timestamps=True)):
 *   txt, tsv  unchanged (WriteTXT, WriteTSV ignore the words);
 *   json      each segment dict ends with "words": [{"word", "start", "end", "probability"}]
 *             ([] for a segment without words);
 *   srt, vtt  SubtitlesWriter.iterate_result's word-level branch (with any segment; a
 *             transcript without words then has no cue).  Options (wk_subtitle_options, 0 =
 *             None): segments are preserved unless both max_line_width and max_line_count are
 *             set; max_line_width and max_words_per_line default to 1000.  Each segment's words
 *             are taken in chunks of max_words_per_line; a word continues the current line when
 *             the line is not empty, line length + len(word) ≤ max_line_width (len in code
 *             points, the word as it is, leading space included), it is not a long pause (only
 *             when not preserving segments: its start − the previous word's start > 3.0 s) and
 *             not a chunk's first word while preserving segments.  Otherwise it starts a new
 *             line stripped, and either a new cue — when (the cue has words, max_line_count is
 *             set and (long pause or lines ≥ max_line_count)) or (preserving segments, a
 *             chunk's first word and the cue has words) — or, when the line was not empty, a new line in the cue
 *             ("\n" before the word); the line length is then the stripped word's.  A cue
 *             runs from its first word's start to its last word's end, its text the words
 *             joined (no "-->" replacement in this branch, as utils.py: a word "-->" stays
 *             "-->" and a player may read that line as a timing line; kept for byte equality
 *             with whisper).  highlight_words: instead a cue per word, over that word's times, the
 *             word written as re.sub(r"^(\s*)(.*)$", r"\1<u>\2</u>", word) — leading spaces
 *             ("\n" included) kept before "<u>", the rest underlined when it holds no "\n"
 *             other than a final one (which follows "</u>"), else the word unchanged — and
 *             before it, when the previous cue's end (or the cue's start) differs from the
 *             word's start as formatted timestamps, a plain cue over the gap. */
#ifndef WK_FORMAT_H
#define WK_FORMAT_H

#include <stddef.h>
#include <stdio.h>

#include "whisk.h"

/* wk_segment (one transcript segment, transcribe.py's segment dict) is public: whisk.h. */

#define WK_FORMAT_MAX_SECONDS 3.6e9 /* a million hours: keeps the millisecond count exact */

typedef enum wk_format {
  WK_FORMAT_TXT,
  WK_FORMAT_SRT,
  WK_FORMAT_VTT,
  WK_FORMAT_JSON,
  WK_FORMAT_TSV,
  WK_FORMAT_COUNT
} wk_format;

/* "txt", "srt", "vtt", "json", "tsv" → *format; INVALID_ARGUMENT for anything else. */
wk_status wk_format_parse(const char *name, wk_format *format);
/* The file extension ("txt" …), or NULL. */
const char *wk_format_extension(wk_format format);

/* The whole transcript, for the json writer (NULL fields are written as null). */
typedef struct wk_transcript {
  const wk_segment *segments; /* [n_segments] */
  int n_segments;
  const char *text;           /* the full text (NULL: the segments' texts concatenated) */
  const char *language;       /* the language code, e.g. "en" */
  int word_timestamps;        /* the segments carry words: json writes each segment's "words",
                               * srt and vtt write word-level cues (utils.py's iterate_result
                               * when "words" is in the first segment) */
  wk_subtitle_options sub;    /* srt, vtt with word_timestamps (all 0: utils.py's defaults) */
} wk_transcript;

/* utils.py's format_timestamp into buf (≥ WK_TIMESTAMP_MAX bytes, NUL-terminated); returns
 * the length.  seconds must be finite and within 0 … WK_FORMAT_MAX_SECONDS (else 0, buf ""). */
#define WK_TIMESTAMP_MAX 32
size_t wk_format_timestamp(double seconds, int always_include_hours, char decimal_marker,
                           char *buf);

/* Writes the transcript in `format` to f.  Every segment is checked first (NULL text, tokens
 * NULL with n_tokens > 0, times not finite, negative or past the cap, end < start:
 * INVALID_ARGUMENT naming the segment), with word_timestamps each of its words too (words NULL
 * with n_words > 0 or n_words < 0; a NULL word, the same time rules: INVALID_ARGUMENT naming the
 * segment and the word; timing.py never makes a word end before it starts), and the subtitle
 * options (negative: INVALID_ARGUMENT), so nothing is written for a bad transcript; without
 * word_timestamps the words are neither read nor checked.  Text (segments', words') is written
 * as valid UTF-8 (each ill-formed sequence → U+FFFD, one code point).  IO_ERROR when a write
 * or the final flush fails. */
wk_status wk_transcript_write(const wk_transcript *tr, wk_format format, FILE *f);

/* The same to the file `path`, atomically: written to a new temporary file beside it
 * (path.XXXXXX.tmp, mode 0666 less the umask), flushed, closed and then renamed over `path`,
 * so `path` is either its old self or the whole new transcript; the temporary file is removed
 * on any failure. */
wk_status wk_transcript_write_file(const wk_transcript *tr, wk_format format, const char *path);

/* utils.py's compression_ratio: len(text) / len(zlib.compress(text)) (zlib's default level,
 * as Python's zlib module) for text[0 … len); 0 for empty text (as Python: 0 / 8 bytes);
 * < 0 if zlib fails (out of memory). */
double wk_compression_ratio(const char *text, size_t len);

/* Python's str.strip() of UTF-8 text[0 … len): the kept range [*begin, *end).  A byte that starts
 * no well-formed character within len counts as one non-space character; nothing past len is
 * read (text from callers need not be valid). */
void wk_text_strip(const char *text, size_t len, size_t *begin, size_t *end);

#endif
