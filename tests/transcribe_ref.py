#!/usr/bin/env python3
"""transcribe_ref.py TEST_TRANSCRIBE [N_CASES] — a line-by-line Python port of openai/whisper's
transcribe.py loop (clip_timestamps, decode_with_fallback, no-speech skip, timestamp slicing,
seek advance, prompt conditioning and reset, carry_initial_prompt, and with word_timestamps the
seek from the last word, hallucination_silence_threshold's skips and last_speech_timestamp) on
random scripted decode results, compared with src/decode/transcribe.c through
`test_transcribe --dump`: the decode calls (seek, temperature, the prompt's length and tokens)
and every segment (seek, start, end, temperature, avg_logprob, compression_ratio,
no_speech_prob, tokens, text, words) must be identical.

The words themselves are scripted (add_words below, test_transcribe.c's s_words): the alignment
is tested on its own (tests/timing_ref.py); here only the loop's use of the words is.

Results are drawn per (seek, temperature index) on demand by the reference; the C loop gets
exactly the drawn table, so a C request for any other (seek, temperature) is an error (a
mismatch).  Text token i ≥ 256 is " w<i-256>" (test_transcribe's vocabulary)."""
import random
import struct
import subprocess
import sys
import zlib

EOT, TB = 50257, 50364
TEMPS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def decode_text(tokens):  # tokenizer.decode: text tokens only (only " w<i>" tokens here)
    return "".join(" w%d" % (t - 256) for t in tokens if t < EOT)


def compression_ratio(text):  # whisper/utils.py
    b = text.encode("utf-8")
    return len(b) / len(zlib.compress(b))


def draw(rng):
    """Random decode result: tokens (no eot), avg_logprob, no_speech_prob."""
    W = lambda: 256 + rng.randrange(50)
    kind = rng.randrange(6)
    toks = []
    if kind == 0:  # text only, maybe empty
        toks = [W() for _ in range(rng.randrange(5))]
    elif kind == 1:  # repetitive: compression ratio > 2.4
        w = W()
        toks = [w] * 40
    elif kind == 2:  # a single timestamp somewhere
        toks = [W() for _ in range(rng.randrange(1, 4))]
        toks.insert(rng.randrange(len(toks) + 1), TB + rng.choice((0, rng.randrange(1501))))
    else:  # timestamped segments
        pos = rng.randrange(50)
        for _ in range(rng.randrange(1, 5)):
            toks.append(TB + pos)
            toks += [W() for _ in range(rng.randrange(0, 3))]
            pos = min(1500, pos + rng.randrange(0, 400))
            toks.append(TB + pos)
        end = rng.randrange(3)
        if end == 1:
            toks.append(TB + pos)  # ends with a pair
        elif end == 2:
            toks += [W()]  # trailing text
    toks = toks[:64]
    avg = rng.choice((rng.uniform(-2.0, 0.0), rng.uniform(-1.2, -0.8), -0.3))
    nsp = rng.choice((rng.uniform(0.0, 1.0), 0.05, 0.9))
    return toks, avg, nsp


def prompt_hash(p):
    return sum((i + 1) * t for i, t in enumerate(p)) % 2**32


DURS = (0.05, 0.1, 0.3, 0.5, 2.5, 4.0)
GAPS = (0.0, 0.1, 0.5, 3.0, 8.0)
PUNCTUATION = "\"'“¿([{-\"'.。,，!！?？:：”)]}、"  # transcribe.py's


def mix(t, k, seek, si):
    h = (t * 2654435761 + k * 40503 + seek * 97 + si * 7919) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0x5BD1E995) & 0xFFFFFFFF
    return h ^ (h >> 15)


def add_words(segments, last_speech):
    """The scripted add_word_timestamps (test_transcribe.c's s_words): a word per text token,
    times from a hash; segment start/end and last_speech_timestamp as timing.py sets them."""
    if not segments:
        return last_speech
    time_offset = segments[0]["seek"] * 160 / 16000
    for si, seg in enumerate(segments):
        words, cursor = [], seg["start"] - time_offset
        for k, t in enumerate(x for x in seg["tokens"] if x < EOT):
            h = mix(t, k, seg["seek"], si)
            word = "," if (h >> 16) % 10 == 0 else " w%d" % (t - 256)
            start = round(time_offset + cursor + GAPS[(h >> 12) % 5], 2)
            end = round(start + DURS[(h >> 8) % 6], 2)
            words.append(dict(word=word, start=start, end=end, probability=(h % 100) / 100.0))
            cursor = end - time_offset
        if words:
            seg["start"], seg["end"] = words[0]["start"], words[-1]["end"]
            last_speech = seg["end"]
        seg["words"] = words
    return last_speech


def get_end(segments):  # utils.py
    return next((w["end"] for s in reversed(segments) for w in reversed(s["words"])),
                segments[-1]["end"] if segments else None)


def reference(frames, cond, init, get, clips=(), carry=False, n_text_ctx=448, word_timestamps=False,
              hallucination_silence_threshold=None):
    """transcribe.py's loop; returns (calls, segments)."""
    content_duration = float(frames * 160 / 16000)
    last_speech_timestamp = 0.0
    # seek points, clamped to the audio as whisk does (transcribe.py would decode empty
    # windows past its end)
    seek_points = [min(round(ts * 100), frames) for ts in clips]
    if len(seek_points) == 0:
        seek_points.append(0)
    if len(seek_points) % 2 == 1:
        seek_points.append(frames)
    seek_clips = list(zip(seek_points[::2], seek_points[1::2]))
    all_tokens, prompt_reset_since = list(init), 0
    remaining_prompt_length = n_text_ctx // 2 - 1 - len(init)
    calls, segments = [], []
    clip_idx = 0
    seek = seek_clips[clip_idx][0]
    while clip_idx < len(seek_clips):
        seek_clip_start, seek_clip_end = seek_clips[clip_idx]
        if seek < seek_clip_start:
            seek = seek_clip_start
        if seek >= seek_clip_end:
            clip_idx += 1
            if clip_idx < len(seek_clips):
                seek = seek_clips[clip_idx][0]
            continue
        time_offset = float(seek * 160 / 16000)
        window_end_time = float((seek + 3000) * 160 / 16000)
        segment_size = min(3000, frames - seek, seek_clip_end - seek)
        segment_duration = segment_size * 160 / 16000
        if carry:
            nignored = max(len(init), prompt_reset_since)
            remaining_prompt = all_tokens[nignored:][-remaining_prompt_length:]
            prompt = list(init) + remaining_prompt
        else:
            prompt = all_tokens[prompt_reset_since:]
        for ti, t in enumerate(TEMPS):  # decode_with_fallback
            calls.append((seek, f32(t), len(prompt), prompt_hash(prompt)))
            tokens, avg, nsp = get(seek, ti)
            cr = compression_ratio(decode_text(tokens).strip())
            needs_fallback = False
            if cr > 2.4:
                needs_fallback = True
            if avg < -1.0:
                needs_fallback = True
            if nsp > 0.6 and avg < -1.0:
                needs_fallback = False
            if not needs_fallback:
                break
        temperature = f32(t)
        should_skip = nsp > 0.6
        if avg > -1.0:
            should_skip = False
        if should_skip:
            seek += segment_size
            continue
        previous_seek = seek
        current = []

        def new_segment(start, end, toks):
            current.append(dict(seek=seek, start=start, end=end, tokens=list(toks),
                                text=decode_text(toks), temperature=temperature,
                                avg_logprob=avg, compression_ratio=cr, no_speech_prob=nsp))

        ts = [x >= TB for x in tokens]
        single_timestamp_ending = ts[-2:] == [False, True]
        consecutive = [i + 1 for i in range(len(ts) - 1) if ts[i] and ts[i + 1]]
        if consecutive:
            slices = list(consecutive)
            if single_timestamp_ending:
                slices.append(len(tokens))
            last_slice = 0
            for cur in slices:
                sl = tokens[last_slice:cur]
                new_segment(time_offset + (sl[0] - TB) * 0.02, time_offset + (sl[-1] - TB) * 0.02, sl)
                last_slice = cur
            if single_timestamp_ending:
                seek += segment_size
            else:
                seek += (tokens[last_slice - 1] - TB) * 2
        else:
            duration = segment_duration
            stamps = [x for x in tokens if x >= TB]
            if stamps and stamps[-1] != TB:
                duration = (stamps[-1] - TB) * 0.02
            new_segment(time_offset, time_offset + duration, tokens)
            seek += segment_size
        if word_timestamps:
            add_words(current, last_speech_timestamp)  # by value, as add_word_timestamps
            if not single_timestamp_ending:
                last_word_end = get_end(current)
                if last_word_end is not None and last_word_end > time_offset:
                    seek = round(last_word_end * 100)
            if hallucination_silence_threshold is not None:
                threshold = hallucination_silence_threshold
                if not single_timestamp_ending:
                    last_word_end = get_end(current)
                    if last_word_end is not None and last_word_end > time_offset:
                        remaining_duration = window_end_time - last_word_end
                        if remaining_duration > threshold:
                            seek = round(last_word_end * 100)
                        else:
                            seek = previous_seek + segment_size
                first_segment = next_words_segment(current)
                if first_segment is not None and is_segment_anomaly(first_segment):
                    gap = first_segment["start"] - time_offset
                    if gap > threshold:
                        seek = previous_seek + round(gap * 100)
                        if seek <= previous_seek:  # whisk: the seek always advances
                            seek = previous_seek + segment_size
                        continue
                hal_last_end = last_speech_timestamp
                for si in range(len(current)):
                    segment = current[si]
                    if not segment["words"]:
                        continue
                    if is_segment_anomaly(segment):
                        next_segment = next_words_segment(current[si + 1:])
                        if next_segment is not None:
                            hal_next_start = next_segment["words"][0]["start"]
                        else:
                            hal_next_start = time_offset + segment_duration
                        silence_before = (segment["start"] - hal_last_end > threshold
                                          or segment["start"] < threshold
                                          or segment["start"] - time_offset < 2.0)
                        silence_after = (hal_next_start - segment["end"] > threshold
                                         or is_segment_anomaly(next_segment)
                                         or window_end_time - segment["end"] < 2.0)
                        if silence_before and silence_after:
                            seek = round(max(time_offset + 1, segment["start"]) * 100)
                            if content_duration - segment["end"] < threshold:
                                seek = frames
                            current[si:] = []
                            break
                    hal_last_end = segment["end"]
            last_word_end = get_end(current)
            if last_word_end is not None:
                last_speech_timestamp = last_word_end
        if seek <= previous_seek:  # transcribe.py would decode the window again (a pair at
            seek = previous_seek + segment_size  # <|0.00|>, …): whisk moves past it (transcribe.h)
        for s in current:
            if s["start"] == s["end"] or s["text"].strip() == "":
                s["text"], s["tokens"] = "", []
                if word_timestamps:  # (transcribe.py adds "words": [] without them too: whisk
                    s["words"] = []  # leaves words out of transcripts made without them)
        segments += current
        all_tokens += [x for s in current for x in s["tokens"]]
        if not cond or temperature > 0.5:
            prompt_reset_since = len(all_tokens)
    return calls, segments


def word_anomaly_score(word):  # transcribe.py
    probability = word.get("probability", 0.0)
    duration = word["end"] - word["start"]
    score = 0.0
    if probability < 0.15:
        score += 1.0
    if duration < 0.133:
        score += (0.133 - duration) * 15
    if duration > 2.0:
        score += duration - 2.0
    return score


def is_segment_anomaly(segment):
    if segment is None or not segment["words"]:
        return False
    words = [w for w in segment["words"] if w["word"] not in PUNCTUATION]
    words = words[:8]
    score = sum(word_anomaly_score(w) for w in words)
    return score >= 3 or score + 0.01 >= len(words)


def next_words_segment(segments):
    return next((s for s in segments if s["words"]), None)


def one(binary, seed):
    rng = random.Random(seed)
    frames = rng.choice((0, 1, 2999, 3000, 3001, rng.randrange(1, 20000), rng.randrange(20000, 60000)))
    cond = rng.random() < 0.8
    init = [256 + rng.randrange(50) for _ in range(rng.choice((0, 0, 3)))]
    # clip_timestamps: none, or 1 … 5 points (seconds, 2 decimals; some past the audio, some
    # out of order); carry_initial_prompt with a context that leaves the tail r > 0, = 0, < 0
    clips = []
    if rng.random() < 0.4:
        top = frames / 100 + 10
        clips = sorted(round(rng.uniform(0, top), 2) for _ in range(rng.randrange(1, 6)))
        if rng.random() < 0.2:
            rng.shuffle(clips)
    carry = rng.random() < 0.3
    ctx = rng.choice((448, 448, 16, 8, 6))
    table = {}

    def get(seek, ti):
        if (seek, ti) not in table:
            table[(seek, ti)] = draw(random.Random("%d:%d:%d" % (seed, seek, ti)))
        return table[(seek, ti)]

    words = rng.random() < 0.5
    thr = rng.choice((None, None, 0.0, 0.5, 2.0, 5.0)) if words else None
    calls, segs = reference(frames, cond, init, get, clips, carry, ctx, words, thr)
    lines = ["frames %d cond %d init %d %s" % (frames, cond, len(init), " ".join(map(str, init))),
             "clips %d %s carry %d ctx %d" % (len(clips), " ".join(map(repr, clips)), carry, ctx),
             "words %d threshold %r" % (words, float("nan") if thr is None else thr),
             "entries %d" % len(table)]
    for (seek, ti), (toks, avg, nsp) in table.items():
        lines.append("%d %r %r %r %d %s" % (seek, TEMPS[ti], avg, nsp, len(toks), " ".join(map(str, toks))))
    out = subprocess.run([binary, "--dump"], input="\n".join(lines) + "\n", capture_output=True,
                         text=True, timeout=20)
    if out.returncode != 0:
        return "exit %d: %s" % (out.returncode, out.stderr)
    got_calls, got_segs = [], []
    for line in out.stdout.splitlines():
        if line.startswith("error"):
            return line
        f = line.split(" ")
        if f[0] == "call":
            got_calls.append((int(f[1]), float(f[2]), int(f[3]), int(f[4])))
        elif f[0] == "seg":
            n = int(f[8])
            text = line.split("|", 1)[1][:-1]
            got_segs.append(dict(seek=int(f[1]), start=float(f[2]), end=float(f[3]),
                                 temperature=float(f[4]), avg_logprob=float(f[5]),
                                 compression_ratio=float(f[6]), no_speech_prob=float(f[7]),
                                 tokens=[int(x) for x in f[9:9 + n]], text=text))
            if words:
                got_segs[-1]["words"] = []
        elif f[0] == "word":
            got_segs[-1]["words"].append(dict(start=float(f[1]), end=float(f[2]),
                                              probability=float(f[3]),
                                              word=line.split("|", 1)[1][:-1]))
    if len(got_calls) != len(calls) or any(
            a[0] != b[0] or abs(a[1] - b[1]) > 1e-6 or a[2:] != b[2:]
            for a, b in zip(got_calls, calls)):
        return "calls differ: C %s vs ref %s" % (got_calls[:10], calls[:10])
    if len(got_segs) != len(segs):
        return "%d segments vs %d" % (len(got_segs), len(segs))
    for i, (g, r) in enumerate(zip(got_segs, segs)):
        for k in r:
            ok = abs(g[k] - r[k]) <= 1e-6 if k == "temperature" else g[k] == r[k]
            if not ok:
                return "segment %d %s: C %r vs ref %r" % (i, k, g[k], r[k])
    return None, len(segs), len(calls)


def main():
    binary = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    fails, n_segs, n_calls = 0, 0, 0
    for seed in range(n):
        res = one(binary, seed)
        if isinstance(res, str):
            fails += 1
            print("case %d: %s" % (seed, res))
            if fails > 5:
                break
        else:
            n_segs += res[1]
            n_calls += res[2]
    print("transcribe_ref: %d cases, %d segments, %d decode calls, %d failures" % (n, n_segs, n_calls, fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
