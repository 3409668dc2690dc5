"""Long advances through fast loops: numba's, where the `fast` extra is installed and its
kernels are loaded, else a formula's straight-line loop in plain Python (`straight`).

A step of the Python loop in `run.py` costs 15–35 µs (numpy on 2-vectors, one call per
function), so a million steps take tens of seconds. The straight-line loop takes about a
microsecond a step and is there on every install; numba's loops take tens of nanoseconds. Fast
loops serve only long advances (COMPILED_MIN_STEPS or more in one call). numba's serve only once
`warm_up` has loaded them: numba costs about 0.4 s to import and the first compilation several
seconds, so nothing here runs at start-up.

Both loops apply the same formulas in the same order. They can still differ in the last bit
(numpy and the C library may round sin, exp or pow differently, and a preset's hand-written
gradient is not the formula's symbolic one), so the tests hold them to 1e-9 relative over 10⁴
steps rather than to bit equality.

Formulas are run as small stack programs by one compiled interpreter, so a formula typed in
the app needs no compilation of its own to go fast. `specialise` then compiles the formula on
its own for each optimiser that steps it (`specialised.py`), in the background: on the bowl
that loop is five to eight times faster than the interpreter, and gives the same numbers bit for
bit.
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

from tui_gradients.core import straight
from tui_gradients.core.expression import Apply, Expression, Node, Num, Var

if TYPE_CHECKING:
    from tui_gradients.core import specialised

COMPILED_MIN_STEPS = 256
"""Shorter advances stay in the Python loop: setting up a fast loop and checking what it wrote
costs about as much as that many numpy steps."""
NUMBA_MIN_STEPS = 20_000
"""A jump from which loading numba (a second, in a thread) is worth it: below it the
straight-line loops take a few milliseconds."""

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
OPTIMIZER_KINDS = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
ACTIVATION_KINDS = ("sigmoid", "tanh", "relu", "linear")

_kernels: ModuleType | None = None
_specialised: dict[tuple[str, str], specialised.Loop] = {}
"""Compiled loops of a formula's own, by formula text and optimiser."""
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
        for problem in (plane_problem("w1**2 + w2**2"), chain_problem(1, "sigmoid", 1.0, 0.0)):
            _exercise(kernels.steps, problem)
        _kernels = kernels
    return True


def installed() -> bool:
    """Whether numba is there to be loaded (the `fast` extra), without loading it."""
    return importlib.util.find_spec("numba") is not None


def ready() -> bool:
    """Whether numba's loops are loaded (`warm_up`)."""
    return _kernels is not None


def available(problem: Problem) -> bool:
    """Whether `advance` can take `problem` a long way: numba's loops once loaded; before that,
    or without numba, a formula's straight-line loop in plain Python (`straight`)."""
    return _kernels is not None or problem.straight is not None


def specialise(formula: str, optimizer: str) -> bool:
    """Give `formula` stepped by `optimizer` a compiled loop of its own, several times faster
    than the interpreter (one to four seconds to compile the first time on a machine, cached
    after that). Until it is done, or if it cannot be, the interpreter runs the formula. Needs
    `warm_up` first; safe to call from a worker thread. Returns whether it has its own loop."""
    from tui_gradients.core import specialised  # its hashlib loads OpenSSL: not at start-up

    key = (formula, optimizer)
    with _lock:
        if key in _specialised:
            return True
        kind = OPTIMIZER_KINDS.index(optimizer)
        if _kernels is None or (loop := specialised.load(formula, kind, _kernels)) is None:
            return False
        _exercise(loop, plane_problem(formula), optimizer)
        _specialised[key] = loop
    return True


def is_specialised(formula: str, optimizer: str) -> bool:
    return (formula, optimizer) in _specialised


def _exercise(loop: specialised.Loop, problem: Problem, optimizer: str = "adam") -> None:
    """One tiny call, so that compiling happens here and not mid-run."""
    history = (np.zeros((2, 2)), np.zeros(2), np.zeros((2, 2)), np.zeros((2, 3, 2)))
    problem.call(loop, optimizer, np.ones(6), history, 0, 1, (1.0, 0.0, 1e150))


@dataclass(frozen=True, eq=False)
class Problem:
    """What the compiled loop needs to evaluate f and ∇f (see `_kernels.evaluate`)."""

    kind: int
    """FORMULA (0) or CHAIN (1)."""
    ints: np.ndarray
    floats: np.ndarray
    program: np.ndarray
    consts: np.ndarray
    scratch: tuple[int, int]
    """The shape of the working memory one evaluation needs."""
    formula: str | None = None
    """A formula, which may have a loop of its own (`specialise`)."""
    straight: straight.Key | None = None
    """The problem for a straight-line loop in Python, used until numba's loops are loaded."""

    def call(self, loop, optimizer, hyper, history, row, n, limits) -> tuple[int, int, np.ndarray]:
        """Run `loop` on `history` = (params, loss, grads, states) arrays from `row`."""
        data = (self.kind, self.ints, self.floats, self.program, self.consts)
        rejected = np.empty(2 * history[0].shape[1] + 1)
        taken, why = loop(
            (*data, np.empty(self.scratch)),
            OPTIMIZER_KINDS.index(optimizer),
            np.asarray(hyper, dtype=float),
            *history,
            row,
            n,
            np.array(limits, dtype=float),
            rejected,
        )
        return int(taken), int(why), rejected


def advance(problem: Problem, optimizer: str, hyper, history, row: int, n: int, limits):
    """Up to n steps by the fastest loop there is for `problem`, which must be `available`:
    the formula's own numba loop once `specialise` has made it, else numba's interpreter, else
    the formula's straight-line loop in Python. See `Problem.call`."""
    if _kernels is None:
        assert problem.straight is not None
        return straight.advance(problem.straight, optimizer, hyper, history, row, n, limits)
    loop = _specialised.get((problem.formula or "", optimizer), _kernels.steps)
    return problem.call(loop, optimizer, hyper, history, row, n, limits)


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
        ints=np.array(bounds, dtype=np.int64),
        floats=np.zeros(2),
        program=np.array([ops, args], dtype=np.int64),
        consts=np.array(consts or [0.0], dtype=float),
        scratch=(1, depth),
        formula=formula,
        straight=("plane", formula),
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
        ints=np.array([depth, ACTIVATION_KINDS.index(activation)], dtype=np.int64),
        floats=np.array([x, y]),
        program=np.zeros((2, 1), dtype=np.int64),
        consts=np.zeros(1),
        scratch=(5, depth),
        straight=("chain", depth, activation, x, y),
    )
