"""A quantity over the steps so far, as one line of bars: the 2-D run's loss, the chain's cost.

Drawn on log₁₀ values, so that a loss falling by 0.1 % a step shows as a steady slope rather than
a cliff followed by a flat line. The bars are one run of text in one colour (Textual's Sparkline
colours every cell on its own, about 1.6 KB a line on each step over SSH).
"""

from __future__ import annotations

import numpy as np

from tui_gradients.ui.widgets.lines import Lines

DECADES = 16
"""Values more than this many decades below the largest are drawn at the bottom."""
BLOCKS = "▁▂▃▄▅▆▇█"


class Trend(Lines):
    """A caption (what, which range of log₁₀) over a line of bars for steps 0 to the current."""

    COMPONENT_CLASSES = {"trend--bars"}

    DEFAULT_CSS = """
    Trend {
        width: 1fr;
        padding: 0 1;
    }
    Trend > .trend--bars {
        color: $accent;
    }
    """

    def __init__(self, title: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.title = title
        self.heights: np.ndarray = np.empty(0)
        """The bars drawn, from 0 (lowest) to 7 (highest)."""
        self._values: np.ndarray | None = None
        self._offset = 0.0

    def on_resize(self) -> None:
        if self._values is not None:
            self.show(self._values, self._offset)  # as many bars as the new width holds

    def show(self, values: np.ndarray, offset: float = 0.0) -> None:
        """|values − offset| for steps 0..len−1, one bar per bucket of steps across the width."""
        self._values, self._offset = values, offset
        # bucket first: log₁₀ is increasing, so the log of a bucket's largest value is its
        # largest log, and 10⁶ steps cost two passes instead of 10⁶ logarithms
        logs = log_scale(bucket_magnitudes(values, offset, max(self.size.width, 1)))
        if len(logs) == 0:
            self.heights = np.empty(0)
            self.set_lines([f"{self.title}: nothing finite to draw", ""])
            return
        low, high = logs.min(), logs.max()
        self.heights = np.rint((logs - low) / max(high - low, 1e-12) * (len(BLOCKS) - 1))
        bars = "".join(BLOCKS[int(h)] for h in self.heights)
        style = self.component_style("trend--bars")
        # no step count: the readout has it, and a caption that changes on every step is one
        # more line to send on every key
        caption = f"{self.title}: log₁₀ {low:.1f} … {high:.1f}"
        self.set_lines([caption, ((bars, style),)])


def bucket_magnitudes(values: np.ndarray, offset: float, buckets: int) -> np.ndarray:
    """The largest |v − offset| of each of at most `buckets` runs of values.

    From each run's largest and smallest value: subtracting a constant keeps their order, so
    nothing of length len(values) is made but the two reductions. A run holding a non-finite
    value (a run's history never does) takes the slower way, which leaves those values out.
    """
    if len(values) > buckets:
        edges = np.linspace(0, len(values), buckets + 1).astype(int)[:-1]
        highs, lows = np.maximum.reduceat(values, edges), np.minimum.reduceat(values, edges)
    else:
        highs = lows = values
    with np.errstate(invalid="ignore", over="ignore"):
        magnitudes = np.maximum(np.abs(highs - offset), np.abs(lows - offset))
    if np.all(np.isfinite(magnitudes)):
        return magnitudes
    return bucket_max(np.abs(values[np.isfinite(values)] - offset), buckets)


def log_scale(values: np.ndarray) -> np.ndarray:
    """log₁₀|v| of the finite values, floored DECADES below the largest."""
    finite = np.abs(values[np.isfinite(values)])
    with np.errstate(divide="ignore"):
        logs = np.log10(finite)
    if len(logs) == 0 or not np.isfinite(logs.max()):
        return logs[np.isfinite(logs)]
    return np.maximum(logs, logs.max() - DECADES)


def bucket_max(values: np.ndarray, buckets: int) -> np.ndarray:
    """At most `buckets` values, each the largest of its run: 10⁵ steps cost a few hundred."""
    if len(values) <= buckets:
        return values
    edges = np.linspace(0, len(values), buckets + 1).astype(int)[:-1]
    return np.maximum.reduceat(values, edges)
