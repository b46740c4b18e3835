#!/usr/bin/python3
"""decoding_ref.py — openai/whisper decoding.py (the logit filters, GreedyDecoder,
BeamSearchDecoder with patience, MaximumLikelihoodRanker, DecodingTask._main_loop / run) in
float64 NumPy, written after decoding.py's structure (dicts keyed by token tuples, stable sorts),
to check src/decode/decoding.c token for token.

  decoding_ref.py script < lines     lines of `test_decoding --script`: each case recomputed on
                                     the scripted logits (tests/decoding_script.h);
  decoding_ref.py decoder DIR < lines  lines of `decoding_dump DIR …` (tests/decoding_dump.c):
                                     recomputed with tests/decoder_ref.py's float64 decoder on
                                     DIR's weights (decoder_mode says what is checked).
Checks: identical tokens; sum_logprob, avg_logprob and no_speech_prob within 1e-9 (script; the
logits are the same floats) or 1e-5 relative (decoder: FP32 vs float64 logits).  Ties
are broken as documented in src/decode/decoding.h (top-k: lower id first)."""
import math
import os
import sys

import numpy as np

M64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def mix(z):  # splitmix64's output of z + golden, Python ints
    z = (z + GOLDEN) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def mix_np(z):  # the same on a uint64 array (wraps mod 2^64)
    z = z + np.uint64(GOLDEN)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def u53(x):
    return (x >> np.uint64(11)).astype(np.float64) * 2.0**-53


class Special:
    def __init__(self, n_vocab, eot, sot, no_speech, no_timestamps, timestamp_begin):
        self.n_vocab, self.eot, self.sot = n_vocab, eot, sot
        self.no_speech, self.no_timestamps, self.timestamp_begin = no_speech, no_timestamps, timestamp_begin


SCRIPT = Special(160, 90, 91, 97, 98, 99)
SCRIPT_BLANK = [5, 90]
SCRIPT_SUPPRESS = [7, 13, 91, 93, 94, 95, 96, 97]


def script_logits(tokens):
    h = 0x1234
    for t in tokens:
        h = mix(h ^ (t + 1))
    ts_bias = -1.5 + 3.0 * float(mix(h ^ 0xABC) >> 11) * 2.0**-53
    v = np.arange(160, dtype=np.uint64)
    with np.errstate(over="ignore"):
        r = u53(mix_np(np.uint64(h) + (v + np.uint64(1)) * np.uint64(GOLDEN)))
    bias = np.zeros(160)
    bias[90] = -6.0 + 0.3 * len(tokens)
    bias[99:] = ts_bias - 0.15 * (np.arange(99, 160) - 99)
    return (8.0 * r + bias).astype(np.float32).astype(np.float64)


def log_softmax(x):
    m = x.max()
    if m == -np.inf:
        return x.copy()
    return x - (m + math.log(np.exp(x - m).sum()))


def logsumexp(x):
    m = x.max()
    if m == -np.inf:
        return -np.inf
    return m + math.log(np.exp(x - m).sum())


class Filters:
    def __init__(self, sp, blank, suppress, sample_begin, suppress_blank, timestamps, mit):
        self.sp, self.blank, self.suppress = sp, blank, suppress
        self.sample_begin, self.suppress_blank, self.timestamps, self.mit = (
            sample_begin, suppress_blank, timestamps, mit)

    def apply(self, logits, tokens):
        """One row in place; tokens: the whole history.  Returns the timestamp-mass rule's gap
        |logsumexp(timestamp logits) − max(text logits)| (inf without timestamps or a side)."""
        sp = self.sp
        if self.suppress_blank and len(tokens) == self.sample_begin:  # SuppressBlank
            logits[self.blank] = -np.inf
        logits[self.suppress] = -np.inf  # SuppressTokens
        if not self.timestamps:
            return np.inf
        tb = sp.timestamp_begin  # ApplyTimestampRules
        logits[sp.no_timestamps] = -np.inf
        seq = tokens[self.sample_begin:]
        last_was = len(seq) >= 1 and seq[-1] >= tb
        penult_was = len(seq) < 2 or seq[-2] >= tb
        if last_was:
            if penult_was:
                logits[tb:] = -np.inf
            else:
                logits[: sp.eot] = -np.inf
        ts = [t for t in seq if t >= tb]
        if ts:
            last = ts[-1] if (last_was and not penult_was) else ts[-1] + 1
            logits[tb:last] = -np.inf
        if len(tokens) == self.sample_begin:
            logits[:tb] = -np.inf
            if self.mit is not None:
                logits[tb + self.mit + 1:] = -np.inf
        lp = log_softmax(logits)
        ts_side, text_side = logsumexp(lp[tb:]), lp[:tb].max()
        if ts_side > text_side:
            logits[:tb] = -np.inf
        # how far the rule was from flipping (both sides move ≤ e under a logit error ≤ e)
        return abs(ts_side - text_side) if np.isfinite(ts_side) and np.isfinite(text_side) \
            else np.inf


MARGINS = []  # greedy top-2 margins of the filtered logits (how decisive the run was)


def topk(lp, k):  # descending, the lower id first on ties
    order = np.lexsort((np.arange(len(lp)), -lp))
    return order[:k]


def rank(cands, lps, lp_alpha):
    """MaximumLikelihoodRanker: the index of the best sum / length penalty, the first on ties."""
    best, best_score = 0, None
    for i, (c, s) in enumerate(zip(cands, lps)):
        n = len(c)
        pen = n if lp_alpha is None else ((5 + n) / 6) ** lp_alpha
        sc = s / (pen if pen != 0 else 1)
        if best_score is None or sc > best_score:
            best, best_score = i, sc
    return best


def decode(logits_fn, sp, filt, initial, sot_index, beam, temp, patience, lp_alpha, seed,
           sample_len, n_ctx, best_of=1):
    """decoding.py's DecodingTask.run for one audio; logits_fn([history, …]) → float64 logits
    [n][n_vocab] of each history's last position.  best_of n (greedy at temp > 0): n rows
    sampled side by side (n_group), row 0, 1, … drawing in turn from the one generator, a row
    that has ended drawing nothing and taking eot again; the ranker picks one."""
    nsp = logits_fn([initial[: sot_index + 1]])[0]
    m = nsp.max()
    no_speech = math.exp(nsp[sp.no_speech] - m) / np.exp(nsp - m).sum()
    eot = sp.eot
    if not beam and temp > 0 and best_of > 1:  # GreedyDecoder on a group of rows
        rows = [list(initial) for _ in range(best_of)]
        totals = [0.0] * best_of
        state = seed
        for _ in range(sample_len):
            for g in range(best_of):
                tokens = rows[g]
                if len(tokens) > len(initial) and tokens[-1] == eot:
                    tokens.append(eot)
                    continue
                x = logits_fn([tokens])[0]
                filt.apply(x, tokens)
                state = (state + GOLDEN) & M64
                z = state
                z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
                z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
                z ^= z >> 31
                w = np.exp((x - x.max()) / temp)
                c = np.cumsum(w)
                u = float(z >> 11) * 2.0**-53 * c[-1]
                above = np.flatnonzero(c > u)
                nxt = int(above[0]) if len(above) else int(np.flatnonzero(np.isfinite(x))[-1])
                totals[g] += log_softmax(x)[nxt]
                tokens.append(nxt)
            if all(r[-1] == eot for r in rows) or len(rows[0]) > n_ctx:
                break
        cands = [(r[len(initial):] + [eot])[: (r[len(initial):] + [eot]).index(eot)] for r in rows]
        b = rank(cands, totals, lp_alpha)
        return cands[b], totals[b], totals[b] / (len(cands[b]) + 1), no_speech
    if not beam:  # GreedyDecoder, one row
        tokens = list(initial)
        total = 0.0
        state = seed
        for _ in range(sample_len):
            x = logits_fn([tokens])[0]
            filt.apply(x, tokens)
            if temp == 0:
                nxt = int(np.argmax(x))
                fin = np.sort(x[np.isfinite(x)])
                if len(fin) > 1:
                    MARGINS.append(fin[-1] - fin[-2])
            else:  # wk_rng: splitmix64, u = (next >> 11) · 2^-53; inverse CDF in double
                state = (state + GOLDEN) & M64
                z = state
                z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
                z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
                z ^= z >> 31
                m = x.max()
                w = np.exp((x - m) / temp)  # 0 at −inf
                c = np.cumsum(w)  # in order, as the C sums: c[-1] is its total
                u = float(z >> 11) * 2.0**-53 * c[-1]
                above = np.flatnonzero(c > u)  # the first is a finite id: c grows only there
                nxt = int(above[0]) if len(above) else int(np.flatnonzero(np.isfinite(x))[-1])
            total += log_softmax(x)[nxt]
            tokens.append(nxt)
            if nxt == eot or len(tokens) > n_ctx:
                break
        s = tokens[len(initial):] + [eot]
        s = s[: s.index(eot)]
        return s, total, total / (len(s) + 1), no_speech
    # BeamSearchDecoder
    B = beam
    max_candidates = round(B * (patience or 1.0))
    beams = [list(initial) for _ in range(B)]
    sums = [0.0] * B
    finished = {}
    for _ in range(sample_len):
        scores, order = {}, []
        xs = logits_fn(beams)
        for j in range(B):
            x = xs[j]
            filt.apply(x, beams[j])
            lp = log_softmax(x)
            for t in topk(lp, B + 1):
                seq = tuple(beams[j] + [int(t)])
                if seq not in scores:
                    order.append(seq)
                scores[seq] = (sums[j] + lp[t], j)
        ranked = sorted(order, key=lambda q: scores[q][0], reverse=True)  # stable
        new_beams, new_sums, newly = [], [], {}
        for seq in ranked:
            if seq[-1] == eot:
                newly[seq] = scores[seq][0]
            else:
                new_beams.append(list(seq))
                new_sums.append(scores[seq][0])
                if len(new_beams) == B:
                    break
        beams, sums = new_beams, new_sums
        for seq in sorted(newly, key=newly.get, reverse=True):
            if len(finished) >= max_candidates:
                break
            finished[seq] = newly[seq]
        if len(finished) >= max_candidates or len(beams[0]) > n_ctx:
            break
    if len(finished) < B:
        for j in list(np.argsort(np.array(sums), kind="stable"))[::-1]:
            finished[tuple(beams[j] + [eot])] = sums[j]
            if len(finished) >= B:
                break
    cands = [list(q[len(initial):]) for q in finished]
    cands = [c[: c.index(eot)] for c in cands]
    lps = list(finished.values())
    best = rank(cands, lps, lp_alpha)
    return cands[best], lps[best], lps[best] / (len(cands[best]) + 1), no_speech


class IncDecoder:
    """tests/decoder_ref.py's float64 decoder with a cache: every history prefix computed is a
    node (its parent, its self-attention K/V rows, its final hidden state), the cross K/V computed
    once; a batch of histories runs their uncached positions together (each Linear on all rows at
    once, each history's causal self-attention over its cached and new positions): the same math
    as decoder_ref.decode.  The logits of a batch in one product with the token embedding (the
    slow part: n_vocab × d doubles)."""

    def __init__(self, W, xa, heads, n_layer):
        import decoder_ref as R
        self.R, self.W, self.heads, self.n_layer = R, W, heads, n_layer
        self.cross = []
        for i in range(n_layer):
            p = f"blocks.{i}.cross_attn"
            self.cross.append((xa @ W[p + ".key.weight"].T,
                               xa @ W[p + ".value.weight"].T + W[p + ".value.bias"]))
        self.node = {(): 0}
        self.parent, self.kv, self.hid = [-1], [None], [None]
        self.rows = {}

    def compute(self, keys):
        """Makes nodes of every prefix of keys (none a prefix of another)."""
        R, W, H = self.R, self.W, self.heads
        jobs = []  # (key, cached prefix length m, the cached nodes oldest first)
        for key in keys:
            m = len(key)
            while key[:m] not in self.node:
                m -= 1
            if m == len(key):
                continue
            chain, j = [], self.node[key[:m]]
            while j > 0:
                chain.append(j)
                j = self.parent[j]
            jobs.append((key, m, chain[::-1]))
        if not jobs:
            return
        toks = [t for key, m, _ in jobs for t in key[m:]]
        pos = [p for key, m, _ in jobs for p in range(m, len(key))]
        x = W["token_embedding"][toks] + W["positional_embedding"][pos]
        spans = np.cumsum([0] + [len(key) - m for key, m, _ in jobs])
        kv = []  # per layer: (k, v) of every new row
        for i in range(self.n_layer):
            b = f"blocks.{i}"
            h = R.layer_norm(x, W[b + ".attn_ln.weight"], W[b + ".attn_ln.bias"])
            q = h @ W[b + ".attn.query.weight"].T + W[b + ".attn.query.bias"]
            k = h @ W[b + ".attn.key.weight"].T
            v = h @ W[b + ".attn.value.weight"].T + W[b + ".attn.value.bias"]
            kv.append((k, v))
            a = np.empty_like(x)
            for g, (key, m, chain) in enumerate(jobs):
                lo, hi = spans[g], spans[g + 1]
                K = np.vstack([self.kv[c][i][0] for c in chain] + [k[lo:hi]])
                V = np.vstack([self.kv[c][i][1] for c in chain] + [v[lo:hi]])
                mask = np.triu(np.full((hi - lo, m + hi - lo), -np.inf), m + 1)
                a[lo:hi] = R.attention(q[lo:hi], K, V, H, mask)
            x = x + a @ W[b + ".attn.out.weight"].T + W[b + ".attn.out.bias"]
            h = R.layer_norm(x, W[b + ".cross_attn_ln.weight"], W[b + ".cross_attn_ln.bias"])
            q = h @ W[b + ".cross_attn.query.weight"].T + W[b + ".cross_attn.query.bias"]
            ck, cv = self.cross[i]
            x = x + R.attention(q, ck, cv, H) @ W[b + ".cross_attn.out.weight"].T + \
                W[b + ".cross_attn.out.bias"]
            h = R.layer_norm(x, W[b + ".mlp_ln.weight"], W[b + ".mlp_ln.bias"])
            h = R.gelu(h @ W[b + ".mlp.0.weight"].T + W[b + ".mlp.0.bias"])
            x = x + h @ W[b + ".mlp.2.weight"].T + W[b + ".mlp.2.bias"]
        out = R.layer_norm(x, W["ln.weight"], W["ln.bias"])
        for g, (key, m, _) in enumerate(jobs):
            for r in range(spans[g], spans[g + 1]):
                n = m + 1 + r - spans[g]
                self.node[key[:n]] = len(self.parent)
                self.parent.append(self.node[key[:n - 1]])
                self.kv.append([(kk[r:r + 1], vv[r:r + 1]) for kk, vv in kv])
                self.hid.append(out[r])

    def logits(self, hists):  # rows kept until forget()
        keys = [tuple(h) for h in hists]
        new = [k for k in dict.fromkeys(keys) if k not in self.rows]
        if new:
            inner = {k[:j] for k in new for j in range(len(k))}  # prefixes of others
            self.compute([k for k in new if k not in inner])
            out = np.array([self.hid[self.node[k]] for k in new]) @ self.W["token_embedding"].T
            self.rows.update(zip(new, out))
        return np.array([self.rows[k] for k in keys])

    def forget(self):
        self.rows = {}


def parse_result(rest):
    toks, nums = rest.split("|")[1:3]
    toks = [int(t) for t in toks.split(",")] if toks.strip() else []
    return toks, [float(v) for v in nums.split()]


def compare(name, got, want, tol, rel):
    gt, gn = got
    wt, ws, wa, wn = want
    ok = gt == wt
    for g, w in zip(gn, (ws, wa, wn)):
        err = abs(g - w) / (abs(w) if rel else 1.0)
        ok = ok and err <= tol
    print(f"{name}: {'ok' if ok else 'MISMATCH'} ({len(wt)} tokens, sum {ws:.6f})")
    if not ok:
        print(f"  C:   {gt} {gn}\n  ref: {wt} {[ws, wa, wn]}")
    return ok


TEMPERATURES = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]  # transcribe's fallback list
FLOOR = 20  # the fewest tokens a decode may have (else the comparison says little)


def f32(v):  # a float as the C float it was printed from
    return float(np.float32(v))


SAMPLED = [0, 0, 0]  # sampled steps: decisive, all, where float64 drew another token


def check_path(name, got, c, ref, filt, init, temp, seed, eot, sample_len):
    """A greedy or sampled decode (C's tokens toks, its FP32 logits c along them) against the
    float64 logits ref along the same tokens, step by step (sampling: with the same draws, the RNG
    advancing once a step), and the sum of log-probs within 1e-5 relative.
    Greedy: the float64 argmax (after the filters) is C's token on every step (eot on the last
    unless sample_len ended it) — so float64 greedy decoding yields C's sequence.
    Sampling: step k's FP32 logits differ from float64 by e = max |c − ref|, so each weight
    exp((x − max) / T) by a factor within ρ = exp(2e / T), and so do the CDF and the scaled draw
    U = u · total; the step is DECISIVE when the float64 choice k has U / cdf[k − 1] > ρ² and
    cdf[k] / U > ρ² and the timestamp-mass rule's gap exceeds 2e (the same ids filtered): then
    FP32 must draw the same token.  Checked: the same token on every decisive step (a non-decisive one
    may differ: the check goes on along C's tokens)."""
    toks, nums = got
    state, total, ok, dec, other = seed, 0.0, True, 0, 0
    steps = len(toks) + 1 if len(toks) < sample_len else len(toks)  # the last drew eot
    for k in range(steps):
        x = ref[k].copy()
        gap = filt.apply(x, init + toks[:k])
        want = toks[k] if k < len(toks) else eot
        total += log_softmax(x)[want]
        if temp == 0:
            fin = np.sort(x[np.isfinite(x)])
            MARGINS.append(fin[-1] - fin[-2])
            if int(np.argmax(x)) != want:
                print(f"{name}: step {k}: C chose {want}, float64 {int(np.argmax(x))}")
                ok = False
            continue
        e = np.abs(c[k] - ref[k]).max()
        z = mix(state)  # wk_rng_next
        state = (state + GOLDEN) & M64
        w = np.exp((x - x.max()) / temp)
        cdf = np.cumsum(w)
        U = float(z >> 11) * 2.0**-53 * cdf[-1]
        pick = int(np.flatnonzero(cdf > U)[0])
        lo = cdf[pick - 1] if pick else 0.0
        rho2 = math.exp(4 * e / temp)
        decisive = gap > 2 * e and U > lo * rho2 and cdf[pick] > U * rho2
        dec += decisive
        other += pick != want
        if decisive and pick != want:
            print(f"{name}: decisive step {k}: C drew {want}, float64 {pick}")
            ok = False
    if temp > 0:
        SAMPLED[0] += dec
        SAMPLED[1] += steps
        SAMPLED[2] += other
    err = abs(total - nums[0]) / abs(total)
    what = f"{dec} of {steps} steps decisive, {other} drew another token" if temp > 0 else \
        f"{steps} steps"
    print(f"{name}: {'ok' if ok and err <= 1e-5 else 'MISMATCH'} ({len(toks)} tokens, {what}, "
          f"sum {nums[0]:.6f} vs {total:.6f})")
    return ok and err <= 1e-5


def decoder_mode(d, lines):
    """The DEC lines of tests/decoding_dump.c on DIR's weights: the options of transcribe's
    fallback (its temperatures, beam only at T 0, its seed rule); temperature 0: the whole decode
    again, identical tokens; sampling: check_sampled; every decode: its FP32 logits along its
    tokens within 1e-4 of max |logit| of float64, and of real length (FLOOR tokens or more,
    ended by eot, a timestamp; greedy: one closing a segment)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    names = [f[:-4] for f in os.listdir(d) if f.endswith(".npy") and not f.startswith("logits_")]
    W = {k: np.load(f"{d}/{k}.npy").astype(np.float64) for k in names}
    sup = blank = sp = inc = None
    ok, n, seed0, done = True, 0, None, {}
    for line in lines:
        f = line.split()
        if not f:
            continue
        if f[0] == "DIMS":
            heads, n_layer, n_ctx = map(int, f[1:4])
            inc = IncDecoder(W, W["features"], heads, n_layer)
        elif f[0] == "SUPPRESS":
            sup = [int(t) for t in f[1].split(",")]
        elif f[0] == "BLANK":
            blank = [int(t) for t in f[1].split(",")]
        elif f[0] == "SPECIAL":
            eot, sot, ns, nts, tb, tr, sot_prev, lang = map(int, f[1:9])
            sp = Special(W["token_embedding"].shape[0], eot, sot, ns, nts, tb)
        elif f[0] == "DEC":
            i, beam, temp, seed, seek, fb = int(f[1]), int(f[2]), f32(f[3]), int(f[4]), \
                int(f[5]), int(f[6])
            prompt = [] if f[7] == "-" else [int(t) for t in f[7].split(",")]
            name = f"decode {i}: " + (f"fallback T {TEMPERATURES[fb]}" if fb >= 0 else
                                      f"{'beam 5' if beam else 'greedy'}") + \
                (f", prompt {len(prompt)}" if prompt else "")
            if fb == 0:
                seed0 = seed
            if fb >= 0:  # transcribe's fallback: the temperature list, beam only at T 0, the seed
                want_seed = None if seed0 is None else \
                    seed0 ^ ((((seek << 8) | fb) * GOLDEN) & M64)
                if temp != f32(TEMPERATURES[fb]) or (beam > 0) != (fb == 0) or seed != want_seed:
                    print(f"{name}: options T {temp} beam {beam} seed {seed}: not transcribe's "
                          f"(T {TEMPERATURES[fb]}, seed {want_seed})")
                    ok = False
            init = ([sot_prev] + prompt if prompt else []) + [sot, lang, tr]
            filt = Filters(sp, blank, sup, len(init), True, True, 50)
            got = parse_result(line)
            toks = got[0]
            inc.forget()
            if temp == 0 and beam:  # the whole search again: identical tokens
                key = (beam, tuple(prompt))
                if key not in done:
                    done[key] = decode(inc.logits, sp, filt, init, init.index(sot), beam, 0.0,
                                       None, None, 0, n_ctx // 2, n_ctx)
                ok = compare(name, got, done[key], 1e-5, True) and ok
            # the FP32 logits along the sequence (the rows the search read) vs float64
            c = np.load(f"{d}/logits_{i}.npy").astype(np.float64)
            ref = inc.logits([init + toks[:k] for k in range(len(toks) + 1)])
            rel = np.abs(c - ref).max() / np.abs(ref).max()
            if not beam:
                ok = check_path(name, got, c, ref, filt, init, temp, seed, eot, n_ctx // 2) and ok
            # real length: ended by eot, not too short, timestamps (closing a segment: greedy)
            n_ts = sum(t >= tb for t in toks)
            closing = sum(1 for a, b in zip(toks, toks[1:]) if a < eot and b >= tb)
            real = FLOOR <= len(toks) < n_ctx // 2 and n_ts >= 1 and \
                (closing >= 1 or beam > 0 or temp > 0)
            print(f"  logits max |C - ref| / max |ref| = {rel:.2e} over {len(toks) + 1} rows; "
                  f"{n_ts} timestamps, {closing} closing a segment")
            if rel > 1e-4 or not real:
                short = f" not of real length (>= {FLOOR} tokens, eot, timestamps)"
                print(f"  FAILED: {'logits beyond 1e-4' if rel > 1e-4 else ''}"
                      f"{'' if real else short}")
                ok = False
            n += 1
    return ok, n


def main():
    mode = sys.argv[1]
    lines = sys.stdin.read().splitlines()
    ok, n = True, 0
    if mode == "script":
        for line in lines:
            if not line.startswith("CASE "):
                continue
            head, _ = line.split("|", 1)
            f = head.split()
            name, beam, temp, pat, lp, seed, ts, mit, sl, sot = f[1], int(f[2]), float(f[3]), \
                float(f[4]), float(f[5]), int(f[6]), int(f[7]), int(f[8]), int(f[9]), int(f[10])
            best_of = int(f[11])
            init = [int(t) for t in f[12].split(",")]
            filt = Filters(SCRIPT, SCRIPT_BLANK, SCRIPT_SUPPRESS, len(init), True, ts,
                           None if mit < 0 else mit)
            want = decode(lambda hs: np.array([script_logits(h) for h in hs]), SCRIPT, filt, init, sot, beam, temp,
                          pat if pat > 0 else None, None if lp < 0 else lp, seed, sl or 32, 64,
                          best_of)
            ok = compare(name, parse_result(line), want, 1e-9, False) and ok
            n += 1
    else:
        ok, n = decoder_mode(sys.argv[2], lines)
    if MARGINS:
        print(f"greedy steps: {len(MARGINS)}, smallest top-2 margin {min(MARGINS):.4g}")
    if SAMPLED[1]:
        print(f"sampled steps: {SAMPLED[0]} of {SAMPLED[1]} decisive; float64 drew another token "
              f"on {SAMPLED[2]}")
        ok = ok and SAMPLED[0] >= SAMPLED[1] // 2
    print(f"decoding_ref {mode}: {n} cases, {'passed' if ok and n else 'FAILED'}")
    sys.exit(0 if ok and n else 1)


if __name__ == "__main__":
    main()
