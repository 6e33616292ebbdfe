"""Calls: arguments by Python type, results by `result=`, wrong usage."""

import struct

import numpy as np
import pytest

import adead
from conftest import load

PROGRAM = """
.func identity params=1 regs=1
    ret r0
.end
.func add params=2 regs=3
    add r2, r0, r1
    ret r2
.end
.func fadd params=2 regs=3
    fadd r2, r0, r1
    ret r2
.end
.func fadd32 params=2 regs=3
    fadd.f32 r2, r0, r1
    ret r2
.end
.func stop params=1 regs=1
    halt r0
.end
.func stop_plain params=0 regs=1
    halt
.end
.export identity
.export add
.export fadd
.export fadd32
.export stop
.export stop_plain
"""


@pytest.fixture
def instance(tier):
    return load(PROGRAM, tier=tier).instantiate()


def bits(fmt, value):
    """The 64-bit register pattern of `value` packed as `fmt`, as a signed int."""
    raw = struct.pack("<" + fmt, value).ljust(8, b"\0")
    return struct.unpack("<q", raw)[0]


def test_ints_pass_their_64_bits(instance):
    for value in (0, 1, -1, 2**63 - 1, -(2**63), 123456789012345):
        assert instance.call("identity", value) == value
    # The upper unsigned half arrives as its two's complement bits.
    assert instance.call("identity", 2**64 - 1) == -1
    assert instance.call("identity", 2**64 - 1, result="u64") == 2**64 - 1
    assert instance.call("add", 2**62, 2**62) == -(2**63)  # wraps, as `add` does
    assert instance.call("add", True, np.int16(-5)) == -4


def test_out_of_range_and_wrong_types_raise(instance):
    with pytest.raises(OverflowError):
        instance.call("identity", 2**64)
    with pytest.raises(OverflowError):
        instance.call("identity", -(2**63) - 1)
    with pytest.raises(TypeError, match="argument 1"):
        instance.call("identity", "1")
    with pytest.raises(TypeError, match="argument 2"):
        instance.call("add", 1, None)


def test_floats_pass_their_binary64_bits(instance):
    assert instance.call("identity", 1.5) == bits("d", 1.5)
    assert instance.call("identity", -0.0) == bits("d", -0.0)
    assert instance.call("identity", 1.5, result="f64") == 1.5
    assert instance.call("fadd", 0.1, 0.2, result="f64") == 0.1 + 0.2
    assert instance.call("identity", np.float64(2.25), result="f64") == 2.25


def test_float32_passes_its_binary32_bits(instance):
    value = np.float32(1.1)
    assert instance.call("identity", value) == bits("f", value)
    assert instance.call("identity", value, result="f32") == float(value)
    expected = np.float32(1.1) + np.float32(2.3)  # binary32 addition, by numpy
    assert instance.call("fadd32", np.float32(1.1), np.float32(2.3), result="f32") == float(expected)


def test_halt_code_and_result_none(instance):
    assert instance.call("stop", 7) == 7
    assert instance.call("stop_plain") == 0
    assert instance.call("stop", 7, result=None) is None
    assert instance.call("add", 1, 2, result=None) is None


def test_wrong_usage(instance):
    with pytest.raises(adead.CallError, match="no exported function `nope`"):
        instance.call("nope")
    with pytest.raises(TypeError, match="takes 2 argument"):
        instance.call("add", 1)
    with pytest.raises(TypeError):
        instance.call("add", 1, 2, 3)
    with pytest.raises(ValueError, match="result="):
        instance.call("add", 1, 2, result="i32")
    # The instance is still usable after each.
    assert instance.call("add", 1, 2) == 3


def test_instances_are_independent_and_modules_reusable():
    module = load("""
    .memory 16
    .func bump params=0 regs=3
        movi r0, 0
        ld64 r1, r0, 0
        addi r1, r1, 1
        st64 r0, 0, r1
        ret r1
    .end
    .export bump
    """)
    first, second = module.instantiate(), module.instantiate()
    assert [first.call("bump") for _ in range(3)] == [1, 2, 3]
    assert second.call("bump") == 1
    assert first.module is not None and second.module.exports == {"bump": 0}
