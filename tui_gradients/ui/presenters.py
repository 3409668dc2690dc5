"""Pure functions from the session to what the panels show: readout rows, theory rows, the
status line, the chain table's title, the trend and race series. No widget, no Textual: each is
tested by calling it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rich.style import Style

from tui_gradients.core.objectives.expression import TooLarge
from tui_gradients.core.objectives.theory import curvature, gd_prediction
from tui_gradients.core.runs.session import HISTORY_BUDGET, Session
from tui_gradients.core.runs.summary import (
    ARRIVAL_FRACTION,
    TRAP_TOL,
    PointSummary,
    Update,
    summarize,
)
from tui_gradients.ui.colours import DEFAULT, Colours
from tui_gradients.ui.format import fit, number, ordinal
from tui_gradients.ui.glyphs import PROSE_TO_ASCII, label
from tui_gradients.ui.marks import MAIN, RIVALS
from tui_gradients.ui.raster import GRADIENT_ARROW, STEP_ARROW, Arrow

NAME = Style(bold=True)
TRAP = Style(color="yellow", bold=True, reverse=True)
THEORY = Style(color="cyan", bold=True)
LR_WIDTH = 5
"""The race rows' lr column: `0.5`, `0.001` and `1e-05` line up."""


@dataclass(frozen=True)
class Row:
    """One readout row: `key` says what it is (labels change with ASCII mode, keys do not)."""

    key: str
    name: str
    value: str
    style: Style = NAME
    spare: int = 0
    """Above 0, the row may be left out where the readout has no room for every row, the
    highest first: a race's rows of six runs matter more at 80×24 than the update's arrows."""


@dataclass(frozen=True)
class RaceEntry:
    """One 2-D run in a comparison: its name, where it is, and when it came within 1 %."""

    name: str
    """Its optimiser and the lr it runs at: `adagrad lr 5`."""
    optimizer: str
    lr: float
    point: PointSummary
    arrival: int | None


def readout_rows(
    session: Session,
    *,
    theory: bool,
    ascii_only: bool,
    update: Update | None = None,
    drawn: Sequence[tuple[int, int]] = (),
    colours: Colours = DEFAULT,
) -> list[Row]:
    """The main run's numbers at its own step, the update it takes next, the theory under them
    if asked for, then a row per run when there are rivals. At 80×24 f and the component ratio
    give way to theory or a race (f − f* and the gradients already say what f does), and f − f*
    to the race rows (each has its own)."""
    race = race_entries(session)
    main = race[0].point if race else summarize(session.experiment.plane.objective, session.plane)
    rows = point_rows(session.plane.cursor, session.experiment.hyper.describe(), main, ascii_only)
    rows[1:1] = stop_rows(session) + thinned_rows(session) + schedule_rows(session)
    rows[3:3] = data_rows(session, ascii_only)
    if update is not None:
        rows += update_rows(update, session.experiment.hyper.optimizer != "gd", ascii_only)
    if drawn:
        rows.append(iterate_row(*drawn[0]))
    dropped = {"f", "ratio"} if theory or race else set()
    if main.gap is not None and session.experiment.plane.objective.f_star == 0:
        dropped.add("f")  # f − f* is f itself: one row, not two
    if race:
        dropped.add("gap")
    rows = [row for row in rows if row.key not in dropped]
    if theory:
        below = next(i for i, row in enumerate(rows) if row.key == "to_min") + 1
        rows[below:below] = theory_rows(session, ascii_only)
    return rows + race_rows(race, ascii_only, session.selected, colours)


def stop_rows(session: Session) -> list[Row]:
    """Where the shared count has gone past the step the numbers belong to, say why."""
    plane = session.plane
    if plane.stop is None or session.step <= plane.cursor:
        return []
    return [Row("stopped", "stopped", f"{plane.stop.message}; count at {session.step}", TRAP)]


def thinned_rows(session: Session) -> list[Row]:
    """Past the memory budget the oldest steps are kept only every k-th: say so, since stepping
    back there moves k steps at a time and the plot draws every k-th iterate."""
    thinned = session.thinned()
    if thinned is None:
        return []
    stride, up_to = thinned
    budget = f"{HISTORY_BUDGET >> 20} MB"
    kept = f"every {ordinal(stride)} step kept to {up_to} ({budget})"
    return [Row("thinned", "history", kept, TRAP)]


def data_rows(session: Session, ascii_only: bool) -> list[Row]:
    """On a surface fitted to data: the model the main run's (w, b) stands for, in the data's
    own units whatever is standardised; and with minibatches, where in its epoch the step is
    and the loss of the batch it steps on (the plot and f show the full batch's)."""
    plane = session.experiment.plane
    regression = plane.regression
    if regression is None:
        return []
    w, b = (float(v) for v in session.plane.params)
    slope, intercept = regression.scaling.original(w, b)
    sign = "−" if intercept < 0 else "+"
    line = f"{number(slope, 4)}·x {sign} {number(abs(intercept), 4)}"
    fit = f"y = {line}" if regression.model == "linear" else f"p = σ({line})"
    if ascii_only:
        fit = fit.translate(PROSE_TO_ASCII)
    rows = [Row("fit", "fit", fit)]
    batches = plane.batches
    if batches is not None:
        step = session.plane.cursor
        epoch, batch = batches.locate(step)
        loss, _ = regression.batch_loss_and_grad(session.plane.params, batches.indices(step))
        rows.append(Row("epoch", "epoch", f"{epoch + 1}, batch {batch + 1}/{batches.per_epoch}"))
        rows.append(Row("batch", "batch f", number(loss)))
    return rows


def update_rows(update: Update, differs: bool, ascii_only: bool) -> list[Row]:
    """−lr·∇f, and the optimiser's own step where it is not plain gd's: the two arrows."""
    gradient_step = _pair(update.gradient_step)
    rows = [Row("gradient_step", label("gradient_step", ascii_only), gradient_step, spare=1)]
    if differs:
        rows.append(Row("next_step", label("next_step", ascii_only), _pair(update.step), spare=2))
    return rows


def iterate_row(iterates: int, cells: int) -> Row:
    """How many iterates the plot shows, and in how many cells: where they are closer than a
    cell, one mark stands for several."""
    if iterates == cells:
        return Row("iterates", "iterates", f"{iterates} in view", spare=3)
    where = "1 cell" if cells == 1 else f"{cells} cells"
    return Row("iterates", "iterates", f"{iterates} in view, {where}", spare=3)


def arrows(session: Session, update: Update) -> list[Arrow]:
    """The update arrows at the main run's current point: −lr·∇f, and the optimiser's step
    where it differs from plain gd's."""
    start = (float(session.plane.params[0]), float(session.plane.params[1]))
    drawn = [Arrow(start, update.gradient_step, GRADIENT_ARROW)]
    if session.experiment.hyper.optimizer != "gd":
        drawn.append(Arrow(start, update.step, STEP_ARROW))
    return drawn


def point_rows(step: int, optimizer: str, point: PointSummary, ascii_only: bool) -> list[Row]:
    """`step` is the run's own: the step its numbers belong to."""

    def name(key: str) -> str:
        return label(key, ascii_only)

    rows = [
        Row("step", "step", f"{step}  ({optimizer})"),
        Row("point", "w1, w2", f"{number(point.w1)}, {number(point.w2)}"),
        Row("f", "f", number(point.loss)),
        Row("gap", name("gap"), number(point.gap)),
        Row("grad_w1", name("grad_w1"), number(point.grad_w1)),
        Row("grad_w2", name("grad_w2"), number(point.grad_w2)),
        Row("grad_norm", name("grad_norm"), number(point.grad_norm)),
        Row("to_min", "to min", number(point.distance)),
        Row("ratio", name("ratio"), number(point.component_ratio, 4)),
    ]
    if point.small_gradient_far_away:
        far = number(point.distance, 3)
        message = f"{name('grad_norm')} < {TRAP_TOL:g}, yet {far} from the minimum"
        rows.append(Row("trap", name("trap"), message, TRAP))
    return rows


def race_entries(session: Session) -> list[RaceEntry]:
    """Every 2-D run, the main one first, when there are rivals to compare; else none."""
    runs = session.plane_runs
    if len(runs) < 2:
        return []
    objective = session.experiment.plane.objective
    return [
        RaceEntry(
            name,
            run.optimizer.name,
            run.optimizer.vector[0],
            summarize(objective, run),
            session.arrival(run),
        )
        for name, run in runs
    ]


def race_rows(
    race: Sequence[RaceEntry], ascii_only: bool, selected: int = 0, colours: Colours = DEFAULT
) -> list[Row]:
    """One row per run: its mark and optimiser, then its lr and f − f* (or the step it
    arrived), the selected run's in reverse video; then, in a race of three or more, which
    arrived first. The lr goes with the value, so the names stay narrow at 80 columns; four
    digits of f − f* keep a row to one line."""
    rows = []
    for index, (entry, mark) in enumerate(zip(race, (MAIN, *RIVALS), strict=False)):
        if entry.arrival is not None:
            where = f"✓ step {entry.arrival}"
        else:
            gap = entry.point.gap
            where = number(entry.point.loss if gap is None else gap, 4)
        value = f"lr {entry.lr:<{LR_WIDTH}g} {where}"
        name = f"{mark.glyph(ascii_only)} {entry.optimizer}"
        style = mark.current_style(colours) if index == selected else mark.style(colours)
        rows.append(Row(f"run:{index}", name, value, style))
    if len(race) < 3:  # one comparison: its ✓ row says enough, and 80×24 needs the room
        return rows
    marks = dict(zip(race, (MAIN, *RIVALS), strict=False))
    arrived = [entry for entry in race if entry.arrival is not None]
    if arrived:  # its mark tells it from a run of the same optimiser at another lr
        first = min(arrived, key=lambda entry: entry.arrival or 0)
        verdict = f"{marks[first].glyph(ascii_only)} {first.optimizer}, step {first.arrival}"
    elif race[0].point.distance is None:
        verdict = "unknown: no known minimum"
    else:
        verdict = "none yet"
    rows.append(Row("first", f"first to {ARRIVAL_FRACTION:.0%}", verdict))
    return rows


def theory_rows(session: Session, ascii_only: bool) -> list[Row]:
    """The Hessian's eigenvalues and κ (at the current point unless f is quadratic), and for a
    quadratic what plain gd must do, beside the step at which the run came within
    ARRIVAL_FRACTION of the minimum."""
    experiment, plane = session.experiment, session.plane
    objective, hyper = experiment.plane.objective, experiment.hyper
    here = (float(plane.params[0]), float(plane.params[1]))
    try:
        curv = curvature(objective, here)
    except TooLarge as error:
        return [Row("eigen", label("eigen", ascii_only), f"too large to analyse: {error}", THEORY)]
    where = "" if curv.constant else " here"
    kappa = f"{label('kappa', ascii_only)} {number(curv.condition, 4)}"
    rows = [
        Row(
            "eigen",
            label("eigen", ascii_only),
            f"{_pair(curv.eigenvalues)}{where}; {kappa}",
            THEORY,
        )
    ]
    if not (curv.constant and objective.minima):
        return rows
    start = experiment.plane.start_point
    minimum = objective.nearest_minimum(start) or objective.minima[0]
    gd = gd_prediction(curv, hyper.lr, start, minimum, ARRIVAL_FRACTION)
    measured = session.arrival(plane) if hyper.optimizer == "gd" else None
    predicted = (
        "never" if math.isinf(gd.steps_to_fraction) else str(math.ceil(gd.steps_to_fraction))
    )
    factors = f"{_pair(gd.factors)}; lr < {number(gd.max_stable_lr, 4)}"
    seen = "—" if measured is None else measured
    return [
        *rows,
        Row("factor", label("factor", ascii_only), factors, THEORY),
        Row("gd", f"gd to {gd.fraction:.0%}", f"{predicted} steps; seen {seen}", THEORY),
    ]


def _pair(values: tuple[float, float]) -> str:
    return ", ".join(number(v, 4) for v in values)


# --- the status line, the chain's title, the series -----------------------------------------------


@dataclass(frozen=True)
class Status:
    """What the screen knows that the session does not."""

    lesson: str | None = None
    jump: str | None = None
    count: str = ""
    playing: int | None = None
    """Steps per second, while playing."""
    message: str = ""
    equal_scale: bool = False
    alert: str = ""
    """A failure the user has not dismissed yet: first, before everything else."""


def status_line(session: Session, status: Status, ascii_only: bool, width: int) -> str:
    """One row: the most urgent first (a failure, the lesson, a jump, a count, play, the last
    message, why runs stopped), then what holds until changed (the chain's cost, the scale), dropped
    first where the row is short; a part cut short ends in an ellipsis and `@` (the message
    log) shows it in full."""
    parts = status_parts(session, status, ascii_only)
    ellipsis = "... [@]" if ascii_only else "… [@]"
    return fit(parts, width, f" {label('dot', ascii_only)} ", ellipsis)


def status_parts(session: Session, status: Status, ascii_only: bool) -> list[str]:
    parts = [part for part in (status.alert, status.lesson, status.jump) if part]
    if status.count:
        parts.append(f"count {status.count}")
    if status.playing is not None:
        parts.append(f"{'>' if ascii_only else '▶'} playing {status.playing}/s")
    if status.message:
        parts.append(status.message)
    parts += [f"{name} {stop.message}" for name, stop in session.stops()]
    parts.append(f"chain cost {session.chain_run.loss:.4g}")
    parts.append("equal scale" if status.equal_scale else "axes scaled separately")
    return parts


def chain_title(session: Session, ascii_only: bool) -> str:
    chain = session.experiment.chain
    title = f"chain: {chain.activation}, depth {chain.depth}, lr {session.experiment.chain_lr:g}"
    if session.experiment.hyper.recipe.second_order:
        title += f", gd ({session.experiment.hyper.optimizer} needs a Hessian, the surface's)"
    if session.chain_target is not None:
        title += f" {label('dot', ascii_only)} catching up to step {session.chain_target}"
    return title


def trend_series(session: Session) -> list[tuple[str, np.ndarray, float]]:
    """f − f* of the 2-D run and the chain's cost, steps 0 to the current one; and, under a
    schedule, the lr each next step takes."""
    plane, chain = session.plane, session.chain_run
    f_star = session.experiment.plane.objective.f_star
    series = [
        ("2-D run, f − f*", plane.history.loss[: plane.rows_to_cursor], f_star or 0.0),
        ("chain cost C", chain.history.loss[: chain.rows_to_cursor], 0.0),
    ]
    row = plane.optimizer.lr_row
    if row is not None:
        lrs = plane.history.states[: plane.rows_to_cursor, row, 0]
        series.append((f"lr ({session.experiment.hyper.schedule.name})", lrs, 0.0))
    return series


def lr_in_force(session: Session) -> float:
    """The lr the main run's next step takes: the schedule's at the cursor, if it has one."""
    plane = session.plane
    row = plane.optimizer.lr_row
    if row is None:
        return session.experiment.hyper.lr
    return float(plane.history.states[plane.history.row_of(plane.cursor), row, 0])


def schedule_rows(session: Session) -> list[Row]:
    """Under a schedule, the lr the main run's next step takes."""
    if session.plane.optimizer.lr_row is None:
        return []
    name = session.experiment.hyper.schedule.name
    return [Row("lr_now", "lr now", f"{number(lr_in_force(session), 4)} ({name})")]


def race_series(
    session: Session,
) -> tuple[list[str], list[np.ndarray], float | None, list[np.ndarray]]:
    """Each 2-D run's name and losses to its cursor, f* where known, and the step of each
    loss (every step, unless the history was thinned)."""
    runs = session.plane_runs
    losses = [run.history.loss[: run.rows_to_cursor] for _, run in runs]
    steps = [run.history.steps[: run.rows_to_cursor] for _, run in runs]
    return [name for name, _ in runs], losses, session.experiment.plane.objective.f_star, steps
