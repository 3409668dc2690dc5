"""The network's charts over the steps, drawn by plotext: the loss (and accuracy for classes),
each layer's update:data on log₁₀ with makemore's guide at −3, and each layer's ‖∂C/∂W‖ on
log₁₀. A deep network's layers are too many to tell apart, so at most six are drawn, spread
from the first to the output, each with its own mark (shape first, colour second)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from tui_gradients.core.network.run import Summary
from tui_gradients.ui.colours import DEFAULT
from tui_gradients.ui.format import HEALTHY_UPDATE, fit_title
from tui_gradients.ui.glyphs import BOX_TO_ASCII
from tui_gradients.ui.marks import MARKS
from tui_gradients.ui.widgets.race_chart import AXIS_ROOM, FLOOR, interleaved_steps, legend

CHARTS = ("loss", "update", "gradient")
"""What the chart can show, in the order `x` cycles them."""
POINTS = 400
"""Steps drawn at most: the summary's kept steps, thinned evenly."""


def drawn_layers(layers: int) -> list[int]:
    """Up to one layer per mark, 0-based, from the first to the output."""
    count = min(layers, len(MARKS))
    return sorted({round(i * (layers - 1) / max(count - 1, 1)) for i in range(count)})


def layer_name(index: int, layers: int) -> str:
    return "out" if index == layers - 1 else str(index + 1)


class LayerChart(PlotextPlot):
    ascii_only = False
    colours = DEFAULT

    def show(self, summary: Summary, chart: str, runs: Sequence[tuple[str, Summary]] = ()) -> None:
        """`summary` is the main run's; `runs`, every run's with its name, for a race's loss."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        length = len(summary.steps)
        rows = np.unique(np.linspace(0, max(length - 1, 0), min(length, POINTS)).astype(int))
        steps = summary.steps[rows].tolist() if length else []
        if chart == "loss" and len(runs) > 1:
            title = self._race(runs)
        elif chart == "loss":
            title = self._losses(summary, rows, steps)
        else:
            title = self._layers(summary, rows, steps, chart)
        title = fit_title(title, self.size.width, self.ascii_only)
        if self.border_title != title:
            self.border_title = title
        self.refresh()

    def _losses(self, summary: Summary, rows: np.ndarray, steps: list[int]) -> str:
        plt = self.plt
        loss_mark, accuracy_mark = MARKS[0], MARKS[1]
        plt.plot(steps, summary.loss[rows].tolist(), marker=loss_mark.glyph(self.ascii_only),
                 color=self.colours.ink(loss_mark.rgb))  # fmt: skip
        title = f"{loss_mark.glyph(self.ascii_only)} loss"
        if len(summary.accuracy) and not np.isnan(summary.accuracy).all():
            plt.plot(steps, (100 * summary.accuracy[rows]).tolist(), yside="right",
                     marker=accuracy_mark.glyph(self.ascii_only),
                     color=self.colours.ink(accuracy_mark.rgb))  # fmt: skip
            title += f"  {accuracy_mark.glyph(self.ascii_only)} accuracy % (right axis)"
        return title + " over steps"

    def _race(self, runs: Sequence[tuple[str, Summary]]) -> str:
        """Each run's loss with its mark, in columns of its own where curves coincide."""
        columns = max(self.size.width - AXIS_ROOM, 10)
        for index, (_, summary) in reversed(list(enumerate(runs))):  # the main run on top
            mark = MARKS[index % len(MARKS)]
            rows = interleaved_steps(len(summary.steps), columns, index, len(runs))
            glyph, colour = mark.glyph(self.ascii_only), self.colours.ink(mark.rgb)
            with np.errstate(divide="ignore", invalid="ignore"):
                logs = np.log10(np.maximum(summary.loss[rows], FLOOR))
            self.plt.scatter(
                summary.steps[rows].tolist(), logs.tolist(), marker=glyph, color=colour
            )
        entries, _ = legend([name for name, _ in runs], self.ascii_only, 0)
        log = "log10" if self.ascii_only else "log₁₀"
        return f"{entries} {'-' if self.ascii_only else '·'} {log} loss"

    def _layers(self, summary: Summary, rows: np.ndarray, steps: list[int], chart: str) -> str:
        plt = self.plt
        values = summary.update_data if chart == "update" else summary.grad_w_norm
        layers = values.shape[1] if values.ndim == 2 else 0
        entries = []
        for mark, layer in zip(MARKS, drawn_layers(layers), strict=False):
            series = values[rows, layer]
            if chart == "gradient":
                with np.errstate(divide="ignore"):
                    series = np.log10(series)
            finite = np.isfinite(series)
            if not finite.any():
                continue
            kept = [step for step, ok in zip(steps, finite, strict=True) if ok]
            glyph, colour = mark.glyph(self.ascii_only), self.colours.ink(mark.rgb)
            plt.plot(kept, series[finite].tolist(), marker=glyph, color=colour)
            entries.append(f"{mark.glyph(self.ascii_only)} {layer_name(layer, layers)}")
        log = "log10" if self.ascii_only else "log₁₀"
        if chart == "update":
            if steps:
                plt.hline(HEALTHY_UPDATE, color=self.colours.ink((128, 128, 128)))
            what = f"{log} update:data (guide at -3)"
        else:
            what = f"{log} ‖∂C/∂W‖" if not self.ascii_only else f"{log} |dC/dW|"
        dot = "-" if self.ascii_only else "·"
        return f"{what} {dot} layers {'  '.join(entries)}"

    def render(self) -> RenderResult:
        chart = super().render()
        if self.ascii_only and isinstance(chart, Text):
            chart.plain = chart.plain.translate(BOX_TO_ASCII)
        return chart
