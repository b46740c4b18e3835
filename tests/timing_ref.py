#!/usr/bin/env python3
"""timing_ref.py TEST_TIMING [N_CASES [SEED]] — a float64 NumPy port of openai/whisper's word
timestamps (timing.py: median_filter, dtw_cpu, backtrace, find_alignment after the model's forward
pass, merge_punctuations, add_word_timestamps; tokenizer.py: split_tokens_on_unicode,
split_tokens_on_spaces, split_to_word_tokens, decode_with_timestamps), compared with
src/decode/timing.c through `test_timing --dump N SEED`, which prints random scenarios and its
results:
  split  tokens of the synthetic vocabulary (words, pieces, punctuation, spaces, CJK, characters
         split over tokens, stray bytes, special tokens) in en/de (spaces) or ja/zh/th (unicode):
         the words and their token bounds, identical;
  dtw    small matrices of integers (exact ties), 24- or 53-bit noise, or integers with NaN and ±inf:
         the path, identical;
  align  find_alignment on generated attention (noise, a diagonal with gaps, coarse integers,
         NaN / constant head / +inf / −inf cells; 1 … 6 heads, 0 … 3000 frames, up to 60 text
         tokens): words and tokens identical, times and probabilities within 1e-9;
  words  add_word_timestamps on 0 … 5 segments (timestamps, text, random seeks, segment times
         and last_speech_timestamp, sometimes custom punctuation): segment times, words, their
         times and probabilities (1e-9), and the final last_speech_timestamp.
The attention and probabilities are functions of (seed, index) that both sides compute (the
values are exact in float32), so the dump carries only the seeds.

Where timing.py would crash, the port does what whisk does instead (marked "whisk:"): the
IndexError in split_tokens_on_unicode, and no audio positions (num_frames < 2)."""
import subprocess
import sys

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

EOT, SOT, TRANSLATE, TIMESTAMP_BEGIN = 50257, 50258, 50358, 50364
LANGUAGES = (  # tokenizer.py's LANGUAGES codes, in order
    "en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta no th "
    "ur hr bg lt la mi ml cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk sq sw gl mr "
    "pa si km sn yo so af oc ka be tg sd gu am yi lo uz fo ht ps tk nn mt sa lb my bo tl mg as tt "
    "haw ln ha ba jw su").split()
PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"  # string.punctuation
PREPEND, APPEND = "\"'“¿([{-", "\"'.。,，!！?？:：”)]}、"  # add_word_timestamps' defaults
VOCAB = {}  # id → bytes (ids ≥ 256; ids < 256 are the bytes themselves)
COVERAGE = {}


def hit(name):
    COVERAGE[name] = COVERAGE.get(name, 0) + 1


# ── tokenizer.py ────────────────────────────────────────────────────────────────────────────


def special_name(t):
    names = {EOT: "endoftext", SOT: "startoftranscript", TRANSLATE: "translate",
             TRANSLATE + 1: "transcribe", TRANSLATE + 2: "startoflm", TRANSLATE + 3: "startofprev",
             TRANSLATE + 4: "nospeech", TRANSLATE + 5: "notimestamps"}
    if t in names:
        return "<|%s|>" % names[t]
    if SOT < t < TRANSLATE:
        return "<|%s|>" % LANGUAGES[t - SOT - 1]
    return "<|%.2f|>" % ((t - TIMESTAMP_BEGIN) * 0.02)


def decode_with_timestamps(tokens):  # tiktoken: the bytes joined, then decode("utf-8", "replace")
    b = b"".join(special_name(t).encode() if t >= EOT else VOCAB.get(t, bytes([t]) if t < 256 else b"")
                 for t in tokens)
    return b.decode("utf-8", "replace")


def split_tokens_on_unicode(tokens):
    decoded_full = decode_with_timestamps(tokens)
    replacement_char = "\ufffd"
    words, word_tokens, current_tokens = [], [], []
    unicode_offset = 0
    for token in tokens:
        current_tokens.append(token)
        decoded = decode_with_timestamps(current_tokens)
        if replacement_char in decoded:
            at = unicode_offset + decoded.index(replacement_char)
            if at >= len(decoded_full):
                hit("split: index past the end")  # whisk: tokenizer.py raises IndexError
        if (replacement_char not in decoded
                or unicode_offset + decoded.index(replacement_char) >= len(decoded_full)
                or decoded_full[unicode_offset + decoded.index(replacement_char)] == replacement_char):
            words.append(decoded)
            word_tokens.append(current_tokens)
            current_tokens = []
            unicode_offset += len(decoded)
    if current_tokens:
        hit("split: dropped trailing run")
    return words, word_tokens


def split_tokens_on_spaces(tokens):
    subwords, subword_tokens_list = split_tokens_on_unicode(tokens)
    words, word_tokens = [], []
    for subword, subword_tokens in zip(subwords, subword_tokens_list):
        special = subword_tokens[0] >= EOT
        with_space = subword.startswith(" ")
        punctuation = subword.strip() in PUNCTUATION
        if special or with_space or punctuation or len(words) == 0:
            words.append(subword)
            word_tokens.append(subword_tokens)
        else:
            words[-1] = words[-1] + subword
            word_tokens[-1].extend(subword_tokens)
    return words, word_tokens


def split_to_word_tokens(tokens, language):
    if language in {"zh", "ja", "th", "lo", "my", "yue"}:
        return split_tokens_on_unicode(tokens)
    return split_tokens_on_spaces(tokens)


# ── timing.py ───────────────────────────────────────────────────────────────────────────────


def median_filter(x, filter_width):
    """along the last axis; F.pad's reflect padding is np.pad's "reflect"; torch.sort and
    np.sort both put NaN last"""
    pad_width = filter_width // 2
    if x.shape[-1] <= pad_width:
        return x
    assert filter_width > 0 and filter_width % 2 == 1
    x = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(pad_width, pad_width)], mode="reflect")
    return np.sort(sliding_window_view(x, filter_width, axis=-1), axis=-1)[..., pad_width]


def backtrace(trace):
    i = trace.shape[0] - 1
    j = trace.shape[1] - 1
    trace[0, :] = 2
    trace[:, 0] = 1
    result = []
    while i > 0 or j > 0:
        result.append((i - 1, j - 1))
        if trace[i, j] == 0:
            i -= 1
            j -= 1
        elif trace[i, j] == 1:
            i -= 1
        elif trace[i, j] == 2:
            j -= 1
        else:
            raise ValueError("Unexpected trace[i, j]")
    if not result:  # numpy would fail on the empty array's [::-1, :]; whisk: an empty path
        return np.zeros((2, 0), dtype=np.int64)
    result = np.array(result)
    return result[::-1, :].T


def dtw_cpu(x):
    """timing.py's dtw_cpu as written (numba: float64 x + float32 c, stored as float32)"""
    N, M = x.shape
    cost = np.ones((N + 1, M + 1), dtype=np.float32) * np.inf
    trace = -np.ones((N + 1, M + 1), dtype=np.float32)
    cost[0, 0] = 0
    for j in range(1, M + 1):
        for i in range(1, N + 1):
            c0 = cost[i - 1, j - 1]
            c1 = cost[i - 1, j]
            c2 = cost[i, j - 1]
            if c0 < c1 and c0 < c2:
                c, t = c0, 0
            elif c1 < c0 and c1 < c2:
                c, t = c1, 1
            else:
                c, t = c2, 2
            cost[i, j] = x[i - 1, j - 1] + c
            trace[i, j] = t
    return backtrace(trace)


def dtw_fast(x):
    """the same recurrence, one anti-diagonal i + j = d at a time (each cell depends only on the
    two diagonals before it), for the large matrices; checked against dtw_cpu on small ones"""
    N, M = x.shape
    cost = np.full((N + 1, M + 1), np.inf, dtype=np.float32)
    trace = -np.ones((N + 1, M + 1), dtype=np.float32)
    cost[0, 0] = 0
    for d in range(2, N + M + 1):
        i = np.arange(max(1, d - M), min(N, d - 1) + 1)
        j = d - i
        c0, c1, c2 = cost[i - 1, j - 1], cost[i - 1, j], cost[i, j - 1]
        t0 = (c0 < c1) & (c0 < c2)
        t1 = ~t0 & (c1 < c0) & (c1 < c2)
        c = np.where(t0, c0, np.where(t1, c1, c2))
        cost[i, j] = (x[i - 1, j - 1] + c.astype(np.float64)).astype(np.float32)
        trace[i, j] = np.where(t0, 0, np.where(t1, 1, 2))
    return backtrace(trace)


def dtw(x):
    path = dtw_fast(x)
    if x.size <= 400:
        assert np.array_equal(path, dtw_cpu(x)), "dtw_fast differs from dtw_cpu"
    return path


class WordTiming:
    def __init__(self, word, tokens, start, end, probability):
        self.word, self.tokens, self.start, self.end, self.probability = word, tokens, start, end, probability


def find_alignment(language, text_tokens, qk, n_sot, text_token_probs, num_frames, medfilt_width=7):
    """timing.py's find_alignment from the forward pass's outputs: qk [heads][rows][cols]"""
    if len(text_tokens) == 0:
        return []
    weights = qk.astype(np.float64)[:, :, : num_frames // 2]
    if weights.shape[-1] == 0:
        return []  # whisk: no audio positions, no words (timing.py: times of −0.02 s)
    weights = np.exp(weights - weights.max(axis=-1, keepdims=True))  # softmax(dim=-1)
    weights = weights / weights.sum(axis=-1, keepdims=True)
    std, mean = weights.std(axis=-2, keepdims=True), weights.mean(axis=-2, keepdims=True)
    weights = (weights - mean) / std
    weights = median_filter(weights, medfilt_width)

    matrix = weights.mean(axis=0)
    matrix = matrix[n_sot:-1]
    text_indices, time_indices = dtw(-matrix)

    words, word_tokens = split_to_word_tokens(text_tokens + [EOT], language)
    if len(word_tokens) <= 1:
        return []
    word_boundaries = np.pad(np.cumsum([len(t) for t in word_tokens[:-1]]), (1, 0))

    jumps = np.pad(np.diff(text_indices), (1, 0), constant_values=1).astype(bool)
    jump_times = time_indices[jumps] / 50  # TOKENS_PER_SECOND
    start_times = jump_times[word_boundaries[:-1]]
    end_times = jump_times[word_boundaries[1:]]
    word_probabilities = [np.mean(text_token_probs[i:j]) for i, j in zip(word_boundaries[:-1], word_boundaries[1:])]
    return [WordTiming(word, tokens, start, end, probability)
            for word, tokens, start, end, probability in zip(words, word_tokens, start_times, end_times, word_probabilities)]


def merge_punctuations(alignment, prepended, appended):
    i = len(alignment) - 2
    j = len(alignment) - 1
    while i >= 0:
        previous = alignment[i]
        following = alignment[j]
        if previous.word.startswith(" ") and previous.word.strip() in prepended:
            hit("merge: prepended")
            following.word = previous.word + following.word
            following.tokens = previous.tokens + following.tokens
            previous.word = ""
            previous.tokens = []
        else:
            j = i
        i -= 1
    i = 0
    j = 1
    while j < len(alignment):
        previous = alignment[i]
        following = alignment[j]
        if not previous.word.endswith(" ") and following.word in appended:
            hit("merge: appended")
            previous.word = previous.word + following.word
            previous.tokens = previous.tokens + following.tokens
            following.word = ""
            following.tokens = []
        else:
            i = j
        j += 1


def add_word_timestamps(segments, align, prepend_punctuations=PREPEND, append_punctuations=APPEND,
                        last_speech_timestamp=0.0):
    """timing.py's add_word_timestamps; align(text_tokens) is find_alignment; returns the final
    value of its local last_speech_timestamp (what whisk writes back)"""
    if len(segments) == 0:
        return last_speech_timestamp
    text_tokens_per_segment = [[token for token in segment["tokens"] if token < EOT] for segment in segments]
    text_tokens = [t for s in text_tokens_per_segment for t in s]
    alignment = align(text_tokens)
    word_durations = np.array([t.end - t.start for t in alignment])
    word_durations = word_durations[word_durations.nonzero()]
    median_duration = np.median(word_durations) if len(word_durations) > 0 else 0.0
    median_duration = min(0.7, float(median_duration))
    max_duration = median_duration * 2

    if len(word_durations) > 0:
        sentence_end_marks = ".。!！?？"
        for i in range(1, len(alignment)):
            if alignment[i].end - alignment[i].start > max_duration:
                if alignment[i].word in sentence_end_marks:
                    hit("truncate: sentence end")
                    alignment[i].end = alignment[i].start + max_duration
                elif alignment[i - 1].word in sentence_end_marks:
                    hit("truncate: after sentence end")
                    alignment[i].start = alignment[i].end - max_duration

    merge_punctuations(alignment, prepend_punctuations, append_punctuations)

    time_offset = segments[0]["seek"] * 160 / 16000  # HOP_LENGTH / SAMPLE_RATE
    word_index = 0
    for segment, text_tokens in zip(segments, text_tokens_per_segment):
        saved_tokens = 0
        words = []
        while word_index < len(alignment) and saved_tokens < len(text_tokens):
            timing = alignment[word_index]
            if timing.word:
                # timing.start is a numpy.float64: this round is np.round's
                words.append(dict(word=timing.word, start=round(time_offset + timing.start, 2),
                                  end=round(time_offset + timing.end, 2), probability=timing.probability))
            saved_tokens += len(timing.tokens)
            word_index += 1
        if len(words) > 0:
            if words[0]["end"] - last_speech_timestamp > median_duration * 4 and (
                words[0]["end"] - words[0]["start"] > max_duration
                or (len(words) > 1 and words[1]["end"] - words[0]["start"] > max_duration * 2)
            ):
                hit("pause: first word")
                if len(words) > 1 and words[1]["end"] - words[1]["start"] > max_duration:
                    hit("pause: boundary")
                    boundary = max(words[1]["end"] / 2, words[1]["end"] - max_duration)
                    words[0]["end"] = words[1]["start"] = boundary
                words[0]["start"] = max(0, words[0]["end"] - max_duration)
            if segment["start"] < words[0]["end"] and segment["start"] - 0.5 > words[0]["start"]:
                hit("segment start preferred")
                words[0]["start"] = max(0, min(words[0]["end"] - median_duration, segment["start"]))
            else:
                segment["start"] = words[0]["start"]
            if segment["end"] > words[-1]["start"] and segment["end"] + 0.5 < words[-1]["end"]:
                hit("segment end preferred")
                words[-1]["end"] = max(words[-1]["start"] + median_duration, segment["end"])
            else:
                segment["end"] = words[-1]["end"]
            last_speech_timestamp = segment["end"]
        segment["words"] = words
    return last_speech_timestamp


# ── the scenarios' attention and probabilities (test_timing.c's gen_align) ───────────────────

M64 = (1 << 64) - 1


def mix(z):
    z = np.asarray(z, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def hash_(seed, i):
    i = np.asarray(i, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return mix(np.uint64(seed & M64) + (i + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15))


def gen_qk(H, R, C, frames, qseed, qkind):
    T = frames // 2
    h = np.arange(H, dtype=np.uint64)[:, None, None]
    r = np.arange(R, dtype=np.uint64)[None, :, None]
    c = np.arange(C, dtype=np.uint64)[None, None, :]
    idx = (h * np.uint64(4096) + r) * np.uint64(4096) + c
    k = (hash_(qseed, idx) >> np.uint64(40)).astype(np.float64)
    center = [0]
    for row in range(1, R):
        a = int(hash_(qseed ^ 0x77, row))
        center.append(center[-1] + a % 24 + ((a >> 40) % 200 if (a >> 32) % 6 == 0 else 0))
    center = np.array(center, dtype=np.int64)[None, :, None]
    if qkind == 1:
        d = np.abs(np.arange(C, dtype=np.int64)[None, None, :] - center)
        v = 6.0 - np.minimum(d, 64).astype(np.float64) * 0.125 + k * 2.0 ** -23
    elif qkind == 2:
        v = (k.astype(np.uint64) >> np.uint64(21)).astype(np.float64)
    else:
        v = (k - 2.0 ** 23) * 2.0 ** -20
    v = np.broadcast_to(v, (H, R, C)).copy()
    if qkind == 3:
        s = hash_(qseed ^ 0xABC, idx)
        sub = qseed % 4
        if sub == 0:
            v[(s & np.uint64(63)) == 0] = np.nan
        elif sub == 1:
            v[H - 1] = 1.0
        elif sub == 2:
            if R > 5:
                col = int(hash_(qseed ^ 0xDEF, 5)) % (T if T else 1)
                if col < C:
                    v[:, 5, col] = np.inf
        else:
            v[(s & np.uint64(15)) == 0] = -np.inf
    qk = v.astype(np.float32)
    qk[:, :, T:] = np.nan  # never read
    return qk


def gen_probs(n, pseed, pkind):
    p = (hash_(pseed, np.arange(n, dtype=np.uint64)) >> np.uint64(11)).astype(np.float64) * 2.0 ** -53
    p = [float(x) for x in p]
    if pkind == 1:
        p = [np.nan if i % 5 == 0 else x for i, x in enumerate(p)]
    return p


def aligner(language, H, n_sot, C, frames, qseed, qkind, pseed, pkind):
    def align(text):
        qk = gen_qk(H, n_sot + len(text) + 2, C, frames, qseed, qkind)
        return find_alignment(language, text, qk, n_sot, gen_probs(len(text), pseed, pkind), frames)
    return align


# ── comparison ──────────────────────────────────────────────────────────────────────────────

STATS = {"split": 0, "dtw": 0, "align": 0, "align_words": 0, "words": 0, "words_out": 0, "segments": 0,
         "inexact_time": 0, "inexact_prob": 0}


def close(a, b, kind="time", tol=1e-9):
    """within tol (NaN equals NaN); inexact values are counted: times should be bit-identical
    (the DTW path and the rounding are exact), probabilities may differ in the last bits (np.mean
    sums pairwise, whisk in order)"""
    a, b = float(a), float(b)
    if np.isnan(a) or np.isnan(b):
        return np.isnan(a) and np.isnan(b)
    if a != b:
        STATS["inexact_" + kind] += 1
    return abs(a - b) <= tol


def hexword(w):
    return w.encode("utf-8").hex() or "-"


def check_split(head, res):
    lang, n = head[1], int(head[2])
    tokens = [int(x) for x in head[3:3 + n]]
    words, word_tokens = split_to_word_tokens(tokens, lang)
    bounds = [0]
    for t in word_tokens:
        bounds.append(bounds[-1] + len(t))
    want = ["0", str(len(words))] + [str(b) for b in bounds] + [hexword(w) for w in words]
    STATS["split"] += 1
    return None if res[1:] == want else "split %s %s: C %s vs ref %s" % (lang, tokens, res[1:], want)


def check_dtw(head, res):
    n, m, seed, kind = int(head[1]), int(head[2]), int(head[3]), int(head[4])
    h = hash_(seed, np.arange(n * m, dtype=np.uint64))
    if kind == 1:
        x = ((h >> np.uint64(40)).astype(np.float64) - 2.0 ** 23) * 2.0 ** -20
    elif kind == 3:
        x = (h >> np.uint64(11)).astype(np.float64) * 2.0 ** -53 * 8 - 4
    else:
        x = (h % np.uint64(7)).astype(np.float64) - 3
    if kind == 2:
        special = (h >> np.uint64(32)) % np.uint64(9) == 0
        r3 = (h >> np.uint64(40)) % np.uint64(3)
        x = np.where(special & (r3 == 0), np.nan, x)
        x = np.where(special & (r3 == 1), np.inf, x)
        x = np.where(special & (r3 == 2), -np.inf, x)
    with np.errstate(all="ignore"):
        path = dtw_cpu(x.reshape(n, m))
    want = ["0", str(path.shape[1])] + [str(v) for v in path[0]] + [str(v) for v in path[1]]
    STATS["dtw"] += 1
    return None if res[1:] == want else "dtw %d×%d seed %d kind %d: C %s vs ref %s" % (n, m, seed, kind, res[1:], want)


def gen_args(head):
    lang = head[1]
    H, n_sot, C, frames = map(int, head[2:6])
    qseed, qkind, pseed, pkind = int(head[6]), int(head[7]), int(head[8]), int(head[9])
    return lang, (H, n_sot, C, frames, qseed, qkind, pseed, pkind)


def check_align(head, res, lines):
    lang, g = gen_args(head)
    n = int(head[10])
    tokens = [int(x) for x in head[11:11 + n]]
    with np.errstate(all="ignore"):
        words = aligner(lang, *g)(tokens)
    STATS["align"] += 1
    STATS["align_words"] += len(words)
    if res[1] != "0" or int(res[2]) != len(words):
        return "align %s: C status %s, %s words vs ref %d" % (head, res[1], res[2], len(words))
    for k, (line, w) in enumerate(zip(lines, words)):
        f = line.split()
        nt = int(f[2])
        got_tokens = [int(x) for x in f[3:3 + nt]]
        start, end, prob = f[3 + nt:6 + nt]
        if f[1] != hexword(w.word) or got_tokens != list(w.tokens) or not close(start, w.start) \
                or not close(end, w.end) or not close(prob, w.probability, "prob"):
            return "align %s word %d: C %s vs ref %s %s %r %r %r" % (
                " ".join(head[:10]), k, f[1:], hexword(w.word), w.tokens, w.start, w.end, w.probability)
    return None


def check_words(head, segs, res, out):
    lang, g = gen_args(head)
    last = float(head[10])
    punct = [None if h == "." else "" if h == "-" else bytes.fromhex(h).decode("utf-8") for h in head[11:13]]
    segments = []
    for line in segs:
        f = line.split()
        n = int(f[4])
        segments.append(dict(seek=int(f[1]), start=float(f[2]), end=float(f[3]),
                             tokens=[int(x) for x in f[5:5 + n]]))
    with np.errstate(all="ignore"):
        last_ref = add_word_timestamps(segments, aligner(lang, *g), PREPEND if punct[0] is None else punct[0],
                                       APPEND if punct[1] is None else punct[1], last)
    STATS["words"] += 1
    what = "words %s" % " ".join(head[:10])
    if res[1] != "0" or not close(res[2], last_ref):
        return "%s: C status %s, last_speech_timestamp %s vs ref %r" % (what, res[1], res[2], last_ref)
    k = 0
    for i, s in enumerate(segments):
        f = out[k].split()
        k += 1
        STATS["segments"] += 1
        if not close(f[1], s["start"]) or not close(f[2], s["end"]) or int(f[3]) != len(s["words"]):
            return "%s segment %d: C %s vs ref %r %r %d words" % (what, i, f[1:], s["start"], s["end"], len(s["words"]))
        for j, w in enumerate(s["words"]):
            f = out[k].split()
            k += 1
            STATS["words_out"] += 1
            if f[1] != hexword(w["word"]) or not close(f[2], w["start"]) or not close(f[3], w["end"]) \
                    or not close(f[4], w["probability"], "prob"):
                return "%s segment %d word %d: C %s vs ref %s %r %r %r" % (
                    what, i, j, f[1:], hexword(w["word"]), w["start"], w["end"], w["probability"])
    return None


def main():
    binary = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    out = subprocess.run([binary, "--dump", str(n), str(seed)], capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        print("timing_ref: test_timing --dump exited %d: %s" % (out.returncode, out.stderr))
        return 1
    lines = out.stdout.splitlines()
    k = 0
    assert lines[0].startswith("vocab ")
    for k in range(1, 1 + int(lines[0].split()[1])):
        f = lines[k].split()
        VOCAB[int(f[0])] = b"" if f[1] == "-" else bytes.fromhex(f[1])
    k += 1
    fails = 0
    while k < len(lines):
        head = lines[k].split(" ")
        k += 1
        if head[0] == "split":
            err = check_split(head, lines[k].split(" "))
            k += 1
        elif head[0] == "dtw":
            err = check_dtw(head, lines[k].split(" "))
            k += 1
        elif head[0] == "align":
            res = lines[k].split(" ")
            nw = int(res[2]) if res[1] == "0" else 0
            err = check_align(head, res, lines[k + 1:k + 1 + nw])
            k += 1 + nw
        elif head[0] == "words":
            n_seg = int(head[13])
            segs = lines[k:k + n_seg]
            k += n_seg
            res = lines[k].split(" ")
            k += 1
            body = []
            if res[1] == "0":
                for _ in range(n_seg):
                    body.append(lines[k])
                    nw = int(lines[k].split()[3])
                    body += lines[k + 1:k + 1 + nw]
                    k += 1 + nw
            err = check_words(head, segs, res, body)
        else:
            err = "unexpected line: %s" % lines[k - 1][:200]
            k = len(lines)
        if err:
            fails += 1
            print("FAIL", err[:4000])
            if fails > 10:
                break
    print("timing_ref: %d split, %d dtw, %d find_alignment (%d words), %d add_word_timestamps cases "
          "(%d segments, %d words); not bit-identical: %d times, %d probabilities; %d failures"
          % (STATS["split"], STATS["dtw"], STATS["align"], STATS["align_words"], STATS["words"],
             STATS["segments"], STATS["words_out"], STATS["inexact_time"], STATS["inexact_prob"], fails))
    print("coverage:", ", ".join("%s %d" % kv for kv in sorted(COVERAGE.items())))
    missing = [c for c in ("split: index past the end", "split: dropped trailing run", "merge: prepended",
                           "merge: appended", "truncate: sentence end", "truncate: after sentence end",
                           "pause: first word", "pause: boundary", "segment start preferred",
                           "segment end preferred") if c not in COVERAGE]
    if missing and n >= 500:
        print("timing_ref: never exercised:", ", ".join(missing))
        fails += 1
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
