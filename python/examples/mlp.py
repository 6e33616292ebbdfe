"""An MLP (784 -> 128 ReLU -> 10 softmax) run by the ADead-BIB VM from Python.

numpy weights go in as tensors once (the module's `setup` keeps their handles); each
inference copies the input rows into the input tensor (`write_tensor`), calls the
module's `forward`, which runs `linear.relu`, `linear` and `softmax` on the VM's
kernels, and copies the probabilities out (`tensor`).

    python examples/mlp.py            # random weights, batch 4: compared with numpy
    python examples/mlp.py --check    # also the peers' LCG network (benches/peers/tensor):
                                      # its checksums 5.8044 (batch 1) and 368.8797 (64)

Exits 1 when a result disagrees.
"""

import argparse
import os
import sys

import numpy as np

import adead

# setup(w1, b1, w2, b2, h, z, p) keeps the handles of the weights and of the tensors the
# ops write into (made once by the host) in memory; forward(x) then takes the input
# alone: p = softmax(relu(x . w1 + b1) . w2 + b2), row by row. Every op writes into a
# tensor that exists already, taking its shape from the inputs, so an inference
# allocates nothing, and a call passes one argument instead of eight (each argument
# crossing from Python costs about 40 ns).
FORWARD = """
.memory 128
.data handles
    .zero 56                        ; w1 b1 w2 b2 h z p, 8 bytes each
.func setup params=7 regs=8
    movi r7, @handles
    st64 r7, 0, r0
    st64 r7, 8, r1
    st64 r7, 16, r2
    st64 r7, 24, r3
    st64 r7, 32, r4
    st64 r7, 40, r5
    st64 r7, 48, r6
    ret r7
.end
.func forward params=1 regs=9
    movi r8, @handles
    ld64 r1, r8, 0
    ld64 r2, r8, 8
    ld64 r3, r8, 16
    ld64 r4, r8, 24
    ld64 r5, r8, 32
    ld64 r6, r8, 40
    ld64 r7, r8, 48
    linear.relu r5, r0, r1, r2      ; h = relu(x . w1 + b1)
    linear r6, r5, r3, r4           ; z = h . w2 + b2
    softmax r7, r6                  ; p = softmax(z), row-wise
    ret r7
.end
.export setup
.export forward
"""


class Mlp:
    """The network's weights held by one VM instance, ready for inference."""

    def __init__(self, w1, b1, w2, b2, engine=None):
        engine = engine or adead.Engine()
        self.instance = instance = engine.load_asm(FORWARD, name="mlp_forward.asm").instantiate()
        new = instance.new_tensor
        placeholder = np.zeros(1, np.float32)
        self.p = new(placeholder)
        instance.call("setup", new(w1), new(b1), new(w2), new(b2), new(placeholder),
                      new(placeholder), self.p)
        # An input tensor for batch 1 to start with; another batch size makes a new one.
        self.x = new(np.zeros((1, w1.shape[0]), np.float32))
        # Bound once: an inference is three calls into the binding and nothing else.
        self._write, self._call, self._read = instance.write_tensor, instance.call, instance.tensor

    def __call__(self, x):
        """The probabilities [batch, 10] of the rows of `x` [batch, 784]."""
        try:
            # The common case, an input of the last call's shape: one copy into the
            # tensor the VM already has (write_tensor converts other dtypes itself).
            self._write(self.x, x)
        except adead.TensorError:
            self.instance.free_tensor(self.x)  # another batch size: a new input tensor
            self.x = self.instance.new_tensor(x)
        self._call("forward", self.x)
        return self._read(self.p)


def numpy_forward(x, w1, b1, w2, b2, dtype=np.float64):
    """The same network in numpy (in float64 by default: the reference)."""
    x, w1, b1, w2, b2 = (np.asarray(a, dtype) for a in (x, w1, b1, w2, b2))
    logits = np.maximum(x @ w1 + b1, 0) @ w2 + b2
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


def random_network(rng, inputs=784, hidden=128, classes=10):
    w1 = (rng.standard_normal((inputs, hidden)) / np.sqrt(inputs)).astype(np.float32)
    b1 = (0.1 * rng.standard_normal(hidden)).astype(np.float32)
    w2 = (rng.standard_normal((hidden, classes)) / np.sqrt(hidden)).astype(np.float32)
    b2 = (0.1 * rng.standard_normal(classes)).astype(np.float32)
    return w1, b1, w2, b2


def peers_checks():
    """The peers' network (benches/peers/tensor/mlp_params.py): True when the VM's
    checksums are the definition's."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(here, "..", "..", "benches", "peers", "tensor"))
    from mlp_params import CHECKSUMS, checksum, parameters

    w1, b1, w2, b2, inputs = parameters()
    mlp = Mlp(w1, b1, w2, b2)
    ok = True
    for batch in (1, 64):
        total = checksum(mlp(inputs[:batch]))
        print("peers' network, batch %d: checksum %s (definition %s)" % (batch, total, CHECKSUMS[batch]))
        ok &= total == CHECKSUMS[batch]
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="also check the peers' network")
    args = parser.parse_args()
    rng = np.random.default_rng(2024)
    w1, b1, w2, b2 = random_network(rng)
    x = rng.random((4, 784), dtype=np.float32)
    probabilities = Mlp(w1, b1, w2, b2)(x)
    reference = numpy_forward(x, w1, b1, w2, b2)
    error = float(np.abs(probabilities - reference).max())
    print("classes:", probabilities.argmax(axis=1), "max |p - numpy| = %.2e" % error)
    ok = error < 1e-5 and (probabilities.argmax(axis=1) == reference.argmax(axis=1)).all()
    if args.check:
        ok &= peers_checks()
    if not ok:
        sys.exit("mlp.py: the VM's probabilities disagree with the reference")


if __name__ == "__main__":
    main()
