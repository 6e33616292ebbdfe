"""Host functions: Python callables, declared types, the Caller, failures."""

import math

import numpy as np
import pytest

import adead
from conftest import load

PROGRAM = """
.memory 256
.data greeting
    .ascii "hello"
.func twice params=1 regs=3
    hcall r1, double, r0, 1
    hcall r2, double, r1, 1
    ret r2
.end
.func hyp params=2 regs=4
    hcall r2, hypot, r0, 2
    ret r2
.end
.func nothing params=0 regs=2
    hcall r0, log, r0, 0
    ret r0
.end
.func checksum params=0 regs=4
    movi r0, @greeting
    movi r1, 5
    hcall r2, sum_bytes, r0, 2
    ret r2
.end
.func shout params=0 regs=4
    movi r0, @greeting
    movi r1, 5
    hcall r2, upper, r0, 2
    movi r0, @greeting
    ld8u r3, r0, 0
    ret r3
.end
.func where params=0 regs=1
    movi r0, @greeting
    ret r0
.end
.export where
.export twice
.export hyp
.export nothing
.export checksum
.export shout
"""

IMPORTS = {
    "double": lambda x: 2 * x,
    "hypot": adead.host(params=("f64", "f64"), result="f64")(math.hypot),
    "log": lambda: None,
    "sum_bytes": adead.host(caller=True)(lambda caller, addr, n: sum(caller.memory.read(addr, n))),
    "upper": adead.host(caller=True, result=None)(
        lambda caller, addr, n: caller.memory.write(addr, caller.memory.read(addr, n).upper())),
}


@pytest.fixture
def instance(tier):
    return load(PROGRAM, tier=tier).instantiate(IMPORTS)


def test_ints_in_and_out(instance):
    assert instance.call("twice", 5) == 20
    assert instance.call("twice", -(2**61)) == -(2**63)


def test_declared_float_parameters_and_result(instance):
    assert instance.call("hyp", 3.0, 4.0, result="f64") == 5.0


def test_none_result_writes_zero(instance):
    assert instance.call("nothing") == 0


def test_caller_reads_and_writes_memory(instance):
    assert instance.call("checksum") == sum(b"hello")
    assert instance.call("shout") == ord("H")
    assert instance.memory.read(instance.call("where"), 5) == b"HELLO"


def test_auto_result_types():
    module = load("""
    .func f params=0 regs=1
        hcall r0, value, r0, 0
        ret r0
    .end
    .export f
    """)
    for returned, result, expected in (
        (7, "i64", 7),
        (2**64 - 1, "i64", -1),
        (2.5, "f64", 2.5),
        (np.float32(0.1), "f32", float(np.float32(0.1))),
        (None, "i64", 0),
        (True, "i64", 1),
    ):
        instance = module.instantiate({"value": lambda returned=returned: returned})
        assert instance.call("f", result=result) == expected
    instance = module.instantiate({"value": lambda: "text"})
    with pytest.raises(adead.Trap) as caught:
        instance.call("f")
    assert caught.value.kind == "host" and "str" in caught.value.message
    assert isinstance(caught.value.__cause__, TypeError)
    instance = module.instantiate({"value": lambda: 2**64})
    with pytest.raises(adead.Trap) as caught:
        instance.call("f")
    assert isinstance(caught.value.__cause__, OverflowError)


def test_exception_becomes_a_host_trap_with_cause():
    def broken(x):
        raise ValueError("bad input %d" % x)

    instance = load(PROGRAM).instantiate(dict(IMPORTS, double=broken))
    with pytest.raises(adead.Trap) as caught:
        instance.call("twice", 3)
    trap = caught.value
    assert (trap.kind, trap.function, trap.pc) == ("host", "twice", 0)
    assert "ValueError: bad input 3" in trap.message
    assert trap.detail == "ValueError: bad input 3"
    assert isinstance(trap.__cause__, ValueError)
    assert trap.__cause__.args == ("bad input 3",)


def test_keyboard_interrupt_passes_through():
    def interrupted(x):
        raise KeyboardInterrupt

    instance = load(PROGRAM).instantiate(dict(IMPORTS, double=interrupted))
    with pytest.raises(KeyboardInterrupt):
        instance.call("twice", 1)
    # The next call is not haunted by the old exception.
    instance_ok = load(PROGRAM).instantiate(IMPORTS)
    assert instance_ok.call("twice", 1) == 4


def test_missing_and_mistyped_imports():
    module = load(PROGRAM)
    with pytest.raises(adead.InstantiateError, match="hypot"):
        module.instantiate({k: v for k, v in IMPORTS.items() if k != "hypot"})
    with pytest.raises(adead.InstantiateError, match="mistyped import `double`"):
        module.instantiate(dict(IMPORTS, double=lambda x, y: x))
    with pytest.raises(adead.InstantiateError, match="declares 1 parameter"):
        module.instantiate(dict(IMPORTS, hypot=adead.host(params=("f64",))(abs)))
    with pytest.raises(adead.InstantiateError, match="not callable"):
        module.instantiate(dict(IMPORTS, double=3))
    with pytest.raises(ValueError):
        adead.host(params=("i32",))
    with pytest.raises(ValueError):
        adead.host(result="int")
    # A callable taking *args fits any arity; extra entries are ignored.
    instance = module.instantiate(dict(IMPORTS, double=lambda *a: 2 * a[0], extra=print))
    assert instance.call("twice", 1) == 4


def test_the_caller_expires_with_its_call():
    kept = []

    @adead.host(caller=True)
    def keep(caller, x):
        kept.append(caller)
        return x

    instance = load(PROGRAM).instantiate(dict(IMPORTS, double=keep))
    assert instance.call("twice", 5) == 5
    with pytest.raises(RuntimeError, match="after its host call returned"):
        kept[0].memory.read(0, 1)
    with pytest.raises(RuntimeError):
        kept[0].new_tensor(np.zeros(2, np.float32))


def test_reentrant_call_is_refused():
    holder = {}

    def reenter(x):
        return holder["instance"].call("twice", x)

    instance = load(PROGRAM).instantiate(dict(IMPORTS, double=reenter))
    holder["instance"] = instance
    with pytest.raises(adead.Trap) as caught:
        instance.call("twice", 1)
    assert caught.value.kind == "host"
    assert isinstance(caught.value.__cause__, RuntimeError)
    with pytest.raises(RuntimeError, match="running a call"):
        holder["memory_during"] = None
        instance2 = load(PROGRAM).instantiate(
            dict(IMPORTS, double=lambda x: len(holder["self"].memory)))
        holder["self"] = instance2
        try:
            instance2.call("twice", 1)
        except adead.Trap as trap:
            raise trap.__cause__


def test_decorated_function_stays_callable():
    assert IMPORTS["hypot"](3.0, 4.0) == 5.0
    assert "hypot" in repr(IMPORTS["hypot"])
