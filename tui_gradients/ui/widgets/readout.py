"""The numbers at the current point, side by side, so a small gradient can be seen next to a
large distance to the minimum."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from rich.style import Style

from tui_gradients.core.functions import Objective, Point
from tui_gradients.core.optimizers import Hyperparameters
from tui_gradients.core.session import ARRIVAL_FRACTION, TRAP_TOL, PointSummary
from tui_gradients.core.theory import curvature, gd_prediction
from tui_gradients.ui.format import number
from tui_gradients.ui.glyphs import NUMBERS_TO_ASCII, label
from tui_gradients.ui.marks import MAIN, RIVALS
from tui_gradients.ui.widgets.lines import Line, Lines

NAME = Style(bold=True)
TRAP = Style(color="yellow", bold=True, reverse=True)
THEORY = Style(color="cyan", bold=True)

Row = tuple[str, Style, str]
"""A name, its style, and the value."""


@dataclass(frozen=True)
class RaceEntry:
    """One 2-D run in a comparison: its name, where it is, and when it came within 1 %."""

    name: str
    point: PointSummary
    arrival: int | None


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
        race: Sequence[RaceEntry] = (),
        theory: Sequence[tuple[str, str]] = (),
    ) -> None:
        """`race` lists every 2-D run, the main one first, when there are rivals to compare."""
        rows = _rows(step, optimizer, point, self.ascii_only)
        dropped = set()
        if theory or race:  # room at 80×24: f − f* and the gradients already say what f does
            dropped = {"f", label("ratio", self.ascii_only)}
        if race:  # each run's f − f* is in its own race row
            dropped.add(label("gap", self.ascii_only))
        rows = [row for row in rows if row[0] not in dropped] + _race_rows(race, self.ascii_only)
        below = next(index for index, row in enumerate(rows) if row[0] == "to min") + 1
        theory_rows = [(name, THEORY, value) for name, value in theory]
        self._rows = rows[:below] + theory_rows + rows[below:]  # theory under the measured
        self._lay_out()

    def on_resize(self) -> None:
        self._lay_out()

    def _lay_out(self) -> None:
        name_width = max((len(name) for name, _, _ in self._rows), default=0)
        room = max(self.size.width - name_width - 1, 8)
        lines: list[Line] = []
        for name, style, value in self._rows:
            if self.ascii_only:
                value = value.translate(NUMBERS_TO_ASCII)
            pieces = [value] if len(value) <= room else textwrap.wrap(value, room) or [""]
            lines.append(((name.ljust(name_width + 1), style), (pieces[0], None)))
            lines.extend(((" " * (name_width + 1) + piece, None),) for piece in pieces[1:])
        self.set_lines(lines)


def _rows(
    step: int,
    optimizer: str,
    point: PointSummary,
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
    if point.small_gradient_far_away:
        far = number(point.distance, 3)
        message = f"{name('grad_norm')} < {TRAP_TOL:g}, yet {far} from the minimum"
        rows.append((name("trap"), TRAP, message))
    return rows


def _race_rows(race: Sequence[RaceEntry], ascii_only: bool) -> list[Row]:
    """One row per run (f − f*, or the step it arrived), then, in a race of three or more,
    which arrived first."""
    if not race:
        return []
    rows = []
    for entry, mark in zip(race, (MAIN, *RIVALS), strict=False):
        if entry.arrival is not None:
            value = f"✓ at step {entry.arrival}"
        else:
            gap = entry.point.gap
            value = number(entry.point.loss if gap is None else gap)
        rows.append((f"{mark.glyph(ascii_only, current=True)} {entry.name}", mark.style, value))
    if len(race) < 3:  # one comparison: its ✓ row says enough, and 80×24 needs the room
        return rows
    arrived = [entry for entry in race if entry.arrival is not None]
    if arrived:
        first = min(arrived, key=lambda entry: entry.arrival or 0)
        verdict = f"{first.name}, step {first.arrival}"
    elif race[0].point.distance is None:
        verdict = "unknown: no known minimum"
    else:
        verdict = "none yet"
    percent = f"{ARRIVAL_FRACTION:.0%}"
    rows.append((f"first to {percent}", NAME, verdict))
    return rows


def theory_rows(
    objective: Objective,
    hyper: Hyperparameters,
    start: Point,
    here: Point,
    seen: int | None,
    ascii_only: bool,
) -> list[tuple[str, str]]:
    """Theory beside the run: the Hessian's eigenvalues and κ (at `here` unless f is
    quadratic), and for a quadratic what plain gd must do, beside `seen`, the step at which
    the run came within ARRIVAL_FRACTION of the minimum (the session keeps it)."""
    curv = curvature(objective, here)
    where = "" if curv.constant else " here"
    kappa = f"{label('kappa', ascii_only)} {number(curv.condition, 4)}"
    rows = [(label("eigen", ascii_only), f"{_pair(curv.eigenvalues)}{where}; {kappa}")]
    if not (curv.constant and objective.minima):
        return rows
    minimum = objective.nearest_minimum(start) or objective.minima[0]
    gd = gd_prediction(curv, hyper.lr, start, minimum, ARRIVAL_FRACTION)
    measured = seen if hyper.optimizer == "gd" else None
    predicted = (
        "never" if math.isinf(gd.steps_to_fraction) else str(math.ceil(gd.steps_to_fraction))
    )
    percent = f"{gd.fraction:.0%}"
    rows += [
        (label("factor", ascii_only), f"{_pair(gd.factors)}; lr < {number(gd.max_stable_lr, 4)}"),
        (f"gd to {percent}", f"{predicted} steps; seen {'—' if measured is None else measured}"),
    ]
    return rows


def _pair(values: tuple[float, float]) -> str:
    return ", ".join(number(v, 4) for v in values)
