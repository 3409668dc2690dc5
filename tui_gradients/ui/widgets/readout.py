"""The numbers at the current point, side by side, so a small gradient can be seen next to a
large distance to the minimum. The rows come from `presenters.readout_rows`."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from textual import events
from textual.message import Message

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

    @dataclass
    class RowClicked(Message):
        """A row was clicked: its `Row.key` (a run's row is `run:<index>`)."""

        key: str

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._rows: Sequence[Row] = ()
        self._line_keys: list[str] = []
        """The key of the row each line belongs to (a long value wraps onto more lines)."""

    def show(self, rows: Sequence[Row]) -> None:
        self._rows = rows
        self._lay_out()

    def on_resize(self) -> None:
        self._lay_out()

    def _lay_out(self) -> None:
        """Every row, wrapped to the width; where they need more lines than there are, the
        spare rows are left out, the most spare first (`Row.spare`)."""
        rows, height = list(self._rows), self.content_size.height
        lines = self._wrapped(rows)
        while 0 < height < len(lines) and any(row.spare for row in rows):
            rows.remove(max(rows, key=lambda row: row.spare))
            lines = self._wrapped(rows)
        self.set_lines(lines)

    def _wrapped(self, rows: Sequence[Row]) -> list[Line]:
        name_width = max((len(row.name) for row in rows), default=0)
        room = max(self.size.width - name_width - 1, 8)
        lines: list[Line] = []
        self._line_keys = []
        for row in rows:
            value = row.value.translate(NUMBERS_TO_ASCII) if self.ascii_only else row.value
            pieces = [value] if len(value) <= room else textwrap.wrap(value, room) or [""]
            lines.append(((row.name.ljust(name_width + 1), row.style), (pieces[0], None)))
            lines.extend(((" " * (name_width + 1) + piece, None),) for piece in pieces[1:])
            self._line_keys += [row.key] * len(pieces)
        return lines

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and 0 <= offset.y < len(self._line_keys):
            self.post_message(self.RowClicked(self._line_keys[offset.y]))
