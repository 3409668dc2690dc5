"""One definition, run by every loop: a function written in plain Python over floats is run as
it is by CPython, on whole arrays by numpy where its vocabulary (sqrt, where, …) is bound to
numpy's, and compiled by numba where its helpers are passed through `njit`.

numba and numpy look a function's globals up when they run it, so the other loops run copies of
the one function whose globals differ: no second text of the rule, the pass or the formula."""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable
from typing import Any


def bound(
    function: Callable,
    names: dict[str, Any],
    wrap: Callable[[Callable], Callable] = lambda function: function,
    also: Iterable[str] = (),
    keep: Iterable[str] = (),
) -> Callable:
    """A copy of `function` whose globals are its module's with `names` over them; every
    function defined in its module (or in a module named in `also`) that it can reach is copied
    the same way and passed through `wrap`, but for the names in `keep`, which stay as given."""
    namespace = {**names, **function.__globals__}
    kept = set(keep)
    namespace.update({name: names[name] for name in kept})
    modules = {function.__module__, *also}
    for name, value in list(namespace.items()):
        reachable = isinstance(value, types.FunctionType) and value.__module__ in modules
        if reachable and name not in kept:
            namespace[name] = wrap(_copy(value, namespace))
    return wrap(_copy(function, namespace))


def _copy(function: types.FunctionType, namespace: dict[str, Any]) -> types.FunctionType:
    twin = types.FunctionType(
        function.__code__, namespace, function.__name__, function.__defaults__
    )
    twin.__qualname__ = function.__qualname__
    return twin
