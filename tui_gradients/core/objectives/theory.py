"""What theory predicts for a step, to set beside what the run measured.

The Hessian comes from the objective's own formula, differentiated twice by the same symbolic
rules that give the gradient. On a quadratic it is the same everywhere, and plain gradient
descent is linear: along each eigenvector of H (curvature λ) the distance to the minimum is
multiplied by 1 − lr·λ on every step. On the bowl a·w1² + b·w2² that is 1 − 2·lr·a along w1,
so with a = 0.001 and lr = 0.5 the factor is 0.999 and w1 needs ln(0.01)/ln(0.999) ≈ 4603 steps
to fall to 1 % of its start. A step is stable only while |1 − lr·λ| < 1, i.e. lr < 2/λ_max.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from tui_gradients.core.errors import StepRefused
from tui_gradients.core.objectives.expression import TooLarge
from tui_gradients.core.objectives.functions import Objective, Point
from tui_gradients.core.objectives.tree import has_variable

Array = np.ndarray


@dataclass(frozen=True)
class Curvature:
    """The Hessian at a point and what its eigenvalues say about the surface there."""

    hessian: Array
    eigenvalues: tuple[float, float]
    """Smallest first."""
    constant: bool
    """True when f is quadratic: the same Hessian everywhere, and gd's predictions are exact."""

    @property
    def condition(self) -> float:
        """κ = λ_max / λ_min for a positive-definite H, otherwise NaN (no minimum here)."""
        low, high = self.eigenvalues
        return high / low if low > 0 else math.nan


@dataclass(frozen=True)
class GdPrediction:
    """Plain gradient descent on a quadratic, from the eigenvalues alone."""

    factors: tuple[float, float]
    """|1 − lr·λ| along each eigenvector, in the order of `Curvature.eigenvalues`."""
    max_stable_lr: float
    """2 / λ_max: above it the steepest direction grows instead of shrinking."""
    steps_to_fraction: float
    """Steps for the distance to the minimum to fall to `fraction` of its start, from the
    start's component along each eigenvector: exact for gd on a quadratic (inf if it never
    does)."""
    fraction: float


def hessian_function(objective: Objective) -> Callable[[Array], Array]:
    """H at a point, for a second-order optimiser (the formula's second derivatives built on
    first use); a formula too large to differentiate twice refuses the step (StepRefused)."""

    def hessian(params: Array) -> Array:
        try:
            return objective.hessian(params)
        except TooLarge as error:
            raise StepRefused(f"its Hessian is too large to compute ({error})") from None

    return hessian


def curvature(objective: Objective, point: Point) -> Curvature:
    """The Hessian of `objective` at `point`, with its eigenvalues; TooLarge for a formula
    whose second derivatives are past the budget. A loss with no formula brings its own."""
    hessian = objective.hessian(np.asarray(point, dtype=float))
    expression = objective.expression
    constant = expression is not None and not any(
        has_variable(node) for node in expression.second_derivatives()
    )
    if not np.all(np.isfinite(hessian)):
        return Curvature(hessian, (math.nan, math.nan), constant)
    low, high = np.linalg.eigvalsh(hessian)
    return Curvature(hessian, (float(low), float(high)), constant)


def gd_prediction(
    curv: Curvature, lr: float, start: Point, minimum: Point, fraction: float = 0.01
) -> GdPrediction:
    """gd's contraction per direction and the steps to shrink the distance to `fraction`."""
    low, high = curv.eigenvalues
    factors = (abs(1 - lr * low), abs(1 - lr * high))
    _, vectors = np.linalg.eigh(curv.hessian)
    components = np.abs(vectors.T @ np.subtract(start, minimum))
    steps = _steps_to_fraction(np.array(factors), components, fraction)
    return GdPrediction(factors, 2 / high if high > 0 else math.inf, steps, fraction)


def _steps_to_fraction(factors: Array, components: Array, fraction: float) -> float:
    """The first k with ‖d_k‖ ≤ fraction·‖d_0‖, where gd on a quadratic multiplies the start's
    component c_i along eigenvector i by factor f_i each step: ‖d_k‖² = Σ c_i² f_i^2k, which
    falls with k, so k is found by bisection below the bound the slowest factor alone gives
    (ln fraction / ln f_max, exact only when the start lies along that direction). inf when
    a component present never shrinks."""
    weights = components**2
    total = float(weights.sum())
    present = weights > 1e-24 * total
    if total == 0 or not present.any():
        return 0.0
    slowest = float(factors[present].max())
    if slowest >= 1:
        return math.inf
    if slowest == 0:
        return 1.0
    target = fraction * fraction * total

    def reached(k: int) -> bool:
        with np.errstate(under="ignore"):
            return float(weights[present] @ factors[present] ** (2 * k)) <= target

    low, high = 0, max(1, math.ceil(math.log(fraction) / math.log(slowest)))
    while not reached(high):  # rounding at the bound itself: one step more
        high += 1
    while low < high:
        middle = (low + high) // 2
        low, high = (low, middle) if reached(middle) else (middle + 1, high)
    return float(low)


def distances_to_nearest(points: Array, minima: Sequence[Point]) -> Array:
    """Each point's distance to the nearest of `minima`."""
    centres = np.asarray(minima, dtype=float).reshape(-1, 2)
    offsets = points[:, None, :] - centres[None, :, :]
    nearest: Array = np.min(np.hypot(offsets[..., 0], offsets[..., 1]), axis=1)
    return nearest


def steps_until_fraction(
    path: Array, minima: Sequence[Point], fraction: float = 0.01, reach: float | None = None
) -> int | None:
    """The first step at which the distance to the nearest of `minima` is at most `fraction` of
    `reach` (by default the start's, `path[0]`), or None if the path has not got there yet."""
    distances = distances_to_nearest(path, minima)
    limit = fraction * (distances[0] if reach is None else reach)
    reached = np.flatnonzero(distances <= limit)
    return int(reached[0]) if len(reached) else None
