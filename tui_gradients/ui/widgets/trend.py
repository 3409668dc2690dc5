"""Quantities over the steps so far, as lines of bars: the 2-D run's loss, the chain's cost.

Drawn on log₁₀ values, so that a loss falling by 0.1 % a step shows as a steady slope rather than
a cliff followed by a flat line. The bars are one run of text in one colour (Textual's Sparkline
colours every cell on its own, about 1.6 KB a line on each step over SSH).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.style import Style

from tui_gradients.ui.widgets.lines import Lines

DECADES = 16
"""Values more than this many decades below the largest are drawn at the bottom."""
BLOCKS = "▁▂▃▄▅▆▇█"
GAP = 2
"""Spaces between two quantities."""


Series = tuple[str, np.ndarray, float]
"""What a quantity is, its values from step 0, and the offset its distance is measured from."""
"""Values for steps 0..current, and the offset whose distance is drawn (f* for a loss)."""


class Trends(Lines):
    """Several quantities side by side, each a caption (what, which range of log₁₀) over a line
    of bars for steps 0 to the current. One widget for all: each widget a step refreshes costs
    Textual two messages and a pass over all its lines, in every key's frame."""

    COMPONENT_CLASSES = {"trends--bars"}

    DEFAULT_CSS = """
    Trends {
        padding: 0 1;
    }
    Trends > .trends--bars {
        color: $accent;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.heights: list[np.ndarray] = []
        """The bars drawn for each quantity, from 0 (lowest) to 7 (highest)."""
        self._series: Sequence[Series] | None = None

    def on_resize(self) -> None:
        if self._series is not None:
            self.show(self._series)  # as many bars as the new width holds

    def show(self, series: Sequence[Series]) -> None:
        """|values − offset| of each quantity, one bar per bucket of steps across its column."""
        self._series = series
        column = max((self.content_region.width - GAP * (len(series) - 1)) // len(series), 1)
        style = self.component_style("trends--bars")
        captions: list[tuple[str, Style | None]] = []
        bars: list[tuple[str, Style | None]] = []
        self.heights = []
        for index, (title, values, offset) in enumerate(series):
            caption, heights = _trend(title, values, offset, column)
            self.heights.append(heights)
            gap = "" if index == 0 else " " * GAP
            captions.append((gap + caption[:column].ljust(column), None))
            bars.append((gap, None))
            bars.append(("".join(BLOCKS[int(h)] for h in heights).ljust(column), style))
        self.set_lines([tuple(captions), tuple(bars)])


def _trend(title: str, values: np.ndarray, offset: float, bars: int) -> tuple[str, np.ndarray]:
    """The caption and at most `bars` bar heights of one quantity."""
    # bucket first: log₁₀ is increasing, so the log of a bucket's largest value is its largest
    # log, and 10⁶ steps cost two passes instead of 10⁶ logarithms
    logs = log_scale(bucket_magnitudes(values, offset, bars))
    if len(logs) == 0:
        return f"{title}: nothing finite to draw", np.empty(0)
    low, high = logs.min(), logs.max()
    heights = np.rint((logs - low) / max(high - low, 1e-12) * (len(BLOCKS) - 1))
    # no step count: the readout has it, and a caption that changes on every step is one more
    # line to send on every key
    return f"{title}: log₁₀ {low:.1f} … {high:.1f}", heights


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
