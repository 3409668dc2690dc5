"""The chain network, one row per layer: where δ shrinks (or grows) layer after layer."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from rich.style import Style
from textual.events import MouseScrollDown, MouseScrollUp

from tui_gradients.core.network.chain import Trace
from tui_gradients.ui.format import MISSING, fit_title, magnitude_style, number, unsigned_zero
from tui_gradients.ui.glyphs import LABELS, NUMBERS_TO_ASCII, label
from tui_gradients.ui.widgets.lines import Line, Lines, Run

WIDTH = 9
"""Every number column: room for '-4.78e-09', so no number is ever cut."""
COLUMNS = ("l", "w", "b", "z", "a", "gprime", "delta", "grad_weight", "delta_ratio")
DROP_ORDER = ("b", "delta_ratio", "w", "z", "a", "gprime", "grad_weight")
"""Where the width runs out, these columns go first: the seed's z, a, g′, δ and ∂C/∂w stay
longest, and the layer and its δ always (the settings panel open at 80 columns leaves the
table 42)."""
SCIENTIFIC = frozenset({"delta", "grad_weight", "delta_ratio"})
"""Columns whose values span decades by nature: always in scientific notation."""
GAP = "  "
LAYER_WIDTH = 3
BAR_WIDTH = 16
"""log₁₀|δ| per layer as a bar, where the table has the room (not at 80 columns)."""


def table_width(columns: Sequence[str]) -> int:
    return LAYER_WIDTH + (len(columns) - 1) * (len(GAP) + WIDTH)


def fitting_columns(width: int) -> tuple[str, ...]:
    """The columns that fit `width` cells, dropping DROP_ORDER's first."""
    columns = list(COLUMNS)
    for name in DROP_ORDER:
        if table_width(columns) <= width:
            break
        columns.remove(name)
    return tuple(columns)


def column_format(name: str, values: np.ndarray) -> str:
    """One format for the whole column: fixed point with three decimals while every value
    reads well that way, scientific with three significant digits otherwise."""
    if name in SCIENTIFIC:
        return ".2e"
    finite = np.abs(values[np.isfinite(values)])
    nonzero = finite[finite > 0]
    if len(nonzero) and (nonzero.min() < 1e-2 or nonzero.max() >= 1e4):
        return ".2e"
    return ".3f"


def _cell(value: float, fmt: str) -> str:
    if math.isnan(value):
        return MISSING
    if math.isinf(value):
        return number(value)
    return unsigned_zero(format(value, fmt))


class LayerTable(Lines):
    """A header and one line per layer; a step redraws only the lines whose numbers changed
    (a DataTable repaints every visible cell on any update). Headers are right-aligned over
    their numbers; a column that does not fit is dropped whole and a layer that does not fit
    is announced, never cut."""

    COMPONENT_CLASSES = {"layer-table--header"}

    DEFAULT_CSS = """
    LayerTable {
        max-height: 45%;
        padding: 0 1;
    }
    LayerTable > .layer-table--header {
        text-style: bold;
        color: $text-accent;
    }
    """

    ascii_only = False
    """Plain-ASCII column labels, for terminals without UTF-8."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.row_count = 0
        self.first_layer = 0
        """The first layer shown (0-based) when not all fit: the table scrolls."""
        self._room = 10**6
        self._shown: tuple[Trace, str] | None = None

    def scroll_layers(self, change: int | None = None, *, pages: int = 0) -> None:
        """On or back by `change` layers, or by `pages` of what fits; kept within the table."""
        step = change if change is not None else pages * max(self._room - 1, 1)
        self.first_layer = max(0, min(self.first_layer + step, self.row_count - self._room))
        if self._shown is not None:
            self.show(*self._shown)

    def on_mouse_scroll_down(self, event: MouseScrollDown) -> None:
        event.stop()
        self.scroll_layers(WHEEL_LAYERS)

    def on_mouse_scroll_up(self, event: MouseScrollUp) -> None:
        event.stop()
        self.scroll_layers(-WHEEL_LAYERS)

    def on_resize(self) -> None:
        if self._shown is not None:
            self.show(*self._shown)  # columns, bars and rows come and go with the size

    def show(self, trace: Trace, title: str) -> None:
        self._shown = (trace, title)
        title = fit_title(title, self.size.width, self.ascii_only)
        if self.border_title != title:
            self.border_title = title  # repaints the whole table: only when the settings change
        self.row_count = len(trace.z)
        width = self.size.width or table_width(COLUMNS)
        columns = fitting_columns(width)
        header_style = self.component_style("layer-table--header")
        header = _header(columns, self.ascii_only, header_style)
        lines = _layer_lines(trace, columns)
        if self.ascii_only:
            lines = [_ascii(line) for line in lines]
        if width >= table_width(columns) + len(GAP) + BAR_WIDTH and not self.ascii_only:
            header += ((f"{GAP}log₁₀|δ|", header_style),)
            lines = [line + bar for line, bar in zip(lines, _delta_bars(trace), strict=True)]
        notes = _hidden_columns(columns, self.ascii_only)
        self._room = len(lines)
        if self._room_for_layers(len(notes)) < len(lines):
            self._room = room = self._room_for_layers(len(notes) + 1)
            first = self.first_layer = max(0, min(self.first_layer, len(lines) - room))
            dash = "-" if self.ascii_only else "–"
            shown = f"layers {first + 1}{dash}{first + room} of {len(lines)}"
            notes.insert(0, f"{shown}: pgdn pgup or the wheel scroll")
            lines = lines[first : first + room]
        self.set_lines([header, *lines, *(((note, header_style),) for note in notes)])

    def _room_for_layers(self, notes: int) -> int:
        """Layer lines that fit beside the header and the notes (all of them before the first
        layout, when the height is not known yet)."""
        height = self.size.height
        return 10**6 if height <= 0 else max(height - 1 - notes, 1)


WHEEL_LAYERS = 3
"""Layers one notch of the wheel scrolls."""


def _header(columns: Sequence[str], ascii_only: bool, style: Style) -> Line:
    titles = [label(key, ascii_only) if key in LABELS else key for key in columns]
    cells = [f"{titles[0]:>{LAYER_WIDTH}}"] + [f"{title:>{WIDTH}}" for title in titles[1:]]
    return ((GAP.join(cells), style),)


def _hidden_columns(columns: Sequence[str], ascii_only: bool) -> list[str]:
    hidden = [key for key in COLUMNS if key not in columns]
    if not hidden:
        return []
    names = ", ".join(label(key, ascii_only) if key in LABELS else key for key in hidden)
    return [f"{names} hidden: widen the terminal to see them"]


def _layer_lines(trace: Trace, columns: Sequence[str]) -> list[Line]:
    last = trace.delta[-1]
    with np.errstate(all="ignore"):
        ratios = np.abs(trace.delta / last) if last != 0 else np.full(len(trace.z), np.nan)
    values = {
        "w": trace.weight,
        "b": trace.bias,
        "z": trace.z,
        "a": trace.a,
        "gprime": trace.gprime,
        "delta": trace.delta,
        "grad_weight": trace.grad_weight,
        "delta_ratio": ratios,
    }
    formats = {name: column_format(name, values[name]) for name in columns[1:]}
    coloured = {"delta", "grad_weight", "delta_ratio"}
    lines = []
    for layer in range(len(trace.z)):
        runs: list[Run] = [(f"{layer + 1:>{LAYER_WIDTH}}", None)]
        for name in columns[1:]:
            value = float(values[name][layer])
            style = magnitude_style(value) if name in coloured else None
            runs.append((f"{GAP}{_cell(value, formats[name]):>{WIDTH}}", style))
        lines.append(tuple(runs))
    return lines


def _ascii(line: Line) -> Line:
    return tuple((text.translate(NUMBERS_TO_ASCII), style) for text, style in line)


def _delta_bars(trace: Trace) -> list[Line]:
    """|δˡ| on a log scale shared by the layers: the shortest bar is the smallest δ."""
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log10(np.abs(trace.delta))
    finite = logs[np.isfinite(logs)]
    low, high = (finite.min(), finite.max()) if len(finite) else (0.0, 0.0)
    span = max(high - low, 1e-12)
    bars: list[tuple[tuple[str, Style | None], ...]] = []
    for value, delta in zip(logs, trace.delta, strict=True):
        if not np.isfinite(value):
            bars.append(((f"{GAP}{MISSING}", None),))
            continue
        length = 1 + round((BAR_WIDTH - 1) * (value - low) / span)
        bars.append(((GAP + "█" * length, magnitude_style(float(delta))),))
    return bars
