"""The loss of every 2-D run in a race against the step, on a log scale, drawn by plotext.

Each run keeps its mark from the contour plot and the readout, and the legend in the chart's
title names them at every size. Runs that reach the same losses would hide each other if drawn
as lines; each is drawn as its marks in columns of its own instead (run i in every n-th column,
from column i), so where two curves coincide their marks alternate and both stay in sight.
It is redrawn on the throttled trend timer, never more than the frame rate allows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rich.text import Text
from textual import events
from textual.app import RenderResult
from textual.message import Message
from textual_plotext import PlotextPlot

from tui_gradients.ui.colours import DEFAULT
from tui_gradients.ui.format import fit_title
from tui_gradients.ui.glyphs import BOX_TO_ASCII
from tui_gradients.ui.marks import MARKS

FLOOR = 1e-30
"""f − f* below this (or exactly 0, once a run has converged) is drawn at this level."""
TITLE_COLUMN = 1
"""Where Textual starts a border title: after the corner."""
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


def legend(names: Sequence[str], ascii_only: bool, selected: int) -> tuple[str, list[int]]:
    """`● gd lr 0.5  [◆ adagrad lr 5]`, the selected run in brackets, and the column at which
    each entry ends (for a click on the legend). Runs that all take one lr (`adagrad lr 0.5`)
    are named without it and the lr is said once, so that six fit in 80 columns."""
    lrs = {name.partition(" lr ")[2] for name in names}
    shared = lrs.pop() if len(lrs) == 1 and len(names) > 1 else ""
    text, ends = "", []
    for index, (name, mark) in enumerate(zip(names, MARKS, strict=False)):
        entry = f"{mark.glyph(ascii_only)} {name.partition(' lr ')[0] if shared else name}"
        text += ("  " if text else "") + (f"[{entry}]" if index == selected else entry)
        ends.append(len(text))
    return (f"{text}  all at lr {shared}" if shared else text), ends


class RaceChart(PlotextPlot):
    """log₁₀(f − f*) against the step for each run, or f itself where f* is unknown. A click on
    a run's legend entry posts `RunClicked`."""

    ascii_only = False
    colours = DEFAULT
    """The theme's colours: each run's readable on its background."""

    @dataclass
    class RunClicked(Message):
        index: int
        """0 for the main run, i for rival i."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._legend_ends: list[int] = []

    def show(
        self,
        names: Sequence[str],
        losses: Sequence[np.ndarray],
        f_star: float | None,
        steps: Sequence[np.ndarray] | None = None,
        *,
        selected: int = 0,
    ) -> None:
        """`steps` are the step of each loss (by default, its index: every step kept);
        `selected` is the run whose legend entry is bracketed."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        gap = "log10(f - f*)" if self.ascii_only else "log₁₀(f − f*)"
        what = gap if f_star is not None else "f (f* unknown)"
        entries, self._legend_ends = legend(names, self.ascii_only, selected)
        title = f"{entries}  {'-' if self.ascii_only else '·'} {what}"
        title = fit_title(title, self.size.width, self.ascii_only)
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
            colour = self.colours.ink(mark.rgb)
            plt.scatter(list(x), list(values), marker=mark.glyph(self.ascii_only), color=colour)
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        """The legend is the border title, drawn from the second column of the top row."""
        if event.y != 0 or not self._legend_ends:
            return
        column = event.x - TITLE_COLUMN
        index = next((i for i, end in enumerate(self._legend_ends) if column < end), None)
        if column >= 0 and index is not None:
            self.post_message(self.RunClicked(index))

    def render(self) -> RenderResult:
        """plotext's chart; in plain ASCII its box-drawing frame and ticks turned into - | +
        (one character for one, so the colours stay where they were)."""
        chart = super().render()
        if self.ascii_only and isinstance(chart, Text):
            chart.plain = chart.plain.translate(BOX_TO_ASCII)
        return chart
