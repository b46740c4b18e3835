#!/bin/sh
# test_layer_ref.sh DUMP — the FP32 reference encoder layer against an independent NumPy float64
# implementation of Whisper's ResidualAttentionBlock (written here from Whisper's model.py:
# x = x + attn(attn_ln(x)); x = x + mlp(mlp_ln(x)); q·hd^-0.25, k·hd^-0.25, no key bias,
# exact-erf GELU, LayerNorm eps 1e-5).  Max relative error (‖·‖∞ of the difference over ‖y‖∞)
# must be ≤ 1e-5.  Skipped (77) without /usr/bin/python3 and NumPy.
# Then the conv stem (wk_stem_forward_ref) the same way against a NumPy conv1d written from
# PyTorch's definition: out[o][t] = b[o] + Σ_c Σ_j w[o][c][j]·x_pad[c][s·t + j], then
# x = gelu(conv2(gelu(conv1(mel)))).T + positional_embedding.
set -u
DUMP=${1:?usage: test_layer_ref.sh path/to/layer_ref_dump}
PY=/usr/bin/python3
if [ ! -x "$PY" ] || ! "$PY" -c 'import numpy' >/dev/null 2>&1; then
  echo "SKIP: $PY with numpy is not available"
  exit 77
fi
TMP=$(mktemp -d /tmp/wk_test_layer_XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
status=0
# tiny d=64 / 2 heads / 32 tokens; base d=512 / 8 heads with 96 tokens
for cfg in "64 2 32 1" "512 8 96 2"; do
  set -- $cfg
  mkdir -p "$TMP/$1" && "$DUMP" "$TMP/$1" "$1" "$2" "$3" "$4" || { echo "FAIL: dump $cfg"; exit 1; }
  "$PY" - "$TMP/$1" "$2" <<'PYEOF' || status=1
import math, sys
import numpy as np

d, heads = sys.argv[1], int(sys.argv[2])
P = lambda n: np.load(f"{d}/{n}.npy").astype(np.float64)
x = P("x")

def layer_norm(v, g, b):
    mu = v.mean(-1, keepdims=True)
    var = ((v - mu) ** 2).mean(-1, keepdims=True)
    return (v - mu) / np.sqrt(var + 1e-5) * g + b

def linear(v, name, bias=True):
    y = v @ P(name + ".weight").T
    return y + P(name + ".bias") if bias else y

erf = np.vectorize(math.erf)
def gelu(v):
    return 0.5 * v * (1.0 + erf(v / math.sqrt(2.0)))

def attention(v):
    n, c = v.shape
    hd = c // heads
    scale = hd ** -0.25
    q = linear(v, "attn.query").reshape(n, heads, hd).transpose(1, 0, 2) * scale
    k = linear(v, "attn.key", bias=False).reshape(n, heads, hd).transpose(1, 2, 0) * scale
    w = q @ k
    w = np.exp(w - w.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    val = linear(v, "attn.value").reshape(n, heads, hd).transpose(1, 0, 2)
    o = (w @ val).transpose(1, 0, 2).reshape(n, c)
    return linear(o, "attn.out")

x = x + attention(layer_norm(x, P("attn_ln.weight"), P("attn_ln.bias")))
x = x + linear(gelu(linear(layer_norm(x, P("mlp_ln.weight"), P("mlp_ln.bias")), "mlp.0")), "mlp.2")
y = P("y_ref")
rel = np.abs(y - x).max() / np.abs(x).max()
print(f"d={x.shape[1]} heads={heads} tokens={x.shape[0]}: max |ref - numpy| / max |numpy| = {rel:.3e}")
sys.exit(0 if rel <= 1e-5 else 1)
PYEOF
done
# the stem: n_mels 80 / d 64 / 200 frames; n_mels 128 / d 96 / 3000 frames (large-v3's mels)
for cfg in "80 64 200 3" "128 96 3000 4"; do
  set -- $cfg
  mkdir -p "$TMP/stem$1" && "$DUMP" stem "$TMP/stem$1" "$1" "$2" "$3" "$4" ||
    { echo "FAIL: stem dump $cfg"; exit 1; }
  "$PY" - "$TMP/stem$1" <<'PYEOF' || status=1
import math, sys
import numpy as np

d = sys.argv[1]
P = lambda n: np.load(f"{d}/{n}.npy").astype(np.float64)
erf = np.vectorize(math.erf)
gelu = lambda v: 0.5 * v * (1.0 + erf(v / math.sqrt(2.0)))

def conv1d(x, w, b, stride):  # x [C][T], w [O][C][K], padding 1
    K = w.shape[2]
    xp = np.pad(x, ((0, 0), (1, 1)))
    t_out = (xp.shape[1] - K) // stride + 1
    y = np.zeros((w.shape[0], t_out))
    for j in range(K):
        y += w[:, :, j] @ xp[:, j : j + stride * (t_out - 1) + 1 : stride]
    return y + b[:, None]

h = gelu(conv1d(P("mel"), P("conv1.weight"), P("conv1.bias"), 1))
x = gelu(conv1d(h, P("conv2.weight"), P("conv2.bias"), 2)).T
x = x + P("positional_embedding")[: x.shape[0]]
y = P("x_ref")
rel = np.abs(y - x).max() / np.abs(x).max()
print(f"stem n_mels={P('mel').shape[0]} d={x.shape[1]} frames={P('mel').shape[1]}: "
      f"max |ref - numpy| / max |numpy| = {rel:.3e}")
sys.exit(0 if y.shape == x.shape and rel <= 1e-5 else 1)
PYEOF
done
[ $status -eq 0 ] && echo "test_layer_ref: passed" || echo "test_layer_ref: FAILED"
exit $status
