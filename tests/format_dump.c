/* format_dump.c — `format_dump IN OUT`: reads the transcripts of tests/format_ref.py's input
 * (its docstring gives the line format: numbers as C99 hex floats, strings as "x" + hex bytes,
 * "-" for NULL) and writes each with wk_transcript_write (word_timestamps on, the case's
 * subtitle options) in every format to OUT, each output as a line "CASE EXT BYTES" and then
 * its bytes, for format_ref.py to compare with utils.py's writers.  Exit 1 on a malformed
 * input or a failed write. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/format.h"

/* The current line's fields, split on spaces in place. */
typedef struct fields {
  char *f[64 + 4096];
  int n, next;
} fields;

static int split(char *line, fields *fs) {
  fs->n = fs->next = 0;
  for (char *save = NULL, *t = strtok_r(line, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
    if (fs->n == (int)(sizeof fs->f / sizeof fs->f[0])) return -1;
    fs->f[fs->n++] = t;
  }
  return 0;
}

static const char *next_field(fields *fs) {
  if (fs->next >= fs->n) {
    fprintf(stderr, "format_dump: a short line\n");
    exit(1);
  }
  return fs->f[fs->next++];
}

static double num(fields *fs) { return strtod(next_field(fs), NULL); }
static long integer(fields *fs) { return strtol(next_field(fs), NULL, 10); }

/* "-" → NULL; "x" + hex → the bytes, NUL-terminated (malloc'd). */
static char *string(fields *fs) {
  const char *t = next_field(fs);
  if (!strcmp(t, "-")) return NULL;
  const size_t n = (strlen(t) - 1) / 2;
  char *s = malloc(n + 1);
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    sscanf(t + 1 + 2 * i, "%2x", &v);
    s[i] = (char)v;
  }
  s[n] = 0;
  return s;
}

static char *read_line(FILE *f, char **buf, size_t *cap, const char *want) {
  if (getline(buf, cap, f) < 0 || strncmp(*buf, want, strlen(want))) {
    fprintf(stderr, "format_dump: expected a '%s' line\n", want);
    exit(1);
  }
  return *buf;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: format_dump IN OUT\n");
    return 2;
  }
  FILE *in = fopen(argv[1], "r"), *out = fopen(argv[2], "wb");
  if (!in || !out) return perror(in ? argv[2] : argv[1]), 1;
  char *line = NULL;
  size_t cap = 0;
  static fields fs;
  int status = 0;
  for (int c = 0; getline(&line, &cap, in) > 0; c++) {
    if (strncmp(line, "case ", 5) || split(line, &fs)) return fprintf(stderr, "format_dump: bad case line\n"), 1;
    next_field(&fs);
    wk_transcript tr = {NULL, 0, NULL, NULL, 1, {0, 0, 0, 0}};
    tr.sub.highlight_words = (int)integer(&fs);
    tr.sub.max_line_width = (int)integer(&fs);
    tr.sub.max_line_count = (int)integer(&fs);
    tr.sub.max_words_per_line = (int)integer(&fs);
    tr.n_segments = (int)integer(&fs);
    char *language = string(&fs), *text = string(&fs);
    tr.language = language, tr.text = text;
    wk_segment *segs = calloc((size_t)tr.n_segments + 1, sizeof *segs);
    for (int i = 0; i < tr.n_segments; i++) {
      wk_segment *s = &segs[i];
      if (split(read_line(in, &line, &cap, "seg "), &fs)) return fprintf(stderr, "format_dump: long line\n"), 1;
      next_field(&fs);
      s->start = num(&fs), s->end = num(&fs), s->seek = (int)integer(&fs);
      s->temperature = num(&fs), s->avg_logprob = num(&fs), s->compression_ratio = num(&fs);
      s->no_speech_prob = num(&fs);
      s->n_tokens = (int)integer(&fs);
      int *tokens = calloc((size_t)s->n_tokens + 1, sizeof *tokens);
      for (int k = 0; k < s->n_tokens; k++) tokens[k] = (int)integer(&fs);
      s->tokens = tokens;
      s->n_words = (int)integer(&fs);
      s->text = string(&fs);
      wk_word *words = calloc((size_t)s->n_words + 1, sizeof *words);
      for (int k = 0; k < s->n_words; k++) {
        if (split(read_line(in, &line, &cap, "word "), &fs)) return 1;
        next_field(&fs);
        words[k].start = num(&fs), words[k].end = num(&fs), words[k].probability = num(&fs);
        words[k].word = string(&fs);
      }
      s->words = words;
    }
    tr.segments = segs;
    for (int f = 0; f < WK_FORMAT_COUNT; f++) {
      char *buf = NULL;
      size_t len = 0;
      FILE *mem = open_memstream(&buf, &len);
      if (!mem) return perror("open_memstream"), 1;
      if (wk_transcript_write(&tr, (wk_format)f, mem)) {
        fprintf(stderr, "format_dump: case %d, %s: %s\n", c, wk_format_extension((wk_format)f), wk_last_error());
        status = 1;
      }
      fclose(mem);
      fprintf(out, "%d %s %zu\n", c, wk_format_extension((wk_format)f), len);
      fwrite(buf, 1, len, out);
      free(buf);
    }
    for (int i = 0; i < tr.n_segments; i++) {
      for (int k = 0; k < segs[i].n_words; k++) free((char *)segs[i].words[k].word);
      free((wk_word *)segs[i].words), free((int *)segs[i].tokens), free((char *)segs[i].text);
    }
    free(segs), free(language), free(text);
  }
  free(line);
  fclose(in);
  if (fclose(out)) return perror(argv[2]), 1;
  return status;
}
