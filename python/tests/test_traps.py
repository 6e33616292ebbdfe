"""Traps as adead.Trap: kind, function, pc, fuel; the instance survives them."""

import threading
import time

import pytest

import adead
from conftest import load

PROGRAM = """
.memory 64
.func divide params=2 regs=3
    movi r2, 0
    div r2, r0, r1
    ret r2
.end
.func fail params=1 regs=2
    movi r1, 0
    st64 r1, 0, r0
    trap 7
.end
.func countdown params=1 regs=1
loop:
    addi r0, r0, -1
    jnz r0, loop
    ret r0
.end
.func load_far params=0 regs=2
    movi r0, 1000000
    ld64 r1, r0, 0
    ret r1
.end
.func spin params=0 regs=1
spin:
    jmp spin
.end
.func read params=0 regs=2
    movi r0, 0
    ld64 r1, r0, 0
    ret r1
.end
.export divide
.export fail
.export countdown
.export load_far
.export spin
.export read
"""


def test_divide_by_zero(tier):
    instance = load(PROGRAM, tier=tier).instantiate()
    with pytest.raises(adead.Trap) as caught:
        instance.call("divide", 1, 0)
    trap = caught.value
    assert (trap.kind, trap.function, trap.pc) == ("divide_by_zero", "divide", 1)
    assert trap.func_index == 0
    assert (trap.file, trap.line) == ("test.asm", 5)  # the `div` line of PROGRAM
    assert "divide_by_zero" not in trap.message  # the VM's words, not the id
    assert "division by zero" in trap.message and str(trap) == trap.message
    assert trap.fuel_used is None  # not counted without fuel or count_instructions
    assert instance.call("divide", 9, 2) == 4  # the instance goes on


def test_user_trap_keeps_earlier_effects(tier):
    instance = load(PROGRAM, tier=tier).instantiate()
    with pytest.raises(adead.Trap) as caught:
        instance.call("fail", 99)
    assert (caught.value.kind, caught.value.code, caught.value.pc) == ("user", 7, 2)
    # The store before the trap happened.
    assert instance.call("read") == 99


def test_out_of_bounds(tier):
    instance = load(PROGRAM, tier=tier).instantiate()
    with pytest.raises(adead.Trap) as caught:
        instance.call("load_far")
    assert (caught.value.kind, caught.value.function, caught.value.pc) == ("out_of_bounds", "load_far", 1)


def test_fuel_counts_instructions_and_runs_out(tier):
    # countdown(10): ten addi, ten jnz, one ret = 21 instructions (by hand).
    counted = load(PROGRAM, tier=tier, count_instructions=True).instantiate()
    assert counted.call("countdown", 10) == 0
    assert counted.fuel_used == 21
    assert counted.profile()["instructions"] == 21
    # With 15 units: 8 addi and 7 jnz run; the 8th jnz (pc 1) is not paid for.
    limited = load(PROGRAM, tier=tier, fuel=15).instantiate()
    with pytest.raises(adead.Trap) as caught:
        limited.call("countdown", 10)
    assert (caught.value.kind, caught.value.pc, caught.value.fuel_used) == ("out_of_fuel", 1, 15)
    assert limited.fuel_used == 15
    # Fuel is per call: a smaller run fits.
    assert limited.call("countdown", 3) == 0 and limited.fuel_used == 7


def test_call_depth():
    module = load("""
    .func down params=1 regs=2
        call r1, down, r0, 1
        ret r1
    .end
    .export down
    """, max_call_depth=50)
    with pytest.raises(adead.Trap) as caught:
        module.instantiate().call("down", 0)
    assert caught.value.kind == "call_depth"


def test_interrupt_from_another_thread():
    engine = adead.Engine(interruptible=True)
    instance = engine.load_asm(PROGRAM).instantiate()
    timer = threading.Timer(0.05, engine.interrupt)
    timer.start()
    started = time.monotonic()
    with pytest.raises(adead.Trap) as caught:
        instance.call("spin")  # releases the GIL, so the timer's thread runs
    timer.join()
    assert caught.value.kind == "interrupted"
    assert time.monotonic() - started < 30
    engine.clear_interrupt()
    assert instance.call("divide", 8, 2) == 4
    with pytest.raises(RuntimeError):
        adead.Engine().interrupt()


def test_trap_is_a_picklable_exception():
    import pickle
    trap = adead.Trap("user", "f", 3, "trap: ...", 10, code=4)
    assert isinstance(trap, adead.Error) and isinstance(trap, Exception)
    assert trap.kind == "user" and trap.code == 4 and trap.fuel_used == 10
    assert "kind='user'" in repr(trap)
    copy = pickle.loads(pickle.dumps(adead.LoadError("bad", "verify")))
    assert (copy.message, copy.kind) == ("bad", "verify")
