"""A problem as the fast loops see it: flat arrays for numba's loops, and a key for the
straight-line loops in Python."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from tui_gradients.core.expression import Expression
from tui_gradients.core.fast import straight
from tui_gradients.core.fast.codes import (
    ACTIVATION_KINDS,
    CHAIN,
    FORMULA,
    OPCODES,
    OPTIMIZER_KINDS,
)
from tui_gradients.core.tree import Apply, Node, Num, Var


@dataclass(frozen=True, eq=False)
class Problem:
    """What the compiled loop needs to evaluate f and ∇f (see `_kernels.evaluate`)."""

    kind: int
    """FORMULA or CHAIN."""
    ints: np.ndarray
    floats: np.ndarray
    program: np.ndarray
    consts: np.ndarray
    scratch: tuple[int, int]
    """The shape of the working memory one evaluation needs."""
    straight: straight.Key
    """The problem for a straight-line loop in Python, used until numba's loops are loaded."""
    formula: str | None = None
    """A formula, which may have a loop of its own (`fast.specialise`)."""

    def call(self, loop, optimizer, hyper, history, row, n, limits) -> tuple[int, int, np.ndarray]:
        """Run numba's `loop` on `history` = (params, loss, grads, states) arrays from `row`."""
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
        kind=FORMULA,
        ints=np.array(bounds, dtype=np.int64),
        floats=np.zeros(2),
        program=np.array([ops, args], dtype=np.int64),
        consts=np.array(consts or [0.0], dtype=float),
        scratch=(1, depth),
        straight=("plane", formula),
        formula=formula,
    )


def _emit(node: Node, ops: list[int], args: list[int], consts: list[float]) -> int:
    """Append `node` in postfix order; returns the stack depth it needs."""
    if isinstance(node, Num):
        ops.append(OPCODES["const"])
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
        kind=CHAIN,
        ints=np.array([depth, ACTIVATION_KINDS.index(activation)], dtype=np.int64),
        floats=np.array([x, y]),
        program=np.zeros((2, 1), dtype=np.int64),
        consts=np.zeros(1),
        scratch=(5, depth),
        straight=("chain", depth, activation, x, y),
    )
