"""One definition, run by every loop: a function written in plain Python over floats is run as
it is by CPython, on whole arrays by numpy where its vocabulary (sqrt, where, …) is bound to
numpy's, and compiled by numba where its helpers are passed through `njit`.

numba and numpy look a function's globals up when they run it, so the other loops run copies of
the one function whose globals differ: no second text of the rule, the pass or the formula."""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

Function = Callable[..., Any]


def bound(
    function: Function,
    names: dict[str, Any],
    wrap: Callable[[Function], Function] = lambda function: function,
    defaults: dict[str, Any] | None = None,
) -> Function:
    """A copy of `function` whose globals are its module's with `names` over them, and
    `defaults` under them (for names its module lacks). Every function it can reach that is
    defined in its module, or in a module `defaults` draws on, is copied the same way and passed
    through `wrap`, but for `names`, which stay as given."""
    defaults = defaults or {}
    namespace = {**defaults, **function.__globals__, **names}
    modules = {function.__module__}
    modules.update(value.__module__ for value in defaults.values() if _is_function(value))
    for name, value in list(namespace.items()):
        if name not in names and _is_function(value) and value.__module__ in modules:
            namespace[name] = wrap(_copy(value, namespace))
    assert isinstance(function, types.FunctionType), "a plain function, with globals to rebind"
    return wrap(_copy(function, namespace))


def _is_function(value: object) -> bool:
    return isinstance(value, types.FunctionType)


def _copy(function: types.FunctionType, namespace: dict[str, Any]) -> types.FunctionType:
    twin = types.FunctionType(
        function.__code__, namespace, function.__name__, function.__defaults__
    )
    twin.__qualname__ = function.__qualname__
    return twin
