"""A network, one row per layer: where δ shrinks (or grows) layer after layer.

One table for both networks: the chain's seed columns (z, a, g′, δ, ∂C/∂w per layer) and a
real network's health (`NETWORK`), each a `Spec` of its columns, which go first when the width
runs out, and which are coloured by magnitude. Fitting, formats, scrolling and the bars beside
the numbers are the same code for both."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from rich.style import Style
from textual.events import MouseScrollDown, MouseScrollUp

from tui_gradients.core.network.chain import Trace
from tui_gradients.ui.format import MISSING, fit_title, magnitude_style, number, unsigned_zero
from tui_gradients.ui.glyphs import LABELS, NUMBERS_TO_ASCII, label
from tui_gradients.ui.widgets.lines import Line, Lines, Run

WIDTH = 9
"""Every number column: room for '-4.78e-09', so no number is ever cut."""


@dataclass(frozen=True)
class Spec:
    columns: tuple[str, ...]
    """The layer's label first, then the numbers."""
    drop_order: tuple[str, ...]
    """Where the width runs out, these columns go first."""
    scientific: frozenset[str]
    """Columns whose values span decades by nature: always in scientific notation."""
    coloured: frozenset[str]
    """Columns coloured by their decade (`magnitude_style`)."""
    bars: str = ""
    """The header of what is drawn beside the numbers where there is room."""
    whole: frozenset[str] = frozenset()
    """Columns of whole numbers (a layer's width)."""


CHAIN = Spec(
    ("l", "w", "b", "z", "a", "gprime", "delta", "grad_weight", "delta_ratio"),
    ("b", "delta_ratio", "w", "z", "a", "gprime", "grad_weight"),
    frozenset({"delta", "grad_weight", "delta_ratio"}),
    frozenset({"delta", "grad_weight", "delta_ratio"}),
    "log₁₀|δ|",
)
"""The chain's: the seed's z, a, g′, δ and ∂C/∂w stay longest, and the layer and its δ always
(the settings panel open at 80 columns leaves the table 42)."""
COLUMNS, DROP_ORDER = CHAIN.columns, CHAIN.drop_order
NETWORK = Spec(
    ("l", "width", "weight_std", "act_mean", "act_std", "saturated", "delta_rms", "grad_w_norm",
     "grad_data", "update_data"),
    ("width", "act_mean", "weight_std", "grad_data", "saturated", "grad_w_norm", "act_std"),
    frozenset({"delta_rms", "grad_w_norm", "grad_data"}),
    frozenset({"delta_rms", "grad_w_norm"}),
    "a and δ",
    frozenset({"width"}),
)  # fmt: skip
"""A real network's health: rms δ and update:data stay longest (the seed's δ, and the ratio
whose healthy value is about 10⁻³)."""
GAP = "  "
LAYER_WIDTH = 3
BAR_WIDTH = 16
"""log₁₀|δ| per layer as a bar, where the table has the room (not at 80 columns)."""


def table_width(columns: Sequence[str]) -> int:
    return LAYER_WIDTH + (len(columns) - 1) * (len(GAP) + WIDTH)


def fitting_columns(width: int, spec: Spec = CHAIN) -> tuple[str, ...]:
    """The columns that fit `width` cells, dropping the spec's `drop_order` first."""
    columns = list(spec.columns)
    for name in spec.drop_order:
        if table_width(columns) <= width:
            break
        columns.remove(name)
    return tuple(columns)


def column_format(name: str, values: np.ndarray, spec: Spec = CHAIN) -> str:
    """One format for the whole column: fixed point with three decimals while every value
    reads well that way, scientific with three significant digits otherwise."""
    if name in spec.scientific:
        return ".2e"
    if name in spec.whole:
        return ".0f"
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
        self._shown: tuple[Table, str] | None = None

    def scroll_layers(self, change: int | None = None, *, pages: int = 0) -> None:
        """On or back by `change` layers, or by `pages` of what fits; kept within the table."""
        step = change if change is not None else pages * max(self._room - 1, 1)
        self.first_layer = max(0, min(self.first_layer + step, self.row_count - self._room))
        if self._shown is not None:
            self.show_table(*self._shown)

    def on_mouse_scroll_down(self, event: MouseScrollDown) -> None:
        event.stop()
        self.scroll_layers(WHEEL_LAYERS)

    def on_mouse_scroll_up(self, event: MouseScrollUp) -> None:
        event.stop()
        self.scroll_layers(-WHEEL_LAYERS)

    def on_resize(self) -> None:
        if self._shown is not None:
            self.show_table(*self._shown)  # columns, bars and rows come and go with the size

    def show(self, trace: Trace, title: str) -> None:
        """The chain's table."""
        self.show_table(chain_table(trace), title)

    def show_table(self, table: Table, title: str) -> None:
        self._shown = (table, title)
        title = fit_title(title, self.size.width, self.ascii_only)
        if self.border_title != title:
            self.border_title = title  # repaints the whole table: only when the settings change
        spec = table.spec
        self.row_count = len(table.labels)
        width = self.size.width or table_width(spec.columns)
        columns = fitting_columns(width, spec)
        header_style = self.component_style("layer-table--header")
        header = _header(columns, self.ascii_only, header_style)
        lines = _layer_lines(table, columns)
        if self.ascii_only:
            lines = [_ascii(line) for line in lines]
        bars = table.bars(self.ascii_only)
        if bars and width >= table_width(columns) + len(GAP) + BAR_WIDTH:
            shown = label("bars", self.ascii_only) if spec.bars == "a and δ" else spec.bars
            header += ((f"{GAP}{shown}", header_style),)
            lines = [line + bar for line, bar in zip(lines, bars, strict=True)]
        notes = _hidden_columns(columns, spec, self.ascii_only)
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


def _hidden_columns(columns: Sequence[str], spec: Spec, ascii_only: bool) -> list[str]:
    hidden = [key for key in spec.columns if key not in columns]
    if not hidden:
        return []
    names = ", ".join(label(key, ascii_only) if key in LABELS else key for key in hidden)
    return [f"{names} hidden: widen the terminal to see them"]


@dataclass(frozen=True)
class Table:
    """What a table shows: each column's value per layer, the layers' labels, and the bars
    beside the numbers (made for plain ASCII or not), if any."""

    spec: Spec
    values: dict[str, np.ndarray]
    labels: tuple[str, ...]
    bars: Callable[[bool], list[Line]] = lambda ascii_only: []
    styles: dict[str, Callable[[float], Style]] = field(default_factory=dict)
    """Columns coloured by a rule of their own (update:data, healthy near −3)."""


def chain_table(trace: Trace) -> Table:
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
    labels = tuple(str(layer + 1) for layer in range(len(trace.z)))
    return Table(CHAIN, values, labels, lambda ascii_only: [] if ascii_only else _delta_bars(trace))


def _layer_lines(table: Table, columns: Sequence[str]) -> list[Line]:
    values, spec = table.values, table.spec
    formats = {name: column_format(name, values[name], spec) for name in columns[1:]}
    lines = []
    for row, name_of_row in enumerate(table.labels):
        runs: list[Run] = [(f"{name_of_row:>{LAYER_WIDTH}}", None)]
        for name in columns[1:]:
            value = float(values[name][row])
            style = magnitude_style(value) if name in spec.coloured else None
            if name in table.styles:
                style = table.styles[name](value)
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
