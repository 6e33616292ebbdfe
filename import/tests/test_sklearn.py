"""A scikit-learn MLPClassifier trained here on the digits that scikit-learn ships,
exported with skl2onnx (zipmap off) and imported with `--output probabilities`: the
predicted class of every test image and the probabilities (within 1e-5) are
onnxruntime's, and the module gives the same bits on every kernel path, thread count
and tier. The graph's label path (ArgMax, ArrayFeatureExtractor, an int64 Cast) is
refused with a hint to select the probabilities."""
import subprocess
import warnings

import numpy as np
import onnxruntime as ort
import pytest
from conftest import VM, adead_import, kernel_paths, run_infer
from skl2onnx import to_onnx
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    X_train, X_test, y_train, _ = train_test_split(X, y, test_size=0.25, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier(hidden_layer_sizes=(64,), max_iter=300, random_state=0)
        clf.fit(X_train, y_train)
    onx = to_onnx(clf, X_train[:1], options={id(clf): {"zipmap": False}})
    folder = tmp_path_factory.mktemp("digits")
    model = folder / "digits.onnx"
    model.write_bytes(onx.SerializeToString())
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    labels, probabilities = session.run(["label", "probabilities"], {"X": X_test})
    return {"model": model, "X": X_test, "ort_probabilities": probabilities,
            "ort_labels": labels, "folder": folder}


@pytest.fixture(scope="module")
def bib(digits):
    out = digits["folder"] / "digits.bib"
    proc = adead_import(digits["model"], out, outputs=["probabilities"])
    assert proc.returncode == 0, proc.stderr
    return out


def test_probabilities_and_classes_match_onnxruntime(digits, bib, workdir):
    p, _ = run_infer(bib, [digits["X"]], workdir)
    assert p.shape == digits["ort_probabilities"].shape == (450, 10)
    assert np.abs(p - digits["ort_probabilities"]).max() <= 1e-5
    assert (p.argmax(axis=1) == digits["ort_probabilities"].argmax(axis=1)).all()
    assert (p.argmax(axis=1) == digits["ort_labels"]).all()


def test_batch_one_gives_the_rows_of_the_batch(digits, bib, workdir):
    whole, _ = run_infer(bib, [digits["X"]], workdir)
    for i in (0, 1, 200, 449):
        row, _ = run_infer(bib, [digits["X"][i : i + 1]], workdir)
        assert row.shape == (1, 10)
        assert np.abs(row[0] - digits["ort_probabilities"][i]).max() <= 1e-5
        # Each output is its own fma chain over k: the batch does not change the bits.
        assert row[0].tobytes() == whole[i].tobytes()


def test_bit_identical_on_every_kernel_path_thread_count_and_tier(digits, bib, workdir):
    _, reference = run_infer(bib, [digits["X"]], workdir, ["--kernels", "scalar", "--threads", "1",
                                                           "--tier", "interp"])
    ran = []
    for isa in kernel_paths():
        probe = subprocess.run([VM, "run", str(bib), "--invoke", "output", "0", "--kernels", isa],
                               capture_output=True, text=True)
        if probe.returncode == 64:  # this CPU lacks the path
            continue
        for threads in ("1", "2"):
            for tier in ("interp", "baseline", "opt", "auto"):
                flags = ["--kernels", isa, "--threads", threads, "--tier", tier]
                _, got = run_infer(bib, [digits["X"]], workdir, flags)
                assert got == reference, flags
                ran.append(isa)
    assert "scalar" in ran and len(set(ran)) >= 1
    print(f"kernel paths checked: {sorted(set(ran))}")


def test_the_label_path_is_refused_with_the_output_hint(digits, workdir):
    proc = adead_import(digits["model"], workdir / "all.bib")
    assert proc.returncode == 65, proc.stderr
    message = proc.stderr.strip()
    assert message.count("\n") == 0, message
    assert "node `ArgMax` (ArgMax): operator not supported" in message, message
    assert "--output probabilities" in message, message
    proc = adead_import(digits["model"], workdir / "label.bib", outputs=["label"])
    assert proc.returncode == 65 and "--output probabilities" in proc.stderr, proc.stderr
