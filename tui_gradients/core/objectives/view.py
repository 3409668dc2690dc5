"""Which part of the plane the plot shows, so that every run stays in sight.

Pure functions on windows (w1_min, w1_max, w2_min, w2_max). The first view of a surface frames
its start and the nearest minimum with the minimum well inside (on an edge a run's last steps
would hide in the frame); a formula with no known minimum gets a view scaled from its own
gradient and curvature at the start. While following, a current point about to leave makes the
view pan (same zoom) or, when the points no longer fit, widen.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from tui_gradients.core.objectives.functions import Objective, Point, Window

MARGIN = 0.15
"""Room around what a view frames, as a fraction of its extent."""
EDGE = 0.04
"""A current point closer than this fraction of the view to an edge counts as leaving."""
SETTLE = 0.2
"""After a pan, the point that was leaving sits this fraction of the view inside it, so a slow
run does not pan on every step."""
PAN_FRACTION = 0.25
"""One pan key moves the view by this fraction of its size."""
TINY = 1e-9


def fit_view(objective: Objective, start: Point, paths: Sequence[np.ndarray] = ()) -> Window:
    """Everything at once, with the minimum well inside: the start, the nearest minimum, the
    preset's own view (or, for a formula with no known minimum, its natural radius around the
    start) and every point of every path."""
    points = [start]
    nearest = objective.nearest_minimum(start)
    if nearest is not None:
        points.append(nearest)
    if objective.window is not None:
        x0, x1, y0, y1 = objective.window
        points += [(x0, y0), (x1, y1)]
    elif nearest is None:
        radius = natural_radius(objective, start)
        points += [(start[0] - radius, start[1] - radius), (start[0] + radius, start[1] + radius)]
    for path in paths:
        finite = path[np.all(np.isfinite(path), axis=1)]
        if len(finite):
            low, high = finite.min(axis=0), finite.max(axis=0)
            points += [(float(low[0]), float(low[1])), (float(high[0]), float(high[1]))]
    view = frame(points)
    return view if nearest is None else keep_inside(view, [nearest], SETTLE)


def natural_radius(objective: Objective, start: Point) -> float:
    """How far from `start` the surface's shape plays out: the length of a Newton step
    (‖∇f‖/λ_max) or one unit of curvature (1/√λ_max), whichever is larger, from finite
    differences of the gradient (no symbolic work: a formula of any size costs four calls)."""
    point = np.array(start, dtype=float)
    scale = max(1.0, float(np.max(np.abs(point))))
    h = 1e-4 * scale
    with np.errstate(all="ignore"):
        _, grad = objective.value_and_grad(point)
        rows = []
        for axis in range(2):
            step = np.zeros(2)
            step[axis] = h
            _, ahead = objective.value_and_grad(point + step)
            _, behind = objective.value_and_grad(point - step)
            rows.append((ahead - behind) / (2 * h))
        hessian = np.array(rows)
        hessian = (hessian + hessian.T) / 2
    if not (np.all(np.isfinite(hessian)) and np.all(np.isfinite(grad))):
        return scale
    curvature = float(np.max(np.abs(np.linalg.eigvalsh(hessian))))
    if curvature < TINY:
        return scale
    radius = max(float(np.hypot(*grad)) / curvature, 1 / math.sqrt(curvature))
    return min(max(radius, 1e-3 * scale), 1e3 * scale)


def frame(points: Iterable[Point], margin: float = MARGIN) -> Window:
    """The smallest window around `points`, padded by `margin` of its extent on each side. A
    flat side (all points on one line) gets room from the other side's extent; the axes may
    differ by orders of magnitude (the seed's bowl: 40 along w1, 1.5 along w2), so only a side
    a thousand times shorter counts as flat."""
    xs, ys = zip(*points, strict=True)
    lo_x, hi_x, lo_y, hi_y = min(xs), max(xs), min(ys), max(ys)
    size = max(hi_x - lo_x, hi_y - lo_y, 1e-6 * max(1.0, *map(abs, (lo_x, hi_x, lo_y, hi_y))))

    def pad(extent: float) -> float:
        return extent * margin if extent > 1e-3 * size else size * 0.1

    px, py = pad(hi_x - lo_x), pad(hi_y - lo_y)
    return (lo_x - px, hi_x + px, lo_y - py, hi_y + py)


def keep_inside(view: Window, points: Sequence[Point], inset: float) -> Window:
    """`view` grown (never shrunk) so each point is at least `inset` of its extent inside."""
    x0, x1, y0, y1 = view
    for x, y in points:
        x0, x1 = _grow(x0, x1, x, inset)
        y0, y1 = _grow(y0, y1, y, inset)
    return (x0, x1, y0, y1)


def _grow(low: float, high: float, value: float, inset: float) -> tuple[float, float]:
    # solve for the new edge so that value sits `inset` of the new extent inside it
    low, high = float(low), float(high)
    if value - low < inset * (high - low):
        low = (value - inset * high) / (1 - inset)
    if high - value < inset * (high - low):
        high = (value - inset * low) / (1 - inset)
    return low, high


def contains(view: Window, point: Point, inset: float = 0.0) -> bool:
    """Whether `point` lies in `view`, at least `inset` of its extent from every edge."""
    x0, x1, y0, y1 = view
    dx, dy = (x1 - x0) * inset, (y1 - y0) * inset
    x, y = point
    return x0 + dx <= x <= x1 - dx and y0 + dy <= y <= y1 - dy


def follow(view: Window, current: Sequence[Point], recent: Sequence[Point] = ()) -> Window:
    """The view that keeps every current point in sight: `view` itself while they all are
    (EDGE inside); else the same zoom panned until the current and the `recent` points (the
    last few iterates) sit SETTLE inside; else, when they do not fit at this zoom (a zig-zag
    wider than the view, a run running away), a view widened to hold them all. Widening
    rather than panning to and fro keeps a zig-zag's picture still."""
    current = [p for p in current if all(map(math.isfinite, p))]
    if all(contains(view, p, EDGE) for p in current):
        return view
    keep = current + [p for p in recent if all(map(math.isfinite, p))]
    x0, x1, y0, y1 = view
    xs, ys = [p[0] for p in keep], [p[1] for p in keep]
    new_x = _pan_axis(x0, x1, xs) or _widen_axis(x0, x1, xs)
    new_y = _pan_axis(y0, y1, ys) or _widen_axis(y0, y1, ys)
    return keep_inside((*new_x, *new_y), current, EDGE * 2)


def _widen_axis(low: float, high: float, values: Sequence[float]) -> tuple[float, float]:
    """The axis grown (never shrunk) to hold every value with a little room."""
    room = (max(values) - min(values)) * EDGE * 2
    return min(low, min(values) - room), max(high, max(values) + room)


def _pan_axis(low: float, high: float, values: Sequence[float]) -> tuple[float, float] | None:
    """The axis shifted (same extent) so every value is SETTLE inside, if they fit that way."""
    size = high - low
    inset = size * SETTLE
    lowest, highest = min(values), max(values)
    if highest - lowest > size - 2 * inset:
        return None
    shift = 0.0
    if lowest < low + size * EDGE:
        shift = lowest - inset - low
    elif highest > high - size * EDGE:
        shift = highest + inset - high
    return low + shift, high + shift


def pan(view: Window, right: float, up: float) -> Window:
    """The view moved by `right` and `up` fractions of its width and height."""
    x0, x1, y0, y1 = view
    dx, dy = (x1 - x0) * right, (y1 - y0) * up
    return (x0 + dx, x1 + dx, y0 + dy, y1 + dy)


ZOOM_RANGE = 1e6
"""How far a view may be zoomed from the surface's fitted view, each way: 10⁶ times narrower
(past that the contours are rounding noise) or wider."""
RESOLVED = 1e-9
"""A view's span must be at least this fraction of its largest coordinate: about 10⁷ times the
spacing of doubles there, so every cell of the widest plot stands for a distinct number."""
FARTHEST = 1e100
"""No edge of a view beyond ±this: f at such points is past what the contours can draw."""


def usable(view: Window, fitted: Window) -> str | None:
    """Why a view cannot be shown (its edges not finite or too far out, a span past
    ZOOM_RANGE of the `fitted` view's or too narrow for its place), or None when it can."""
    if not all(math.isfinite(edge) and abs(edge) <= FARTHEST for edge in view):
        return f"a view stays within ±{FARTHEST:.0e}"
    for low, high, fit_low, fit_high in ((*view[:2], *fitted[:2]), (*view[2:], *fitted[2:])):
        span, fit_span = high - low, fit_high - fit_low
        if span > fit_span * ZOOM_RANGE:
            return f"zoomed out {ZOOM_RANGE:.0e} times the fitted view, the most there is"
        if span < max(fit_span / ZOOM_RANGE, RESOLVED * max(abs(low), abs(high))):
            return "zoomed in as far as the numbers can tell apart"
    return None
