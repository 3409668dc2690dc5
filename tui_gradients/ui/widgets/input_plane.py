"""TensorFlow Playground's picture: for two-input data, the network's decision regions (or
its fitted surface) over the plane of the inputs, shaded, with the data points on top.

Each cell is shaded by the class the network gives its centre, deeper where it is surer; each
data point is drawn in its cell with its class's mark, so the classes differ by shape as well
as colour. The grid is computed by the screen (`plane_image`) and handed in."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from tui_gradients.core.network.model import Network
from tui_gradients.ui.colours import DEFAULT, Colours, mix
from tui_gradients.ui.marks import MARKS

MARGIN = 0.05
"""Of the data's span, left around it on each side."""


@dataclass(frozen=True, eq=False)
class PlaneImage:
    """The plane's cells: which class (or value, scaled to 0…1) each shows and how surely,
    and the data points' cells."""

    kind: np.ndarray
    """(rows, columns): the class number, or for a numeric target the value scaled to 0…1."""
    sureness: np.ndarray
    """(rows, columns) in 0…1."""
    points: list[tuple[int, int, int]]
    """(row, column, class) of each data point; class 0 for a numeric target."""
    ranges: tuple[tuple[float, float], tuple[float, float]]
    """The x1 and x2 each axis spans."""
    classes: int


def plane_image(network: Network, params: np.ndarray, columns: int, rows: int) -> PlaneImage:
    """The network's output at every cell's centre (row 0 at the top: x2 largest)."""
    x = network.x
    ranges = []
    for column in (0, 1):
        low, high = float(x[:, column].min()), float(x[:, column].max())
        pad = MARGIN * max(high - low, 1e-9)
        ranges.append((low - pad, high + pad))
    (x1_low, x1_high), (x2_low, x2_high) = ranges
    u = x1_low + (np.arange(columns) + 0.5) / columns * (x1_high - x1_low)
    v = x2_high - (np.arange(rows) + 0.5) / rows * (x2_high - x2_low)
    grid = np.stack(np.meshgrid(u, v), axis=-1).reshape(-1, 2)
    with np.errstate(all="ignore"):
        out = network.output(params, grid)
    if network.classes:
        shifted = np.exp(out - out.max(axis=1, keepdims=True))
        probabilities = shifted / shifted.sum(axis=1, keepdims=True)
        kind = probabilities.argmax(axis=1)
        classes = out.shape[1]
        sureness = (probabilities.max(axis=1) - 1 / classes) / (1 - 1 / classes)
        labels = network.target.astype(int)
    else:
        values = out[:, 0]
        low, high = float(network.target.min()), float(network.target.max())
        kind = np.clip((values - low) / max(high - low, 1e-12), 0, 1)
        sureness, classes = np.ones_like(kind), 1
        labels = np.zeros(len(x), dtype=int)
    column_of = np.clip(
        ((x[:, 0] - x1_low) / (x1_high - x1_low) * columns).astype(int), 0, columns - 1
    )
    row_of = np.clip(((x2_high - x[:, 1]) / (x2_high - x2_low) * rows).astype(int), 0, rows - 1)
    points = list(zip(row_of.tolist(), column_of.tolist(), labels.tolist(), strict=True))
    shape = (rows, columns)
    return PlaneImage(kind.reshape(shape), np.nan_to_num(sureness).reshape(shape), points,
                      (ranges[0], ranges[1]), classes)  # fmt: skip


LOW, HIGH = (60, 110, 220), (220, 80, 60)
"""A numeric target's ends: low blue, high red."""


class InputPlane(Widget):
    DEFAULT_CSS = "InputPlane { height: 1fr; }"

    ascii_only = False
    colours: Colours = DEFAULT

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.image: PlaneImage | None = None

    def show(self, image: PlaneImage) -> None:
        self.image = image
        (a, b), (c, d) = image.ranges
        to = ".." if self.ascii_only else "…"
        self.border_title = f"inputs: x1 {a:.2g}{to}{b:.2g} across, x2 {c:.2g}{to}{d:.2g} up"
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        image = self.image
        base = self.rich_style
        if image is None or y >= image.kind.shape[0] or image.kind.shape[1] != width:
            return Strip.blank(width, base)
        background = self.colours.background
        marks = {(row, column): label for row, column, label in image.points if row == y}
        segments = []
        for column in range(width):
            tint = self._tint(image, y, column)
            cell = mix(background, tint, 0.08 + 0.32 * float(image.sureness[y, column]))
            label = marks.get((y, column))
            if label is None:
                segments.append(Segment(" ", Style(bgcolor=_hex(cell))))
                continue
            mark = MARKS[label % len(MARKS)]
            ink = self.colours.ink(mark.rgb) if image.classes > 1 else self.colours.foreground
            glyph = (
                mark.glyph(self.ascii_only)
                if image.classes > 1
                else ("o" if self.ascii_only else "•")
            )
            segments.append(Segment(glyph, Style(color=_hex(ink), bgcolor=_hex(cell), bold=True)))
        return Strip(segments, width)

    def _tint(self, image: PlaneImage, row: int, column: int) -> tuple[int, int, int]:
        if image.classes > 1:
            return MARKS[int(image.kind[row, column]) % len(MARKS)].rgb
        return mix(LOW, HIGH, float(image.kind[row, column]))


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)
