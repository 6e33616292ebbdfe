"""The ADead-BIB virtual machine, embedded in Python.

A deterministic bytecode VM: load a module (a ``.bib`` image or assembly text),
instantiate it with host functions written in Python, call its exported functions
with ints and floats, pass numpy arrays in and out as tensors, and get traps as
exceptions that say what and where::

    import adead, numpy as np

    engine = adead.Engine(fuel=1_000_000)
    module = engine.load_asm('''
        .func add_and_scale params=2 regs=4
            add r2, r0, r1
            hcall r3, scale, r2, 1
            ret r3
        .end
        .export add_and_scale
    ''')
    instance = module.instantiate({"scale": lambda x: x * 10})
    assert instance.call("add_and_scale", 2, 3) == 50

Classes: :class:`Engine` (configuration and limits), :class:`Module` (loaded code),
:class:`Instance` (memory, tensors, calls), :class:`Caller` (a host function's view of
the instance), :class:`Memory` (linear memory as bytes). Errors: :class:`LoadError`,
:class:`InstantiateError`, :class:`CallError`, :class:`TensorError`, :class:`Trap`,
all subclasses of :class:`Error`. Host function types: :func:`host`.
"""

from ._errors import CallError, Error, InstantiateError, LoadError, TensorError, Trap
from ._host import HostFunction, host
from ._adead import Caller, Engine, Instance, Memory, Module, assemble, default_config

__all__ = [
    "Caller",
    "CallError",
    "Engine",
    "Error",
    "HostFunction",
    "InstantiateError",
    "Instance",
    "LoadError",
    "Memory",
    "Module",
    "TensorError",
    "Trap",
    "assemble",
    "default_config",
    "host",
]
