"""The loss surface's contours with the trajectories drawn over them.

Two layers. The base is drawn once per surface, view, size and marker style, and cached as
cells: plotext draws the frame (axes, ticks, labels) and the contour glyphs are put into its data
area from the contour mask, in braille. The overlay (paths, current points, minima)
is a small array of codes recomputed on each step; only the terminal lines where it changed
are refreshed. A step therefore never runs plotext and never repaints the whole plot.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType

import numpy as np
import plotext as plt
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from tui_gradients.core.objectives.contours import band_index, contour_pixels, values_on
from tui_gradients.core.objectives.functions import AXES, Axes, Objective, Window, equal_scale
from tui_gradients.ui import raster
from tui_gradients.ui.colours import DEFAULT, Colours
from tui_gradients.ui.format import fit_title, number
from tui_gradients.ui.glyphs import BOX_TO_ASCII, PROSE_TO_ASCII
from tui_gradients.ui.marks import MAIN, MARKS

Cell = tuple[str, Style]

CONTOUR_RGB = (70, 110, 200)
"""One calm blue for every level: the eye should follow the markers, not the rings."""
MINIMUM_RGB = (90, 200, 90)
GRADIENT_ARROW_RGB = (235, 235, 235)
"""−lr·∇f, plain gd's step: white (black on a light theme), whatever the run."""
LEGEND_RGB = (120, 150, 215)

UNICODE_GLYPHS = raster.Glyphs(
    runs=tuple(mark.glyph(False) for mark in MARKS),
    minimum="★",
    heads=dict(zip(raster.COMPASS, "→↗↑↖←↙↓↘", strict=True)),
    step_heads=dict(zip(raster.COMPASS, "⇒⇗⇑⇖⇐⇙⇓⇘", strict=True)),
    edges=dict(zip(raster.COMPASS, "▸◥▴◤◂◣▾◢", strict=True)),
    ascii_only=False,
)
ASCII_GLYPHS = raster.Glyphs(
    runs=tuple(mark.glyph(True) for mark in MARKS),
    minimum="X",
    heads=dict.fromkeys(raster.COMPASS, "g"),
    step_heads=dict.fromkeys(raster.COMPASS, "s"),
    edges=dict(zip(raster.COMPASS, ">}^{<{v}", strict=True)),
    ascii_only=True,
)
"""In ASCII an arrow ends in its letter (g: −lr·∇f, s: the optimiser's step), and a pointer
to a run out of view is a bracket or caret on the border, drawn in the run's current style."""


@lru_cache(maxsize=4)
def overlay_styles(colours: Colours) -> dict[int, Style]:
    """The style of every overlay style id (`raster.style_id`), on the theme's background."""
    styles = {
        raster.MINIMUM: colours.style(MINIMUM_RGB, bold=True),
        raster.GRADIENT_ARROW: colours.style(GRADIENT_ARROW_RGB, bold=True),
        raster.STEP_ARROW: MAIN.style(colours),
    }
    for run, mark in enumerate(MARKS):
        styles[raster.style_id(raster.SEGMENT, run)] = mark.faint_style(colours)
        styles[raster.style_id(raster.OLD, run)] = mark.faint_style(colours)
        styles[raster.style_id(raster.RECENT_ITERATE, run)] = mark.style(colours)
        styles[raster.style_id(raster.CURRENT, run)] = mark.current_style(colours)
        styles[raster.style_id(raster.EDGE, run)] = mark.current_style(colours)
    return styles


@dataclass(frozen=True)
class Scene:
    """What the base layer depends on; a change of any field redraws it."""

    objective: Objective
    window: Window
    width: int
    height: int
    ascii_markers: bool
    equal_scale: bool
    shading: bool = False
    colours: Colours = DEFAULT


class ContourPlot(Widget):
    """Contours of f(w1, w2) in plotext's frame, with the runs composited cell by cell on top:
    segments between iterates as faint braille lines, every iterate as its run's mark (the last
    few bold, the current one reversed), the update arrows at the current point, and a pointer
    on the border for any current point out of view. The contours' legend is on the last
    line, beside the axis labels."""

    DEFAULT_CSS = """
    ContourPlot {
        width: 1fr;
        height: 1fr;
    }
    """

    ascii_markers: reactive[bool] = reactive(False)
    equal_scale: reactive[bool] = reactive(False)
    shading: reactive[bool] = reactive(False)
    colours: reactive[Colours] = reactive(DEFAULT)
    """The theme's colours (`colours.from_theme`): a new theme redraws the plot."""

    def __init__(self, objective: Objective, window: Window, **kwargs) -> None:
        super().__init__(**kwargs)
        self._objective = objective
        self._window = window
        self.border_title = _title(objective)
        self._paths: list[np.ndarray] = []
        self._arrows: list[raster.Arrow] = []
        self._scene: Scene | None = None
        self._base: list[list[Cell]] = []
        self._canvas: raster.Canvas | None = None
        self._pointer: tuple[int, int] | None = None
        """Where the pointer was last seen with the button down on the data area (None while
        it is up)."""
        self._dragged = False
        self._trails: list[raster.Trail] = []
        self._overlay: raster.Overlay | None = None
        self._strips: dict[int, Strip] = {}

    # --- messages up: the mouse, and a new size ------------------------------------------

    class Resized(Message):
        """The plot has a new size, so its cells (and how many iterates share one) changed:
        whatever quotes them must be shown again."""

    class Clicked(Message):
        """A click on the data area at `point` (w1, w2)."""

        def __init__(self, point: tuple[float, float]) -> None:
            super().__init__()
            self.point = point

    class Scrolled(Message):
        """The wheel over the data area: `steps` > 0 towards the user (zoom out)."""

        def __init__(self, point: tuple[float, float], steps: int) -> None:
            super().__init__()
            self.point, self.steps = point, steps

    class Dragged(Message):
        """The view dragged by `right` and `up` fractions of its width and height."""

        def __init__(self, right: float, up: float) -> None:
            super().__init__()
            self.right, self.up = right, up

    def _point(self, event: events.MouseEvent) -> tuple[float, float] | None:
        """The point of the data-area cell under the pointer: the canvas counts cells from
        the top left of the content, below the title's border."""
        offset = event.get_content_offset(self)
        if self._canvas is None or offset is None:
            return None
        return self._canvas.point_at(offset.y, offset.x)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button == 1 and self._point(event) is not None:
            self._pointer, self._dragged = (event.x, event.y), False
            self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        """While pressed, each cell the pointer moves pans the view with it."""
        if self._pointer is None or self._canvas is None:
            return
        moved = (event.x - self._pointer[0], event.y - self._pointer[1])
        if moved != (0, 0):
            self._pointer, self._dragged = (event.x, event.y), True
            canvas = self._canvas
            self.post_message(self.Dragged(-moved[0] / canvas.columns, moved[1] / canvas.rows))

    def on_mouse_up(self, event: events.MouseUp) -> None:
        pressed, self._pointer = self._pointer is not None, None
        self.release_mouse()
        if pressed and not self._dragged and (point := self._point(event)):
            self.post_message(self.Clicked(point))

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._scroll(event, -1)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self._scroll(event, 1)

    def _scroll(self, event: events.MouseEvent, steps: int) -> None:
        event.stop()  # the wheel zooms the plot and scrolls nothing behind it
        if point := self._point(event):
            self.post_message(self.Scrolled(point, steps))

    def set_surface(self, objective: Objective, window: Window) -> None:
        """A new surface or view: the base layer is redrawn on the next paint."""
        self._objective, self._window = objective, window
        self._fit_title()
        self.refresh()

    @property
    def window(self) -> Window:
        """The view actually drawn (after equal scaling)."""
        return self._canvas.window if self._canvas else self._window

    @property
    def overlay(self) -> raster.Overlay | None:
        """What is drawn over the contours, cell by cell, once drawn."""
        return self._overlay

    @property
    def canvas(self) -> raster.Canvas | None:
        """Where the data area lies on the widget, once drawn."""
        return self._canvas

    def set_paths(self, paths: list[np.ndarray], arrows: list[raster.Arrow] | None = None) -> None:
        """New trajectories (the main run's first) and update arrows: refresh only the lines
        whose cells changed."""
        self._paths, arrows = paths, arrows or []
        if self._scene != self._current_scene():
            self._arrows = arrows
            if self.size.area:  # drawn now, so that what it counts is current at once
                self._ensure_base()
            self.refresh()
            return
        if not self._update_trails() and arrows == self._arrows:
            return
        self._arrows = arrows
        overlay = self._compose_overlay()
        assert self._overlay is not None
        changed = overlay.changed_rows(self._overlay)
        self._overlay = overlay
        for row in changed:
            self._strips.pop(row, None)
        if changed:  # one call for all: each call of refresh walks up the DOM for the offset
            width = self.size.width
            self.refresh(*(Region(0, row, width, 1) for row in changed))

    def iterates_in_view(self) -> list[tuple[int, int]]:
        """Per run (the main one first): iterates inside the view, and the cells holding them."""
        return [trail.iterates_in_view() for trail in self._trails]

    def watch_ascii_markers(self) -> None:
        self._fit_title()
        self.refresh()

    def on_resize(self) -> None:
        self._fit_title()
        self.post_message(self.Resized())

    def _fit_title(self) -> None:
        """The formula as the border title. Setting it repaints the whole plot, so this runs
        only for a new surface, size or marker style, never on a step."""
        title = _title(self._objective)
        if self.ascii_markers:
            title = title.translate(PROSE_TO_ASCII)
        title = fit_title(title, self.size.width, self.ascii_markers)
        if title != self.border_title:
            self.border_title = title

    def watch_equal_scale(self) -> None:
        self.refresh()

    def watch_shading(self) -> None:
        self.refresh()

    def watch_colours(self) -> None:
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
            self.shading,
            self.colours,
        )

    def _update_trails(self) -> bool:
        """Bring every run's trail up to date; whether anything drawn changed."""
        assert self._canvas is not None
        changed = len(self._trails) != len(self._paths)
        del self._trails[len(self._paths) :]
        while len(self._trails) < len(self._paths):
            self._trails.append(raster.Trail(self._canvas, self.ascii_markers))
        for trail, points in zip(self._trails, self._paths, strict=True):
            changed |= trail.update(points)
        return changed

    def _compose_overlay(self) -> raster.Overlay:
        assert self._canvas is not None
        glyphs = ASCII_GLYPHS if self.ascii_markers else UNICODE_GLYPHS
        return raster.overlay(
            self._canvas, self._trails, self._objective.minima, glyphs, self._arrows
        )

    def _ensure_base(self) -> None:
        scene = self._current_scene()
        if scene == self._scene:
            return
        self._scene = scene
        self._base, self._canvas = self._draw_base(scene)
        self._trails = []
        self._update_trails()
        self._overlay = self._compose_overlay()
        self._strips.clear()

    def _draw_base(self, scene: Scene) -> tuple[list[list[Cell]], raster.Canvas]:
        width, height = max(scene.width, 1), max(scene.height, 1)
        axes = scene.objective.axes
        canvas, frame = _measure(width, height, scene.window, axes)
        if scene.equal_scale:
            canvas, frame = _equal_scale_frame(width, height, scene.window, canvas, axes)
        if scene.ascii_markers:
            frame = frame.translate(BOX_TO_ASCII)
        cells = _cells(Text.from_ansi(frame), width, height)
        codes, levels = _contours(scene, canvas)
        contour = scene.colours.style(CONTOUR_RGB)
        for row, col, code in zip(*raster.grid_cells(canvas, codes), strict=True):
            cells[row][col] = (chr(code), contour)
        if scene.shading:
            _shade(cells, canvas, scene, levels)
        _put_legend(cells[-1], _legend(levels, scene), scene.colours.style(LEGEND_RGB))
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
        assert self._overlay is not None
        base_style = self.rich_style
        row = list(self._base[y])
        chars, styles = self._overlay.chars[y], self._overlay.styles[y]
        overlay = overlay_styles(self.colours)
        for col in np.flatnonzero(styles):
            row[col] = (chr(chars[col]), row[col][1] + overlay[int(styles[col])])
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


def _legend(levels: np.ndarray, scene: Scene) -> list[str]:
    """What the rings are and which way is down, longest first: the plot's last line takes
    the first that fits."""
    if len(levels) == 0:
        return ["no contours: f is flat or not finite here", "no contours"]
    dots = "..." if scene.ascii_markers else "…"
    minus = "-" if scene.ascii_markers else "−"
    low, high = (number(float(v), 3).replace("-", minus) for v in (levels[-1], levels[0]))
    rings = f"{len(levels)} rings, f = {low} {dots} {high}"
    if scene.shading:
        down = "darker is lower"
    elif scene.objective.minima:
        down = f"lowest at {'X' if scene.ascii_markers else '★'}"
    elif scene.objective.sampled is not None:
        return [rings, f"f = {low} {dots} {high}"]  # shading is the surfaces' key, not here
    else:
        down = "d shades by height"
    return [f"{rings}; {down}", f"f = {low} {dots} {high}; {down}", f"f = {low} {dots} {high}"]


def _put_legend(row: list[Cell], texts: list[str], style: Style) -> None:
    """The first legend that fits, right-aligned on the plot's last line (plotext's axis labels
    leave most of it empty)."""
    used = max((col for col, (char, _) in enumerate(row) if char != " "), default=-1)
    room = len(row) - used - 3
    text = next((text for text in texts if len(text) <= room), None)
    if text is None:
        return
    start = len(row) - len(text) - 1
    for offset, char in enumerate(text):
        row[start + offset] = (char, style)


def _shade(cells: list[list[Cell]], canvas: raster.Canvas, scene: Scene, levels) -> None:
    """A background per data-area cell by the band f falls in there: darker is lower."""
    values = values_on(scene.objective, canvas.window, canvas.columns, canvas.rows)
    bands = band_index(values, levels)
    top = max(len(levels), 1)
    for row, col, band in zip(*raster.grid_cells(canvas, bands + 1), strict=True):
        t = 1 - (int(band) - 1) / top  # band 0 lies above the highest level
        char, style = cells[row][col]
        cells[row][col] = (char, style + Style(bgcolor=Color.from_rgb(*scene.colours.shade(t))))


def _title(objective: Objective) -> str:
    """The formula and its note; for a fit to data the note alone (the formula of its moments
    says less than the words, and a logistic loss has none)."""
    if objective.regression is not None or objective.expression is None:
        return objective.note
    return f"f = {objective.expression.title}" + (f"  ({objective.note})" if objective.note else "")


def _figure(width: int, height: int, window: Window, axes: Axes = AXES) -> ModuleType:
    """plotext's own figure, set up with fixed limits and axes and one blank point so it always
    draws, through plotext's public functions: a `textual_plotext.Plot` built by hand clamps
    its size to the terminal's as plotext saw it (80×24 where stdout is no terminal: serve,
    headless tests), and only the module's figure lets `limit_size` lift that. Drawn on the
    UI's thread alone, so the module's one figure is never shared."""
    plt.clear_figure()
    plt.limit_size(False, False)
    plt.plot_size(width, height)
    plt.theme("clear")
    plt.xlim(window[0], window[1])
    plt.ylim(window[2], window[3])
    plt.xlabel(axes[0])
    plt.ylabel(axes[1])
    plt.xticks(raster.nice_ticks(window[0], window[1], max(2, min(6, width // 14))))
    plt.yticks(raster.nice_ticks(window[2], window[3], max(2, min(6, height // 4))))
    plt.scatter([window[0]], [window[2]], marker=" ")
    return plt


def _equal_scale_frame(
    width: int, height: int, window: Window, canvas: raster.Canvas, axes: Axes = AXES
) -> tuple[raster.Canvas, str]:
    """The frame for `window` widened to equal scale in its own data area: the new limits bring
    new tick labels, whose width moves the area's edge, so it is measured again until the
    area it was scaled for is the area it has (twice at most, in practice)."""
    for _ in range(4):
        scaled = equal_scale(window, canvas.columns, canvas.rows)
        measured, frame = _measure(width, height, scaled, axes)
        if (measured.columns, measured.rows) == (canvas.columns, canvas.rows):
            break
        canvas = measured
    return measured, frame


def _measure(
    width: int, height: int, window: Window, axes: Axes = AXES
) -> tuple[raster.Canvas, str]:
    """The frame plotext draws for this size and view (axes, ticks, labels), and where its data
    area lies: that depends on the limits (through the tick labels' width), not on the data.
    """
    frame = _figure(width, height, window, axes).build()
    left, bottom, columns, rows = _data_area(plt.uncolorize(frame).split("\n"), height)
    return raster.Canvas(
        width=width,
        height=height,
        left=left,
        bottom=bottom,
        columns=max(columns, 1),
        rows=max(rows, 1),
        window=window,
    ), frame


def _data_area(lines: list[str], height: int) -> tuple[int, int, int, int]:
    """(first column, rows below it counted from the widget's bottom line, columns, rows) of the
    box plotext draws around its data area, read off the frame it built: its public output, not
    its internals. A frame too small for a box has a data area of nothing."""
    top = next((row for row, line in enumerate(lines) if "┌" in line), None)
    last = next((row for row, line in enumerate(lines) if "└" in line), None)
    if top is None or last is None:
        return 0, 0, 0, 0
    left = lines[top].index("┌") + 1
    return left, height - last, lines[top].index("┐") - left, last - top - 1


def _contours(scene: Scene, canvas: raster.Canvas) -> tuple[np.ndarray, np.ndarray]:
    """The contour glyph's code point in each cell of the data area (row 0 at the bottom), 0
    where none passes: braille at 2 × 4 pixels a cell, or '.' at one pixel a cell in ASCII;
    and the levels drawn.

    The pixels are the contour mask itself. Handing them to plotext as a scatter of points,
    which it groups into braille cells one point at a time, cost more than all the rest of
    this layer: 15-20 ms of every start and every new view.
    """
    if scene.ascii_markers:
        pixels, levels = contour_pixels(
            scene.objective, canvas.window, canvas.columns, canvas.rows, min_extent=(2, 2)
        )
        return np.where(pixels, ord("."), 0), levels
    pixels, levels = contour_pixels(
        scene.objective, canvas.window, canvas.columns * 2, canvas.rows * 4
    )
    return raster.braille(pixels), levels


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
