"""Long advances through fast loops, fenced off from the rest of the core: `advance` is the one
way in. numba's loops serve where the `fast` extra is installed and `warm_up` has loaded them;
before that, or without numba, a problem's straight-line loop in plain Python (`straight`).

The numpy loop in `run.py` pays a function call and small-array numpy operations per part of a
step. The straight-line loop writes the whole step out over Python floats, tens of times
cheaper, and needs nothing installed; numba's loops are tens of times cheaper again, but numba
is slow to import and to compile the first time, so nothing here runs at start-up and fast
loops serve only long advances (COMPILED_MIN_STEPS or more in one call).

Every loop runs the optimiser's one rule (`rules`). They may still differ in the last bit
(numpy and the C library may round sin, exp or pow differently, and a preset's hand-written
gradient is not the formula's symbolic one), so the tests hold them to 1e-9 relative over 10⁴
steps rather than to bit equality.

numba's interpreter (`_kernels`) runs any formula as a small stack program, so a formula typed
in the app goes fast without compiling anything of its own; `specialise` then compiles the
formula's own loop for each optimiser that steps it (`specialised.py`), in the background.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

from tui_gradients.core.fast import straight
from tui_gradients.core.fast.codes import (
    CHAIN,
    CONVERGED,
    DIVERGED,
    GOING,
    LIMIT,
)
from tui_gradients.core.fast.problems import Problem, chain_problem, plane_problem
from tui_gradients.core.objectives.expression import Expression
from tui_gradients.core.optimisation.optimizers import REGISTRY, Hyperparameters
from tui_gradients.core.optimisation.schedules import Schedule
from tui_gradients.core.optimisation.updates import Hyper

if TYPE_CHECKING:
    from tui_gradients.core.fast import specialised

__all__ = [
    "CONVERGED",
    "DIVERGED",
    "GOING",
    "LIMIT",
    "Problem",
    "advance",
    "chain_problem",
    "plane_problem",
]

COMPILED_MIN_STEPS = 256
"""Shorter advances stay in the numpy loop: setting up a fast loop and checking what it wrote
costs about as much as that many numpy steps."""
NUMBA_MIN_STEPS = 20_000
"""A jump from which loading numba (in a thread) is worth it: below it the straight-line loops
finish within a frame or two."""

_loaded: ModuleType | None = None
"""numba's `_kernels`, once `warm_up` has loaded them."""
_specialised: dict[tuple[Expression, str], specialised.Loop] = {}
"""Compiled loops of a formula's own, by formula and optimiser."""
_lock = threading.Lock()


def warm_up() -> bool:
    """Import numba and load (or, the first time on a machine, compile and cache) the kernel.
    Safe to call from a worker thread; returns whether compiled loops are available."""
    global _loaded
    with _lock:
        if _loaded is not None:
            return True
        try:
            from tui_gradients.core.fast import _kernels as kernels
        except ImportError:  # numba is not installed here: the other loops do everything
            return False
        for problem in (
            plane_problem(Expression.parse("w1**2 + w2**2")),
            chain_problem(1, "sigmoid", 1.0, 0.0),
        ):
            _exercise(kernels.loop("adam"), problem)
        _loaded = kernels
    return True


def installed() -> bool:
    """Whether numba is there to be loaded (the `fast` extra), without loading it."""
    return importlib.util.find_spec("numba") is not None


def ready() -> bool:
    """Whether numba's loops are loaded (`warm_up`)."""
    return _loaded is not None


def specialise(expression: Expression, optimizer: str) -> bool:
    """Give the formula `expression` stepped by `optimizer` a compiled loop of its own, several
    times faster than the interpreter (compiled once per machine, then cached). Until it is
    done, or if it cannot be, the interpreter runs the formula. Needs `warm_up` first; safe to
    call from a worker thread. Returns whether it has its own loop."""
    from tui_gradients.core.fast import specialised  # hashlib loads OpenSSL: not at start-up

    key = (expression, optimizer)
    with _lock:
        if key in _specialised:
            return True
        if _loaded is None or (loop := specialised.load(expression, optimizer, _loaded)) is None:
            return False
        second_order = REGISTRY[optimizer].second_order
        _exercise(loop, plane_problem(expression, second_order), optimizer)
        _specialised[key] = loop
    return True


def is_specialised(expression: Expression, optimizer: str) -> bool:
    return (expression, optimizer) in _specialised


def _exercise(loop: specialised.Loop, problem: Problem, optimizer: str = "adam") -> None:
    """One tiny call, so that compiling happens here and not mid-run."""
    size = 2 * int(problem.ints[0]) if problem.kind == CHAIN else 2
    hyper = Hyperparameters(optimizer=optimizer, lr=0.1)
    built = hyper.build(hessian=lambda _: np.eye(2), value_and_grad=lambda p: (0.0, p))
    rows = built.state_size
    history = (np.zeros((2, size)), np.zeros(2), np.zeros((2, size)), np.zeros((2, rows, size)))
    problem.call(loop, hyper.vector(), history, 0, 1, (1.0, 0.0, 1e150))


def advance(
    problem: Problem,
    optimizer: str,
    hyper: Hyper,
    history: straight.History,
    row: int,
    n: int,
    limits: straight.Limits,
    schedule: Schedule | None = None,
) -> straight.Outcome:
    """Up to n steps after history row `row`, written into `history` = (params, loss, grads,
    states) arrays, by the fastest loop there is: the formula's own numba loop once
    `specialise` has made it, else numba's interpreter once loaded, else the straight-line loop.
    Under a `schedule`, always the straight-line loop: it calls the schedule's own formulas,
    which numba cannot. `hyper` is `Hyperparameters.vector()`, `limits` (max_steps, tol,
    bound). Returns (steps taken, why it stopped, and when it DIVERGED the rejected step's
    params, loss and grads)."""
    if _loaded is None or schedule is not None:
        return straight.advance(
            problem.straight, optimizer, hyper, history, row, n, limits, schedule
        )
    own = None if problem.expression is None else _specialised.get((problem.expression, optimizer))
    loop: Callable[..., tuple[int, int]] = own or _loaded.loop(optimizer)
    return problem.call(loop, hyper, history, row, n, limits)
