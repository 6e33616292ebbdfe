"""Host functions: how a Python callable declares the types of its arguments and
result, and how the native module learns them."""

from __future__ import annotations

import inspect
from typing import Any, Callable, Optional, Sequence, Tuple

VALUE_TYPES = ("i64", "f64", "f32")
RESULT_TYPES = ("i64", "f64", "f32", "auto", None)


class HostFunction:
    """A Python callable with declared VM types, made by :func:`host`.

    Calling it calls the wrapped function, so a decorated function stays usable from
    Python.
    """

    def __init__(self, func: Callable[..., Any], params: Optional[Sequence[str]],
                 result: Optional[str], caller: bool) -> None:
        if not callable(func):
            raise TypeError("adead.host: %r is not callable" % (func,))
        params = _check(params, result)
        self.func = func
        self.params = params
        self.result = result
        self.caller = bool(caller)
        self.__wrapped__ = func
        self.__doc__ = getattr(func, "__doc__", None)
        self.__name__ = getattr(func, "__name__", "host function")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.func(*args, **kwargs)

    def __repr__(self) -> str:
        return "adead.host(params=%r, result=%r, caller=%r)(%r)" % (
            self.params, self.result, self.caller, self.func)


def _check(params: Optional[Sequence[str]], result: Optional[str]) -> Optional[Tuple[str, ...]]:
    """The declared parameter types as a tuple, after checking them and `result`."""
    if params is not None:
        if isinstance(params, str):
            raise TypeError("adead.host: params is a sequence of type names, such as ('f64',)")
        params = tuple(params)
        for ty in params:
            if ty not in VALUE_TYPES:
                raise ValueError("adead.host: parameter type %r is not one of %s"
                                 % (ty, ", ".join(VALUE_TYPES)))
    if result not in RESULT_TYPES:
        raise ValueError("adead.host: result type %r is not one of 'i64', 'f64', 'f32', "
                         "'auto' or None" % (result,))
    return params


def host(params: Optional[Sequence[str]] = None, result: Optional[str] = "auto",
         caller: bool = False) -> Callable[[Callable[..., Any]], HostFunction]:
    """Declares how the VM passes arguments to a host callable and reads its result.

    Registers are untyped 64-bit words, so without a declaration every argument
    arrives as a Python ``int`` (the register's bits as a signed i64)::

        @adead.host(params=("f64", "i64"), result="f64")
        def scale(x, n):
            return x * n

        @adead.host(caller=True)          # the callable gets an adead.Caller first
        def checksum(caller, addr, size):
            return sum(caller.memory.read(addr, size))

    Args:
        params: one of ``"i64"``, ``"f64"``, ``"f32"`` per argument the module passes
            (None: all ``"i64"``). An f64 parameter arrives as the float whose bits the
            register holds; f32 as the float of its low 32 bits.
        result: how the return value becomes the register's bits: ``"i64"`` (an int,
            signed or unsigned 64-bit), ``"f64"``, ``"f32"`` (a float, or an int
            converted to float), ``None`` (the return value is ignored; the register
            gets 0), or ``"auto"`` (the default: None gives 0, an int its 64 bits, a
            float its f64 bits, a ``numpy.float32`` its f32 bits).
        caller: pass an :class:`adead.Caller` as the first argument, for access to
            the instance's memory and tensors during the call.
    """
    _check(params, result)  # at the decoration, not at the first instantiation

    def wrap(func: Callable[..., Any]) -> HostFunction:
        return HostFunction(func, params, result, caller)
    return wrap


def prepare(name: str, value: Any, arity: int) -> Tuple[Callable[..., Any], Tuple[str, ...],
                                                        Optional[str], bool]:
    """(callable, parameter types, result type, wants a caller) for the import
    ``name`` taking ``arity`` arguments; raises InstantiateError on a mismatch."""
    from ._errors import InstantiateError

    if isinstance(value, HostFunction):
        spec = value
    elif callable(value):
        spec = HostFunction(value, None, "auto", False)
    else:
        raise InstantiateError("import `%s`: %r is not callable" % (name, value))
    params = spec.params if spec.params is not None else ("i64",) * arity
    if len(params) != arity:
        raise InstantiateError(
            "mistyped import `%s`: the module passes %d argument(s) but adead.host "
            "declares %d parameter type(s)" % (name, arity, len(params)))
    try:
        signature = inspect.signature(spec.func)
    except (TypeError, ValueError):
        signature = None  # a builtin without a signature: its own call checks
    if signature is not None:
        count = arity + (1 if spec.caller else 0)
        try:
            signature.bind(*([None] * count))
        except TypeError:
            what = "an adead.Caller and %d argument(s)" % arity if spec.caller \
                else "%d argument(s)" % arity
            raise InstantiateError(
                "mistyped import `%s`: the module passes %s but the callable's "
                "signature is %s%s" % (name, what, getattr(spec.func, "__name__", "f"),
                                       signature)) from None
    return spec.func, params, spec.result, spec.caller
