"""How each 2-D run is marked, everywhere it appears: its iterates and current point on the
contour plot, its row in the readout, its series and legend entry in the race chart. One shape
per run, the same in every place.

Runs differ by shape first (over SSH the terminal may have 16 colours, or the reader may not
tell magenta from red) and by colour second. Each glyph has a plain-ASCII stand-in. On the plot
the shape's style tells its age: the segments between iterates and the older iterates dim, the
last few bold, the current point in reverse video.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style

from tui_gradients.ui.colours import DEFAULT, Colours


@dataclass(frozen=True)
class RunMark:
    shape: tuple[str, str]
    """(Unicode, ASCII) glyph of the run's iterates, current point, readout row and series."""
    rgb: tuple[int, int, int]

    def glyph(self, ascii_only: bool) -> str:
        return self.shape[ascii_only]

    def style(self, colours: Colours = DEFAULT) -> Style:
        """The run's own colour, bold: its readout row, its recent iterates; readable on the
        theme's background (`colours`)."""
        return colours.style(self.rgb, bold=True)

    def faint_style(self, colours: Colours = DEFAULT) -> Style:
        """Older iterates and the segments between iterates."""
        return colours.style(self.rgb, dim=True)

    def current_style(self, colours: Colours = DEFAULT) -> Style:
        return self.style(colours) + Style(reverse=True)


MAIN = RunMark(("●", "@"), (235, 200, 40))
RIVALS = (
    RunMark(("◆", "%"), (215, 95, 215)),
    RunMark(("▲", "^"), (70, 200, 215)),
    RunMark(("■", "#"), (240, 140, 40)),
    RunMark(("▼", "v"), (235, 235, 235)),
    RunMark(("▶", ">"), (140, 220, 70)),
)
"""One per rival, in the order the session lists them."""
MARKS = (MAIN, *RIVALS)
