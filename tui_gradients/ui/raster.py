"""From data coordinates to terminal cells, for the contours and trajectories drawn in plotext's
frame.

The mapping copies plotext's own (`plotext._utility.get_matrix_data`), so a dot drawn here lands
in the cell where plotext would draw it. Trajectories are decimated to the cell grid: a
100 000-step history becomes at most one entry per cell and per distinct segment, so the cost
of drawing does not grow with the number of steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tui_gradients.core.functions import Window
from tui_gradients.core.rivals import MAX_RIVALS

Array = np.ndarray

# Overlay codes: where two things share a cell, the larger code is drawn. Rival i's path is
# RIVAL_PATH + i and its current point RIVAL_CURRENT + i (i < MAX_RIVALS).
EMPTY = 0
RIVAL_PATH = 1
PATH = RIVAL_PATH + MAX_RIVALS
MINIMUM = PATH + 1
RIVAL_CURRENT = MINIMUM + 1
CURRENT = RIVAL_CURRENT + MAX_RIVALS


@dataclass(frozen=True)
class Canvas:
    """Where plotext put the data area inside a widget of `width` × `height` cells."""

    width: int
    height: int
    left: int
    """First column of the data area."""
    bottom: int
    """Data-area rows counted from the bottom line of the widget, as plotext counts them."""
    columns: int
    rows: int
    window: Window

    def cells(self, points: Array) -> tuple[Array, Array]:
        """Screen (row, column) of each (w1, w2), as integers; far-off points are clipped to just
        outside the data area so that segments leaving it stay short."""
        x0, x1, y0, y1 = self.window
        col = _grid_index(points[:, 0], x0, x1, self.columns)
        up = _grid_index(points[:, 1], y0, y1, self.rows)
        return self.screen(up, col)

    def screen(self, up: Array, col: Array) -> tuple[Array, Array]:
        """Screen (row, column) of data-area cells counted from its bottom left corner."""
        return self.height - 1 - (self.bottom + up), self.left + col

    def inside(self, row: Array, col: Array) -> Array:
        """In the data area and on the widget (at tiny sizes plotext's data area overhangs it)."""
        top = max(self.height - self.bottom - self.rows, 0)
        return (
            (col >= max(self.left, 0))
            & (col < min(self.left + self.columns, self.width))
            & (row >= top)
            & (row < min(self.height - self.bottom, self.height))
        )


def _grid_index(values: Array, low: float, high: float, cells: int) -> Array:
    """floor(round(0.5 + (cells − 1)·(v − low)/(high − low), 8)) as plotext computes it, clipped
    to [−1, cells] with NaN at −1. Step by step in one buffer: a 10⁶-point jump is drawn in one
    frame, and each temporary array of that size costs a millisecond or more."""
    with np.errstate(all="ignore"):
        index = np.subtract(values, low)
        index *= cells - 1
        index /= high - low
        index += 0.5
        np.round(index, 8, out=index)
        np.floor(index, out=index)
    np.fmax(index, -1, out=index)  # fmax and fmin take the number over a NaN: NaN becomes −1
    np.fmin(index, cells, out=index)
    return index.astype(np.int64)


BRAILLE_BLANK = 0x2800
BRAILLE_DOTS = np.array([[0x40, 0x80], [0x04, 0x20], [0x02, 0x10], [0x01, 0x08]])
"""Unicode's bit for each dot of a braille cell, by dot row counted from the bottom and column."""


def braille(pixels: Array) -> Array:
    """One braille character's code point per cell of a pixel mask with 2 × 4 pixels per cell
    (row 0 at the bottom, as `contours.grid`), 0 where the cell has no pixel set. The same
    characters as plotext's braille marker, without its grouping of the pixels one by one."""
    rows, columns = pixels.shape[0] // 4, pixels.shape[1] // 2
    blocks = pixels[: rows * 4, : columns * 2].reshape(rows, 4, columns, 2)
    dots = (blocks * BRAILLE_DOTS[None, :, None, :]).sum(axis=(1, 3))
    return np.where(dots > 0, dots + BRAILLE_BLANK, 0)


def grid_cells(canvas: Canvas, codes: Array) -> tuple[Array, Array, Array]:
    """(row, column, code) on screen of each non-zero entry of a per-cell array of the data
    area (row 0 at the bottom), for the entries inside it."""
    up, col = np.nonzero(codes)
    rows, cols = canvas.screen(up, col)
    keep = canvas.inside(rows, cols)
    return rows[keep], cols[keep], codes[up[keep], col[keep]]


def point_cells(canvas: Canvas, points: Array) -> tuple[Array, Array]:
    """The cell of each point, for the points inside the data area (no lines between them)."""
    rows, cols = canvas.cells(points)
    keep = canvas.inside(rows, cols)
    return rows[keep], cols[keep]


CHUNK = 1 << 15
"""Points mapped to cells at a time: their temporaries stay in the processor's cache."""


def path_cells(canvas: Canvas, points: Array) -> tuple[Array, Array]:
    """Every cell the polyline through `points` crosses, each once, inside the data area."""
    if len(points) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    rows, cols = _moves(canvas, points)
    if len(rows) > 1:
        rows, cols = _segments(rows, cols)
    keep = canvas.inside(rows, cols)
    return rows[keep], cols[keep]


def _moves(canvas: Canvas, points: Array) -> tuple[Array, Array]:
    """The cell of each point that lands in another cell than the point before it. Chunk by
    chunk: for a 10⁶-point jump, mapping all at once made some twenty passes over fresh 8 MB
    arrays, and most of a slow run's points repeat the cell before them."""
    kept_rows, kept_cols = [], []
    last: tuple[int, int] | None = None
    for start in range(0, len(points), CHUNK):
        rows, cols = canvas.cells(points[start : start + CHUNK])
        moved = np.empty(len(rows), dtype=bool)
        moved[0] = last != (rows[0], cols[0])
        np.not_equal(rows[1:], rows[:-1], out=moved[1:])
        moved[1:] |= cols[1:] != cols[:-1]
        kept_rows.append(rows[moved])
        kept_cols.append(cols[moved])
        last = (rows[-1], cols[-1])
    if len(kept_rows) == 1:
        return kept_rows[0], kept_cols[0]
    return np.concatenate(kept_rows), np.concatenate(kept_cols)


def _segments(rows: Array, cols: Array) -> tuple[Array, Array]:
    """The cells along each distinct segment, sampled once per cell of its longer side."""
    span = 2**15  # more rows and columns than any terminal has: a cell fits in 30 bits
    cells = (rows + 1) * span + (cols + 1)
    # one int64 per segment, so that an oscillation's repeated segments are dropped after a
    # plain sort (np.unique over rows of pairs costs 0.2 ms even for the one segment of a step,
    # and its first call imports numpy.ma: a 40 ms hitch on the first step that moves)
    pairs = np.sort(cells[:-1] * span**2 + cells[1:])
    pairs = pairs[np.concatenate([[True], pairs[1:] != pairs[:-1]])]
    starts, ends = pairs // span**2, pairs % span**2
    r0, c0 = starts // span - 1, starts % span - 1
    r1, c1 = ends // span - 1, ends % span - 1
    lengths = np.maximum(np.abs(r1 - r0), np.abs(c1 - c0))
    counts = lengths + 1
    segment = np.repeat(np.arange(len(pairs)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    t = offsets / np.maximum(lengths[segment], 1)
    rows = np.rint(r0[segment] + t * (r1 - r0)[segment]).astype(np.int64)
    cols = np.rint(c0[segment] + t * (c1 - c0)[segment]).astype(np.int64)
    return rows, cols


class PathMask:
    """The cells a trajectory covers, kept up to date from its new points only.

    A step adds one point; rasterising a 10⁶-point history afresh on every key would make the
    frame time grow with the history, and so would comparing or copying it. The points come
    from a run's history, whose rows never change once written, so growth is recognised from
    the same buffer with the same first and last drawn points. Anything else (a step back,
    another run, the history moved to a larger buffer) starts again from the whole path.
    """

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.mask = np.zeros((canvas.height, canvas.width), dtype=bool)
        self.drawn = 0
        self.last = np.empty((0, 2))
        """The newest point drawn (none before the first update)."""
        self._buffer = 0
        self._ends = np.empty((0, 2))
        self._current: tuple[int, int] | None = None

    def update(self, points: Array) -> bool:
        """Draw `points`; whether that changed what is shown: a cell newly covered, or the
        newest point in another cell. Most steps of a slow run change neither, and then the
        plot has nothing to redraw."""
        drawn, buffer = self.drawn, points.__array_interface__["data"][0]
        grows = (
            0 < drawn <= len(points)
            and buffer == self._buffer
            and _same_bits(points[[0, drawn - 1]], self._ends)
        )
        previous, self._current = self._current, _only_cell(self.canvas, points[-1:])
        if grows and len(points) == drawn + 1 and self._current == previous:
            covered = True  # one step inside the cell of the last point: nothing new to cover
        else:
            if grows:  # from the last drawn point on: the joining segment too
                new = points[drawn - 1 :]
            else:
                self.mask[:] = False
                new = points
            rows, cols = path_cells(self.canvas, new)
            covered = grows and bool(self.mask[rows, cols].all())
            self.mask[rows, cols] = True
        self.drawn, self._buffer = len(points), buffer
        self._ends = points[[0, -1]].copy() if len(points) else np.empty((0, 2))
        self.last = points[-1:].copy()
        return not covered or self._current != previous


def _only_cell(canvas: Canvas, point: Array) -> tuple[int, int] | None:
    if len(point) == 0:
        return None
    rows, cols = canvas.cells(point)
    return int(rows[0]), int(cols[0])


def _same_bits(a: Array, b: Array) -> bool:
    """Bit for bit, so that NaNs compare equal and -0.0 differs from 0.0: one cheap pass."""
    return a.shape == b.shape and bool(np.all(a.view(np.int64) == b.view(np.int64)))


def overlay(
    canvas: Canvas,
    path: PathMask,
    rivals: Sequence[PathMask],
    minima: tuple[tuple[float, float], ...],
) -> Array:
    """A height × width array of overlay codes: paths, current points and minima. The main run
    is drawn over its rivals, and every current point over every path."""
    codes = np.zeros((canvas.height, canvas.width), dtype=np.int8)

    def mark(rows: Array, cols: Array, code: int) -> None:
        np.maximum.at(codes, (rows, cols), code)

    for index, rival in enumerate(rivals):
        np.maximum(codes, rival.mask * np.int8(RIVAL_PATH + index), out=codes)
    codes[path.mask] = PATH
    if minima:
        mark(*point_cells(canvas, np.array(minima, dtype=float)), MINIMUM)
    for index, rival in enumerate(rivals):
        mark(*point_cells(canvas, rival.last), RIVAL_CURRENT + index)
    mark(*point_cells(canvas, path.last), CURRENT)
    return codes
