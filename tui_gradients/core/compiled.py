"""Long advances through compiled loops, when numba is installed and its kernels are loaded.

A step in Python costs 15–35 µs (numpy on 2-vectors, one call per function), so a million
steps take tens of seconds; the same loop compiled by numba takes tenths of a second. The
compiled loop (`_kernels.advance`) is used only for long advances (COMPILED_MIN_STEPS or more
in one call) and only once `warm_up` has loaded it: numba costs about 0.4 s to import and the
first compilation several seconds, so nothing here runs at start-up. Short advances (a key
press) and machines without numba use the Python loop in `run.py`.

Both loops apply the same formulas in the same order. They can still differ in the last bit
(numpy and the C library may round sin, exp or pow differently, and a preset's hand-written
gradient is not the formula's symbolic one), so the tests hold them to 1e-9 relative over 10⁴
steps rather than to bit equality.

Formulas are run as small stack programs by one compiled interpreter, so a formula typed in
the app needs no compilation of its own.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType

import numpy as np

from tui_gradients.core.expression import Apply, Expression, Node, Num, Var

COMPILED_MIN_STEPS = 2_000
"""Shorter advances stay in Python: the call and the check of its result cost more there."""

OPCODES = {
    "w1": 1,
    "w2": 2,
    "+": 3,
    "-": 4,
    "*": 5,
    "/": 6,
    "**": 7,
    "neg": 8,
    "sin": 9,
    "cos": 10,
    "tan": 11,
    "exp": 12,
    "log": 13,
    "sqrt": 14,
    "tanh": 15,
    "abs": 16,
    "sign": 17,
}
"""Must agree with the opcodes in `_kernels` (CONST is 0); a test checks that they do."""
GOING, CONVERGED, DIVERGED, LIMIT = range(4)
"""Why a compiled call ended (as in `_kernels`)."""
OPTIMIZER_KINDS = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
ACTIVATION_KINDS = ("sigmoid", "tanh", "relu", "linear")

_kernels: ModuleType | None = None
_lock = threading.Lock()


def warm_up() -> bool:
    """Import numba and load (or, the first time on a machine, compile and cache) the kernel.
    Safe to call from a worker thread; returns whether compiled loops are available."""
    global _kernels
    with _lock:
        if _kernels is not None:
            return True
        try:
            from tui_gradients.core import _kernels as kernels
        except ImportError:  # numba is not installed here: the Python loop does everything
            return False
        _exercise(kernels)
        _kernels = kernels
    return True


def ready() -> bool:
    return _kernels is not None


def _exercise(kernels: ModuleType) -> None:
    """One tiny call of each kind, so that compiling happens here and not mid-run."""
    plane = plane_problem("w1**2 + w2**2")
    chain = chain_problem(1, "sigmoid", 1.0, 0.0)
    for problem, size in ((plane, 2), (chain, 2)):
        history = [np.zeros((2, size)), np.zeros(2), np.zeros((2, size)), np.zeros((2, 3, size))]
        problem.call(kernels, "adam", np.ones(6), history, 0, 1, (1.0, 0.0, 1e150))


@dataclass(frozen=True)
class Problem:
    """What a compiled loop needs to evaluate f and ∇f: which kind, and its data."""

    kind: int
    """0: a formula in (w1, w2); 1: the chain."""
    ints: np.ndarray
    floats: tuple[float, ...]
    program: np.ndarray
    consts: np.ndarray

    def call(
        self, kernels, optimizer, hyper, history, row, n, limits
    ) -> tuple[int, int, np.ndarray]:
        """Run the kernel on `history` = (params, loss, grads, states) arrays from `row`."""
        params, loss, grads, states = history
        rejected = np.empty(2 * params.shape[1] + 1)
        taken, why = kernels.advance(
            self.kind,
            self.ints,
            np.array([*self.floats, *limits], dtype=float),
            self.program,
            self.consts,
            OPTIMIZER_KINDS.index(optimizer),
            np.asarray(hyper, dtype=float),
            params,
            loss,
            grads,
            states,
            row,
            n,
            rejected,
        )
        return int(taken), int(why), rejected


def advance(problem: Problem, optimizer: str, hyper, history, row: int, n: int, limits):
    """The compiled loop, which must be `ready()`; see `Problem.call`."""
    assert _kernels is not None
    return problem.call(_kernels, optimizer, hyper, history, row, n, limits)


@lru_cache(maxsize=64)
def plane_problem(formula: str) -> Problem:
    """f, ∂f/∂w1 and ∂f/∂w2 of `formula` as one postfix program, each a span of it."""
    expression = Expression.parse(formula)
    ops: list[int] = []
    args: list[int] = []
    consts: list[float] = []
    bounds: list[int] = []
    depth = 0
    for tree in (expression.tree, expression.d_w1, expression.d_w2):
        bounds.append(len(ops))
        depth = max(depth, _emit(tree, ops, args, consts))
        bounds.append(len(ops))
    return Problem(
        kind=0,
        ints=np.array([*bounds, depth], dtype=np.int64),
        floats=(),
        program=np.array([ops, args], dtype=np.int64),
        consts=np.array(consts or [0.0], dtype=float),
    )


def _emit(node: Node, ops: list[int], args: list[int], consts: list[float]) -> int:
    """Append `node` in postfix order; returns the stack depth it needs."""
    if isinstance(node, Num):
        ops.append(0)
        args.append(len(consts))
        consts.append(node.value)
        return 1
    if isinstance(node, Var):
        ops.append(OPCODES[node.name])
        args.append(0)
        return 1
    assert isinstance(node, Apply)
    need = max(_emit(arg, ops, args, consts) + index for index, arg in enumerate(node.args))
    ops.append(OPCODES[node.op])
    args.append(0)
    return need


def chain_problem(depth: int, activation: str, x: float, y: float) -> Problem:
    """The chain network with one neuron per layer (see `chain.py`)."""
    return Problem(
        kind=1,
        ints=np.array([depth, ACTIVATION_KINDS.index(activation), 0, 0, 0, 0, 1], dtype=np.int64),
        floats=(x, y),
        program=np.zeros((2, 1), dtype=np.int64),
        consts=np.zeros(1),
    )
