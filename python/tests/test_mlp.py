"""The MLP example from Python: numpy weights in, probabilities out, checked against
numpy's own forward pass."""

import os
import sys

import numpy as np
import pytest

import adead

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))
from mlp import Mlp, numpy_forward, random_network  # noqa: E402


@pytest.mark.parametrize("batch", [1, 3, 64])
@pytest.mark.parametrize("kernel_isa", [None, "scalar"])
def test_mlp_matches_numpy(batch, kernel_isa):
    rng = np.random.default_rng(batch)
    w1, b1, w2, b2 = random_network(rng)
    x = rng.random((batch, 784), dtype=np.float32)
    mlp = Mlp(w1, b1, w2, b2, engine=adead.Engine(kernel_isa=kernel_isa, kernel_threads=1))
    probabilities = mlp(x)
    assert probabilities.shape == (batch, 10) and probabilities.dtype == np.float32
    reference = numpy_forward(x, w1, b1, w2, b2)  # float64
    float32_numpy = numpy_forward(x, w1, b1, w2, b2, np.float32)
    # Tolerance: each logit is a float32 sum of 784 + 128 products of size ~0.03
    # (inputs in [0, 1), weights ~ N(0, 1/784)), taken in a different order from numpy's;
    # the rounding error of such a sum grows as sqrt(n) * 2^-24 * sum |x w|, about
    # 28 * 6e-8 * 15 = 2.5e-5 on a logit, and a probability p moves by p * that at most:
    # below 2.5e-6. 1e-5 leaves a factor 4; a wrong op (a bias left out, no ReLU)
    # moves probabilities by 1e-2 or more.
    np.testing.assert_allclose(probabilities, reference, rtol=0, atol=1e-5)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=0, atol=1e-5)
    assert (probabilities.argmax(axis=1) == float32_numpy.argmax(axis=1)).all()


def test_mlp_inference_loop_reuses_its_tensors():
    rng = np.random.default_rng(7)
    w1, b1, w2, b2 = random_network(rng)
    mlp = Mlp(w1, b1, w2, b2, engine=adead.Engine(kernel_threads=1))
    live = None
    for step in range(5):
        x = rng.random((2, 784), dtype=np.float32)
        np.testing.assert_allclose(mlp(x), numpy_forward(x, w1, b1, w2, b2), rtol=0, atol=1e-5)
        if live is None:
            live = mlp.instance.tensor_handles
        assert mlp.instance.tensor_handles == live  # write_tensor: no new handles


def test_mlp_detects_a_wrong_network():
    # The comparison can fail: the VM's network without its first bias is not numpy's.
    rng = np.random.default_rng(3)
    w1, b1, w2, b2 = random_network(rng)
    x = rng.random((1, 784), dtype=np.float32)
    wrong = Mlp(w1, np.zeros_like(b1), w2, b2, engine=adead.Engine(kernel_threads=1))(x)
    assert np.abs(wrong - numpy_forward(x, w1, b1, w2, b2)).max() > 1e-3


def test_peers_network_checksums():
    # The peers' LCG network and its checksums, defined in benches/peers/tensor
    # independently of the VM (numpy and onnxruntime print the same).
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "benches", "peers", "tensor"))
    from mlp_params import CHECKSUMS, checksum, parameters

    w1, b1, w2, b2, inputs = parameters()
    mlp = Mlp(w1, b1, w2, b2, engine=adead.Engine(kernel_threads=1))
    assert checksum(mlp(inputs[:1])) == CHECKSUMS[1]
    assert checksum(mlp(inputs[:64])) == CHECKSUMS[64]
