"""`lbfgs.iterate` compiled by numba around a loop's own `evaluate`. Imported only with the
compiled loops.

numba looks a function's globals up when it compiles it, so lbfgs.py's functions are compiled
here as copies whose globals are lbfgs.py's but for `evaluate`, the loop's: each copy calls
the others' compiled copies and the loop's evaluation directly. (Handing `evaluate` over as an
argument instead would make every loop that calls it uncacheable.) The copies are not cached
themselves: the loop that calls them is, with them compiled into it.
"""

import types
from collections.abc import Callable
from typing import Any

from numba import njit

from tui_gradients.core.optimisation import lbfgs


def compiled(evaluate: Callable[..., float]) -> Callable[..., int]:
    """`lbfgs.iterate` for numba, evaluating f and ∇f with `evaluate(data, x, g, hess)`."""
    namespace: dict[str, Any] = {
        name: value for name, value in vars(lbfgs).items() if not name.startswith("__")
    }
    namespace["evaluate"] = evaluate
    for name in lbfgs.COMPILED:
        original = getattr(lbfgs, name)
        twin = types.FunctionType(original.__code__, namespace, name, original.__defaults__)
        twin.__qualname__ = original.__qualname__
        namespace[name] = njit(error_model="numpy")(twin)
    iterate: Callable[..., int] = namespace["iterate"]
    return iterate
