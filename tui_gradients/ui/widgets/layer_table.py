"""The chain network, one row per layer: where δ shrinks (or grows) layer after layer."""

from __future__ import annotations

import numpy as np
from rich.style import Style

from tui_gradients.core.chain import Trace
from tui_gradients.ui.format import compact, magnitude_style, scientific
from tui_gradients.ui.glyphs import LABELS, NUMBERS_TO_ASCII, label
from tui_gradients.ui.widgets.lines import Line, Lines, Run

# (key, width): fixed widths so that the table fits 80 columns and never reflows on a step.
COLUMNS = (
    ("l", 2),
    ("w", 7),
    ("b", 7),
    ("z", 7),
    ("a", 7),
    ("gprime", 7),
    ("delta", 9),
    ("grad_weight", 9),
    ("delta_ratio", 7),
)
GAP = "  "
TABLE_WIDTH = sum(width for _, width in COLUMNS) + len(GAP) * (len(COLUMNS) - 1)
BAR_WIDTH = 16
"""log₁₀|δ| per layer as a bar, where the table has the room (not at 80 columns)."""


class LayerTable(Lines):
    """A header and one line per layer; a step redraws only the lines whose numbers changed
    (a DataTable repaints every visible cell on any update)."""

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
        self._shown: tuple[Trace, str] | None = None

    def on_resize(self) -> None:
        if self._shown is not None:
            self.show(*self._shown)  # the bars come and go with the width

    def show(self, trace: Trace, title: str) -> None:
        self._shown = (trace, title)
        if self.border_title != title:
            self.border_title = title  # repaints the whole table: only when the settings change
        header_style = self.component_style("layer-table--header")
        self.row_count = len(trace.z)
        header, lines = _header(self.ascii_only, header_style), _layer_lines(trace)
        if self.ascii_only:
            lines = [_ascii(line) for line in lines]
        if self.size.width >= TABLE_WIDTH + len(GAP) + BAR_WIDTH and not self.ascii_only:
            header += ((f"{GAP}log₁₀|δ|", header_style),)
            lines = [line + bar for line, bar in zip(lines, _delta_bars(trace), strict=True)]
        self.set_lines([header, *lines])


def _header(ascii_only: bool, style: Style) -> Line:
    titles = [label(key, ascii_only) if key in LABELS else key for key, _ in COLUMNS]
    cells = [f"{title:<{width}}" for title, (_, width) in zip(titles, COLUMNS, strict=True)]
    return ((GAP.join(cells), style),)


def _layer_lines(trace: Trace) -> list[Line]:
    last = trace.delta[-1]
    with np.errstate(all="ignore"):
        ratios = np.abs(trace.delta / last) if last != 0 else np.full(len(trace.z), np.nan)
    plain = (trace.weight, trace.bias, trace.z, trace.a, trace.gprime)
    lines = []
    for layer in range(len(trace.z)):
        cells = [
            (str(layer + 1), None),
            *((compact(float(values[layer])), None) for values in plain),
            _magnitude(trace.delta[layer], 2),
            _magnitude(trace.grad_weight[layer], 2),
            _magnitude(ratios[layer], 0),
        ]
        runs: list[Run] = []
        for index, ((text, style), (_, width)) in enumerate(zip(cells, COLUMNS, strict=True)):
            runs.append((f"{GAP if index else ''}{text:>{width}}", style))
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
    bars = []
    for value, delta in zip(logs, trace.delta, strict=True):
        if not np.isfinite(value):
            bars.append(((f"{GAP}—", None),))
            continue
        length = 1 + round((BAR_WIDTH - 1) * (value - low) / span)
        bars.append(((GAP + "█" * length, magnitude_style(float(delta))),))
    return bars


def _magnitude(value: float, digits: int) -> Run:
    value = float(value)
    return scientific(value, digits), magnitude_style(value)
