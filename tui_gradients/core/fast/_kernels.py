"""Compiled inner loops (numba): many optimiser steps per call, written straight into a run's
history arrays. Imported only by `fast.warm_up`, never at start-up.

The loop (`steps`) mirrors `Run.advance` line for line: the same update formulas in the same
order of operations, the same checks for bad numbers, the same stopping rules. It evaluates f
and ∇f through `evaluate`: the formula interpreter or the chain here, a formula's own code in
a module that `specialised` writes. Where a step fails a
check, the rejected numbers are handed back so that Python can word the reason exactly as the
uncompiled path does.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from tui_gradients.core import lbfgs
from tui_gradients.core.fast._lbfgs import compiled as compiled_lbfgs
from tui_gradients.core.fast.codes import (
    ACTIVATION_KINDS,
    ASIDE,
    CONVERGED,
    DIVERGED,
    FORMULA,
    GOING,
    HUGE,
    LAST_BINARY,
    LIMIT,
    MAX_CONDITION,
    OPCODES,
    OPTIMIZER_KINDS,
    SLOTS,
)

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
(
    GD, MOMENTUM, NESTEROV, ADAGRAD, RMSPROP, ADAM,
    ADAMW, NADAM, RADAM, ADAMAX, ADADELTA, RPROP, ASGD, NEWTON, NEWTON_DIAG, LBFGS,
) = (OPTIMIZER_KINDS.index(name) for name in (
    "gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam",
    "adamw", "nadam", "radam", "adamax", "adadelta", "rprop", "asgd", "newton", "newton_diag",
    "lbfgs",
))  # fmt: skip
(
    LR, MU, ALPHA, BETA1, BETA2, EPS, WD, DAMPENING, AMSGRAD, RHO,
    ETA_MINUS, ETA_PLUS, STEP_MIN, STEP_MAX, LAMBD, MOMENTUM_DECAY,
    HISTORY_SIZE, MAX_ITER, LINE_SEARCH,
) = (SLOTS[name] for name in (
    "lr", "momentum", "alpha", "beta1", "beta2", "eps", "weight_decay", "dampening", "amsgrad",
    "rho", "eta_minus", "eta_plus", "step_min", "step_max", "lambd", "momentum_decay",
    "history_size", "max_iter", "line_search",
))  # fmt: skip
SIGMOID, TANH_ACTIVATION, RELU, LINEAR = (
    ACTIVATION_KINDS.index(name) for name in ("sigmoid", "tanh", "relu", "linear")
)

OPTIMIZER = -1
"""The optimiser a loop is compiled for: any, here (the interpreter's loop and the chain's, which
take it as an argument). A formula's own module fixes it: deciding the optimiser on every step
made a gd loop on the bowl take 40–55 ms for 10⁶ steps instead of 20–30."""


@njit(cache=True, error_model="numpy")
def power(a, b):
    """a ** b as numpy computes it: pow(a, 2) is a·a correctly rounded, and a multiply is
    cheaper. Shared by the interpreter and the compiled formulas (`specialised`)."""
    return a * a if b == 2.0 else np.power(a, b)


@njit(cache=True, error_model="numpy")
def _run_program(program, consts, w1, w2, registers):
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
def _interpret(program, consts, roots, registers, params, grads, hess):
    """f and ∇f of a formula by its register program; `roots` are the registers that end
    holding f, ∂f/∂w1 and ∂f/∂w2, and where there are six, the Hessian's entries after them
    (written into `hess`: ∂²f/∂w1², ∂²f/∂w1∂w2, ∂²f/∂w2²)."""
    _run_program(program, consts, params[0], params[1], registers)
    grads[0] = registers[roots[1]]
    grads[1] = registers[roots[2]]
    for i in range(roots.shape[0] - 3):
        hess[i] = registers[roots[3 + i]]
    return registers[roots[0]]


@njit(cache=True, error_model="numpy")
def _newton(diagonal, hess, grads, direction):
    """H⁻¹·g (or g / diag(H)) into `direction`, as `optimizers.precondition_by_hessian`
    computes it; False where numpy would refuse the step, or might (near the condition it
    refuses at): numpy then takes it or says why (ASIDE). The solve is LAPACK's for 2×2: LU
    with the larger of the first column as the pivot."""
    h11, h12, h22 = hess[0], hess[1], hess[2]
    if diagonal:
        if not (h11 > 0.0 and h22 > 0.0 and np.isfinite(h11 + h22 + h12)):
            return False
        direction[0], direction[1] = grads[0] / h11, grads[1] / h22
        return True
    middle = 0.5 * (h11 + h22)
    spread = np.sqrt(0.25 * (h11 - h22) * (h11 - h22) + h12 * h12)
    if not (middle - spread > 0.0 and middle + spread < 0.5 * MAX_CONDITION * (middle - spread)):
        return False
    if abs(h11) >= abs(h12):
        factor = h12 / h11
        direction[1] = (grads[1] - factor * grads[0]) / (h22 - factor * h12)
        direction[0] = (grads[0] - h12 * direction[1]) / h11
    else:
        factor = h11 / h12
        direction[1] = (grads[0] - factor * grads[1]) / (h12 - factor * h22)
        direction[0] = (grads[1] - h22 * direction[1]) / h12
    return True


@njit(cache=True, error_model="numpy")
def _update(kind, hyper, params, grads, hess, state, new_params, new_state):
    """One step of the optimiser `kind`: torch.optim's formulas, as in `optimizers.py`, operation
    for operation. Every parameter has taken the same number of steps: what depends on the
    count alone is computed once. False where the step is numpy's to take (Newton's, where H
    is not safely positive definite)."""
    lr, eps, wd = hyper[LR], hyper[EPS], hyper[WD]
    if kind in (NEWTON, NEWTON_DIAG):
        if not _newton(kind == NEWTON_DIAG, hess, grads, new_params):
            return False
        for i in range(params.shape[0]):
            new_params[i] = params[i] - lr * new_params[i]
        return True
    beta1, beta2 = hyper[BETA1], hyper[BETA2]
    count = state[0, 0] + 1 if state.shape[0] else 1.0  # where the optimiser keeps a count first
    correction1 = 1 - np.power(beta1, count)
    correction2 = 1 - np.power(beta2, count)
    if kind == NADAM:
        decay = hyper[MOMENTUM_DECAY]
        now = beta1 * (1 - 0.5 * np.power(0.96, count * decay))
        ahead = beta1 * (1 - 0.5 * np.power(0.96, (count + 1) * decay))
    if kind == RADAM:
        rho_inf = 2 / (1 - beta2) - 1
        sma = rho_inf - 2 * count * np.power(beta2, count) / correction2
        rect = 0.0
        if sma > 5:
            rect = np.sqrt((sma - 4) * (sma - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * sma))
    if kind == ASGD:
        eta = lr / np.power(1 + hyper[LAMBD] * lr * state[0, 0], hyper[ALPHA])
    for i in range(params.shape[0]):
        g = grads[i]
        h = g + wd * params[i] if wd != 0 and kind != ADAMW else g
        if kind == GD:
            new_params[i] = params[i] - lr * h
        elif kind in (MOMENTUM, NESTEROV):
            momentum = hyper[MU]
            first = state[0, i] == 0.0  # torch's buffer starts as the first gradient
            trace = h if first else momentum * state[1, i] + (1 - hyper[DAMPENING]) * h
            new_state[0, i] = state[0, i] + 1.0
            new_state[1, i] = trace
            direction = h + momentum * trace if kind == NESTEROV else trace
            new_params[i] = params[i] - lr * direction
        elif kind == ADAGRAD:
            total = state[0, i] + h * h
            new_state[0, i] = total
            new_params[i] = params[i] - lr * (h / (np.sqrt(total) + eps))
        elif kind == RMSPROP:
            alpha = hyper[ALPHA]
            average = alpha * state[0, i] + (1 - alpha) * h * h
            new_state[0, i] = average
            new_params[i] = params[i] - lr * (h / (np.sqrt(average) + eps))
        elif kind in (ADAM, ADAMW):
            mu = beta1 * state[1, i] + (1 - beta1) * h
            nu = beta2 * state[2, i] + (1 - beta2) * h * h
            largest = state[3, i]
            if hyper[AMSGRAD] != 0:
                largest = nu if nu > largest else largest
            new_state[0, i], new_state[1, i], new_state[2, i] = count, mu, nu
            new_state[3, i] = largest
            second = largest if hyper[AMSGRAD] != 0 else nu
            direction = mu / correction1 / (np.sqrt(second) / np.sqrt(correction2) + eps)
            if kind == ADAMW:
                direction = direction + wd * params[i]
            new_params[i] = params[i] - lr * direction
        elif kind == NADAM:
            product = state[1, i] * now
            mu = beta1 * state[2, i] + (1 - beta1) * h
            nu = beta2 * state[3, i] + (1 - beta2) * h * h
            new_state[0, i], new_state[1, i] = count, product
            new_state[2, i], new_state[3, i] = mu, nu
            denominator = np.sqrt(nu / correction2) + eps
            step = (1 - now) / (1 - product) * h / denominator
            step = step + ahead / (1 - product * ahead) * mu / denominator
            new_params[i] = params[i] - lr * step
        elif kind == RADAM:
            mu = beta1 * state[1, i] + (1 - beta1) * h
            nu = beta2 * state[2, i] + (1 - beta2) * h * h
            new_state[0, i], new_state[1, i], new_state[2, i] = count, mu, nu
            if sma > 5:
                adaptive = np.sqrt(correction2) / (np.sqrt(nu) + eps)
                new_params[i] = params[i] - lr * (mu / correction1 * adaptive * rect)
            else:
                new_params[i] = params[i] - lr * (mu / correction1)
        elif kind == ADAMAX:
            mu = beta1 * state[1, i] + (1 - beta1) * h
            largest = max(beta2 * state[2, i], abs(h) + eps)
            new_state[0, i], new_state[1, i], new_state[2, i] = count, mu, largest
            new_params[i] = params[i] - lr * (mu / largest / correction1)
        elif kind == ADADELTA:
            rho = hyper[RHO]
            square = rho * state[0, i] + (1 - rho) * h * h
            delta = np.sqrt(state[1, i] + eps) / np.sqrt(square + eps) * h
            new_state[0, i] = square
            new_state[1, i] = rho * state[1, i] + (1 - rho) * delta * delta
            new_params[i] = params[i] - lr * delta
        elif kind == RPROP:
            agreement = g * state[0, i]
            factor = 1.0
            if agreement > 0:
                factor = hyper[ETA_PLUS]
            elif agreement < 0:
                factor = hyper[ETA_MINUS]
            step = min(max(state[1, i] * factor, hyper[STEP_MIN]), hyper[STEP_MAX])
            kept = 0.0 if agreement < 0 else g
            new_state[0, i], new_state[1, i] = kept, step
            new_params[i] = params[i] - step * np.sign(kept)
        else:  # ASGD
            new_state[0, i] = state[0, i] + 1.0
            new_params[i] = params[i] - (eta * (hyper[LAMBD] * params[i]) + eta * h)
    return True


@njit(cache=True, error_model="numpy")
def _bad(params, loss, grads, bound):
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
def _converged(grads, tol):
    if tol == 0:
        return False
    total = 0.0
    for value in grads:
        total += value * value
    return np.sqrt(total) < tol


@njit(cache=True, error_model="numpy")
def _chain(depth, activation, x, y, params, grads, work):
    """The chain's cost and gradient, as `Chain.trace` computes them; `work` holds z, a, aˡ⁻¹,
    g′ and δ for each layer."""
    z, a, a_input, gprime, delta = work[0], work[1], work[2], work[3], work[4]
    previous = x
    for layer in range(depth):
        a_input[layer] = previous
        z[layer] = params[layer] * previous + params[depth + layer]
        value = z[layer]
        if activation == SIGMOID:  # the stable forms of `chain.py`
            e = np.exp(-abs(value))
            value = 1.0 / (1.0 + e) if value >= 0 else e / (1.0 + e)
        elif activation == TANH_ACTIVATION:
            value = np.tanh(value)
        elif activation == RELU:
            value = max(value, 0.0)
        a[layer] = previous = value
    for layer in range(depth):
        if activation == SIGMOID:
            e = np.exp(-abs(z[layer]))
            d = 1.0 + e
            gprime[layer] = e / (d * d)
        elif activation == TANH_ACTIVATION:
            t = np.exp(-2.0 * abs(z[layer]))
            d = 1.0 + t
            gprime[layer] = 4.0 * t / (d * d)
        elif activation == RELU:
            gprime[layer] = 1.0 if z[layer] > 0 else 0.0
        else:
            gprime[layer] = 1.0
    delta[depth - 1] = (a[depth - 1] - y) * gprime[depth - 1]
    for layer in range(depth - 2, -1, -1):
        delta[layer] = params[layer + 1] * gprime[layer] * delta[layer + 1]
    for layer in range(depth):
        grads[layer] = delta[layer] * a_input[layer]
        grads[depth + layer] = delta[layer]
    return 0.5 * (a[depth - 1] - y) ** 2


@njit(cache=True, error_model="numpy")
def evaluate(data, params, grads, hess):
    """Write ∇ at `params` into `grads` (and H into `hess` where the problem has it) and return
    the loss. `data` is (problem, ints, floats, program, consts, scratch): problem FORMULA runs
    the register `program` (ints are the registers of f, ∂f/∂w1 and ∂f/∂w2, then H's for a
    second-order optimiser); CHAIN runs the chain (ints: depth and activation, floats: x, y). A
    formula compiled on its own (`specialised`) has its own `evaluate`."""
    problem, ints, floats, program, consts, scratch = data
    if problem == FORMULA:
        return _interpret(program, consts, ints, scratch[0], params, grads, hess)
    return _chain(ints[0], ints[1], floats[0], floats[1], params, grads, scratch)


lbfgs_iterate = compiled_lbfgs(evaluate)


@njit(cache=True, error_model="numpy", nogil=True)
def steps(data, kind, hyper, P, L, G, S, row, n, limits, rejected):
    """Up to n steps after history row `row`; returns (steps taken, why it ended).

    `limits` is (max_steps, tol, bound). `specialised` copies this function's text, beside an
    `evaluate` and an OPTIMIZER of its own: keep to the names it imports from here.
    """
    size = P.shape[1]
    params, grads, state = P[row].copy(), G[row].copy(), S[row].copy()
    new_params, new_grads, new_state = np.empty(size), np.empty(size), state.copy()
    hess, new_hess = np.zeros(3), np.zeros(3)  # H for Newton's two, evaluated at the row
    evaluate(data, params, new_grads, hess)
    loss = L[row]
    memory = int(hyper[HISTORY_SIZE])  # LBFGS's scratch
    work, al = np.empty((lbfgs.WORK_ROWS, size)), np.empty(max(memory, 1))
    max_steps, tol, bound = limits[0], limits[1], limits[2]
    taken = 0
    while taken < n:
        if row >= max_steps:
            return taken, LIMIT
        # OPTIMIZER is a constant when compiled: numba drops the branches it rules out, and
        # compiles `_update` for that optimiser alone, and LBFGS only where it is LBFGS
        if OPTIMIZER < 0 and kind != LBFGS:
            moved = _update(kind, hyper, params, grads, hess, state, new_params, new_state)
        elif OPTIMIZER >= 0 and OPTIMIZER != LBFGS:
            moved = _update(OPTIMIZER, hyper, params, grads, hess, state, new_params, new_state)
        else:  # LBFGS: its state moves in place (new_state is state here)
            new_params[:] = params
            ended = lbfgs_iterate(
                data, params, loss, grads, new_state, new_params, work, al,
                hyper[LR], int(hyper[MAX_ITER]), memory, hyper[LINE_SEARCH] != 0,
            )  # fmt: skip
            moved = ended == lbfgs.MOVED  # else numpy takes the step, and says why it stops
            for i in range(size):  # as the numpy loop applies it: params + −(params − x)
                new_params[i] = params[i] - (params[i] - new_params[i])
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
