"""What the readout says about a run at its current step: the point, the gradient beside the
distance to the minimum, whether a loose stopping rule would be fooled here, and when the run
first came near the minimum."""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass

import numpy as np

from tui_gradients.core.errors import NoFurtherStep, StepRefused
from tui_gradients.core.objectives.functions import Objective
from tui_gradients.core.objectives.theory import distances_to_nearest, steps_until_fraction
from tui_gradients.core.runs.run import Run

TRAP_TOL = 1e-2
"""The loose stopping rule the app warns about: ‖∇f‖ below this looks 'converged'."""
FAR_FACTOR = 10.0
"""A point counts as far when its distance to the minimum exceeds this many times ‖∇f‖ (a
flat direction: curvature below 1/FAR_FACTOR) and is not tiny in absolute terms."""
MIN_FAR_DISTANCE = 1e-3
ARRIVAL_FRACTION = 0.01
"""A run has arrived once its distance to the nearest minimum is at most this fraction of the
start's: the same 1 % the theory overlay predicts for gd."""


@dataclass(frozen=True)
class PointSummary:
    w1: float
    w2: float
    loss: float
    gap: float | None
    """f − f*, where f* is known."""
    grad_w1: float
    grad_w2: float
    grad_norm: float
    distance: float | None
    """To the nearest known minimum."""

    @property
    def component_ratio(self) -> float:
        """|∂f/∂w2| / |∂f/∂w1|: the seed's 1000× between the directions (inf, or nan for 0/0)."""
        with np.errstate(all="ignore"):
            return float(np.float64(abs(self.grad_w2)) / np.float64(abs(self.grad_w1)))

    @property
    def small_gradient_far_away(self) -> bool:
        """The trap: a loose gradient test would stop here, yet the minimum is far."""
        return (
            self.distance is not None
            and self.grad_norm < TRAP_TOL
            and self.distance > max(FAR_FACTOR * self.grad_norm, MIN_FAR_DISTANCE)
        )


def summarize(objective: Objective, run: Run) -> PointSummary:
    w1, w2 = (float(v) for v in run.params)
    g1, g2 = (float(v) for v in run.grads)
    nearest = objective.nearest_minimum((w1, w2))
    return PointSummary(
        w1=w1,
        w2=w2,
        loss=run.loss,
        gap=None if objective.f_star is None else run.loss - objective.f_star,
        grad_w1=g1,
        grad_w2=g2,
        grad_norm=math.hypot(g1, g2),
        distance=None if nearest is None else math.dist(nearest, (w1, w2)),
    )


class Arrival:
    """When a run first came within ARRIVAL_FRACTION of the minimum, scanning only new steps.

    A run's history is fixed once computed (a step back only moves its cursor), so a long race
    costs one pass over its history rather than one per frame.
    """

    def __init__(self, objective: Objective) -> None:
        self._minima = list(objective.minima)
        self._scanned = -1
        """The last step scanned."""
        self._reach = math.nan
        self._found: int | None = None

    def scan(self, run: Run) -> int | None:
        """The arrival step up to the run's cursor, or None. Steps are scanned once, as kept
        when scanned: a history thinned later keeps the step found before."""
        if not self._minima:
            return None
        history, rows = run.history, run.rows_to_cursor
        first = 0 if self._scanned < 0 else history.row_of(self._scanned) + 1
        if self._found is None and rows > first:
            path = history.params[:rows]
            if self._scanned < 0:
                self._reach = float(distances_to_nearest(path[:1], self._minima)[0])
            hit = steps_until_fraction(path[first:], self._minima, ARRIVAL_FRACTION, self._reach)
            if hit is not None:
                self._found = history.step_of(first + hit)
            self._scanned = run.cursor
        return self._found if self._found is not None and self._found <= run.cursor else None


@dataclass(frozen=True)
class Update:
    """What happens at the current point next: plain gd's step −lr·∇f, and the step the run's
    optimiser will actually take from here (its state included: momentum, accumulators)."""

    gradient_step: tuple[float, float]
    step: tuple[float, float]


def next_update(run: Run, lr: float) -> Update:
    """Computed from the run's own state at its cursor, without moving it: the optimiser is
    a pure (init, update) pair, so the next step can be asked for and thrown away. Where the
    history already holds the next step it is read from there, and one asked for at the end
    is kept until the run moves (an LBFGS step costs milliseconds, and every redraw asks)."""
    with np.errstate(all="ignore"):
        gradient_step = -lr * run.grads
    return Update((float(gradient_step[0]), float(gradient_step[1])), _next_step(run))


_asked: weakref.WeakKeyDictionary[Run, tuple[tuple[int, int], tuple[float, float]]] = (
    weakref.WeakKeyDictionary()
)
"""Per run, the step last asked for past its end, and where the run was then."""


def _next_step(run: Run) -> tuple[float, float]:
    history, params = run.history, run.params
    row = history.row_of(run.cursor)
    if row + 1 < len(history) and history.step_of(row + 1) == run.cursor + 1:
        step = history.params[row + 1] - params
        return float(step[0]), float(step[1])
    where = (run.cursor, len(history))
    known = _asked.get(run)
    if known is not None and known[0] == where:
        return known[1]
    state = tuple(history.states[row]) if run.optimizer.state_size else ()
    with np.errstate(all="ignore"):
        try:
            new_params, _ = run.optimizer.step(run.grads, state, params, run.loss)
            step = new_params - params
        except (StepRefused, NoFurtherStep):  # Newton where H is not positive definite, …
            step = np.full_like(params, math.nan)
    _asked[run] = (where, (float(step[0]), float(step[1])))
    return _asked[run][1]
