"""The numbers at the current point, side by side, so a small gradient can be seen next to a
large distance to the minimum."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from tui_gradients.core.session import TRAP_TOL, PointSummary
from tui_gradients.ui.format import number


class Readout(Static):
    """Step, position, loss, gradient components, ‖∇f‖, distance and f − f*."""

    DEFAULT_CSS = """
    Readout {
        width: 34;
        height: 1fr;
        padding: 0 1;
    }
    """

    def show(
        self,
        step: int,
        optimizer: str,
        point: PointSummary,
        ghost: tuple[str, PointSummary] | None,
    ) -> None:
        table = Table.grid(padding=(0, 1))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(no_wrap=True)
        rows = [
            ("step", f"{step}  ({optimizer})"),
            ("w1, w2", f"{number(point.w1)}, {number(point.w2)}"),
            ("f", number(point.loss)),
            ("f − f*", number(point.gap)),
            ("∂f/∂w1", number(point.grad_w1)),
            ("∂f/∂w2", number(point.grad_w2)),
            ("‖∇f‖", number(point.grad_norm)),
            ("to min", number(point.distance)),
            ("|∂₂f/∂₁f|", number(point.component_ratio, 4)),
        ]
        for label, value in rows:
            table.add_row(label, value)
        if ghost is not None:
            name, other = ghost
            table.add_row(Text(f"◆ {name}", style="magenta bold"), f"f {number(other.loss)}")
            table.add_row(Text("◆ to min", style="magenta bold"), number(other.distance))
        if point.small_gradient_far_away:
            table.add_row(
                Text("⚠ trap", style="bold reverse yellow"),
                Text(f"‖∇f‖ < {TRAP_TOL:g} but {number(point.distance, 3)} from the minimum"),
            )
        self.update(table)
