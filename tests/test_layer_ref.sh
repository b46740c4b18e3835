#!/bin/sh
# test_layer_ref.sh DUMP — the FP32 reference encoder layer against an independent NumPy float64
# implementation of Whisper's ResidualAttentionBlock (written here from Whisper's model.py:
# x = x + attn(attn_ln(x)); x = x + mlp(mlp_ln(x)); q·hd^-0.25, k·hd^-0.25, no key bias,
# exact-erf GELU, LayerNorm eps 1e-5).  Max relative error (‖·‖∞ of the difference over ‖y‖∞)
# must be ≤ 1e-5.  Skipped (77) without /usr/bin/python3 and NumPy.
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
[ $status -eq 0 ] && echo "test_layer_ref: passed" || echo "test_layer_ref: FAILED"
exit $status
