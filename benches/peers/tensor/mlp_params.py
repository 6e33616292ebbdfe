"""The peers' MLP, defined once for the numpy and onnxruntime peers of adead-vm.

Network: 784 -> 128 (+bias, ReLU) -> 10 (+bias) -> softmax over each row, float32.
Parameters come from a 32-bit LCG so that any language can regenerate them (the VM does
it in examples/mlp.asm):
    state = (state * 1664525 + 1013904223) mod 2^32,  u = state / 2^32  (seed 12345)
drawn in the order W1[784][128] (row-major, in x out), b1[128], W2[128][10], b2[10],
X[64][784];  W1 = (2u - 1) / sqrt(784), b1 = (2u - 1) * 0.1, W2 = (2u - 1) / sqrt(128),
b2 = (2u - 1) * 0.1, X = u, each computed in float64 and rounded to float32.
Checksum: sum over rows b and classes k of p[b][k] * (k + 1), float64, printed %.4f
(batch 1 uses row 0 of X: 5.8044; batch 64: 368.8797; CHECKSUMS). Every peer must print
these: mlp.py exits 1 otherwise, as adead-vm's vm/examples/mlp.rs does.
"""

import numpy as np

INPUTS, HIDDEN, CLASSES, MAX_BATCH = 784, 128, 10, 64
SEED = 12345
FLOP_PER_SAMPLE = 2 * (INPUTS * HIDDEN + HIDDEN * CLASSES)
# The checksum per batch size, the definition's (see above).
CHECKSUMS = {1: "5.8044", 64: "368.8797"}


def uniforms(count, state):
    """`count` draws u = state / 2^32 of the LCG, and the state after them."""
    out = np.empty(count, dtype=np.float64)
    for i in range(count):
        state = (state * 1664525 + 1013904223) % 4294967296
        out[i] = state / 4294967296.0
    return out, state


def parameters():
    """W1 [784, 128], b1 [128], W2 [128, 10], b2 [10], X [64, 784], all float32."""
    state = SEED
    u, state = uniforms(INPUTS * HIDDEN, state)
    w1 = ((2 * u - 1) / np.sqrt(INPUTS)).astype(np.float32).reshape(INPUTS, HIDDEN)
    u, state = uniforms(HIDDEN, state)
    b1 = ((2 * u - 1) * 0.1).astype(np.float32)
    u, state = uniforms(HIDDEN * CLASSES, state)
    w2 = ((2 * u - 1) / np.sqrt(HIDDEN)).astype(np.float32).reshape(HIDDEN, CLASSES)
    u, state = uniforms(CLASSES, state)
    b2 = ((2 * u - 1) * 0.1).astype(np.float32)
    u, state = uniforms(MAX_BATCH * INPUTS, state)
    x = u.astype(np.float32).reshape(MAX_BATCH, INPUTS)
    return w1, b1, w2, b2, x


def checksum(probabilities):
    p = np.asarray(probabilities, dtype=np.float64)
    return "%.4f" % float((p * np.arange(1, p.shape[1] + 1)).sum())
