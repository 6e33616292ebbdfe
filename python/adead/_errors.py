"""The exceptions of the adead package. The native module raises these classes."""

from __future__ import annotations

from typing import Optional


class Error(Exception):
    """Base class of every error the adead package raises for a failure of the VM."""


class LoadError(Error):
    """A module could not be loaded: malformed `.bib` bytes, a module that fails
    verification, assembly source with errors, or tensor kernels this CPU cannot run.

    Attributes:
        kind: ``"format"``, ``"verify"``, ``"assemble"``, ``"kernels"`` or
            ``"unsupported"``.
        message: the VM's description (for ``"assemble"``, every diagnostic with its
            file, line, column and caret).
    """

    def __init__(self, message: str, kind: str = "format") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


class InstantiateError(Error):
    """A module could not be instantiated: a missing import, a host callable whose
    arity does not match the import, or initial memory over ``max_memory``.

    Attributes:
        message: what went wrong, naming the import where there is one.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CallError(Error):
    """A call could not start: no export of that name. (A wrong number of arguments
    raises :class:`TypeError`, an argument of the wrong type :class:`TypeError`.)"""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TensorError(Error, ValueError):
    """A tensor operation of the host failed: a stale or unknown handle
    (``kind == "bad_tensor"``), a shape the VM cannot hold (``"tensor_shape"``: rank
    not 1 to 4, or a shape that differs from the tensor's in ``write_tensor``), or the
    engine's tensor limits (``"tensor_limit"``). Raised inside a host function and not
    caught there, it becomes a trap of the same kind.

    Attributes:
        kind: the trap id of the failure (as in ISA.md).
        message: the VM's description.
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class Trap(Error):
    """A run stopped by a trap. Every tier reports the same trap at the same
    instruction; the instance stays usable (memory keeps what was written before).

    Attributes:
        kind: the trap id of ISA.md: ``"divide_by_zero"``, ``"integer_overflow"``,
            ``"out_of_bounds"``, ``"out_of_fuel"``, ``"call_depth"``,
            ``"out_of_memory"``, ``"bad_free"``, ``"user"``, ``"host"``,
            ``"tensor_shape"``, ``"bad_tensor"``, ``"tensor_limit"``,
            ``"interrupted"``.
        code: the code of a ``trap`` instruction (``kind == "user"``), else None.
        function: name of the function that was running.
        func_index: its index in the module.
        pc: index of the trapping instruction within that function.
        message: the whole description, as the VM prints it.
        detail: the extra detail alone (a host function's error text), or None.
        file, line: the source location, when the module has debug information.
        fuel_used: fuel the call used, when counted (``fuel`` or
            ``count_instructions`` set on the engine), else None.

    A trap raised because a host callable raised has that exception as
    ``__cause__``.
    """

    def __init__(
        self,
        kind: str,
        function: str,
        pc: int,
        message: str,
        fuel_used: Optional[int] = None,
        *,
        code: Optional[int] = None,
        func_index: Optional[int] = None,
        detail: Optional[str] = None,
        file: Optional[str] = None,
        line: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.function = function
        self.pc = pc
        self.message = message
        self.fuel_used = fuel_used
        self.code = code
        self.func_index = func_index
        self.detail = detail
        self.file = file
        self.line = line

    def __repr__(self) -> str:
        return "Trap(kind=%r, function=%r, pc=%r, message=%r, fuel_used=%r)" % (
            self.kind, self.function, self.pc, self.message, self.fuel_used)
