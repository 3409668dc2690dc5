"""torch.optim.LBFGS, step for step: one step is one call of torch's `step(closure)`, which runs
up to max_iter L-BFGS iterations (20 by default), each with a fixed step or a strong-Wolfe line
search, evaluating f and ∇f as often as they need (at most max_eval = 1.25·max_iter times).

The algorithm and its constants are torch's (tolerance_grad 1e-7, tolerance_change 1e-9,
history_size 100, the first iteration's step min(1, 1/‖g‖₁)·lr). Its memory (the last
history_size pairs s, y and their 1/yᵀs, the last direction and step, H's scale) is kept as
the optimiser's state rows, so a run can step back; the pairs sit in a ring, so that dropping
the oldest moves nothing.

One implementation serves every loop. `iterate` is written over rows indexed element by
element, and evaluates f and ∇f by `evaluate(data, x, g, hess)`: on Python lists (`step`, the
numpy loop, and the straight-line loop) it is several times quicker than numpy on a few
parameters, and numba compiles the same functions, each loop's with its own `evaluate` in
place of the one here (`fast._lbfgs`), a hundred times quicker again. So it keeps to what numba
compiles: no raising, no objects, a code for how a step ended.
"""

from __future__ import annotations

from collections.abc import Callable, MutableSequence, Sequence
from typing import Any

import numpy as np

from tui_gradients.core.errors import NoFurtherStep, StepRefused

Array = np.ndarray
ValueAndGrad = Callable[[Array], tuple[float, Array]]
Row = MutableSequence[float]
"""A row of numbers indexed element by element: a list in Python, a float64 array under numba."""
Rows = Sequence[Row]
Data = Any
"""What `evaluate` reads f and ∇f from: a function (x, g) → f in Python, a problem's data
arrays under numba, whose `evaluate` each loop puts in place of the one here."""

TOLERANCE_GRAD = 1e-7
TOLERANCE_CHANGE = 1e-9
N_ITER, T, H_DIAG, PREV_LOSS, KEPT, OLDEST, D, PREV_GRAD, PAIRS = range(9)
"""State rows (a scalar in every column of its row): iterations so far, the last step size t,
H's scale, the last loss, pairs kept, the ring's oldest slot; the last direction d and
gradient; then y, s and 1/yᵀs of each pair, history_size rows apiece."""
FLAT, Q, TRIAL, G_NEW, G_PREV, BRACKET = range(6)
"""Work rows: the gradient as the iterations move, the two-loop recursion's q, a line-search
point, its gradient, the previous one, and two rows for the bracket's ends."""
WORK_ROWS = BRACKET + 2
MOVED, GRADIENT_SMALL, STALLED = range(3)
"""How `iterate` ended: it moved; torch returns at once (max|∇| ≤ tolerance_grad); or its
step fell below tolerance_change, so the parameters are where they were."""


def state_rows(history_size: int) -> int:
    return PAIRS + 3 * history_size


def initial_state(params: Array, history_size: int) -> tuple[Array, ...]:
    return tuple(np.zeros((state_rows(history_size), params.size)))


def step(
    value_and_grad: ValueAndGrad,
    params: Array,
    loss: float,
    grad: Array,
    state: tuple[Array, ...],
    lr: float,
    max_iter: int,
    history_size: int,
    line_search: bool,
) -> tuple[Array, tuple[Array, ...]]:
    """One torch LBFGS step from `params` (where f = loss and ∇f = grad) on Python floats: the
    new parameters and state. NoFurtherStep where torch's step would not move."""
    rows = np.asarray(state).tolist()
    size = params.size
    x = params.tolist()
    work, al = [[0.0] * size for _ in range(WORK_ROWS)], [0.0] * history_size

    def in_numpy(point: Row, gradient: Row) -> float:
        value, at = value_and_grad(np.array(point))
        gradient[:] = np.asarray(at, dtype=float).tolist()
        return float(value)

    try:
        ended = iterate(
            in_numpy, params.tolist(), float(loss), grad.tolist(), rows, x, work, al, lr,
            max_iter, history_size, line_search,
        )  # fmt: skip
    except ArithmeticError as error:  # numpy's inf or nan would follow; torch's would too
        raise StepRefused(f"its line search broke down ({error})") from None
    if ended == GRADIENT_SMALL:
        largest = float(np.abs(grad).max())
        raise NoFurtherStep(f"max|∇| = {largest:.3g} ≤ tolerance_grad {TOLERANCE_GRAD:g}")
    if ended == STALLED:
        raise NoFurtherStep(f"its step fell below tolerance_change {TOLERANCE_CHANGE:g}")
    return np.array(x), tuple(np.array(rows))


def evaluate(data: Data, x: Row, g: Row, hess: Row) -> float:
    """f at x, ∇f written into g: in Python, `data` is a function (x, g) → f that does so."""
    value: float = data(x, g)
    return value


def iterate(
    data: Data,
    params: Row,
    loss: float,
    grad: Row,
    state: Rows,
    x: Row,
    work: Rows,
    al: Row,
    lr: float,
    max_iter: int,
    history_size: int,
    line_search: bool,
) -> int:
    """torch's `step(closure)` from `params`, where f = loss and ∇f = grad: the point it ends
    at is written into x (which holds params on entry), `state` is brought up to date in
    place, `work` (WORK_ROWS rows) and `al` (history_size) are scratch. Returns MOVED,
    GRADIENT_SMALL or STALLED."""
    size = len(x)
    flat = work[FLAT]
    largest = 0.0
    for j in range(size):
        flat[j] = grad[j]
        largest = max(largest, abs(grad[j]))
    if largest <= TOLERANCE_GRAD:  # torch returns at once, moving nothing
        return GRADIENT_SMALL
    d, prev_grad = state[D], state[PREV_GRAD]
    max_eval = max_iter * 5 // 4
    evals, iterations = 1, 0
    t = state[T][0]
    while iterations < max_iter:
        iterations += 1
        n_iter = state[N_ITER][0] + 1.0
        _fill(state[N_ITER], n_iter)
        if n_iter == 1.0:
            for j in range(size):
                d[j] = -flat[j]
            _fill(state[KEPT], 0.0)
            _fill(state[OLDEST], 0.0)
            _fill(state[H_DIAG], 1.0)
        else:
            _remember(state, flat, t, history_size)
            _direction(state, flat, work[Q], al, history_size)
        for j in range(size):
            prev_grad[j] = flat[j]
        _fill(state[PREV_LOSS], loss)
        if n_iter == 1.0:
            total = 0.0
            for j in range(size):
                total += abs(flat[j])
            t = min(1.0, 1.0 / total) * lr
        else:
            t = lr
        _fill(state[T], t)
        gtd = _dot(flat, d)
        if gtd > -TOLERANCE_CHANGE:
            break
        optimal = False
        if line_search:
            loss, t, used = _strong_wolfe(data, x, t, d, loss, gtd, work, max_eval - evals)
            _fill(state[T], t)
            for j in range(size):
                x[j] = x[j] + t * d[j]
            optimal = _largest(flat) <= TOLERANCE_GRAD
        else:
            for j in range(size):
                x[j] = x[j] + t * d[j]
            used = 0
            if iterations != max_iter:
                loss = evaluate(data, x, flat, work[G_PREV])
                used = 1
                optimal = _largest(flat) <= TOLERANCE_GRAD
        evals += used
        if iterations == max_iter or evals >= max_eval or optimal:
            break
        if abs(t) * _largest(d) <= TOLERANCE_CHANGE or abs(loss - state[PREV_LOSS][0]) < (
            TOLERANCE_CHANGE
        ):
            break
    for j in range(size):
        if x[j] != params[j]:
            return MOVED
    return STALLED  # torch's step returns without moving, and would again


def _remember(state: Rows, flat: Row, t: float, history_size: int) -> None:
    """A new pair y = ∇ₖ − ∇ₖ₋₁, s = t·d where yᵀs > 1e-10, over the oldest when the ring is
    full, and H's scale yᵀs / yᵀy from it."""
    size = len(flat)
    d, prev_grad = state[D], state[PREV_GRAD]
    ys = yy = 0.0
    for j in range(size):
        ys += (flat[j] - prev_grad[j]) * (d[j] * t)
    if ys <= 1e-10:
        return
    kept, oldest = int(state[KEPT][0]), int(state[OLDEST][0])
    if kept == history_size:
        slot = oldest
        _fill(state[OLDEST], float((oldest + 1) % history_size))
    else:
        slot = (oldest + kept) % history_size
        _fill(state[KEPT], float(kept + 1))
    y, s = state[PAIRS + slot], state[PAIRS + history_size + slot]
    for j in range(size):
        y[j] = flat[j] - prev_grad[j]
        s[j] = d[j] * t
        yy += y[j] * y[j]
    _fill(state[PAIRS + 2 * history_size + slot], 1.0 / ys)
    _fill(state[H_DIAG], ys / yy)


def _direction(state: Rows, flat: Row, q: Row, al: Row, history_size: int) -> None:
    """d = −H·∇ by the two-loop recursion over the pairs kept, oldest first, as torch orders
    it (q and r are one buffer there too)."""
    size = len(flat)
    kept, oldest = int(state[KEPT][0]), int(state[OLDEST][0])
    for j in range(size):
        q[j] = -flat[j]
    for i in range(kept - 1, -1, -1):
        slot = (oldest + i) % history_size
        y, s = state[PAIRS + slot], state[PAIRS + history_size + slot]
        al[i] = _dot(s, q) * state[PAIRS + 2 * history_size + slot][0]
        for j in range(size):
            q[j] = q[j] - al[i] * y[j]
    h_diag, d = state[H_DIAG][0], state[D]
    for j in range(size):
        d[j] = q[j] * h_diag
    for i in range(kept):
        slot = (oldest + i) % history_size
        y, s = state[PAIRS + slot], state[PAIRS + history_size + slot]
        be_i = _dot(y, d) * state[PAIRS + 2 * history_size + slot][0]
        for j in range(size):
            d[j] = d[j] + (al[i] - be_i) * s[j]


def _strong_wolfe(
    data: Data, x: Row, t: float, d: Row, f: float, gtd: float, work: Rows, max_ls: int
) -> tuple[float, float, int]:
    """torch's `_strong_wolfe`: a step along d from x meeting the strong Wolfe conditions, by
    bracketing then zooming with cubic interpolation. Returns (f, t, evaluations) and leaves
    the gradient there in work[FLAT], which holds the gradient at x on entry."""
    c1, c2 = 1e-4, 0.9
    g, g_new, g_prev = work[FLAT], work[G_NEW], work[G_PREV]
    d_norm = _largest(d)
    f_new = _evaluate_along(data, x, t, d, work)
    evals, gtd_new = 1, _dot(g_new, d)
    t_prev, f_prev, gtd_prev = 0.0, f, gtd
    _copy(g, g_prev)
    done, ls_iter = False, 0
    bracket, bracket_f, bracket_gtd = [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]
    while ls_iter < max_ls:
        too_high = f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev)
        if not too_high and abs(gtd_new) <= -c2 * gtd:  # a bracket of one point, at both ends
            bracket[0], bracket[1], bracket_f[0], bracket_f[1] = t, t, f_new, f_new
            _copy(g_new, work[BRACKET])
            done = True
            break
        if too_high or gtd_new >= 0:
            bracket[0], bracket[1], bracket_f[0], bracket_f[1] = t_prev, t, f_prev, f_new
            bracket_gtd[0], bracket_gtd[1] = gtd_prev, gtd_new
            _copy(g_prev, work[BRACKET])
            _copy(g_new, work[BRACKET + 1])
            break
        previous = t
        t = _cubic_interpolate(
            t_prev, f_prev, gtd_prev, t, f_new, gtd_new, t + 0.01 * (t - t_prev), t * 10
        )
        t_prev, f_prev, gtd_prev = previous, f_new, gtd_new
        _copy(g_new, g_prev)
        f_new = _evaluate_along(data, x, t, d, work)
        evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket[0], bracket[1], bracket_f[0], bracket_f[1] = 0.0, t, f, f_new
        _copy(g, work[BRACKET])
        _copy(g_new, work[BRACKET + 1])
    insufficient = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < TOLERANCE_CHANGE:
            break
        top, bottom = max(bracket[0], bracket[1]), min(bracket[0], bracket[1])
        t = _cubic_interpolate(
            bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1],
            bottom, top,
        )  # fmt: skip
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:
            if insufficient or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                insufficient = False
            else:
                insufficient = True
        else:
            insufficient = False
        f_new = _evaluate_along(data, x, t, d, work)
        evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high], bracket_gtd[high] = t, f_new, gtd_new
            _copy(g_new, work[BRACKET + high])
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_gtd[high] = bracket_gtd[low]
                _copy(work[BRACKET + low], work[BRACKET + high])
            bracket[low], bracket_f[low], bracket_gtd[low] = t, f_new, gtd_new
            _copy(g_new, work[BRACKET + low])
    _copy(work[BRACKET + low], g)
    return bracket_f[low], bracket[low], evals


def _evaluate_along(data: Data, x: Row, t: float, d: Row, work: Rows) -> float:
    """f at x + t·d, its gradient into work[G_NEW] (torch's `_directional_evaluate`)."""
    trial = work[TRIAL]
    for j in range(len(x)):
        trial[j] = x[j] + t * d[j]
    return evaluate(data, trial, work[G_NEW], work[Q])


def _cubic_interpolate(
    x1: float,
    f1: float,
    g1: float,
    x2: float,
    f2: float,
    g2: float,
    xmin_bound: float,
    xmax_bound: float,
) -> float:
    """The minimiser of the cubic through two points with their slopes, within the bounds."""
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square >= 0:
        d2: float = d2_square**0.5
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _dot(a: Row, b: Row) -> float:
    total = 0.0
    for j in range(len(a)):
        total += a[j] * b[j]
    return total


def _largest(a: Row) -> float:
    largest = 0.0
    for j in range(len(a)):
        largest = max(largest, abs(a[j]))
    return largest


def _copy(source: Row, target: Row) -> None:
    for j in range(len(source)):
        target[j] = source[j]


def _fill(row: Row, value: float) -> None:
    for j in range(len(row)):
        row[j] = value


COMPILED = (
    "iterate", "_remember", "_direction", "_strong_wolfe", "_evaluate_along",
    "_cubic_interpolate", "_dot", "_largest", "_copy", "_fill",
)  # fmt: skip
"""Every function `iterate` calls, for numba to compile with it (`_kernels`)."""
