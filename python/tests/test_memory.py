"""Linear memory from Python: adead.Memory between calls."""

import pytest

import adead
from conftest import load

PROGRAM = """
.memory 64
.data message
    .ascii "abc"
.func get params=1 regs=2
    ld8u r1, r0, 0
    ret r1
.end
.func put params=2 regs=2
    st8 r0, 0, r1
    ret r0
.end
.func where params=0 regs=1
    movi r0, @message
    ret r0
.end
.export get
.export put
.export where
"""


def test_memory_reads_and_writes():
    instance = load(PROGRAM).instantiate()
    memory = instance.memory
    assert len(memory) == 64
    at = instance.call("where")
    assert memory[at:at + 3] == b"abc" and memory.read(at, 3) == b"abc"
    assert memory[at + 1] == ord("b") and memory[-1] == 0
    memory[10:13] = b"xyz"
    memory.write(20, bytearray(b"\x01\x02"))
    memory[30] = 255
    assert instance.call("get", 11) == ord("y")
    assert instance.call("get", 21) == 2
    assert instance.call("get", 30) == 255
    instance.call("put", 40, 7)
    assert memory[40] == 7
    assert bytes(memory)[10:13] == b"xyz"


def test_out_of_range_memory_access_raises():
    memory = load(PROGRAM).instantiate().memory
    with pytest.raises(IndexError):
        memory.read(60, 8)
    with pytest.raises(IndexError):
        memory.write(2**64 - 1, b"ab")
    with pytest.raises(IndexError):
        memory[64]
    with pytest.raises(ValueError):
        memory[0:3] = b"ab"
    with pytest.raises(OverflowError):
        memory[0] = 256
    with pytest.raises(ValueError):
        memory[0:10:2]
    with pytest.raises(TypeError):
        memory["a"]
    assert memory[70:80] == b""  # slices clamp, as for bytes
