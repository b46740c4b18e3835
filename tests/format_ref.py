#!/usr/bin/python3
"""format_ref.py — openai/whisper's whisper/utils.py writers (WriteTXT, WriteSRT, WriteVTT,
WriteTSV, WriteJSON with SubtitlesWriter.iterate_result and its word-level branch), ported to
plain Python (standard library only) after utils.py's structure, to check src/decode/format.c
byte for byte on random transcripts with word timestamps.

  format_ref.py check FORMAT_DUMP [CASES [SEED]]
      generates CASES random transcripts (default 1500, seed 1) with words — leading spaces,
      punctuation, "-->", multi-byte UTF-8, Unicode spaces, "\\n" inside words, empty and
      whitespace-only words, pauses around and past 3 s, overlaps, hours past 99 — and random
      subtitle options (each None or a value; highlight_words on or off), runs
      `FORMAT_DUMP IN OUT` (tests/format_dump.c) and compares: srt, vtt, txt and tsv byte for
      byte, json by value (floats exactly: both sides write a float that reads back to the same
      double) and key order.  Fails too if some branch of iterate_subtitles (continuation, line
      break, each kind of subtitle break, highlight's gap cue, the underline regex not matching)
      never ran.

  format_ref.py selfcheck UTILS_PY [CASES [SEED]]
      the port itself against whisper's own utils.py (it needs only the standard library),
      e.g. `git -C …/openai+whisper/repo show HEAD:whisper/utils.py > /tmp/utils.py`: every
      writer's output on the same random transcripts, options passed as transcribe's CLI does.

The dump's output: per case and format a line "CASE EXT BYTES", then those bytes.
The dump's input, one record a line, numbers as float.hex() (exact), strings as "x" + hex bytes:
  case HIGHLIGHT MAX_LINE_WIDTH MAX_LINE_COUNT MAX_WORDS_PER_LINE N_SEGMENTS LANGUAGE TEXT
  seg START END SEEK TEMPERATURE AVG_LOGPROB COMPRESSION_RATIO NO_SPEECH_PROB N_TOKENS TOKEN…
      N_WORDS TEXT
  word START END PROBABILITY WORD
options 0 = None; LANGUAGE and TEXT "-" = None (NULL)."""
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from collections import Counter

# ── the writers (utils.py) ─────────────────────────────────────────────────────────────────────


def format_timestamp(seconds, always_include_hours=False, decimal_marker="."):
    assert seconds >= 0
    ms = round(seconds * 1000.0)
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1_000)
    hours_marker = f"{hours:02d}:" if always_include_hours or hours > 0 else ""
    return f"{hours_marker}{minutes:02d}:{secs:02d}{decimal_marker}{ms:03d}"


def get_start(segments):
    for s in segments:
        for w in s["words"]:
            return w["start"]
    return segments[0]["start"] if segments else None


BRANCHES = Counter()  # which paths of iterate_subtitles ran, over all cases


def iterate_subtitles(segments, max_line_width, max_line_count, max_words_per_line):
    """utils.py's inner generator; the options already defaulted as iterate_result does."""
    preserve_segments = max_line_count is None or max_line_width is None
    max_line_width = max_line_width or 1000
    max_words_per_line = max_words_per_line or 1000
    line_len = 0
    line_count = 1
    subtitle = []
    last = get_start(segments) or 0.0
    for segment in segments:
        words = segment["words"]
        chunk_index = 0
        words_count = max_words_per_line
        while chunk_index < len(words):
            remaining_words = len(words) - chunk_index
            if max_words_per_line > len(words) - chunk_index:
                words_count = remaining_words
            for i, original in enumerate(words[chunk_index:chunk_index + words_count]):
                timing = dict(original)
                long_pause = not preserve_segments and timing["start"] - last > 3.0
                has_room = line_len + len(timing["word"]) <= max_line_width
                seg_break = i == 0 and len(subtitle) > 0 and preserve_segments
                if line_len > 0 and has_room and not long_pause and not seg_break:
                    BRANCHES["continuation"] += 1
                    line_len += len(timing["word"])
                else:
                    timing["word"] = timing["word"].strip()
                    if (len(subtitle) > 0 and max_line_count is not None
                            and (long_pause or line_count >= max_line_count) or seg_break):
                        BRANCHES["break: segment/chunk" if seg_break else
                                 "break: long pause" if long_pause else "break: line count"] += 1
                        yield subtitle
                        subtitle = []
                        line_count = 1
                    elif line_len > 0:
                        BRANCHES["line break"] += 1
                        line_count += 1
                        timing["word"] = "\n" + timing["word"]
                    line_len = len(timing["word"].strip())
                subtitle.append(timing)
                last = timing["start"]
            chunk_index += max_words_per_line
    if subtitle:
        yield subtitle


UNDERLINE = re.compile(r"^(\s*)(.*)$")


def iterate_result(result, fmt_ts, highlight_words=False, max_line_width=None,
                   max_line_count=None, max_words_per_line=None):
    segments = result["segments"]
    if segments and "words" in segments[0]:
        for subtitle in iterate_subtitles(segments, max_line_width, max_line_count,
                                          max_words_per_line):
            sub_start = fmt_ts(subtitle[0]["start"])
            sub_end = fmt_ts(subtitle[-1]["end"])
            text = "".join(w["word"] for w in subtitle)
            if not highlight_words:
                yield sub_start, sub_end, text
                continue
            last = sub_start
            all_words = [w["word"] for w in subtitle]
            for i, this_word in enumerate(subtitle):
                start = fmt_ts(this_word["start"])
                end = fmt_ts(this_word["end"])
                if last != start:
                    BRANCHES["highlight gap cue"] += 1
                    yield last, start, text
                if not UNDERLINE.search(all_words[i]):
                    BRANCHES["underline: no match"] += 1
                yield start, end, "".join(
                    UNDERLINE.sub(r"\1<u>\2</u>", w) if j == i else w
                    for j, w in enumerate(all_words))
                last = end
    else:
        for s in segments:
            yield (fmt_ts(s["start"]), fmt_ts(s["end"]),
                   s["text"].strip().replace("-->", "->"))


def write_srt(result, **opts):
    fmt_ts = lambda t: format_timestamp(t, True, ",")
    return "".join(f"{i}\n{a} --> {b}\n{t}\n\n"
                   for i, (a, b, t) in enumerate(iterate_result(result, fmt_ts, **opts), 1))


def write_vtt(result, **opts):
    fmt_ts = lambda t: format_timestamp(t, False, ".")
    return "WEBVTT\n\n" + "".join(f"{a} --> {b}\n{t}\n\n"
                                  for a, b, t in iterate_result(result, fmt_ts, **opts))


def write_txt(result):
    return "".join(s["text"].strip() + "\n" for s in result["segments"])


def write_tsv(result):
    return "start\tend\ttext\n" + "".join(
        f"{round(1000 * s['start'])}\t{round(1000 * s['end'])}\t"
        f"{s['text'].strip().replace(chr(9), ' ')}\n" for s in result["segments"])


# ── random transcripts ─────────────────────────────────────────────────────────────────────────

CORES = ["Hello", "world", "the", "a", "I", "can't", "42", "3.14", "OK", "x", "supercalifragilistic",
         "日本語", "Ça", "coûte", "€", "😀", "über", "한국어", "e\u0301", "zero\u200bwidth",
         "🏳️‍🌈", "ñ", "Ελληνικά", "中"]
PUNCT = [",", ".", "?", "!", "-", "--", "-->", "->", ">", "'", '"', "(", ")", "。", "、", "¿"]
SPACES = [" ", "  ", "\t", "\u3000", "\u00a0", "\u2028", "\x1f", "\x85", "\r", "\u200a", "\u180e",
          "\x0b"]


def rand_word(r):
    x = r.random()
    if x < 0.01:
        return ""
    if x < 0.03:
        return "".join(r.choice(SPACES) for _ in range(r.randint(1, 3)))
    w = r.choice([" "] * 8 + ["", r.choice(SPACES)])
    for _ in range(r.choice([1, 1, 1, 2, 3])):
        w += r.choice(CORES) if r.random() < 0.8 else r.choice(PUNCT)
    if r.random() < 0.1:
        w += r.choice(PUNCT)
    if r.random() < 0.05:
        w += r.choice(SPACES)
    if r.random() < 0.03:
        w = "x" * r.randint(20, 70) if r.random() < 0.5 else w * r.randint(3, 10)
    if r.random() < 0.05:  # newlines inside words: the underline regex's $ and .
        k = r.randint(0, len(w))
        w = w[:k] + r.choice(["\n", "\n\n", " \n", "\n "]) + w[k:]
    return w


def rand_time(r, t):
    return round(t, 2) if r.random() < 0.7 else t


def rand_case(r):
    t = r.choice([0.0, 0.0, r.uniform(0, 5), 360000.0 - r.uniform(0, 20)])
    segments = []
    for _ in range(r.choice([0] + [1, 2, 3, 4, 5, 6] * 4)):
        words = []
        for _ in range(0 if r.random() < 0.15 else r.randint(1, 15)):
            x = r.random()
            gap = (0.0 if x < 0.4 else r.uniform(0, 0.6) if x < 0.8 else
                   r.choice([3.0, 2.99, 3.01, r.uniform(2.9, 3.1)]) if x < 0.88 else
                   r.uniform(3, 9) if x < 0.96 else -r.uniform(0, 1))
            start = rand_time(r, max(0.0, t + gap))
            if words and r.random() < 0.05:  # sub-millisecond from the last end: highlight's
                start = max(0.0, words[-1]["end"] + r.uniform(-4e-4, 4e-4))  # string compare
            end = rand_time(r, start + (0.0 if r.random() < 0.1 else r.uniform(0, 1.2)))
            end = max(end, start)
            prob = r.random() if r.random() < 0.7 else r.choice([0.0, 1.0, round(r.random(), 3)])
            words.append({"word": rand_word(r), "start": start, "end": end, "probability": prob})
            t = start
        if words:
            s0 = min(w["start"] for w in words) if r.random() < 0.8 else words[0]["start"]
            s1 = max(max(w["end"] for w in words), s0)
        else:
            s0 = rand_time(r, t + r.uniform(0, 2))
            s1 = rand_time(r, s0 + r.uniform(0, 3))
            t = s0
        text = "".join(w["word"] for w in words) if r.random() < 0.8 else rand_word(r)
        segments.append({
            "seek": r.randint(0, 400000), "start": s0, "end": s1, "text": text,
            "tokens": [r.randint(0, 51865) for _ in range(r.randint(0, 5))],
            "temperature": r.choice([0.0, 0.2, 0.4, 1.0]), "avg_logprob": -r.random() * 2,
            "compression_ratio": r.uniform(0.5, 3), "no_speech_prob": r.random(), "words": words})
    opts = {"highlight_words": r.random() < 0.4,
            "max_line_width": None if r.random() < 0.4 else r.choice([1, 2, 5, 10, 20, 42, 80]),
            "max_line_count": None if r.random() < 0.4 else r.randint(1, 4),
            "max_words_per_line": None if r.random() < 0.5 else r.randint(1, 6)}
    text = None if r.random() < 0.7 else rand_word(r)
    language = r.choice(["en", "ja", None])
    return segments, opts, text, language


def result_dict(segments, text, language):
    """transcribe()'s result: the keys in its order, "words" last in each segment."""
    segs = [{"id": i, "seek": s["seek"], "start": s["start"], "end": s["end"], "text": s["text"],
             "tokens": s["tokens"], "temperature": s["temperature"],
             "avg_logprob": s["avg_logprob"], "compression_ratio": s["compression_ratio"],
             "no_speech_prob": s["no_speech_prob"], "words": [dict(w) for w in s["words"]]}
            for i, s in enumerate(segments)]
    joined = "".join(s["text"] for s in segments) if text is None else text
    return {"text": joined, "segments": segs, "language": language}


def hexs(s):
    return "-" if s is None else "x" + s.encode("utf-8").hex()


def dump_input(cases, path):
    with open(path, "w", encoding="ascii") as f:
        for segments, opts, text, language in cases:
            o = [int(opts["highlight_words"])] + [opts[k] or 0 for k in
                                                  ("max_line_width", "max_line_count",
                                                   "max_words_per_line")]
            f.write(f"case {' '.join(map(str, o))} {len(segments)} {hexs(language)} {hexs(text)}\n")
            for s in segments:
                nums = [s[k].hex() for k in ("start", "end")] + [str(s["seek"])] + [
                    float(s[k]).hex() for k in ("temperature", "avg_logprob", "compression_ratio",
                                                "no_speech_prob")]
                toks = [str(len(s["tokens"]))] + [str(t) for t in s["tokens"]]
                f.write(f"seg {' '.join(nums + toks)} {len(s['words'])} {hexs(s['text'])}\n")
                for w in s["words"]:
                    f.write(f"word {w['start'].hex()} {w['end'].hex()} "
                            f"{float(w['probability']).hex()} {hexs(w['word'])}\n")


def same_json(a, b, where):
    """Equal values (numbers exactly) and the same key order."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), f"{where}: keys {list(a)} vs {list(b)}"
        for k in a:
            same_json(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{where}: {a!r} vs {b!r}"
        for i, (x, y) in enumerate(zip(a, b)):
            same_json(x, y, f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} vs {b!r}"


def check(dump, n_cases, seed):
    r = random.Random(seed)
    cases = [rand_case(r) for _ in range(n_cases)]
    failures = 0
    with tempfile.TemporaryDirectory(prefix="wk_format_words_") as tmp:
        dump_input(cases, os.path.join(tmp, "in.txt"))
        out = os.path.join(tmp, "out")
        subprocess.run([dump, os.path.join(tmp, "in.txt"), out], check=True)
        outputs = {}
        with open(out, "rb") as f:
            while header := f.readline():
                c, ext, n = header.split()
                outputs[int(c), ext.decode()] = f.read(int(n))
    for c, (segments, opts, text, language) in enumerate(cases):
        result = result_dict(segments, text, language)
        want = {"srt": write_srt(result, **opts), "vtt": write_vtt(result, **opts),
                "txt": write_txt(result), "tsv": write_tsv(result)}
        for ext, text_want in want.items():
            got = outputs[c, ext]
            if got != text_want.encode("utf-8"):
                failures += 1
                if failures <= 5:
                    print(f"FAIL case {c} {ext} (options {opts}):\n--- C:\n{got!r}\n"
                          f"--- Python:\n{text_want.encode('utf-8')!r}")
        try:  # through json.dumps/loads: what json.dump(result) reads back as
            same_json(json.loads(json.dumps(result)), json.loads(outputs[c, "json"]), "result")
        except (AssertionError, ValueError) as e:
            failures += 1
            if failures <= 5:
                print(f"FAIL case {c} json: {e}")
    needed = ["continuation", "line break", "break: segment/chunk", "break: long pause",
              "break: line count", "highlight gap cue", "underline: no match"]
    missing = [b for b in needed if not BRANCHES[b]]
    if missing:
        print("FAIL: never exercised:", missing)
        failures += 1
    n_words = sum(len(s["words"]) for c in cases for s in c[0])
    print(f"format_ref: {n_cases} transcripts ({n_words} words), seed {seed}: "
          f"{'all equal' if not failures else f'{failures} FAILURES'}; branches {dict(BRANCHES)}")
    return 1 if failures else 0


def selfcheck(utils_py, n_cases, seed):
    import importlib.util
    import io
    spec = importlib.util.spec_from_file_location("whisper_utils", utils_py)
    u = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(u)
    r = random.Random(seed)
    bad = 0
    for _ in range(n_cases):
        segments, opts, text, language = rand_case(r)
        result = result_dict(segments, text, language)
        for writer, mine, kw in ((u.WriteSRT, write_srt, opts), (u.WriteVTT, write_vtt, opts),
                                 (u.WriteTXT, write_txt, {}), (u.WriteTSV, write_tsv, {})):
            f = io.StringIO()
            writer(".").write_result(result, f, **kw)
            bad += f.getvalue() != mine(result, **kw)
        f = io.StringIO()
        u.WriteJSON(".").write_result(result, f)
        same_json(json.loads(f.getvalue()), json.loads(json.dumps(result)), "result")
    print(f"format_ref selfcheck: {n_cases} transcripts, seed {seed}: {bad} differences")
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("check", "selfcheck"):
        sys.exit(__doc__)
    run = check if sys.argv[1] == "check" else selfcheck
    sys.exit(run(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1500,
                 int(sys.argv[4]) if len(sys.argv) > 4 else 1))
