"""The numbers the fast loops share with the rest of the core, each derived from the core's own
definition, so that adding an optimiser, an activation or an operation changes one place.

numba freezes module-level integers into the machine code it caches, and does not see a change
here as a change to `_kernels.py`: new entries go at the end of their tuples, so the numbers of
existing ones never move. An optimiser has no number: each loop is compiled for one.
"""

from tui_gradients.core.limits import HUGE
from tui_gradients.core.network.chain import ACTIVATION_NAMES
from tui_gradients.core.objectives.tree import ALL_FUNCTIONS, BINARY_OPERATORS, VARIABLES

__all__ = ["HUGE"]

GOING, CONVERGED, DIVERGED, LIMIT, ASIDE = range(5)
"""Why a fast loop stopped: still going (asked-for steps done), converged, diverged, at the
step limit, or ASIDE: the next step is numpy's to take or to refuse (Newton's where H is not
positive definite; in the straight-line loops, any step whose arithmetic would raise)."""

OPERATIONS = ("const", *VARIABLES, *BINARY_OPERATORS, "neg", *ALL_FUNCTIONS)
"""A formula program's opcodes, by position: the interpreter takes every opcode up to the last
binary operator as one that pops two operands."""
OPCODES = {name: code for code, name in enumerate(OPERATIONS)}
LAST_BINARY = OPCODES[BINARY_OPERATORS[-1]]

RULE, NEWTON, NEWTON_DIAG, LBFGS = range(4)
"""How a loop's optimiser steps: by its rule (`rules`), by Newton's two, or by LBFGS."""
ACTIVATION_KINDS = ACTIVATION_NAMES
FORMULA, CHAIN = range(2)
"""What a problem evaluates: a formula program, or the chain network."""
