"""torch.optim.LBFGS, step for step: one step is one call of torch's `step(closure)`, which runs
up to max_iter L-BFGS iterations (20 by default), each with a fixed step or a strong-Wolfe line
search, evaluating f and ∇f as often as they need (at most max_eval = 1.25·max_iter times).

The algorithm and its constants are torch's (tolerance_grad 1e-7, tolerance_change 1e-9,
history_size 100, the first iteration's step min(1, 1/‖g‖₁)·lr); the code is a port to numpy on
the few parameters here. Its memory (the last history_size pairs s, y and their 1/yᵀs, the last
direction and step, H's scale) is kept as the optimiser's state rows, so a run can step back.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tui_gradients.core.errors import NoFurtherStep

Array = np.ndarray
ValueAndGrad = Callable[[Array], tuple[float, Array]]

TOLERANCE_GRAD = 1e-7
TOLERANCE_CHANGE = 1e-9
SCALARS = 5
"""State rows before the direction: iterations so far, t, H's scale, the last loss, pairs kept."""


def state_rows(history_size: int) -> int:
    """Rows of state: the scalars, d and the last gradient, then y, s and 1/yᵀs per pair."""
    return SCALARS + 2 + 3 * history_size


def initial_state(params: Array, history_size: int) -> tuple[Array, ...]:
    return tuple(np.zeros_like(params) for _ in range(state_rows(history_size)))


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
    """One torch LBFGS step from `params` (where f = loss and ∇f = grad): the new parameters
    and state."""
    n_iter, t, h_diag, prev_loss, kept = (float(row[0]) for row in state[:SCALARS])
    d, prev_grad = state[SCALARS].copy(), state[SCALARS + 1].copy()
    pairs = int(kept)
    rows = state[SCALARS + 2 :]
    dirs = [rows[i].copy() for i in range(pairs)]
    stps = [rows[history_size + i].copy() for i in range(pairs)]
    ro = [float(rows[2 * history_size + i][0]) for i in range(pairs)]
    max_eval = max_iter * 5 // 4
    x, flat_grad, evals = params.copy(), grad.copy(), 1
    if np.abs(flat_grad).max() <= TOLERANCE_GRAD:  # torch returns at once, moving nothing
        largest = float(np.abs(flat_grad).max())
        raise NoFurtherStep(f"max|∇| = {largest:.3g} ≤ tolerance_grad {TOLERANCE_GRAD:g}")
    iterations = 0
    while iterations < max_iter:
        iterations += 1
        n_iter += 1
        if n_iter == 1:
            d, dirs, stps, ro, h_diag = -flat_grad, [], [], [], 1.0
        else:
            y, s = flat_grad - prev_grad, d * t
            ys = float(y @ s)
            if ys > 1e-10:
                if len(dirs) == history_size:
                    dirs.pop(0), stps.pop(0), ro.pop(0)
                dirs.append(y), stps.append(s), ro.append(1.0 / ys)
                h_diag = ys / float(y @ y)
            q, al = -flat_grad, [0.0] * len(dirs)
            for i in range(len(dirs) - 1, -1, -1):
                al[i] = float(stps[i] @ q) * ro[i]
                q = q - al[i] * dirs[i]
            d = r = q * h_diag
            for i in range(len(dirs)):
                be_i = float(dirs[i] @ r) * ro[i]
                r = r + (al[i] - be_i) * stps[i]
            d = r
        prev_grad, prev_loss = flat_grad.copy(), loss
        t = min(1.0, 1.0 / float(np.abs(flat_grad).sum())) * lr if n_iter == 1 else lr
        gtd = float(flat_grad @ d)
        if gtd > -TOLERANCE_CHANGE:
            break
        if line_search:
            loss, flat_grad, t, used = strong_wolfe(
                value_and_grad, x, t, d, loss, flat_grad, gtd, max_ls=max_eval - evals
            )
            x = x + t * d
            optimal = np.abs(flat_grad).max() <= TOLERANCE_GRAD
        else:
            x = x + t * d
            used, optimal = 0, False
            if iterations != max_iter:
                loss, flat_grad = value_and_grad(x)
                loss, used = float(loss), 1
                optimal = np.abs(flat_grad).max() <= TOLERANCE_GRAD
        evals += used
        if iterations == max_iter or evals >= max_eval or optimal:
            break
        if np.abs(d * t).max() <= TOLERANCE_CHANGE or abs(loss - prev_loss) < TOLERANCE_CHANGE:
            break
    if np.array_equal(x, params):  # torch's step returns without moving, and would again
        raise NoFurtherStep(f"its step fell below tolerance_change {TOLERANCE_CHANGE:g}")
    scalars = (n_iter, t, h_diag, prev_loss, len(dirs))
    return x, _pack(params, scalars, d, prev_grad, (dirs, stps, ro), history_size)


def _pack(params, scalars, d, prev_grad, memory, history_size):
    """The state rows (`state_rows`) of what a step leaves for the next, written into one
    array whose rows are the state (one allocation, not three hundred)."""
    dirs, stps, ro = memory
    rows = np.zeros((state_rows(history_size), params.size))
    rows[:SCALARS] = np.asarray(scalars, dtype=float)[:, None]
    rows[SCALARS], rows[SCALARS + 1] = d, prev_grad
    kept, first = len(dirs), SCALARS + 2
    if kept:
        rows[first : first + kept] = dirs
        rows[first + history_size : first + history_size + kept] = stps
        rows[first + 2 * history_size : first + 2 * history_size + kept] = np.asarray(ro)[:, None]
    return tuple(rows)


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through two points with their slopes, within bounds."""
    if bounds is None:
        bounds = (x1, x2) if x1 <= x2 else (x2, x1)
    xmin_bound, xmax_bound = bounds
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square >= 0:
        d2 = d2_square**0.5
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def strong_wolfe(value_and_grad, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, max_ls=25):
    """torch's `_strong_wolfe`: a step along d meeting the strong Wolfe conditions, by
    bracketing then zooming with cubic interpolation. Returns (f, g, t, evaluations)."""

    def evaluate(step_size: float) -> tuple[float, Array]:
        value, gradient = value_and_grad(x + step_size * d)
        return float(value), np.asarray(gradient, dtype=float)

    d_norm = float(np.abs(d).max())
    f_new, g_new = evaluate(t)
    evals, gtd_new = 1, float(g_new @ d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done, ls_iter = False, 0
    bracket, bracket_f, bracket_g, bracket_gtd = [], [], [], []
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g, done = [t], [f_new], [g_new], True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        min_step, max_step = t + 0.01 * (t - t_prev), t * 10
        previous = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, (min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = previous, f_new, g_new.copy(), gtd_new
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]
    insufficient = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < TOLERANCE_CHANGE:
            break
        t = _cubic_interpolate(
            bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]
        )
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insufficient or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insufficient = False
            else:
                insufficient = True
        else:
            insufficient = False
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high] = t, f_new
            bracket_g[high], bracket_gtd[high] = g_new.copy(), gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low] = t, f_new
            bracket_g[low], bracket_gtd[low] = g_new.copy(), gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evals
