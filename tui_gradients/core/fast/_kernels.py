"""Compiled inner loops (numba): many optimiser steps per call, written straight into a run's
history arrays. Imported only by `fast.warm_up`, never at start-up.

The loop (`steps`) mirrors `Run.advance` line for line: the optimiser's own rule (`rules`),
compiled by numba, the same checks for bad numbers, the same stopping rules. It is compiled once
per optimiser (`loop`) and cached by numba. It evaluates f and ∇f through `evaluate`: the
formula interpreter or the chain's pass here, a formula's own code in a module that
`specialised` writes. Where a step fails a check, the rejected numbers are handed back so that
Python can word the reason exactly as the uncompiled path does.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numba import njit

from tui_gradients.core.fast._lbfgs import compiled as compiled_lbfgs
from tui_gradients.core.fast.codes import (
    ASIDE,
    CONVERGED,
    DIVERGED,
    FORMULA,
    GOING,
    HUGE,
    LAST_BINARY,
    LBFGS,
    LIMIT,
    NEWTON,
    NEWTON_DIAG,
    OPCODES,
    RULE,
)
from tui_gradients.core.network import activations, chain
from tui_gradients.core.optimisation import backends, lbfgs, rules, updates
from tui_gradients.core.optimisation.rules import RULES
from tui_gradients.core.optimisation.updates import Hyper

Array = np.ndarray

__all__ = [
    "ASIDE",
    "CONVERGED",
    "DIVERGED",
    "GOING",
    "LIMIT",
]  # for the modules `specialised` writes

# numba reads these module-level integers as constants when it compiles.
CONST, W1, W2, ADD, SUB, MUL, DIV, POW, NEG = (
    OPCODES[name] for name in ("const", "w1", "w2", "+", "-", "*", "/", "**", "neg")
)
SIN, COS, TAN, EXP, LOG, SQRT, TANH, ABS = (
    OPCODES[name] for name in ("sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "abs")
)

METHOD, SCALED = RULE, True
"""How the loop's optimiser steps (a rule, Newton's two, LBFGS) and whether lr scales its rule's
direction: each loop is compiled for one optimiser (`loop`), with these as constants, so numba
drops the branches they rule out."""
update: Any = None
load: Any = None
store: Any = None
"""The optimiser's rule, and its state's `load` from and `store` into a state array: bound, as
METHOD and SCALED, in each loop's copy of `steps` (`parts`)."""


@njit(cache=True, error_model="numpy")
def power(a: float, b: float) -> float:
    """a ** b as numpy computes it: pow(a, 2) is a·a correctly rounded, and a multiply is
    cheaper. Shared by the interpreter and the compiled formulas (`specialised`)."""
    return a * a if b == 2.0 else np.power(a, b)


@njit(cache=True, error_model="numpy")
def _run_program(program: Array, consts: Array, w1: float, w2: float, registers: Array) -> None:
    """Each instruction i sets register i: a constant, a variable, or an operation on the
    registers its operands name (`problems.plane_problem`)."""
    ops, first, second = program[0], program[1], program[2]
    for i in range(ops.shape[0]):
        op = ops[i]
        if op == CONST:
            x = consts[first[i]]
        elif op == W1:
            x = w1
        elif op == W2:
            x = w2
        elif op <= LAST_BINARY:
            a = registers[first[i]]
            b = registers[second[i]]
            if op == ADD:
                x = a + b
            elif op == SUB:
                x = a - b
            elif op == MUL:
                x = a * b
            elif op == DIV:
                x = a / b
            else:
                x = power(a, b)
        else:
            x = registers[first[i]]
            if op == NEG:
                x = -x
            elif op == SIN:
                x = np.sin(x)
            elif op == COS:
                x = np.cos(x)
            elif op == TAN:
                x = np.tan(x)
            elif op == EXP:
                x = np.exp(x)
            elif op == LOG:
                x = np.log(x)
            elif op == SQRT:
                x = np.sqrt(x)
            elif op == TANH:
                x = np.tanh(x)
            elif op == ABS:
                x = np.abs(x)
            else:
                x = np.sign(x)
        registers[i] = x


@njit(cache=True, error_model="numpy")
def _interpret(
    program: Array,
    consts: Array,
    roots: Array,
    registers: Array,
    params: Array,
    grads: Array,
    hess: Array,
) -> float:
    """f and ∇f of a formula by its register program; `roots` are the registers that end
    holding f, ∂f/∂w1 and ∂f/∂w2, and where there are six, the Hessian's entries after them
    (written into `hess`: ∂²f/∂w1², ∂²f/∂w1∂w2, ∂²f/∂w2²)."""
    _run_program(program, consts, params[0], params[1], registers)
    grads[0] = registers[roots[1]]
    grads[1] = registers[roots[2]]
    for i in range(roots.shape[0] - 3):
        hess[i] = registers[roots[3 + i]]
    f: float = registers[roots[0]]
    return f


_newton = backends.bound(rules.newton_direction, {}, njit(error_model="numpy"))
"""Newton's direction (`rules.newton_direction`), compiled."""


@njit(cache=True, error_model="numpy")
def _bad(params: Array, loss: float, grads: Array, bound: float) -> bool:
    """What `run._problem` refuses: non-finite numbers, a parameter beyond ±bound, a huge loss."""
    largest = 0.0
    for value in params:
        if not np.isfinite(value):
            return True
        largest = max(largest, abs(value))
    if not np.isfinite(loss):
        return True
    for value in grads:
        if not np.isfinite(value):
            return True
    return largest > bound or abs(loss) > HUGE * HUGE


@njit(cache=True, error_model="numpy")
def _converged(grads: Array, tol: float) -> bool:
    if tol == 0:
        return False
    total = 0.0
    for value in grads:
        total += value * value
    below: bool = np.sqrt(total) < tol
    return below


_chain = backends.bound(chain.passes, {}, njit(error_model="numpy"), defaults=activations.ON_FLOATS)
"""The chain's forward and backward pass (`chain.passes`), compiled."""


@njit(error_model="numpy")
def evaluate(data: tuple[Any, ...], params: Array, grads: Array, hess: Array) -> float:
    """Write ∇ at `params` into `grads` (and H into `hess` where the problem has it) and return
    the loss. `data` is (problem, ints, floats, program, consts, scratch): problem FORMULA runs
    the register `program` (ints are the registers of f, ∂f/∂w1 and ∂f/∂w2, then H's for a
    second-order optimiser); CHAIN runs the chain (ints: depth and activation, floats: x, y). A
    formula compiled on its own (`specialised`) has its own `evaluate`."""
    problem, ints, floats, program, consts, scratch = data
    if problem == FORMULA:
        return _interpret(program, consts, ints, scratch[0], params, grads, hess)
    cost: float = _chain(ints[0], ints[1], floats[0], floats[1], params, grads, scratch)
    return cost


lbfgs_iterate = compiled_lbfgs(evaluate)


def steps(
    data: tuple[Any, ...],
    hp: Hyper,
    P: Array,
    L: Array,
    G: Array,
    S: Array,
    row: int,
    n: int,
    limits: Array,
    rejected: Array,
) -> tuple[int, int]:
    """Up to n steps after history row `row`; returns (steps taken, why it ended).

    `hp` is the settings (`rules.Hyper`), `limits` (max_steps, tol, bound). A template: `loop`
    compiles it for one optimiser, beside its rule (`update`, and `load` and `store` for its
    state); `specialised` copies its text beside a formula's own `evaluate`.
    """
    size = P.shape[1]
    params, grads, state = P[row].copy(), G[row].copy(), S[row].copy()
    new_params, new_grads, new_state = np.empty(size), np.empty(size), state.copy()
    hess, new_hess = np.zeros(3), np.zeros(3)  # H for Newton's two, evaluated at the row
    evaluate(data, params, new_grads, hess)
    loss = L[row]
    memory = int(hp.history_size)  # LBFGS's scratch
    work, al = np.empty((lbfgs.WORK_ROWS, size)), np.empty(max(memory, 1))
    max_steps, tol, bound = limits[0], limits[1], limits[2]
    taken = 0
    while taken < n:
        if row >= max_steps:
            return taken, LIMIT
        if METHOD == RULE:
            for i in range(size):
                direction, next_state = update(hp, grads[i], params[i], load(state, i))
                if SCALED:
                    new_params[i] = params[i] - hp.lr * direction
                else:
                    new_params[i] = params[i] - direction
                store(new_state, i, next_state)
            moved = True
        elif METHOD == LBFGS:  # its state moves in place (new_state is state here)
            new_params[:] = params
            ended = lbfgs_iterate(
                data, params, loss, grads, new_state, new_params, work, al,
                hp.lr, int(hp.max_iter), memory, hp.line_search != 0,
            )  # fmt: skip
            moved = ended == lbfgs.MOVED  # else numpy takes the step, and says why it stops
            for i in range(size):  # as the numpy loop applies it: params + −(params − x)
                new_params[i] = params[i] - (params[i] - new_params[i])
        else:
            moved, first, second = _newton(
                METHOD == NEWTON_DIAG, hess[0], hess[1], hess[2], grads[0], grads[1]
            )
            new_params[0] = params[0] - hp.lr * first
            new_params[1] = params[1] - hp.lr * second
        if not moved:
            return taken, ASIDE
        loss = evaluate(data, new_params, new_grads, new_hess)
        if _bad(new_params, loss, new_grads, bound):
            rejected[:size] = new_params
            rejected[size] = loss
            rejected[size + 1 :] = new_grads
            return taken, DIVERGED
        row += 1
        L[row] = loss
        for i in range(size):
            P[row, i] = params[i] = new_params[i]
            G[row, i] = grads[i] = new_grads[i]
            for k in range(state.shape[0]):
                S[row, k, i] = state[k, i] = new_state[k, i]
        hess[:] = new_hess
        taken += 1
        if _converged(grads, tol):
            return taken, CONVERGED
    return taken, GOING


def method(optimizer: str) -> int:
    """How `optimizer` steps, as `steps` reads METHOD."""
    return {"lbfgs": LBFGS, "newton": NEWTON, "newton_diag": NEWTON_DIAG}.get(optimizer, RULE)


def parts(optimizer: str) -> dict[str, object]:
    """What `steps` calls for `optimizer` beside the evaluation: its rule compiled by numba
    (`rules.bound`), `load` and `store` for its state, and the constants METHOD and SCALED."""
    rule = RULES.get(optimizer, RULES["gd"])  # Newton's two and LBFGS: gd's, never called
    fields = range(len(rule.fields))
    text = (
        "def load(S, i):\n"
        f"    return State({', '.join(f'S[{k}, i]' for k in fields)})\n"
        "def store(S, i, s):\n"
        + "".join(f"    S[{k}, i] = s[{k}]\n" for k in fields)
        + "    return\n"
    )
    namespace: dict[str, Any] = {"State": rule.state}
    exec(compile(text, f"<state of {optimizer}>", "exec"), namespace)  # our own text
    return {
        "METHOD": method(optimizer),
        "SCALED": rule.scaled_by_lr,
        "update": rules.bound(rule.update, {}, _compiled),
        "load": _compiled(namespace["load"]),
        "store": _compiled(namespace["store"]),
    }


def _compiled(function: Callable[..., Any]) -> Callable[..., Any]:
    return njit(error_model="numpy")(function)


def digest(optimizer: str) -> str:
    """What a loop's machine code depends on beyond `_kernels.py`: the rule's module, the
    rules' own and the chain's pass, so that a changed rule or pass never loads a stale loop
    from numba's cache."""
    import hashlib  # loads OpenSSL: not at start-up

    rule = RULES.get(optimizer)
    sources = [Path(inspect.getfile(m)) for m in (rules, updates, chain, activations, backends)]
    if rule is not None:
        sources.append(Path(inspect.getfile(rule.update)))
    text = b"".join(path.read_bytes() for path in sources) + optimizer.encode()
    return hashlib.sha256(text).hexdigest()[:16]


_loops: dict[str, Callable[..., tuple[int, int]]] = {}


def loop(optimizer: str) -> Callable[..., tuple[int, int]]:
    """`steps` compiled for `optimizer` around the interpreter's `evaluate`, cached by numba
    under a name of its own (the optimiser and `digest`)."""
    if optimizer not in _loops:
        namespace = dict(globals())
        namespace.update(parts(optimizer))
        twin = types.FunctionType(steps.__code__, namespace, "steps")
        twin.__qualname__ = f"steps_{optimizer}_{digest(optimizer)}"
        _loops[optimizer] = njit(cache=True, error_model="numpy", nogil=True)(twin)
    return _loops[optimizer]
