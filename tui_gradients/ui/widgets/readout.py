"""The numbers at the current point, side by side, so a small gradient can be seen next to a
large distance to the minimum. The rows come from `presenters.readout_rows`."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from tui_gradients.ui.glyphs import NUMBERS_TO_ASCII
from tui_gradients.ui.presenters import Row
from tui_gradients.ui.widgets.lines import Line, Lines


class Readout(Lines):
    """Two columns: bold names, then values wrapped to the room left; a step redraws only the
    lines whose numbers changed."""

    DEFAULT_CSS = """
    Readout {
        width: 34;
        height: 1fr;
        padding: 0 1;
    }
    """

    ascii_only = False
    """Plain-ASCII values, for terminals without UTF-8."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._rows: Sequence[Row] = ()

    def show(self, rows: Sequence[Row]) -> None:
        self._rows = rows
        self._lay_out()

    def on_resize(self) -> None:
        self._lay_out()

    def _lay_out(self) -> None:
        name_width = max((len(row.name) for row in self._rows), default=0)
        room = max(self.size.width - name_width - 1, 8)
        lines: list[Line] = []
        for row in self._rows:
            value = row.value.translate(NUMBERS_TO_ASCII) if self.ascii_only else row.value
            pieces = [value] if len(value) <= room else textwrap.wrap(value, room) or [""]
            lines.append(((row.name.ljust(name_width + 1), row.style), (pieces[0], None)))
            lines.extend(((" " * (name_width + 1) + piece, None),) for piece in pieces[1:])
        self.set_lines(lines)
