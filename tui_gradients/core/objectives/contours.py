"""Contour lines on a character grid, with levels spaced geometrically.

Evenly spaced levels waste almost every line on the steep walls of an ill-conditioned bowl and
leave the floor, where gd crawls, blank. Geometric levels (each a fixed fraction of the one
above, measured from the lowest value in view) keep nested ellipses visible down to the minimum.

A pixel is on a contour where the level band changes between it and its right or upper
neighbour: a one-pixel line at braille resolution, computed with a handful of numpy operations.
"""

from __future__ import annotations

import math

import numpy as np

from tui_gradients.core.objectives.functions import Objective, Window

Array = np.ndarray
LEVELS = 12
RATIO = 10**-0.5
"""Each level is ≈ 0.316 of the one above: two levels per decade, six decades in view."""


def grid(window: Window, columns: int, rows: int) -> tuple[Array, Array]:
    """Pixel centres: `columns` × `rows` points spanning the window edge to edge, row 0 at the
    bottom, the same spacing plotext uses to place points."""
    x0, x1, y0, y1 = window
    xs = np.linspace(x0, x1, max(columns, 2))
    ys = np.linspace(y0, y1, max(rows, 2))
    return np.meshgrid(xs, ys)


def geometric_levels(
    values: Array, levels: int = LEVELS, ratio: float = RATIO
) -> tuple[float, Array]:
    """(floor, heights): contour at floor + h for each h, heights falling by `ratio`.

    The top level sits at the highest finite value in view, so the outermost ring is on screen.
    Where the values span more decades than the levels would (exp(w1·w2), values that overflow
    in a corner), the ratio widens so the levels reach down to the lowest 2% of the view.
    """
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 0.0, np.array([])
    floor, top = float(finite.min()), float(finite.max())
    span = top - floor
    if not (span > 0 and np.isfinite(span)):
        return floor, np.array([])
    above = finite - floor
    positive = above[above > 0]
    rank = int(0.02 * (positive.size - 1))  # the 2 % order statistic: np.quantile's first call
    low = float(np.partition(positive, rank)[rank])  # imports numpy.ma, 20 ms of start-up
    ratio = min(ratio, (low / span) ** (1 / levels))
    return floor, span * ratio ** np.arange(1, levels + 1)


NEAR = 0.02
"""The lowest value in view counts as near the minimum within this fraction of the range."""
MIN_GAP = 2.0
"""Rings whose enclosed areas differ by less than this in √pixels would touch."""
MIN_EXTENT = (8, 4)
"""A ring must span at least this many pixel rows and columns (two braille cells each way),
or it draws as a blob around the minimum instead of a ring."""


def signed_levels(values: Array, levels: int = LEVELS, ratio: float = RATIO) -> Array:
    """Levels on both sides of f = 0 for a view where f takes both signs and no minimum is
    known (a saddle): zero, and geometric towards the largest |f| on each side, so both
    families of level sets are drawn instead of only those near the lowest value."""
    finite = values[np.isfinite(values)]
    low, high = float(finite.min()), float(finite.max())
    half = max(levels // 2, 1)
    above = high * ratio ** np.arange(1, half + 1)
    below = low * ratio ** np.arange(1, half + 1)
    return np.concatenate([above, [0.0], below[::-1]])


def choose_levels(
    values: Array,
    f_star: float | None = None,
    levels: int = LEVELS,
    min_extent: tuple[int, int] = MIN_EXTENT,
) -> Array:
    """The contour levels for the values in view, highest first, thinned where rings would
    crowd. Geometric above the minimum where one is known (f*), or above the lowest value in
    view; on both sides of zero where f takes both signs and no minimum is known."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.array([])
    if f_star is None and finite.min() < 0 < finite.max():
        chosen = signed_levels(finite, levels)
    else:
        floor, heights = geometric_levels(finite, levels)
        top = float(finite.max())
        if f_star is not None and f_star < floor and floor - f_star < NEAR * (top - f_star):
            # the minimum is in view or just outside: rings geometric around f* itself; zoomed
            # far from it, levels counted from f* would all lie below the view
            floor, heights = geometric_levels(np.append(finite, f_star), levels)
        chosen = floor + heights
    return thin(values, chosen, min_extent)


def thin(values: Array, levels: Array, min_extent: tuple[int, int] = MIN_EXTENT) -> Array:
    """Drop levels whose ring would be a blob or would touch the ring kept above it, judged by
    the pixels each level encloses (√area grows with a ring's size, whatever its shape) and by
    the rows and columns it spans: a closed ring must span `min_extent`, and any ring must
    shrink by half of it in rows or columns from the one kept above (long thin level sets, a
    steep bowl seen from far, have large areas but lines a pixel apart)."""
    finite = np.sort(values[np.isfinite(values)])
    areas = np.sqrt(np.searchsorted(finite, levels))
    kept: list[float] = []
    last: tuple[float, ...] = (math.inf, math.inf, math.inf)
    for level, area in zip(levels, areas, strict=True):
        if area * area >= finite.size or last[0] - area < MIN_GAP:
            continue
        below = values < level
        rows, cols = below.any(axis=1), below.any(axis=0)
        span = np.count_nonzero(rows), np.count_nonzero(cols)
        open_curve = rows[0] or rows[-1] or cols[0] or cols[-1]  # runs off the view: a line
        if not open_curve and (span[0] < min_extent[0] or span[1] < min_extent[1]):
            break  # the levels fall: every ring after this one is smaller still
        if last[1] - span[0] < min_extent[0] / 2 and last[2] - span[1] < min_extent[1] / 2:
            continue
        kept.append(level)
        last = (float(area), *(float(v) for v in span))
    return np.array(kept)


def band_index(values: Array, levels: Array) -> Array:
    """Which band between consecutive levels (highest first) each value falls in; −1 where
    not finite."""
    bands = np.full(values.shape, -1, dtype=np.int16)
    finite = np.isfinite(values)
    bands[finite] = np.searchsorted(-levels, -values[finite], side="left")
    return bands


def contour_mask(values: Array, levels: Array) -> Array:
    """True where a contour line passes: the band changes towards the right or upper pixel."""
    bands = band_index(values, levels)
    mask = np.zeros(values.shape, dtype=bool)
    both = (bands >= 0)[:, :-1] & (bands >= 0)[:, 1:]
    mask[:, :-1] |= (bands[:, :-1] != bands[:, 1:]) & both
    both = (bands >= 0)[:-1, :] & (bands >= 0)[1:, :]
    mask[:-1, :] |= (bands[:-1, :] != bands[1:, :]) & both
    return mask


def values_on(objective: Objective, window: Window, columns: int, rows: int) -> Array:
    """f at each pixel of a `columns` × `rows` grid over the window, row 0 at the bottom."""
    xs, ys = grid(window, columns, rows)
    with np.errstate(all="ignore"):
        values = np.asarray(objective.value(xs, ys), dtype=float)
    return np.broadcast_to(values, xs.shape)


def contour_pixels(
    objective: Objective,
    window: Window,
    columns: int,
    rows: int,
    min_extent: tuple[int, int] = MIN_EXTENT,
) -> tuple[Array, Array]:
    """(mask, levels): True at each contour pixel of a `columns` × `rows` pixel grid over the
    window, row 0 at the bottom (`grid`), and the levels drawn, highest first."""
    values = values_on(objective, window, columns, rows)
    levels = choose_levels(values, objective.f_star, min_extent=min_extent)
    return contour_mask(values, levels), levels
