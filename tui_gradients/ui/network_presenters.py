"""What the network screen shows, made from the run: the layer table with its histograms, the
status line, and the charts' series. No widget state; the screen pushes these down."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from rich.style import Style

from tui_gradients.core.network.activations import BY_NAME
from tui_gradients.core.network.health import COLUMNS, LayerHealth
from tui_gradients.core.network.mlp import Pass
from tui_gradients.core.network.run import NetworkRun
from tui_gradients.ui.format import magnitude_style, number, update_style
from tui_gradients.ui.widgets.layer_table import GAP, NETWORK, Table
from tui_gradients.ui.widgets.lines import Line

SPARKS = " ▁▂▃▄▅▆▇█"
SPARKS_ASCII = " .:-=+*#%"
BINS = 6
"""Bars per histogram: two of them and their gap fit the table's bar column."""


def spark(values: np.ndarray, low: float, high: float, ascii_only: bool) -> str:
    """A histogram of `values` over [low, high] in one row of block heights."""
    levels = SPARKS_ASCII if ascii_only else SPARKS
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return levels[-1].center(BINS)
    counts, _ = np.histogram(values, BINS, (low, high))
    top = max(int(counts.max()), 1)
    return "".join(levels[math.ceil(count / top * (len(levels) - 1))] for count in counts)


def histograms(done: Pass, activation: str, ascii_only: bool) -> list[Line]:
    """Per layer: its outputs over one range shared by the hidden layers (a bounded
    activation's own range where there is no residual sum), then its δ over its own ±max|δ|
    (δ's scale is the rms δ column's; here its shape)."""
    hidden = [kept.a for kept in done.layers[:-1]]
    bounded = BY_NAME[activation].bounded
    reach = max((float(np.max(np.abs(a))) for a in hidden), default=1.0)
    low, high = bounded if bounded and reach <= max(map(abs, bounded)) else (-reach, reach)
    separator = " | " if ascii_only else " │ "
    lines: list[Line] = []
    for index, (kept, delta) in enumerate(zip(done.layers, done.deltas, strict=True)):
        if index == len(done.layers) - 1:
            outputs = float(np.max(np.abs(kept.a)))
            shown = spark(kept.a, -outputs, outputs, ascii_only)
        else:
            shown = spark(kept.a, low, high, ascii_only)
        size = float(np.max(np.abs(delta)))
        style = magnitude_style(math.sqrt(float(np.mean(delta * delta))))
        lines.append(
            ((f"{GAP}{shown}{separator}", None), (spark(delta, -size, size, ascii_only), style))
        )
    return lines


def network_table(rows: tuple[LayerHealth, ...], done: Pass, activation: str) -> Table:
    values = {column: np.array([getattr(row, column) for row in rows]) for column in COLUMNS}
    values["width"] = np.array([row.width for row in rows], dtype=float)
    values["weight_std"] = np.array([row.weight_std for row in rows])
    values["saturated"] = 100 * values["saturated"]
    labels = (*(str(row.layer) for row in rows[:-1]), "out")
    styles: dict[str, Callable[[float], Style]] = {"update_data": update_style}
    return Table(
        NETWORK, values, labels, lambda ascii_only: histograms(done, activation, ascii_only), styles
    )


def loss_text(run: NetworkRun) -> str:
    current = run.current
    parts = [f"step {run.cursor}", f"loss {number(current.loss, 5)}"]
    if not math.isnan(current.accuracy):
        parts.append(f"accuracy {100 * current.accuracy:.1f} %")
    return " · ".join(parts)
