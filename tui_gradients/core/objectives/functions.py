"""The loss surfaces f(w1, w2): the seed's ill-conditioned bowl, classic test functions, formulas
typed by the user, and the losses of models fitted to data.

A surface is its formula, parsed once (`Expression`): its value, its exact gradient and
Hessian, the fast loops' code, the theory rows and the plot's title all come from that tree. A
preset adds only what a formula cannot say: its known minima and a start point that tells a
story. A loss with no short formula (logistic regression) brings its own model instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tui_gradients.core.errors import SettingError
from tui_gradients.core.objectives.expression import Expression
from tui_gradients.core.objectives.regression import Regression
from tui_gradients.core.objectives.sampled import Sampled

Array = np.ndarray
Point = tuple[float, float]
Window = tuple[float, float, float, float]
"""(w1_min, w1_max, w2_min, w2_max)."""
Axes = tuple[str, str]
AXES: Axes = ("w1", "w2")


@dataclass(frozen=True)
class Objective:
    """A loss surface with everything the app needs to draw and explain it."""

    name: str
    expression: Expression | None
    """The surface's formula, parsed; None for a loss with no short formula (logistic
    regression), which its `regression` computes and which steps only in numpy."""
    start: Point
    minima: tuple[Point, ...] = ()
    f_star: float | None = None
    """The global minimum value, where it is known."""
    suggested_lr: float = 0.5
    window: Window | None = None
    """A hand-picked view; when None the view is fitted to the start point and the minima."""
    note: str = field(default="", compare=False)
    regression: Regression | None = field(default=None, compare=False)
    """The model and data behind a surface fitted to data."""
    sampled: Sampled | None = None
    """A surface known on a grid only (a network's loss plane): drawn, never stepped."""
    axes: Axes = AXES
    """The plot's names for its two coordinates."""

    def __post_init__(self) -> None:
        if self.expression is None and self.regression is None and self.sampled is None:
            raise ValueError("a surface has a formula, a model or a grid")

    @property
    def formula(self) -> str | None:
        return None if self.expression is None else self.expression.text

    def value(self, w1: Array, w2: Array) -> Array:
        if self.expression is not None:
            return self.expression.value(w1, w2)
        if self.sampled is not None:
            return self.sampled(w1, w2)
        assert self.regression is not None
        return self.regression.value(w1, w2)

    def gradient(self, w1: Array, w2: Array) -> tuple[Any, ...]:
        if self.expression is not None:
            return self.expression.gradient(w1, w2)
        assert self.regression is not None
        return self.regression.gradient(w1, w2)

    def value_and_grad(self, params: Array) -> tuple[float, Array]:
        """f and ∇f at a 2-vector, as the optimisers want them.

        numpy scalars rather than Python floats: they overflow to inf instead of raising.
        """
        w1, w2 = params[0], params[1]
        if self.expression is not None:
            f, g1, g2 = self.expression.value_and_gradient(w1, w2)
            return float(f), np.array([g1, g2], dtype=float)
        with np.errstate(all="ignore"):
            g1, g2 = self.gradient(w1, w2)
            return float(self.value(w1, w2)), np.array([g1, g2], dtype=float)

    def hessian(self, params: Array) -> Array:
        """H at a point: from the formula's second derivatives (TooLarge past their budget),
        or the model's own."""
        if self.expression is not None:
            return self.expression.hessian(params)
        assert self.regression is not None
        return self.regression.hessian(params)

    def nearest_minimum(self, point: Point) -> Point | None:
        if not self.minima:
            return None
        return min(self.minima, key=lambda m: math.dist(m, point))


# --- presets --------------------------------------------------------------------------------


def surface(name: str, formula: str, start: Point, **known: Any) -> Objective:
    """A surface defined by its formula alone, with what is known of it (`Objective`'s
    fields: minima, f_star, suggested_lr, window, note)."""
    return Objective(name, Expression.parse(formula), start, **known)


def quadratic(a: float = 0.001, b: float = 1.0) -> Objective:
    """The seed's bowl a·w1² + b·w2²: with a ≪ b the w1 gradient is tiny far from the minimum."""
    _check_curvature(a, "a")
    _check_curvature(b, "b")
    return surface(
        "quadratic",
        f"{a!r}*w1**2 + {b!r}*w2**2",
        start=(-40.0, 1.5),
        minima=((0.0, 0.0),),
        f_star=0.0,
        suggested_lr=0.5,
        note="axis-aligned bowl: curvature 2a along w1, 2b along w2",
    )


def rotated_quadratic(a: float = 0.001, b: float = 1.0, angle_degrees: float = 45.0) -> Objective:
    """The same bowl turned by an angle: per-coordinate scaling (Adagrad) no longer lines up."""
    _check_curvature(a, "a")
    _check_curvature(b, "b")
    c, s = math.cos(math.radians(angle_degrees)), math.sin(math.radians(angle_degrees))
    u = f"({c!r}*w1 + {s!r}*w2)"
    v = f"({-s!r}*w1 + {c!r}*w2)"
    start_u = -40.0
    return surface(
        "rotated",
        f"{a!r}*{u}**2 + {b!r}*{v}**2",
        start=(c * start_u - s * 1.5, s * start_u + c * 1.5),
        minima=((0.0, 0.0),),
        f_star=0.0,
        suggested_lr=0.5,
        note=f"the bowl rotated by {angle_degrees:g}°: its long axis no longer follows w1",
    )


def rosenbrock() -> Objective:
    """(1 − w1)² + 100·(w2 − w1²)²: a curved valley, easy to find and slow to follow."""
    return surface(
        "rosenbrock",
        "(1 - w1)**2 + 100*(w2 - w1**2)**2",
        start=(-1.5, 2.0),
        minima=((1.0, 1.0),),
        f_star=0.0,
        suggested_lr=0.001,
        window=(-2.0, 2.0, -1.0, 3.0),
        note="banana valley; minimum at (1, 1)",
    )


def himmelblau() -> Objective:
    """(w1² + w2 − 11)² + (w1 + w2² − 7)²: four minima, which one you reach depends on the start."""
    return surface(
        "himmelblau",
        "(w1**2 + w2 - 11)**2 + (w1 + w2**2 - 7)**2",
        start=(-0.5, -0.5),
        minima=(
            (3.0, 2.0),
            (-2.805118086952745, 3.131312518250573),
            (-3.779310253377747, -3.283185991286170),
            (3.584428340330492, -1.848126526964404),
        ),
        f_star=0.0,
        suggested_lr=0.01,
        window=(-5.0, 5.0, -5.0, 5.0),
        note="four minima, all with f = 0",
    )


def saddle() -> Objective:
    """w1² − w2²: the gradient vanishes at the origin, which is not a minimum at all."""
    return surface(
        "saddle",
        "w1**2 - w2**2",
        start=(1.5, 0.001),
        minima=(),
        f_star=None,
        suggested_lr=0.1,
        window=(-2.0, 2.0, -2.0, 2.0),
        note="no minimum: unbounded below along w2; (0, 0) is a saddle point",
    )


def beale() -> Objective:
    """Beale's function: flat plateaus and steep walls, minimum f = 0 at (3, 0.5)."""
    terms = ((1.5, 1), (2.25, 2), (2.625, 3))
    return surface(
        "beale",
        " + ".join(f"({c!r} - w1 + w1*w2**{k})**2" for c, k in terms),
        start=(1.0, 1.5),
        minima=((3.0, 0.5),),
        f_star=0.0,
        suggested_lr=0.001,
        window=(-4.5, 4.5, -4.5, 4.5),
        note="minimum at (3, 0.5)",
    )


def custom(text: str, start: Point = (1.0, 1.0)) -> Objective:
    """A formula typed by the user; its minima are unknown, so distances cannot be shown."""
    return surface(
        "custom", text, start=start, suggested_lr=0.1, note="your formula; its minima are unknown"
    )


def fitted(name: str, regression: Regression) -> Objective:
    """The loss surface of `regression`, started at (0, 0) with a learning rate of 1/λ_max at
    the start (for least squares, the largest that does not overshoot along any direction)."""
    minimum = regression.minimum
    steepest = float(np.linalg.eigvalsh(regression.hessian(np.zeros(2)))[-1])
    return Objective(
        name=name,
        expression=regression.expression,
        start=(0.0, 0.0),
        minima=() if minimum is None else (minimum,),
        f_star=None if minimum is None else float(regression.value(*minimum)),
        suggested_lr=_round_down(1 / steepest),
        note=regression.note,
        regression=regression,
    )


def _round_down(value: float) -> float:
    """`value` to two significant digits, rounded down (bar rounding in its last bits: 1/2 is
    0.5, though 1/λ for a λ one bit above 2 is a hair below it): a learning rate that reads
    well."""
    exponent = math.floor(math.log10(value)) - 1
    return float(f"{math.floor(value / 10**exponent * (1 + 1e-12))}e{exponent}")


PRESETS: dict[str, Callable[..., Objective]] = {
    "quadratic": quadratic,
    "rotated": rotated_quadratic,
    "rosenbrock": rosenbrock,
    "himmelblau": himmelblau,
    "saddle": saddle,
    "beale": beale,
}
CURVATURE_PRESETS = ("quadratic", "rotated")
"""Presets whose shape is set by the curvatures a and b."""


def make_objective(
    name: str = "quadratic", *, expr: str | None = None, a: float = 0.001, b: float = 1.0
) -> Objective:
    """The objective a user asked for by preset name, or by formula when `expr` is given."""
    if expr is not None:
        return custom(expr)
    if name not in PRESETS:
        raise SettingError(
            "function", f"unknown function {name!r}; choose from {', '.join(PRESETS)}"
        )
    return PRESETS[name](a, b) if name in CURVATURE_PRESETS else PRESETS[name]()


def _check_curvature(value: float, name: str) -> None:
    if not (math.isfinite(value) and 0 < value <= 1e6):
        raise SettingError(name, f"must be a number in (0, 1e6], got {value!r}")


# --- views ------------------------------------------------------------------------------------


def fit_window(objective: Objective, start: Point, margin: float = 0.15) -> Window:
    """A view holding the start point and the nearest minimum (and the preset's own view)."""
    points = [start]
    nearest = objective.nearest_minimum(start)
    if nearest is not None:
        points.append(nearest)
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    if objective.window is not None:
        xs += objective.window[:2]
        ys += objective.window[2:]
    lo_x, hi_x, lo_y, hi_y = min(xs), max(xs), min(ys), max(ys)
    span = max(hi_x - lo_x, hi_y - lo_y, 1e-3)

    def pad(extent: float) -> float:  # a flat side (start on an axis) still gets some room
        return extent * margin if extent > 0.01 * span else span * 0.05

    pad_x, pad_y = pad(hi_x - lo_x), pad(hi_y - lo_y)
    return (lo_x - pad_x, hi_x + pad_x, lo_y - pad_y, hi_y + pad_y)


def equal_scale(window: Window, columns: int, rows: int, cell_aspect: float = 2.0) -> Window:
    """Grow one axis of `window` so one unit of w1 and one of w2 look the same length.

    A terminal cell is about twice as tall as it is wide (`cell_aspect`), so `rows` cells of
    height show as much as `rows·cell_aspect` cells of width.
    """
    x0, x1, y0, y1 = window
    width, height = x1 - x0, y1 - y0
    units_per_col = max(width / max(columns, 1), height / max(rows * cell_aspect, 1))
    half_w = units_per_col * columns / 2
    half_h = units_per_col * rows * cell_aspect / 2
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return (cx - half_w, cx + half_w, cy - half_h, cy + half_h)


def zoom(window: Window, factor: float, center: Point | None = None) -> Window:
    """Scale the view by `factor` (< 1 zooms in) about `center` (default: the view's middle)."""
    x0, x1, y0, y1 = window
    cx, cy = center if center is not None else ((x0 + x1) / 2, (y0 + y1) / 2)
    return (
        cx - (cx - x0) * factor,
        cx + (x1 - cx) * factor,
        cy - (cy - y0) * factor,
        cy + (y1 - cy) * factor,
    )
