"""The loss of every 2-D run in a race against the step, on a log scale, drawn by plotext.

Each run keeps its glyph and colour from the contour plot, so the chart needs no separate key.
It is redrawn on the throttled trend timer, never more than the frame rate allows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from textual_plotext import PlotextPlot

from tui_gradients.ui.marks import MAIN, RIVALS

FLOOR = 1e-30
"""f − f* below this (or exactly 0, once a run has converged) is drawn at this level."""


def decimate(values: np.ndarray, points: int) -> tuple[np.ndarray, np.ndarray]:
    """At most `points` (step, value) pairs spread evenly over the history, the last included:
    a 10⁶-step race is drawn from a few hundred points, not a million."""
    if len(values) <= points:
        steps = np.arange(len(values))
    else:
        steps = np.unique(np.linspace(0, len(values) - 1, points).round().astype(np.int64))
    return steps, values[steps]


class RaceChart(PlotextPlot):
    """log₁₀(f − f*) against the step for each run, or f itself where f* is unknown."""

    ascii_only = False

    def show(
        self, names: Sequence[str], losses: Sequence[np.ndarray], f_star: float | None
    ) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        gap = "log10(f - f*)" if self.ascii_only else "log₁₀(f − f*)"
        title = f"{gap} per step" if f_star is not None else "f per step (f* unknown)"
        if self.border_title != title:  # setting it repaints the chart: only when it changes
            self.border_title = title
        width = max(self.size.width, 20)
        series = list(zip(names, losses, (MAIN, *RIVALS), strict=False))
        for name, loss, mark in [*series[1:], series[0]]:  # the main run on top, as on the plot
            steps, values = decimate(loss, 2 * width)
            if f_star is not None:
                values = np.log10(np.maximum(values - f_star, FLOOR))
            plt.plot(
                steps,
                values,
                marker=mark.glyph(self.ascii_only, current=False),
                color=mark.rgb,
                label=name,
            )
        self.refresh()
