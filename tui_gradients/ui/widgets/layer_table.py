"""The chain network, one row per layer: where δ shrinks (or grows) layer after layer."""

from __future__ import annotations

import numpy as np
from rich.style import Style

from tui_gradients.core.chain import Trace
from tui_gradients.ui.format import compact, magnitude_style, scientific
from tui_gradients.ui.glyphs import LABELS, label
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
        self._header_style: Style | None = None

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._header_style = None

    def show(self, trace: Trace, title: str) -> None:
        if self.border_title != title:
            self.border_title = title  # repaints the whole table: only when the settings change
        if self._header_style is None:
            self._header_style = self.get_component_rich_style("layer-table--header", partial=True)
        self.row_count = len(trace.z)
        self.set_lines([_header(self.ascii_only, self._header_style), *_layer_lines(trace)])


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


def _magnitude(value: float, digits: int) -> Run:
    value = float(value)
    return scientific(value, digits), magnitude_style(value)
