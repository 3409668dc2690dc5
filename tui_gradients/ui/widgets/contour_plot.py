"""The loss surface's contours with the trajectories drawn over them.

Two layers. The base is drawn once per surface, view, size and marker style, and cached as
cells: plotext draws the frame (axes, ticks, labels) and the contour glyphs are put into its data
area from the contour mask, in braille. The overlay (paths, current points, minima)
is a small array of codes recomputed on each step; only the terminal lines where it changed
are refreshed. A step therefore never runs plotext and never repaints the whole plot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget
from textual_plotext.plot import Plot

from tui_gradients.core.contours import contour_pixels
from tui_gradients.core.functions import Objective, Window, equal_scale
from tui_gradients.ui import raster
from tui_gradients.ui.glyphs import BOX_TO_ASCII
from tui_gradients.ui.marks import MAIN, RIVALS

Cell = tuple[str, Style]

MINIMUM_GLYPH = {False: "★", True: "X"}
MINIMUM_STYLE = Style(color="green", bold=True)


def _code_looks() -> dict[int, tuple[tuple[str, str], Style]]:
    """Each overlay code's (Unicode, ASCII) glyphs and style."""
    looks = {
        raster.PATH: (MAIN.trail, MAIN.style),
        raster.CURRENT: (MAIN.current, MAIN.current_style),
        raster.MINIMUM: ((MINIMUM_GLYPH[False], MINIMUM_GLYPH[True]), MINIMUM_STYLE),
    }
    for index, mark in enumerate(RIVALS):
        looks[raster.RIVAL_PATH + index] = (mark.trail, mark.style)
        looks[raster.RIVAL_CURRENT + index] = (mark.current, mark.current_style)
    return looks


LOOKS = _code_looks()
CONTOUR_STYLE = Style(color=Color.from_rgb(70, 110, 200))
"""One calm blue for every level: the eye should follow the markers, not the rings."""


@dataclass(frozen=True)
class Scene:
    """What the base layer depends on; a change of any field redraws it."""

    objective: Objective
    window: Window
    width: int
    height: int
    ascii_markers: bool
    equal_scale: bool


class ContourPlot(Widget):
    """Contours of f(w1, w2) in plotext's frame, with paths composited cell by cell on top."""

    DEFAULT_CSS = """
    ContourPlot {
        width: 1fr;
        height: 1fr;
    }
    """

    ascii_markers: reactive[bool] = reactive(False)
    equal_scale: reactive[bool] = reactive(False)

    def __init__(self, objective: Objective, window: Window, **kwargs) -> None:
        super().__init__(**kwargs)
        self._objective = objective
        self._window = window
        self.border_title = _title(objective)
        self._path = np.empty((0, 2))
        self._rivals: list[np.ndarray] = []
        self._scene: Scene | None = None
        self._base: list[list[Cell]] = []
        self._canvas: raster.Canvas | None = None
        self._path_mask: raster.PathMask | None = None
        self._rival_masks: list[raster.PathMask] = []
        self._codes = np.zeros((0, 0), dtype=np.int8)
        self._strips: dict[int, Strip] = {}

    # --- data in -----------------------------------------------------------------------------

    def set_surface(self, objective: Objective, window: Window) -> None:
        """A new surface or view: the base layer is redrawn on the next paint."""
        self._objective, self._window = objective, window
        self._fit_title()
        self.refresh()

    @property
    def window(self) -> Window:
        """The view actually drawn (after equal scaling)."""
        return self._canvas.window if self._canvas else self._window

    def set_paths(self, path: np.ndarray, rivals: list[np.ndarray] | None = None) -> None:
        """New trajectories: refresh only the lines whose cells changed."""
        self._path, self._rivals = path, rivals or []
        if self._canvas is None or self._scene != self._current_scene():
            self.refresh()
            return
        if not self._update_masks():
            return
        codes = self._overlay()
        changed = np.flatnonzero(np.any(codes != self._codes, axis=1)).tolist()
        self._codes = codes
        for row in changed:
            self._strips.pop(row, None)
        if changed:  # one call for all: each call of refresh walks up the DOM for the offset
            width = self.size.width
            self.refresh(*(Region(0, row, width, 1) for row in changed))

    def watch_ascii_markers(self) -> None:
        self._fit_title()
        self.refresh()

    def on_resize(self) -> None:
        self._fit_title()

    def _fit_title(self) -> None:
        """The formula as the border title. Setting it repaints the whole plot, so this runs
        only for a new surface, size or marker style, never on a step. Textual shortens a long
        title with '…'; in plain ASCII it is shortened here with '...' instead."""
        title = _title(self._objective)
        room = self.size.width - 4
        if self.ascii_markers and 3 < room < len(title):
            title = title[: room - 3] + "..."
        if title != self.border_title:
            self.border_title = title

    def watch_equal_scale(self) -> None:
        self.refresh()

    # --- drawing -----------------------------------------------------------------------------

    def _current_scene(self) -> Scene:
        return Scene(
            self._objective,
            self._window,
            self.size.width,
            self.size.height,
            self.ascii_markers,
            self.equal_scale,
        )

    def _update_masks(self) -> bool:
        """Bring every path's cells up to date; whether anything drawn changed."""
        assert self._canvas is not None and self._path_mask is not None
        changed = len(self._rival_masks) != len(self._rivals)
        del self._rival_masks[len(self._rivals) :]
        while len(self._rival_masks) < len(self._rivals):
            self._rival_masks.append(raster.PathMask(self._canvas))
        for mask, points in zip(
            [self._path_mask, *self._rival_masks], [self._path, *self._rivals], strict=True
        ):
            changed |= mask.update(points)
        return changed

    def _overlay(self) -> np.ndarray:
        assert self._canvas is not None and self._path_mask is not None
        return raster.overlay(
            self._canvas, self._path_mask, self._rival_masks, self._objective.minima
        )

    def _ensure_base(self) -> None:
        scene = self._current_scene()
        if scene == self._scene:
            return
        self._scene = scene
        self._base, self._canvas = self._draw_base(scene)
        self._path_mask, self._rival_masks = raster.PathMask(self._canvas), []
        self._update_masks()
        self._codes = self._overlay()
        self._strips.clear()

    def _draw_base(self, scene: Scene) -> tuple[list[list[Cell]], raster.Canvas]:
        width, height = max(scene.width, 1), max(scene.height, 1)
        canvas, frame = _measure(width, height, scene.window)
        if scene.equal_scale:
            window = equal_scale(scene.window, canvas.columns, canvas.rows)
            canvas, frame = _measure(width, height, window)
        if scene.ascii_markers:
            frame = frame.translate(BOX_TO_ASCII)
        cells = _cells(Text.from_ansi(frame), width, height)
        for row, col, code in zip(
            *raster.grid_cells(canvas, _contours(scene, canvas)), strict=True
        ):
            cells[row][col] = (chr(code), CONTOUR_STYLE)
        return cells, canvas

    def render_line(self, y: int) -> Strip:
        self._ensure_base()
        if y >= len(self._base):
            return Strip.blank(self.size.width)
        strip = self._strips.get(y)
        if strip is None:
            strip = self._strips[y] = self._compose_row(y)
        return strip

    def _compose_row(self, y: int) -> Strip:
        """The base row with the overlay's glyphs put in, as runs of equal style."""
        base_style = self.rich_style
        row = list(self._base[y])
        for col in np.flatnonzero(self._codes[y]):
            glyphs, style = LOOKS[int(self._codes[y, col])]
            row[col] = (glyphs[self.ascii_markers], style)
        segments: list[Segment] = []
        run_text, run_style = "", row[0][1] if row else Style()
        for char, style in row:
            if style != run_style and run_text:
                segments.append(Segment(run_text, base_style + run_style))
                run_text = ""
            run_style = style
            run_text += char
        if run_text:
            segments.append(Segment(run_text, base_style + run_style))
        return Strip(segments, len(row))


def _title(objective: Objective) -> str:
    return f"f = {objective.formula}" + (f"  ({objective.note})" if objective.note else "")


def _figure(width: int, height: int, window: Window) -> Plot:
    """A plotext figure with fixed limits and axes, and one blank point so it always draws."""
    plot = Plot()
    plot.plotsize(width, height)
    plot._set_size(
        width, height
    )  # as textual-plotext's PlotextPlot does: plotsize alone is not kept
    plot.theme("clear")
    plot.xlim(window[0], window[1])
    plot.ylim(window[2], window[3])
    plot.xlabel("w1")
    plot.ylabel("w2")
    plot.xfrequency(max(2, min(6, width // 14)))
    plot.yfrequency(max(2, min(6, height // 4)))
    plot.scatter([window[0]], [window[2]], marker=" ")
    return plot


def _measure(width: int, height: int, window: Window) -> tuple[raster.Canvas, str]:
    """The frame plotext draws for this size and view (axes, ticks, labels), and where its data
    area lies: that depends on the limits (through the tick labels' width), not on the data.
    """
    plot = _figure(width, height, window)
    frame = plot.build()
    matrix = plot.monitor.matrix
    return raster.Canvas(
        width=width,
        height=height,
        left=matrix.Cols_canvas.start,
        bottom=matrix.Rows_canvas.start,
        columns=max(len(matrix.Cols_canvas), 1),
        rows=max(len(matrix.Rows_canvas), 1),
        window=window,
    ), frame


def _contours(scene: Scene, canvas: raster.Canvas) -> np.ndarray:
    """The contour glyph's code point in each cell of the data area (row 0 at the bottom), 0
    where none passes: braille at 2 × 4 pixels a cell, or '.' at one pixel a cell in ASCII.

    The pixels are the contour mask itself. Handing them to plotext as a scatter of points,
    which it groups into braille cells one point at a time, cost more than all the rest of
    this layer: 15-20 ms of every start and every new view.
    """
    if scene.ascii_markers:
        pixels = contour_pixels(scene.objective, canvas.window, canvas.columns, canvas.rows)
        return np.where(pixels, ord("."), 0)
    pixels = contour_pixels(scene.objective, canvas.window, canvas.columns * 2, canvas.rows * 4)
    return raster.braille(pixels)


def _cells(text: Text, width: int, height: int) -> list[list[Cell]]:
    """plotext's ANSI output as a grid of (character, style), one entry per terminal cell.

    Read from the spans directly: rendering the Text would wrap it at the console's width.
    """
    grid = [[(" ", Style())] * width for _ in range(height)]
    for row, line in enumerate(text.split("\n")[:height]):
        styles = [Style()] * len(line.plain)
        for span in line.spans:
            style = Style.parse(span.style) if isinstance(span.style, str) else span.style
            for index in range(span.start, min(span.end, len(styles))):
                styles[index] = styles[index] + style
        for col, (char, style) in enumerate(zip(line.plain[:width], styles, strict=False)):
            grid[row][col] = (char, style)
    return grid
