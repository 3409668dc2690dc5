"""How each 2-D run is marked, everywhere it appears: its trail and current point on the contour
plot, its row in the readout and its line in the race chart.

Runs differ by shape first (over SSH the terminal may have 16 colours, or the reader may not
tell magenta from red) and by colour second. Each glyph has a plain-ASCII stand-in.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.color import Color
from rich.style import Style


@dataclass(frozen=True)
class RunMark:
    trail: tuple[str, str]
    """(Unicode, ASCII) glyph for the cells the run has passed through."""
    current: tuple[str, str]
    """(Unicode, ASCII) glyph for where it is now."""
    rgb: tuple[int, int, int]

    def glyph(self, ascii_only: bool, *, current: bool = False) -> str:
        return (self.current if current else self.trail)[ascii_only]

    @property
    def style(self) -> Style:
        return Style(color=Color.from_rgb(*self.rgb), bold=True)

    @property
    def current_style(self) -> Style:
        return self.style + Style(reverse=True)


MAIN = RunMark(("•", "*"), ("●", "@"), (235, 200, 40))
RIVALS = (
    RunMark(("∘", "o"), ("◆", "%"), (215, 95, 215)),
    RunMark(("+", "+"), ("▲", "^"), (70, 200, 215)),
    RunMark(("×", "x"), ("■", "#"), (240, 140, 40)),
    RunMark(("~", "~"), ("▼", "v"), (235, 235, 235)),
    RunMark((":", ":"), ("▶", ">"), (140, 220, 70)),
)
"""One per rival, in the order the session lists them."""
