"""Engine configuration, loading from text, bytes and files, and load errors."""

import os

import pytest

import adead
from conftest import load

ANSWER = """
.func answer params=0 regs=1
    movi r0, 42
    ret r0
.end
.export answer
"""


def test_keywords_set_the_config_and_the_rest_keep_the_vm_defaults():
    engine = adead.Engine(fuel=1000, max_memory=1 << 20, tier="interp", kernel_threads=1)
    config = engine.config
    assert config["fuel"] == 1000
    assert config["max_memory"] == 1 << 20
    assert config["tier"] == "interp"
    assert config["kernel_threads"] == 1
    defaults = adead.default_config()
    for field in ("max_call_depth", "max_tensor_bytes", "jit_threshold", "interruptible"):
        assert config[field] == defaults[field]
    # The fields are the Config's, one keyword each.
    assert set(config) == set(defaults)
    assert adead.Engine(**defaults).config == defaults


def test_default_config_matches_the_documented_defaults():
    # Config's documentation: 100,000 calls deep, 1 GiB of memory and of tensors,
    # 2^20 tensors, no fuel, the auto tier.
    defaults = adead.default_config()
    assert defaults["fuel"] is None
    assert defaults["tier"] == "auto"
    assert defaults["max_call_depth"] == 100_000
    assert defaults["max_memory"] == 2**30
    assert defaults["max_tensor_bytes"] == 2**30
    assert defaults["max_tensors"] == 2**20


def test_bad_configuration_raises_typed_errors():
    with pytest.raises(TypeError):
        adead.Engine(no_such_field=1)
    with pytest.raises(TypeError):
        adead.Engine(1000)  # keywords only
    with pytest.raises(ValueError, match="unknown tier"):
        adead.Engine(tier="jit")
    with pytest.raises(ValueError):
        adead.Engine(kernel_isa="sse9")
    with pytest.raises(OverflowError):
        adead.Engine(fuel=-1)
    with pytest.raises(TypeError):
        adead.Engine(max_memory="big")


def test_load_asm_and_exports():
    module = load(ANSWER)
    assert module.exports == {"answer": 0}
    assert module.imports == {}
    assert module.functions == [("answer", 0)]
    assert module.instantiate().call("answer") == 42


def test_assembly_errors_are_load_errors_with_diagnostics():
    with pytest.raises(adead.LoadError) as caught:
        adead.Engine().load_asm(".func f regs=1\n    bogus r0\n.end\n", name="bad.asm")
    assert caught.value.kind == "assemble"
    assert "bad.asm:2" in caught.value.message
    assert isinstance(caught.value, adead.Error)


def test_verification_errors_are_load_errors():
    # r5 is outside a 1-register frame: assembles, fails verification.
    with pytest.raises(adead.LoadError):
        adead.Engine().load_asm(".func f regs=1\n    movi r5, 1\n    ret r5\n.end\n")


def test_bib_bytes_round_trip_and_corruption(tmp_path):
    image = adead.assemble(ANSWER, "answer.asm")
    assert image[:8] == b"ADEADBIB"
    engine = adead.Engine()
    assert engine.load(image).instantiate().call("answer") == 42
    assert engine.load(bytearray(image)).instantiate().call("answer") == 42
    for broken in (b"", b"ADEADBIB", image[:-3], b"XXXXXXXX" + image[8:]):
        with pytest.raises(adead.LoadError) as caught:
            engine.load(broken)
        assert caught.value.kind == "format"


def test_load_from_paths(tmp_path):
    engine = adead.Engine()
    bib = tmp_path / "answer.bib"
    bib.write_bytes(adead.assemble(ANSWER))
    asm = tmp_path / "answer.asm"
    asm.write_text(ANSWER)
    for path in (bib, str(bib), asm, os.fspath(asm)):
        assert engine.load(path).instantiate().call("answer") == 42
    with pytest.raises(FileNotFoundError):
        engine.load(tmp_path / "missing.bib")
    binary = tmp_path / "junk"
    binary.write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(adead.LoadError):
        engine.load(binary)
    with pytest.raises(TypeError):
        engine.load(42)


def test_assembly_from_a_path_names_the_file_in_traps(tmp_path):
    path = tmp_path / "div.asm"
    path.write_text(".func f params=1 regs=2\n    movi r1, 0\n    div r1, r0, r1\n    ret r1\n.end\n.export f\n")
    with pytest.raises(adead.Trap) as caught:
        adead.Engine().load(path).instantiate().call("f", 1)
    assert caught.value.file == str(path)
    assert caught.value.line == 3


def test_help_reads_well():
    for cls in (adead.Engine, adead.Module, adead.Instance, adead.Caller, adead.Memory):
        assert cls.__doc__ and len(cls.__doc__) > 80, cls
        assert cls.__module__ == "adead"
    for name in ("call", "new_tensor", "tensor", "write_tensor", "free_tensor", "profile"):
        doc = getattr(adead.Instance, name).__doc__
        assert doc and len(doc) > 40, name
    assert "result='i64'" in adead.Instance.call.__text_signature__
