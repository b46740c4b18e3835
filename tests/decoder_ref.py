#!/usr/bin/python3
"""decoder_ref.py DIR HEADS N_LAYER — a float64 NumPy Whisper text decoder (openai/whisper
model.py: TextDecoder, ResidualAttentionBlock with cross-attention, MultiHeadAttention with q and
k each scaled by head_dim^-0.25, no key bias, the causal mask, logits = ln(x) @ token_embedding.T),
run WITHOUT a KV cache: every logit row is recomputed from the beam's whole token history, which
checks the C decoder's cache, batching and reorders independently.

Reads what tests/decoder_dump.c writes and checks:
  1. FP32: max |C − ref| ≤ 1e-4 · max |ref| over every logit row;
  2. INT8: measured error e = max |int8 − fp32|; wherever the FP32 top-2 margin exceeds 2e (so no
     error of that size can swap them) the INT8 top-1 equals the FP32 top-1.  The count of such
     decisive rows is printed (and must be ≥ 1, or the check would be vacuous)."""
import sys

import numpy as np


def load(d, name):
    return np.load(f"{d}/{name}.npy").astype(np.float64)


def layer_norm(x, g, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def gelu(x):
    from math import erf
    e = np.fromiter(map(erf, (x / np.sqrt(2.0)).ravel().tolist()), np.float64, x.size)
    return 0.5 * x * (1.0 + e.reshape(x.shape))


def attention(q, k, v, heads, mask=None):
    n, d = q.shape
    dh = d // heads
    s = dh ** -0.25
    qh = (q * s).reshape(n, heads, dh).transpose(1, 0, 2)
    kh = (k * s).reshape(-1, heads, dh).transpose(1, 2, 0)
    vh = v.reshape(-1, heads, dh).transpose(1, 0, 2)
    qk = qh @ kh
    if mask is not None:
        qk = qk + mask
    qk = qk - qk.max(-1, keepdims=True)
    w = np.exp(qk)
    w /= w.sum(-1, keepdims=True)
    return (w @ vh).transpose(1, 0, 2).reshape(n, d)


def mha(W, p, x, xa, heads, mask):
    q = x @ W[p + ".query.weight"].T + W[p + ".query.bias"]
    src = x if xa is None else xa
    k = src @ W[p + ".key.weight"].T
    v = src @ W[p + ".value.weight"].T + W[p + ".value.bias"]
    return attention(q, k, v, heads, mask) @ W[p + ".out.weight"].T + W[p + ".out.bias"]


def decode(W, tokens, xa, heads, n_layer):
    """Logits of the last position of `tokens` (the whole history, positions 0 …)."""
    n = len(tokens)
    x = W["token_embedding"][tokens] + W["positional_embedding"][:n]
    mask = np.triu(np.full((n, n), -np.inf), 1)
    for i in range(n_layer):
        b = f"blocks.{i}"
        x = x + mha(W, b + ".attn", layer_norm(x, W[b + ".attn_ln.weight"], W[b + ".attn_ln.bias"]),
                    None, heads, mask)
        x = x + mha(W, b + ".cross_attn",
                    layer_norm(x, W[b + ".cross_attn_ln.weight"], W[b + ".cross_attn_ln.bias"]),
                    xa, heads, None)
        h = layer_norm(x, W[b + ".mlp_ln.weight"], W[b + ".mlp_ln.bias"])
        h = gelu(h @ W[b + ".mlp.0.weight"].T + W[b + ".mlp.0.bias"])
        x = x + h @ W[b + ".mlp.2.weight"].T + W[b + ".mlp.2.bias"]
    x = layer_norm(x[-1:], W["ln.weight"], W["ln.bias"])
    return (x @ W["token_embedding"].T)[0]


def main():
    d, heads, n_layer = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    names = ["token_embedding", "positional_embedding", "ln.weight", "ln.bias"]
    for i in range(n_layer):
        for p in ("attn", "cross_attn"):
            names += [f"blocks.{i}.{p}{s}" for s in ("_ln.weight", "_ln.bias", ".query.weight",
                      ".query.bias", ".key.weight", ".value.weight", ".value.bias",
                      ".out.weight", ".out.bias")]
        names += [f"blocks.{i}.{s}" for s in ("mlp_ln.weight", "mlp_ln.bias", "mlp.0.weight",
                  "mlp.0.bias", "mlp.2.weight", "mlp.2.bias")]
    W = {n: load(d, n) for n in names}
    xa = load(d, "features")
    prompt = load(d, "prompt").astype(int)
    steps = load(d, "steps").astype(int)
    src = load(d, "src").astype(int)
    c32 = np.load(f"{d}/logits_fp32.npy").astype(np.float64)
    c8 = np.load(f"{d}/logits_int8.npy").astype(np.float64)
    # beam histories, following the plan: reorder (beam b takes src[b]'s history), then append
    hist = [list(prompt[b]) for b in range(prompt.shape[0])]
    ref = [[decode(W, h, xa, heads, n_layer) for h in hist]]
    for k in range(steps.shape[0]):
        hist = [list(hist[src[k][b]]) + [steps[k][b]] for b in range(len(hist))]
        ref.append([decode(W, h, xa, heads, n_layer) for h in hist])
    ref = np.array(ref)
    ok = True
    rel = np.abs(c32 - ref).max() / np.abs(ref).max()
    print(f"fp32 vs float64 NumPy: max |err| / max |logit| = {rel:.2e} (limit 1e-4)")
    ok &= rel <= 1e-4
    e = np.abs(c8 - c32).max()
    rows32 = c32.reshape(-1, c32.shape[-1])
    rows8 = c8.reshape(-1, c8.shape[-1])
    top2 = np.sort(rows32, axis=1)[:, -2:]
    margin = top2[:, 1] - top2[:, 0]
    decisive = margin > 2 * e
    agree = rows8.argmax(1) == rows32.argmax(1)
    print(f"int8 vs fp32: max |err| = {e:.4f} ({e / np.abs(c32).max():.2e} of max |logit|); "
          f"top-1 agrees on {agree.sum()}/{len(agree)} rows; decisive rows (margin > 2·err): "
          f"{decisive.sum()}, of which agree {(agree & decisive).sum()}")
    ok &= bool(np.all(agree[decisive])) and decisive.sum() >= 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
