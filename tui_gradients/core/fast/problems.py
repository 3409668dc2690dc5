"""A problem as the fast loops see it: flat arrays for numba's loops, and a key for the
straight-line loops in Python."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from tui_gradients.core.fast import straight
from tui_gradients.core.fast.codes import (
    ACTIVATION_KINDS,
    CHAIN,
    FORMULA,
    OPCODES,
)
from tui_gradients.core.fast.straight import History, Limits, Outcome
from tui_gradients.core.objectives.expression import Expression
from tui_gradients.core.objectives.tree import Node, Num, Var, postorder
from tui_gradients.core.optimisation.updates import Hyper


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
    expression: Expression | None = None
    """A formula, which may have a loop of its own (`fast.specialise`)."""

    @property
    def data(self) -> tuple[Any, ...]:
        """What numba's `evaluate` reads, but for its scratch memory."""
        return (self.kind, self.ints, self.floats, self.program, self.consts)

    def call(
        self,
        loop: Callable[..., tuple[int, int]],
        hyper: Hyper,
        history: History,
        row: int,
        n: int,
        limits: Limits,
    ) -> Outcome:
        """Run numba's `loop` (compiled for one optimiser) with the settings `hyper`
        (`rules.Hyper`) on `history` = (params, loss, grads, states) arrays from `row`."""
        rejected = np.empty(2 * history[0].shape[1] + 1)
        taken, why = loop(
            (*self.data, np.empty(self.scratch)),
            hyper,
            *history,
            row,
            n,
            np.array(limits, dtype=float),
            rejected,
        )
        return int(taken), int(why), rejected


@lru_cache(maxsize=64)
def plane_problem(expression: Expression, hessian: bool = False) -> Problem:
    """f, ∂f/∂w1 and ∂f/∂w2 of `expression` (and with `hessian` its three second derivatives, for
    a second-order optimiser; TooLarge past the theory's budget) as one register program:
    instruction i computes register i from a constant, a variable or earlier registers, so each
    distinct node of the trees is computed once per step (`_kernels._run_program`)."""
    roots: tuple[Node, ...] = (expression.tree, expression.d_w1, expression.d_w2)
    if hessian:
        roots += expression.second_derivatives()
    order = postorder(*roots)
    register = {id(node): index for index, node in enumerate(order)}
    consts: list[float] = []
    program = np.zeros((3, len(order)), dtype=np.int64)
    for index, node in enumerate(order):
        if isinstance(node, Num):
            program[:, index] = OPCODES["const"], len(consts), 0
            consts.append(node.value)
        elif isinstance(node, Var):
            program[0, index] = OPCODES[node.name]
        else:
            operands = [register[id(arg)] for arg in node.args]
            program[:, index] = OPCODES[node.op], operands[0], operands[-1]
    return Problem(
        kind=FORMULA,
        ints=np.array([register[id(root)] for root in roots], dtype=np.int64),
        floats=np.zeros(2),
        program=program,
        consts=np.array(consts or [0.0], dtype=float),
        scratch=(1, len(order)),
        straight=("plane", expression),
        expression=expression,
    )


def chain_problem(depth: int, activation: str, x: float, y: float) -> Problem:
    """The chain network with one neuron per layer (see `chain.py`)."""
    return Problem(
        kind=CHAIN,
        ints=np.array([depth, ACTIVATION_KINDS.index(activation)], dtype=np.int64),
        floats=np.array([x, y]),
        program=np.zeros((3, 1), dtype=np.int64),
        consts=np.zeros(1),
        scratch=(5, depth),
        straight=("chain", depth, activation, x, y),
    )
