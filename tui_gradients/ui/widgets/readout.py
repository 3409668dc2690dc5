"""The numbers at the current point, side by side, so a small gradient can be seen next to a
large distance to the minimum."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from tui_gradients.core.session import TRAP_TOL, PointSummary
from tui_gradients.ui.format import number
from tui_gradients.ui.glyphs import label


class Readout(Static):
    """Step, position, loss, gradient components, ‖∇f‖, distance and f − f*."""

    DEFAULT_CSS = """
    Readout {
        width: 34;
        height: 1fr;
        padding: 0 1;
    }
    """

    ascii_only = False
    """Plain-ASCII labels, for terminals without UTF-8."""

    def show(
        self,
        step: int,
        optimizer: str,
        point: PointSummary,
        ghost: tuple[str, PointSummary] | None,
    ) -> None:
        table = Table.grid(padding=(0, 1))
        table.add_column(style="bold", no_wrap=True, min_width=9)  # the longest label
        table.add_column(overflow="fold")

        def name(key: str) -> str:
            return label(key, self.ascii_only)

        rows = [
            ("step", f"{step}  ({optimizer})"),
            ("w1, w2", f"{number(point.w1)}, {number(point.w2)}"),
            ("f", number(point.loss)),
            (name("gap"), number(point.gap)),
            (name("grad_w1"), number(point.grad_w1)),
            (name("grad_w2"), number(point.grad_w2)),
            (name("grad_norm"), number(point.grad_norm)),
            ("to min", number(point.distance)),
            (name("ratio"), number(point.component_ratio, 4)),
        ]
        for title, value in rows:
            table.add_row(title, value)
        if ghost is not None:
            ghost_name, other = ghost
            marker = name("ghost")
            table.add_row(
                Text(f"{marker} {ghost_name}", style="magenta bold"), f"f {number(other.loss)}"
            )
            table.add_row(Text(f"{marker} to min", style="magenta bold"), number(other.distance))
        if point.small_gradient_far_away:
            far = number(point.distance, 3)
            table.add_row(
                Text(name("trap"), style="bold reverse yellow"),
                Text(f"{name('grad_norm')} < {TRAP_TOL:g}, yet {far} from the minimum"),
            )
        self.update(table)
