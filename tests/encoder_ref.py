"""encoder_ref.py DIR HEADS N_LAYER [MIN_COSINE] — a float64 NumPy Whisper encoder (written from
openai/whisper model.py's AudioEncoder), fed the weights and mel that encoder_f32_dump wrote into
DIR, compared with the FP32 encoder's output DIR/out.npy:

  x = gelu(conv1(mel)); x = gelu(conv2(x)) (stride 2); x = x.T + positional_embedding
  per block: x += attn(attn_ln(x)); x += mlp.2(gelu(mlp.0(mlp_ln(x))))
  attn: q·hd^-0.25, k·hd^-0.25 (no key bias), softmax, ·v, out projection
  out = ln_post(x);  LayerNorm eps 1e-5, GELU the exact erf form

Prints the cosine and the relative errors; exits 1 when cosine < MIN_COSINE (0.99999)."""
import math
import sys

import numpy as np

d, heads, n_layer = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
min_cos = float(sys.argv[4]) if len(sys.argv) > 4 else 0.99999
P = lambda n: np.load(f"{d}/{n}.npy").astype(np.float64)

_erf = np.frompyfunc(math.erf, 1, 1)
def gelu(v):
    return 0.5 * v * (1.0 + _erf(v / math.sqrt(2.0)).astype(np.float64))

def layer_norm(v, name):
    mu = v.mean(-1, keepdims=True)
    var = ((v - mu) ** 2).mean(-1, keepdims=True)
    return (v - mu) / np.sqrt(var + 1e-5) * P(name + ".weight") + P(name + ".bias")

def linear(v, name, bias=True):
    y = v @ P(name + ".weight").T
    return y + P(name + ".bias") if bias else y

def conv1d(x, name, stride):  # x [C][T], w [O][C][3], padding 1: im2col, one matmul
    w, b = P(name + ".weight"), P(name + ".bias")
    xp = np.pad(x, ((0, 0), (1, 1)))
    t_out = (xp.shape[1] - 3) // stride + 1
    cols = np.concatenate([xp[:, j : j + stride * (t_out - 1) + 1 : stride] for j in range(3)])
    return w.transpose(0, 2, 1).reshape(w.shape[0], -1) @ cols + b[:, None]  # [O][t_out]

def attention(v, pre):
    n, c = v.shape
    hd = c // heads
    scale = hd ** -0.25
    q = linear(v, pre + "query").reshape(n, heads, hd).transpose(1, 0, 2) * scale
    k = linear(v, pre + "key", bias=False).reshape(n, heads, hd).transpose(1, 2, 0) * scale
    val = linear(v, pre + "value").reshape(n, heads, hd).transpose(1, 0, 2)
    o = np.empty((heads, n, hd))
    for h in range(heads):  # one head at a time keeps the n×n scores small
        w = q[h] @ k[h]
        w = np.exp(w - w.max(-1, keepdims=True))
        o[h] = (w / w.sum(-1, keepdims=True)) @ val[h]
    return linear(o.transpose(1, 0, 2).reshape(n, c), pre + "out")

x = gelu(conv1d(P("mel"), "conv1", 1))
x = gelu(conv1d(x, "conv2", 2)).T
x = x + P("positional_embedding")[: x.shape[0]]
for l in range(n_layer):
    b = f"blocks.{l}."
    x = x + attention(layer_norm(x, b + "attn_ln"), b + "attn.")
    x = x + linear(gelu(linear(layer_norm(x, b + "mlp_ln"), b + "mlp.0")), b + "mlp.2")
x = layer_norm(x, "ln_post")

y = P("out")
if y.shape != x.shape:
    print(f"shape {y.shape} != {x.shape}")
    sys.exit(1)
cos = float((x * y).sum() / np.sqrt((x * x).sum() * (y * y).sum()))
rel = float(np.linalg.norm(y - x) / np.linalg.norm(x))
max_rel = float(np.abs(y - x).max() / np.abs(x).max())
print(f"n_ctx={x.shape[0]} d={x.shape[1]} heads={heads} layers={n_layer}: cosine {cos:.9f} "
      f"(1 - cos = {1 - cos:.2e}), rel err {rel:.2e}, max |err| / max |ref| {max_rel:.2e}")
sys.exit(0 if cos >= min_cos else 1)
