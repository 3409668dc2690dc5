"""From data coordinates to terminal cells, for the contours and trajectories drawn in plotext's
frame.

The mapping is the one plotext places its points by (a test checks it against plotext's
output), so a dot drawn here lands in the cell where plotext would draw it. Trajectories are
decimated to the cell grid: a 100 000-step history becomes at most one entry per cell and per
distinct segment, so the cost of drawing does not grow with the number of steps.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from tui_gradients.core.objectives.functions import Window
from tui_gradients.core.objectives.view import contains
from tui_gradients.core.runs.rivals import MAX_RIVALS

Array = np.ndarray

RECENT = 5
"""The last few iterates are drawn brighter than the older ones, so the order of a zig-zag can
be read: the current point, then these, then the rest."""

# What the overlay draws in a cell, as a style id: 0 is the base (frame, contours). Run r (0 is
# the main run, then the rivals in order) has an id per kind; later kinds are drawn over earlier
# ones, and within a kind the main run over its rivals.
SEGMENT, OLD, RECENT_ITERATE, CURRENT, EDGE = range(5)
KINDS = 5
MINIMUM = 1 + KINDS * (MAX_RIVALS + 1)
GRADIENT_ARROW = MINIMUM + 1
STEP_ARROW = MINIMUM + 2


def style_id(kind: int, run: int) -> int:
    return 1 + kind * (MAX_RIVALS + 1) + run


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

    def point_at(self, row: int, col: int) -> tuple[float, float] | None:
        """The (w1, w2) a screen cell of the data area stands for (the middle of what
        `cells` puts there); None outside the data area."""
        if not bool(self.inside(np.array(row), np.array(col))):
            return None
        x0, x1, y0, y1 = self.window
        across, up = col - self.left, self.height - 1 - self.bottom - row
        return (
            x0 + across * (x1 - x0) / max(self.columns - 1, 1),
            y0 + up * (y1 - y0) / max(self.rows - 1, 1),
        )

    def inside(self, row: Array, col: Array) -> Array:
        """In the data area and on the widget (at tiny sizes plotext's data area overhangs it)."""
        top = max(self.height - self.bottom - self.rows, 0)
        return (
            (col >= max(self.left, 0))
            & (col < min(self.left + self.columns, self.width))
            & (row >= top)
            & (row < min(self.height - self.bottom, self.height))
        )


PIXEL_ROWS, PIXEL_COLUMNS = 4, 2
"""Braille's dots per cell: lines are drawn at this finer grid."""


def pixels(canvas: Canvas, points: Array) -> tuple[Array, Array]:
    """Screen pixel (row, column) of each point at braille resolution: cell (r, c) holds pixel
    rows 4r to 4r + 3 (top to bottom) and columns 2c, 2c + 1; far-off points are clipped to
    just outside the data area, as `Canvas.cells` does."""
    x0, x1, y0, y1 = canvas.window
    col = _grid_index(points[:, 0], x0, x1, canvas.columns * PIXEL_COLUMNS)
    up = _grid_index(points[:, 1], y0, y1, canvas.rows * PIXEL_ROWS)
    bottom_row = canvas.height - 1 - canvas.bottom
    return bottom_row * PIXEL_ROWS + PIXEL_ROWS - 1 - up, canvas.left * PIXEL_COLUMNS + col


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
Mapping = Callable[[Array], tuple[Array, Array]]


def _moves(to_grid: Mapping, points: Array) -> tuple[Array, Array]:
    """The grid position of each point that lands elsewhere than the point before it. Chunk by
    chunk: for a 10⁶-point jump, mapping all at once made some twenty passes over fresh 8 MB
    arrays, and most of a slow run's points repeat the position before them."""
    kept_rows, kept_cols = [], []
    last: tuple[int, int] | None = None
    for start in range(0, len(points), CHUNK):
        rows, cols = to_grid(points[start : start + CHUNK])
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


def _segments(rows: Array, cols: Array) -> tuple[Array, Array, Array, Array]:
    """The grid positions along each distinct segment, sampled once per step of its longer
    side, with the segment's (rows, columns) extent at each: a line character in ASCII needs
    the slope."""
    span = 2**15  # more than any grid here has: a position fits in 30 bits
    cells = (rows + 1) * span + (cols + 1)
    # one int64 per segment, so that an oscillation's repeated segments are dropped after a
    # plain sort (np.unique over rows of pairs costs 0.2 ms even for the one segment of a step,
    # and its first call imports numpy.ma: a 40 ms hitch on the first step that moves)
    pairs = np.sort(cells[:-1] * span**2 + cells[1:])
    pairs = pairs[np.concatenate([[True], pairs[1:] != pairs[:-1]])]
    starts, ends = pairs // span**2, pairs % span**2
    r0, c0 = starts // span - 1, starts % span - 1
    dr, dc = ends // span - 1 - r0, ends % span - 1 - c0
    lengths = np.maximum(np.abs(dr), np.abs(dc))
    counts = lengths + 1
    segment = np.repeat(np.arange(len(pairs)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    t = offsets / np.maximum(lengths[segment], 1)
    dr, dc = dr[segment], dc[segment]
    rows = np.rint(r0[segment] + t * dr).astype(np.int64)
    cols = np.rint(c0[segment] + t * dc).astype(np.int64)
    return rows, cols, dr, dc


def polyline(to_grid: Mapping, points: Array) -> tuple[Array, Array, Array, Array]:
    """Every grid position the polyline through `points` crosses, each segment once, with its
    segment's extent (`_segments`); positions off the grid included (callers clip). Points
    that all share one position make no line."""
    rows, cols = _moves(to_grid, points) if len(points) else (np.empty(0, np.int64),) * 2
    if len(rows) < 2:  # no segment: the points all lie in one position
        empty = np.empty(0, np.int64)
        return empty, empty, empty, empty
    return _segments(rows, cols)


def line_glyphs(drow: Array, dcol: Array) -> Array:
    """The ASCII character that best follows each slope: '-', '|', '/' or '\\'. A cell is about
    twice as tall as it is wide, so a row counts double."""
    across, down = np.abs(dcol), 2 * np.abs(drow)
    glyphs = np.where(drow * dcol > 0, ord("\\"), ord("/"))
    glyphs = np.where(across > 2.4 * down, ord("-"), glyphs)
    return np.where(down > 2.4 * across, ord("|"), glyphs)


def braille_screen(dots: Array) -> Array:
    """Braille code points of a screen pixel mask (row 0 at the top, `pixels`), 0 where blank."""
    rows, columns = dots.shape[0] // PIXEL_ROWS, dots.shape[1] // PIXEL_COLUMNS
    blocks = dots[: rows * PIXEL_ROWS, : columns * PIXEL_COLUMNS].reshape(
        rows, PIXEL_ROWS, columns, PIXEL_COLUMNS
    )
    codes = (blocks * BRAILLE_DOTS[::-1][None, :, None, :]).sum(axis=(1, 3))
    return np.where(codes > 0, codes + BRAILLE_BLANK, 0)


class Ink:
    """Lines on the plot: braille dots at 2 × 4 per cell, or ASCII line characters a cell."""

    def __init__(self, canvas: Canvas, ascii_only: bool) -> None:
        self.canvas, self.ascii_only = canvas, ascii_only
        self.glyphs = np.zeros((canvas.height, canvas.width), dtype=np.int32)
        """The line's character in each cell, 0 where none passes."""
        self._dots = np.zeros(
            (canvas.height * PIXEL_ROWS, canvas.width * PIXEL_COLUMNS), dtype=bool
        )

    def clear(self) -> None:
        self.glyphs[:] = 0
        self._dots[:] = False

    def draw(self, points: Array) -> bool:
        """Add the polyline through `points`; whether any new ink went down."""
        canvas = self.canvas
        if self.ascii_only:
            rows, cols, dr, dc = polyline(canvas.cells, points)
            keep = canvas.inside(rows, cols)
            rows, cols = rows[keep], cols[keep]
            glyphs = line_glyphs(dr[keep], dc[keep]).astype(np.int32)
            before = self.glyphs[rows, cols]
            # where segments cross, the largest code wins: the same whatever the drawing order
            np.maximum.at(self.glyphs, (rows, cols), glyphs)
            return bool(np.any(self.glyphs[rows, cols] != before))
        rows, cols, _, _ = polyline(lambda chunk: pixels(canvas, chunk), points)
        keep = canvas.inside(rows // PIXEL_ROWS, cols // PIXEL_COLUMNS)
        rows, cols = rows[keep], cols[keep]
        if len(rows) == 0 or bool(self._dots[rows, cols].all()):
            return False
        self._dots[rows, cols] = True
        top, bottom = int(rows.min()) // PIXEL_ROWS, int(rows.max()) // PIXEL_ROWS + 1
        self.glyphs[top:bottom] = braille_screen(self._dots[top * PIXEL_ROWS : bottom * PIXEL_ROWS])
        return True


class Trail:
    """One run as drawn: its iterates counted per cell, and the segments between them as ink,
    kept up to date from its new points only.

    A step adds one point; rasterising a 10⁶-point history afresh on every key would make the
    frame time grow with the history. The points come from a run's history, whose rows never
    change once written, so growth is recognised from the same buffer with the same first and
    last drawn points. Anything else (a step back, another run, the history moved to a larger
    buffer) starts again from the whole path.
    """

    def __init__(self, canvas: Canvas, ascii_only: bool) -> None:
        self.canvas = canvas
        self.ink = Ink(canvas, ascii_only)
        self.counts = np.zeros((canvas.height, canvas.width), dtype=np.int64)
        """How many iterates lie in each cell of the data area."""
        self.recent = np.empty((0, 2))
        """The last RECENT + 1 points, the current one last."""
        self.drawn = 0
        self._buffer = 0
        self._ends = np.empty((0, 2))
        self._recent_cells: tuple[tuple[int, int], ...] = ()

    def update(self, points: Array) -> bool:
        """Draw `points`; whether that changed what is shown: new ink, an iterate in a cell
        that had none, or the recent iterates in other cells. Most steps of a slow run change
        none of these, and then the plot has nothing to redraw."""
        drawn, buffer = self.drawn, points.__array_interface__["data"][0]
        grows = (
            0 < drawn <= len(points)
            and buffer == self._buffer
            and _same_bits(points[[0, drawn - 1]], self._ends)
        )
        if not grows:
            self.ink.clear()
            self.counts[:] = 0
            drawn = 0
        changed = not grows
        changed |= self.ink.draw(points[max(drawn - 1, 0) :])
        changed |= self._count(points[drawn:])
        self.recent = points[-(RECENT + 1) :].copy()
        recent_cells = tuple(
            zip(*(a.tolist() for a in self.canvas.cells(self.recent)), strict=True)
        )
        changed |= recent_cells != self._recent_cells
        self._recent_cells = recent_cells
        self.drawn, self._buffer = len(points), buffer
        self._ends = points[[0, -1]].copy() if len(points) else np.empty((0, 2))
        return changed

    def _count(self, points: Array) -> bool:
        """Add `points` to the per-cell counts; whether a cell got its first iterate."""
        canvas, flat = self.canvas, self.counts.reshape(-1)
        fresh = False
        for start in range(0, len(points), CHUNK):
            rows, cols = point_cells(canvas, points[start : start + CHUNK])
            index = rows * canvas.width + cols
            fresh = fresh or bool(np.any(flat[index] == 0))
            flat += np.bincount(index, minlength=flat.size)
        return fresh

    def iterates_in_view(self) -> tuple[int, int]:
        """(iterates, cells holding them) inside the data area."""
        return int(self.counts.sum()), int(np.count_nonzero(self.counts))


def _same_bits(a: Array, b: Array) -> bool:
    """Bit for bit, so that NaNs compare equal and -0.0 differs from 0.0: one cheap pass."""
    return a.shape == b.shape and bool(np.all(a.view(np.int64) == b.view(np.int64)))


COMPASS = "e", "ne", "n", "nw", "w", "sw", "s", "se"


def direction(drow: float, dcol: float) -> str:
    """The compass point nearest to a screen displacement (a row counts double: cells are
    twice as tall as they are wide)."""
    angle = math.atan2(-2 * drow, dcol)
    return COMPASS[round(angle / (math.pi / 4)) % 8]


@dataclass(frozen=True)
class Arrow:
    """A vector drawn from a point: its shaft as ink, its head in the end cell."""

    start: tuple[float, float]
    vector: tuple[float, float]
    style: int
    """GRADIENT_ARROW or STEP_ARROW."""


def arrow_cells(
    canvas: Canvas, arrow: Arrow, ascii_only: bool
) -> tuple[Array, Array, Array, tuple[int, int, str] | None]:
    """The arrow's shaft (rows, columns, glyphs) and its head (row, column, compass point),
    the head None when the vector stays inside one cell."""
    ends = np.array([arrow.start, np.add(arrow.start, arrow.vector)], dtype=float)
    if not np.all(np.isfinite(ends)):
        empty = np.empty(0, np.int64)
        return empty, empty, empty, None
    ink = Ink(canvas, ascii_only)
    ink.draw(ends)
    rows, cols = np.nonzero(ink.glyphs)
    (r0, r1), (c0, c1) = canvas.cells(ends)
    head = None
    if (r0, c0) != (r1, c1) and canvas.inside(np.array([r1]), np.array([c1]))[0]:
        head = int(r1), int(c1), direction(r1 - r0, c1 - c0)
    return rows, cols, ink.glyphs[rows, cols], head


def edge_mark(canvas: Canvas, point: Array) -> tuple[int, int, str] | None:
    """For a point outside the data area: the border cell nearest to it and the compass point
    it lies towards; None while it is in view."""
    x0, x1, y0, y1 = canvas.window
    x, y = float(point[0]), float(point[1])
    if not (math.isfinite(x) and math.isfinite(y)) or contains(canvas.window, (x, y)):
        return None
    vertical = "n" if y > y1 else "s" if y < y0 else ""
    horizontal = "e" if x > x1 else "w" if x < x0 else ""
    clamped = np.array([[min(max(x, x0), x1), min(max(y, y0), y1)]])
    rows, cols = canvas.cells(clamped)
    return int(rows[0]), int(cols[0]), vertical + horizontal


@dataclass
class Overlay:
    """What goes over the base layer: a character and a style id per cell (0: the base)."""

    chars: Array
    styles: Array

    @classmethod
    def blank(cls, canvas: Canvas) -> Overlay:
        shape = (canvas.height, canvas.width)
        return cls(np.zeros(shape, dtype=np.int32), np.zeros(shape, dtype=np.int16))

    def put(self, rows: Array | int, cols: Array | int, chars: Array | int, style: int) -> None:
        self.chars[rows, cols] = chars
        self.styles[rows, cols] = style

    def changed_rows(self, other: Overlay) -> list[int]:
        differs = (self.chars != other.chars) | (self.styles != other.styles)
        return np.flatnonzero(differs.any(axis=1)).tolist()


@dataclass(frozen=True)
class Glyphs:
    """The characters the overlay uses, Unicode or ASCII."""

    runs: tuple[str, ...]
    """One per run: its iterates and current point (the main run first)."""
    minimum: str
    heads: dict[str, str]
    """Arrow heads by compass point, for the gradient's arrow."""
    step_heads: dict[str, str]
    """Arrow heads for the step the optimiser takes."""
    edges: dict[str, str]
    """Pointers to runs out of view, by compass point."""
    ascii_only: bool


def overlay(
    canvas: Canvas,
    trails: Sequence[Trail],
    minima: tuple[tuple[float, float], ...],
    glyphs: Glyphs,
    arrows: Sequence[Arrow] = (),
) -> Overlay:
    """Every run's segments, then its older iterates, the minima, the update arrows, the recent
    iterates, the current points and pointers to current points out of view: each later layer
    over the earlier ones, and the main run over its rivals within a layer."""
    out = Overlay.blank(canvas)
    order = list(reversed(range(len(trails))))
    for run in order:
        glyph_rows, glyph_cols = np.nonzero(trails[run].ink.glyphs)
        out.put(
            glyph_rows,
            glyph_cols,
            trails[run].ink.glyphs[glyph_rows, glyph_cols],
            style_id(SEGMENT, run),
        )
    for run in order:
        rows, cols = np.nonzero(trails[run].counts)
        out.put(rows, cols, ord(glyphs.runs[run]), style_id(OLD, run))
    if minima:
        out.put(*point_cells(canvas, np.array(minima, dtype=float)), ord(glyphs.minimum), MINIMUM)
    for arrow in arrows:
        rows, cols, shaft, head = arrow_cells(canvas, arrow, glyphs.ascii_only)
        out.put(rows, cols, shaft, arrow.style)
        if head is not None:
            heads = glyphs.heads if arrow.style == GRADIENT_ARROW else glyphs.step_heads
            out.put(head[0], head[1], ord(heads[head[2]]), arrow.style)
    for run in order:
        recent = trails[run].recent[:-1]
        out.put(*point_cells(canvas, recent), ord(glyphs.runs[run]), style_id(RECENT_ITERATE, run))
    for run in order:
        current = trails[run].recent[-1:]
        out.put(*point_cells(canvas, current), ord(glyphs.runs[run]), style_id(CURRENT, run))
    for run in order:
        if len(trails[run].recent) and (mark := edge_mark(canvas, trails[run].recent[-1])):
            out.put(mark[0], mark[1], ord(glyphs.edges[mark[2]]), style_id(EDGE, run))
    return out


def nice_ticks(low: float, high: float, most: int) -> list[float]:
    """Round numbers to label an axis from `low` to `high`: the most multiples of 1, 2 or 5 ×
    10ᵏ that fit, at least two and at most `most`, so that every label says no more digits than
    the axis can tell apart (the window's own edges, once labelled, read 0.2496710526315790435).
    """
    span = high - low
    if not (math.isfinite(span) and span > 0):
        return [low]
    chosen: tuple[float, int, int] | None = None
    for exponent in range(math.floor(math.log10(span)) + 1, math.floor(math.log10(span)) - 4, -1):
        for mantissa in (5, 2, 1):
            step = mantissa * 10.0**exponent
            first, last = math.ceil(low / step), math.floor(high / step)
            if last - first + 1 > most:
                return _ticks(chosen, low, high)
            if last - first + 1 >= 2:
                chosen = (step, first, last)
    return _ticks(chosen, low, high)


def _ticks(chosen: tuple[float, int, int] | None, low: float, high: float) -> list[float]:
    if chosen is None:
        return [low, high]
    step, first, last = chosen
    digits = max(0, -math.floor(math.log10(step)))
    return [round(k * step, digits) for k in range(first, last + 1)]
