"""Helpers for the importer's tests: the two binaries (paths from run-tests.sh) and a
function that imports a model and runs `infer` on numpy inputs through `adead-vm run`."""
import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

IMPORT = os.environ.get("ADEAD_IMPORT", "adead-import")
VM = os.environ.get("ADEAD_VM", "adead-vm")


def adead_import(model, out, outputs=()):
    """Runs adead-import; returns the CompletedProcess (text)."""
    args = [IMPORT, str(model), "-o", str(out)]
    for name in outputs:
        args += ["--output", name]
    return subprocess.run(args, capture_output=True, text=True)


def run_infer(bib, inputs, workdir, flags=()):
    """`adead-vm run BIB --invoke infer IN0.npy ... --save-result OUT.npy FLAGS`;
    returns (the result array, its raw bytes)."""
    workdir = Path(workdir)
    paths = []
    for k, array in enumerate(inputs):
        path = workdir / f"in{k}.npy"
        np.save(path, np.ascontiguousarray(array, dtype=np.float32))
        paths.append(str(path))
    out = workdir / "out.npy"
    if out.exists():
        out.unlink()
    proc = subprocess.run(
        [VM, "run", str(bib), "--invoke", "infer", *paths, "--save-result", str(out), *flags],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, f"adead-vm {' '.join(flags)}: {proc.returncode} {proc.stderr}"
    return np.load(out), out.read_bytes()


def kernel_paths():
    """The kernel paths this CPU has, as `adead-vm run --kernels` names them (a path
    the CPU lacks is refused with exit 64)."""
    help_text = subprocess.run([VM, "run", "--help"], capture_output=True, text=True).stdout
    names = re.search(r"--kernels <ISA>.*?\[possible values: ([^\]]+)\]", help_text, re.S)
    assert names, help_text
    return [n.strip() for n in names.group(1).split(",")]


@pytest.fixture
def workdir(tmp_path):
    return tmp_path
