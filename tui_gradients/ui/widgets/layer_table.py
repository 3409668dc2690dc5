"""The chain network, one row per layer: where δ shrinks (or grows) layer after layer."""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import DataTable

from tui_gradients.core.chain import Trace
from tui_gradients.ui.format import compact, magnitude_style, scientific
from tui_gradients.ui.glyphs import LABELS, label

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


class LayerTable(DataTable):
    """Per-layer values; cells are updated in place, rows only rebuilt when the depth changes."""

    DEFAULT_CSS = """
    LayerTable {
        height: auto;
        max-height: 45%;
    }
    """

    ascii_only: reactive[bool] = reactive(False)
    """Plain-ASCII column labels, for terminals without UTF-8."""

    def on_mount(self) -> None:
        self.cursor_type = "none"
        self._add_columns()

    def _add_columns(self) -> None:
        for key, width in COLUMNS:
            title = label(key, self.ascii_only) if key in LABELS else key
            self.add_column(title, key=key, width=width)

    def watch_ascii_only(self) -> None:
        if self.is_mounted:
            self.clear(columns=True)
            self._add_columns()  # rows come back on the next `show`

    def show(self, trace: Trace) -> None:
        depth = len(trace.z)
        if self.row_count != depth:
            self.clear()
            for layer in range(depth):
                self.add_row(*[""] * len(COLUMNS), key=str(layer + 1))
        last = trace.delta[-1]
        with np.errstate(all="ignore"):
            ratios = np.abs(trace.delta / last) if last != 0 else np.full(depth, np.nan)
        for layer in range(depth):
            plain = (trace.weight, trace.bias, trace.z, trace.a, trace.gprime)
            cells = (
                Text(str(layer + 1)),
                *(Text(compact(float(values[layer])), justify="right") for values in plain),
                _magnitude(trace.delta[layer], 2),
                _magnitude(trace.grad_weight[layer], 2),
                _magnitude(ratios[layer], 0),
            )
            for (key, _), cell in zip(COLUMNS, cells, strict=True):
                self.update_cell(str(layer + 1), key, cell)


def _magnitude(value: float, digits: int) -> Text:
    value = float(value)
    return Text(scientific(value, digits), style=magnitude_style(value), justify="right")
