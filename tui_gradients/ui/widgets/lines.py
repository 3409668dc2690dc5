"""A widget of text lines that redraws only the lines that changed.

`Static.update` repaints the whole widget whatever changed, and a Rich table re-lays out every
cell; on a step most numbers in the readout and the chain table stay put, and over SSH each
repainted cell is bytes on the wire. Here a step refreshes exactly the lines whose text differs,
and a line is plain runs of (text, style), so comparing and drawing one costs next to nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

from tui_gradients.ui.format import word_end

Run = tuple[str, Style | None]
Line = tuple[Run, ...]


def plain(text: str) -> Line:
    return ((text, None),)


class Lines(Widget):
    """Lines of styled runs, one per terminal row; a line wider than the widget is cut after
    its last whole word that fits, with an ellipsis (`...` with the class -ascii)."""

    DEFAULT_CSS = """
    Lines {
        height: auto;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._lines: list[Line] = []
        self._strips: dict[int, Strip] = {}
        self._base_style: Style | None = None
        self._combined: dict[Style | None, Style] = {}
        self._components: dict[str, Style] = {}
        self._known_width: int | None = None

    @property
    def text(self) -> str:
        """Everything shown, as plain text."""
        return "\n".join("".join(text for text, _ in line) for line in self._lines)

    def set_lines(self, lines: Sequence[Line | str]) -> None:
        new = [plain(line) if isinstance(line, str) else line for line in lines]
        old, self._lines = self._lines, new
        auto_height = self.styles.height is None or self.styles.height.is_auto
        if len(new) != len(old) and auto_height:  # its height changes: a new layout
            self._strips.clear()
            self.refresh(layout=True)
            return
        # where a value wraps onto one more line or one fewer, the lines below move up or
        # down: each is compared with the line that was in its row
        rows = range(max(len(old), len(new)))
        before = [old[y] if y < len(old) else () for y in rows]
        after = [new[y] if y < len(new) else () for y in rows]
        changed = [y for y in rows if before[y] != after[y]]
        for y in changed:
            self._strips.pop(y, None)
        if changed:  # one call for all: each call of refresh walks up the DOM for the offset
            width = self._width
            self.refresh(*(_changed_span(before[y], after[y], y, width) for y in changed))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines)

    def on_resize(self) -> None:
        """Every line again at the new size: lines set before the widget had its size (a
        change drawn in the same pass as a new layout) were refreshed at the old one."""
        self._strips.clear()
        self._width = self.size.width
        self.refresh()

    @property
    def _width(self) -> int:
        """The width, kept from the last resize: working it out walks up to the screen. A width
        of 0 (asked before the first layout) is not kept."""
        if not self._known_width:
            self._known_width = self.size.width
        return self._known_width

    @_width.setter
    def _width(self, width: int) -> None:
        self._known_width = width

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._base_style = None
        self._combined = {}
        self._components = {}

    def component_style(self, name: str) -> Style:
        """A component class's own style, kept until the styles change: Textual forgets it on
        every refresh, and looking it up again costs more than drawing a line."""
        style = self._components.get(name)
        if style is None:
            style = self._components[name] = self.get_component_rich_style(name, partial=True)
        return style

    @property
    def _base(self) -> Style:
        """The widget's own colours, kept until its styles change: `rich_style` is worked out
        afresh after every refresh, and a step refreshes lines one by one."""
        if self._base_style is None:
            self._base_style = self.rich_style
        return self._base_style

    def render_line(self, y: int) -> Strip:
        strip = self._strips.get(y)
        if strip is None:
            strip = self._strips[y] = self._line_at(y)
        return strip

    def _line_at(self, y: int) -> Strip:
        base = self._base
        width = self._width
        if y >= len(self._lines):
            return Strip.blank(width, base)
        line = self._lines[y]
        segments, used = [], 0
        for text, style in _merged(line):
            used += cell_len(text)
            segments.append(Segment(text, self._styled(style)))
        if used > width:  # the rare line wider than the widget: shortened at a word
            ellipsis = "..." if self.has_class("-ascii") else "…"
            keep = word_end("".join(text for text, _ in line), width - len(ellipsis))
            tail = Segment(ellipsis.ljust(width - keep), base)
            return Strip([*Strip(segments).crop(0, keep), tail], width)
        if used < width:  # the padding joins a last run in the widget's colours: one SGR less
            pad = " " * (width - used)
            if segments and segments[-1].style == base:
                segments[-1] = Segment(segments[-1].text + pad, base)
            else:
                segments.append(Segment(pad, base))
        return Strip(segments, width)

    def _styled(self, style: Style | None) -> Style:
        """The run's style over the widget's colours, worked out once per style."""
        combined = self._combined.get(style)
        if combined is None:
            combined = self._combined[style] = self._base + style if style else self._base
        return combined


def _length(line: Line) -> int:
    return sum(len(text) for text, _ in line)


def _merged(line: Line) -> list[Run]:
    """Neighbouring runs of one style as one: a table row is a run per cell, and every segment
    costs again in each of Textual's passes over a line (filter, cut, output)."""
    runs: list[Run] = []
    for text, style in line:
        if runs and runs[-1][1] == style:
            runs[-1] = (runs[-1][0] + text, style)
        else:
            runs.append((text, style))
    return runs


def _changed_span(old: Line, new: Line, y: int, width: int) -> Region:
    """The cells of row y from the first that differs to the last: Textual writes only the
    region refreshed, and on a step a row's label, its unchanged columns and its padding stay
    put (over SSH, bytes not sent). The lines are compared run by run, as strings: a step
    compares a few dozen lines, and a Python loop over their cells cost a tenth of a key."""
    before, after = _padded(old, width), _padded(new, width)
    if before is None or after is None:  # a character wider than one cell: the whole line
        return Region(0, y, width, 1)
    shortened = _length(old) > width, _length(new) > width
    if any(shortened):  # its ellipsis may move: the whole row, unless nothing shown differs
        unchanged = all(shortened) and before == after
        return Region(0, y, 0 if unchanged else width, 1)
    spans = list(_style_spans(before[1], after[1], width))
    first = next((x for span in spans if (x := _first_differing(before, after, span)) >= 0), -1)
    if first < 0:  # a difference past the edge: nothing on screen moves
        return Region(0, y, 0, 1)
    last = next(x for span in reversed(spans) if (x := _last_differing(before, after, span)) >= 0)
    return Region(first, y, last - first + 1, 1)


Padded = tuple[str, list[tuple[int, Style | None]]]
"""A line's text cut or padded to the width, and where each style's run ends."""


def _padded(line: Line, width: int) -> Padded | None:
    text = "".join(text for text, _ in line)
    if cell_len(text) != len(text):
        return None
    ends: list[tuple[int, Style | None]] = []
    end = 0
    # runs of one style as one (a table row is a run per cell), the padding's blanks included
    for run, style in _merged((*line, (" " * width, None))):
        end += len(run)
        ends.append((min(end, width), style))
    return text[:width].ljust(width), ends


def _style_spans(
    before: list[tuple[int, Style | None]], after: list[tuple[int, Style | None]], width: int
):
    """(start, end, whether the two styles differ) over the stretches where neither line
    changes style."""
    start, i, j = 0, 0, 0
    while start < width:
        (end_before, style_before), (end_after, style_after) = before[i], after[j]
        end = min(end_before, end_after)
        if end > start:
            yield start, end, style_before is not style_after and style_before != style_after
            start = end
        i += end_before == end
        j += end_after == end


def _first_differing(before: Padded, after: Padded, span: tuple[int, int, bool]) -> int:
    start, end, restyled = span
    if restyled:
        return start
    a, b = before[0], after[0]
    if a[start:end] == b[start:end]:
        return -1
    return next(x for x in range(start, end) if a[x] != b[x])


def _last_differing(before: Padded, after: Padded, span: tuple[int, int, bool]) -> int:
    start, end, restyled = span
    if restyled:
        return end - 1
    a, b = before[0], after[0]
    if a[start:end] == b[start:end]:
        return -1
    return next(x for x in range(end - 1, start - 1, -1) if a[x] != b[x])
