"""The numbers at the current point, side by side, so a small gradient can be seen next to a
large distance to the minimum."""

from __future__ import annotations

import textwrap

from rich.style import Style

from tui_gradients.core.session import TRAP_TOL, PointSummary
from tui_gradients.ui.format import number
from tui_gradients.ui.glyphs import label
from tui_gradients.ui.widgets.lines import Line, Lines

NAME = Style(bold=True)
GHOST = Style(color="magenta", bold=True)
TRAP = Style(color="yellow", bold=True, reverse=True)

Row = tuple[str, Style, str]
"""A name, its style, and the value."""


class Readout(Lines):
    """Step, position, loss, gradient components, ‖∇f‖, distance and f − f*.

    Two columns: bold names, then values wrapped to the room left; a step redraws only the
    lines whose numbers changed.
    """

    DEFAULT_CSS = """
    Readout {
        width: 34;
        height: 1fr;
        padding: 0 1;
    }
    """

    ascii_only = False
    """Plain-ASCII labels, for terminals without UTF-8."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._rows: list[Row] = []

    def show(
        self,
        step: int,
        optimizer: str,
        point: PointSummary,
        ghost: tuple[str, PointSummary] | None,
    ) -> None:
        self._rows = _rows(step, optimizer, point, ghost, self.ascii_only)
        self._lay_out()

    def on_resize(self) -> None:
        self._lay_out()

    def _lay_out(self) -> None:
        name_width = max((len(name) for name, _, _ in self._rows), default=0)
        room = max(self.size.width - name_width - 1, 8)
        lines: list[Line] = []
        for name, style, value in self._rows:
            pieces = textwrap.wrap(value, room) or [""]
            lines.append(((name.ljust(name_width + 1), style), (pieces[0], None)))
            lines.extend(((" " * (name_width + 1) + piece, None),) for piece in pieces[1:])
        self.set_lines(lines)


def _rows(
    step: int,
    optimizer: str,
    point: PointSummary,
    ghost: tuple[str, PointSummary] | None,
    ascii_only: bool,
) -> list[Row]:
    def name(key: str) -> str:
        return label(key, ascii_only)

    rows = [
        ("step", NAME, f"{step}  ({optimizer})"),
        ("w1, w2", NAME, f"{number(point.w1)}, {number(point.w2)}"),
        ("f", NAME, number(point.loss)),
        (name("gap"), NAME, number(point.gap)),
        (name("grad_w1"), NAME, number(point.grad_w1)),
        (name("grad_w2"), NAME, number(point.grad_w2)),
        (name("grad_norm"), NAME, number(point.grad_norm)),
        ("to min", NAME, number(point.distance)),
        (name("ratio"), NAME, number(point.component_ratio, 4)),
    ]
    if ghost is not None:
        ghost_name, other = ghost
        marker = name("ghost")
        rows.append((f"{marker} {ghost_name}", GHOST, f"f {number(other.loss)}"))
        rows.append((f"{marker} to min", GHOST, number(other.distance)))
    if point.small_gradient_far_away:
        far = number(point.distance, 3)
        message = f"{name('grad_norm')} < {TRAP_TOL:g}, yet {far} from the minimum"
        rows.append((name("trap"), TRAP, message))
    return rows
