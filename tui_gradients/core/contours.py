"""Contour lines on a character grid, with levels spaced geometrically.

Evenly spaced levels waste almost every line on the steep walls of an ill-conditioned bowl and
leave the floor, where gd crawls, blank. Geometric levels (each a fixed fraction of the one
above, measured from the lowest value in view) keep nested ellipses visible down to the minimum.

A pixel is on a contour where the level band changes between it and its right or upper
neighbour: a one-pixel line at braille resolution, computed with a handful of numpy operations.
"""

from __future__ import annotations

import numpy as np

from tui_gradients.core.functions import Objective, Window

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


def band_index(values: Array, floor: float, heights: Array) -> Array:
    """Which band between consecutive levels each value falls in; −1 where not finite."""
    bands = np.full(values.shape, -1, dtype=np.int16)
    finite = np.isfinite(values)
    # heights fall, so a value above more levels is in a lower band number
    bands[finite] = np.searchsorted(-heights, -(values[finite] - floor), side="left")
    return bands


def contour_mask(values: Array, levels: int = LEVELS) -> Array:
    """True where a contour line passes: the band changes towards the right or upper pixel."""
    floor, heights = geometric_levels(values, levels)
    bands = band_index(values, floor, heights)
    mask = np.zeros(values.shape, dtype=bool)
    both = (bands >= 0)[:, :-1] & (bands >= 0)[:, 1:]
    mask[:, :-1] |= (bands[:, :-1] != bands[:, 1:]) & both
    both = (bands >= 0)[:-1, :] & (bands >= 0)[1:, :]
    mask[:-1, :] |= (bands[:-1, :] != bands[1:, :]) & both
    return mask


def contour_pixels(objective: Objective, window: Window, columns: int, rows: int) -> Array:
    """True at each contour pixel of a `columns` × `rows` pixel grid over the window, row 0 at
    the bottom (`grid`)."""
    xs, ys = grid(window, columns, rows)
    with np.errstate(all="ignore"):
        values = np.asarray(objective.value(xs, ys), dtype=float)
    return contour_mask(np.broadcast_to(values, xs.shape))
