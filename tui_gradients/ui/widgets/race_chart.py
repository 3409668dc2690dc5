"""The loss of every 2-D run in a race against the step, on a log scale, drawn by plotext.

Each run keeps its mark from the contour plot and the readout, and the legend in the chart's
title names them at every size. Runs that reach the same losses would hide each other if drawn
as lines; each is drawn as its marks in columns of its own instead (run i in every n-th column,
from column i), so where two curves coincide their marks alternate and both stay in sight.
It is redrawn on the throttled trend timer, never more than the frame rate allows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from tui_gradients.ui.glyphs import BOX_TO_ASCII
from tui_gradients.ui.marks import MARKS

FLOOR = 1e-30
"""f − f* below this (or exactly 0, once a run has converged) is drawn at this level."""
AXIS_ROOM = 10
"""Columns plotext takes for the y tick labels and the frame."""


def interleaved_steps(length: int, columns: int, run: int, runs: int) -> np.ndarray:
    """The steps run `run` of `runs` is drawn at: one per column it owns, across `columns`
    columns spanning steps 0 to length − 1, the last step always included."""
    if length <= 1:
        return np.zeros(min(length, 1), dtype=np.int64)
    owned = np.arange(run % max(runs, 1), columns, max(runs, 1))
    steps = np.round(owned / max(columns - 1, 1) * (length - 1)).astype(np.int64)
    return np.unique(np.append(steps[steps < length], length - 1))


def legend(names: Sequence[str], ascii_only: bool) -> str:
    return "  ".join(
        f"{mark.glyph(ascii_only)} {name}" for name, mark in zip(names, MARKS, strict=False)
    )


class RaceChart(PlotextPlot):
    """log₁₀(f − f*) against the step for each run, or f itself where f* is unknown."""

    ascii_only = False

    def show(
        self,
        names: Sequence[str],
        losses: Sequence[np.ndarray],
        f_star: float | None,
        steps: Sequence[np.ndarray] | None = None,
    ) -> None:
        """`steps` are the step of each loss (by default, its index: every step kept)."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        gap = "log10(f - f*)" if self.ascii_only else "log₁₀(f − f*)"
        what = gap if f_star is not None else "f (f* unknown)"
        title = f"{legend(names, self.ascii_only)}  {'-' if self.ascii_only else '·'} {what}"
        if self.border_title != title:  # setting it repaints the chart: only when it changes
            self.border_title = title
        columns = max(self.size.width - AXIS_ROOM, 10)
        series = list(zip(names, losses, MARKS, strict=False))
        length = max((len(loss) for loss in losses), default=0)
        for index, (_, loss, mark) in reversed(list(enumerate(series))):  # the main run on top
            rows = interleaved_steps(length, columns, index, len(series))
            rows = rows[rows < len(loss)]
            values = loss[rows]
            if f_star is not None:
                values = np.log10(np.maximum(values - f_star, FLOOR))
            x = rows if steps is None else steps[index][rows]
            plt.scatter(x, values, marker=mark.glyph(self.ascii_only), color=mark.rgb)
        self.refresh()

    def render(self) -> RenderResult:
        """plotext's chart; in plain ASCII its box-drawing frame and ticks turned into - | +
        (one character for one, so the colours stay where they were)."""
        chart = super().render()
        if self.ascii_only and isinstance(chart, Text):
            chart.plain = chart.plain.translate(BOX_TO_ASCII)
        return chart
