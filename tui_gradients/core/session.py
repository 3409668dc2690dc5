"""What the app steps through: the 2-D run, rival runs of other optimisers from the same start
(one to compare, up to five in a race), and the chain network, all at one shared step number.

Also `edit`, which turns a value typed into a field into a new, validated experiment: the
old experiment stays in force whenever the new value is refused.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from tui_gradients.core.chain import Chain, Trace
from tui_gradients.core.errors import SettingError
from tui_gradients.core.experiment import Experiment, PlaneSettings
from tui_gradients.core.functions import PRESETS, Objective
from tui_gradients.core.optimizers import OPTIMIZERS, Hyperparameters
from tui_gradients.core.parsing import parse_number, parse_pair, parse_whole
from tui_gradients.core.run import History, Run, Stop

TRAP_TOL = 1e-2
"""The loose stopping rule the app warns about: ‖∇f‖ below this looks 'converged'."""
FAR_FACTOR = 10.0
"""A point counts as far when its distance to the minimum exceeds this many times ‖∇f‖ (a
flat direction: curvature below 1/FAR_FACTOR) and is not tiny in absolute terms."""
MIN_FAR_DISTANCE = 1e-3
CHUNK_SECONDS = 0.05
"""A long computation checks whether it is still wanted about this often."""
FIRST_CHUNK, MAX_CHUNK = 500, 1 << 18


@dataclass(frozen=True)
class Rival:
    """Another optimiser run from the same start as the main run, with the main run's settings
    except its name and, if given, its own learning rate (Adagrad at lr 5 against gd at 0.5)."""

    optimizer: str
    lr: float | None = None

    def hyper(self, main: Hyperparameters) -> Hyperparameters:
        lr = main.lr if self.lr is None else self.lr
        return main.with_changes(optimizer=self.optimizer, lr=lr, eps=None)

    def describe(self) -> str:
        return self.optimizer if self.lr is None else f"{self.optimizer} lr {self.lr:g}"


def parse_rivals(text: str) -> tuple[Rival, ...]:
    """`adagrad, adagrad:5, adam`: optimisers to race against the main run, each with its own
    lr after a colon if wanted. SettingError (named `race`) for anything else."""
    rivals = []
    for item in (part.strip() for part in text.split(",")):
        name, _, lr_text = item.partition(":")
        name = name.strip()
        if name not in OPTIMIZERS:
            choices = ", ".join(OPTIMIZERS)
            raise SettingError("race", f"unknown optimizer {name!r}; choose from {choices}")
        lr = parse_number("race", lr_text) if lr_text.strip() else None
        if lr is not None:
            try:
                Hyperparameters(optimizer=name, lr=lr)
            except SettingError as error:
                raise SettingError("race", f"{name}: {error.name} {error.message}") from None
        rivals.append(Rival(name, lr))
    if len(rivals) > MAX_RIVALS:
        raise SettingError("race", f"at most {MAX_RIVALS} rivals, got {len(rivals)}")
    return tuple(rivals)


MAX_RIVALS = len(OPTIMIZERS) - 1
"""A race holds at most six runs: the main one and one of each other optimiser."""
ARRIVAL_FRACTION = 0.01
"""A run has arrived once its distance to the nearest minimum is at most this fraction of the
start's: the same 1 % the theory overlay predicts for gd."""


class Session:
    """The runs moved together; the step number is shared, each run stops on its own."""

    def __init__(self, experiment: Experiment) -> None:
        self.experiment = experiment
        self.rivals: tuple[Rival, ...] = ()
        self.step = 0
        self._build()

    def _build(self) -> None:
        """New runs for `self.experiment`; a SettingError leaves the old runs in place."""
        plane, chain_run = self.experiment.plane_run(), self.experiment.chain_run()
        rival_runs = self._rival_runs(self.rivals)
        self.plane, self.chain_run, self.rival_runs = plane, chain_run, rival_runs
        self.chain = Chain(self.experiment.chain)
        self.chain_target: int | None = None
        """The step the chain is still to be brought to (see `forward`), if any."""
        self._arrivals: dict[Run, Arrival] = {}

    def _rival_runs(self, rivals: tuple[Rival, ...]) -> list[Run]:
        hyper = self.experiment.hyper
        return [self.experiment.plane_run(rival.hyper(hyper)) for rival in rivals]

    @property
    def runs(self) -> list[Run]:
        return [*self.surface_runs, self.chain_run]

    @property
    def surface_runs(self) -> list[Run]:
        """The 2-D runs: the main one first, then the rivals in order."""
        return [self.plane, *self.rival_runs]

    @property
    def plane_runs(self) -> list[tuple[str, Run]]:
        """The 2-D runs with their names: the main one first, then the rivals in order."""
        names = [self.experiment.hyper.optimizer, *(r.describe() for r in self.rivals)]
        return list(zip(names, self.surface_runs, strict=True))

    # --- moving ---------------------------------------------------------------------------------

    def forward(self, n: int = 1, *, chain: bool = True) -> int:
        """Advance every run to step + n (as far as each can go); returns the steps moved.

        With chain=False the chain stays where it is until `catch_up_chain`: a long jump's 2-D
        runs can then be drawn while the chain (a million steps of a deep network take several
        times as long as theirs) is still being computed (`compute`)."""
        target = self.step + max(n, 0)
        for run in self.runs if chain else self.surface_runs:
            _move_to(run, target)
        if not chain:
            self.chain_target = target
        reached = max(run.cursor for run in self.runs)
        moved, self.step = reached - self.step, reached
        return moved

    def compute(
        self,
        target: int,
        runs: list[Run],
        *,
        cancelled: Callable[[], bool] = lambda: False,
        progress: Callable[[int], None] = lambda steps: None,
    ) -> int:
        """Compute the histories of `runs` up to `target` without moving any cursor, in
        chunks of about CHUNK_SECONDS each, so that a thread doing this can be stopped
        (`cancelled`) and report the steps done so far (`progress`); returns them. Safe to run
        in a thread while the session is drawn: drawing reads only up to the cursors."""
        done, chunk = 0, FIRST_CHUNK
        for run in runs:
            while run.stop is None and run.last_step < target and not cancelled():
                started = time.perf_counter()
                moved = run.advance(min(chunk, target - run.last_step))
                elapsed = time.perf_counter() - started
                done += moved
                progress(done)
                chunk = _next_chunk(chunk, moved, elapsed)
        return done

    def reachable(self, target: int) -> int:
        """The furthest step up to `target` that every run still going has computed."""
        return min([target, *(run.last_step for run in self.runs if run.stop is None)])

    def work_to(self, target: int) -> int:
        """Steps `compute` would take to bring every run to `target`."""
        return sum(max(0, target - run.last_step) for run in self.runs if run.stop is None)

    def catch_up_chain(self) -> None:
        """Bring the chain to where `forward(chain=False)` left the 2-D runs (at once, if
        `compute` has already computed its steps)."""
        if self.chain_target is None:
            return
        _move_to(self.chain_run, self.chain_target)
        self.chain_target = None
        self.step = max(run.cursor for run in self.runs)

    def back(self, n: int = 1) -> int:
        return self.go_to(self.step - max(n, 0))

    def go_to(self, step: int) -> int:
        """Jump to a step already computed by some run (clamped); returns the distance moved."""
        last = max(run.last_step for run in self.runs)
        target = max(0, min(step, last))
        moved, self.step = abs(target - self.step), target
        for run in self.runs:
            run.jump(target)
        return moved

    def to_end(self) -> int:
        return self.go_to(max(run.last_step for run in self.runs))

    # --- changing settings ----------------------------------------------------------------------

    def apply(self, experiment: Experiment, *, keep_step: bool = True) -> None:
        """Use new settings: rebuild the runs and, if asked, replay them to the same step."""
        step = self.step if keep_step else 0
        previous, self.experiment = self.experiment, experiment
        try:
            self._build()
        except SettingError:
            self.experiment = previous  # e.g. f is not finite at the new start: keep everything
            raise
        self.step = 0
        self.forward(step)

    def reset(self) -> None:
        self.apply(self.experiment, keep_step=False)

    def set_rivals(self, rivals: tuple[Rival, ...]) -> None:
        """Race these optimisers against the main run from the same start, caught up to the
        current step; a SettingError (unknown name, bad lr, too many) keeps the old ones."""
        if len(rivals) > MAX_RIVALS:
            raise SettingError("race", f"at most {MAX_RIVALS} rivals, got {len(rivals)}")
        runs = self._rival_runs(rivals)
        self.rivals, self.rival_runs = rivals, runs
        self._arrivals = {}
        for run in runs:
            run.forward(self.step)

    def next_ghost(self) -> Rival | None:
        """Cycle one comparison run: off → adagrad → the others → off (never the main one)."""
        order = [Rival(name) for name in _others(self.experiment.hyper.optimizer)]
        current = self.rivals[0] if len(self.rivals) == 1 else None
        position = order.index(current) if current in order else -1
        choice = order[position + 1] if position + 1 < len(order) else None
        if current is None and len(self.rivals) > 1:
            choice = order[0]  # from a race back to a single comparison
        self.set_rivals(() if choice is None else (choice,))
        return choice

    def toggle_race(self) -> bool:
        """All six optimisers at once (the main one and every other), or back to one run."""
        racing = len(self.rivals) < MAX_RIVALS
        others = _others(self.experiment.hyper.optimizer)
        self.set_rivals(tuple(Rival(name) for name in others) if racing else ())
        return racing

    # --- what to show ---------------------------------------------------------------------------

    def path(self, run: Run) -> np.ndarray:
        return run.history.params[: run.cursor + 1]

    def chain_trace(self) -> Trace:
        return self.chain.trace(self.chain_run.params)

    def bytes_per_step(self) -> int:
        """The history all the runs together add with every step."""
        return sum(
            History.row_bytes(run.history.params.shape[1], run.optimizer.state_size)
            for run in self.runs
        )

    def arrival(self, run: Run) -> int | None:
        """The first step (up to the current one) at which `run` came within ARRIVAL_FRACTION of
        its start's distance to the nearest minimum; None if it has not, or no minimum is known."""
        tracker = self._arrivals.setdefault(run, Arrival(self.experiment.plane.objective))
        return tracker.scan(self.path(run))

    def stops(self) -> list[tuple[str, Stop]]:
        """Each run's stop reason, named, for runs that have stopped at or before this step."""
        rivals = [(f"{label} run", run) for label, run in self.plane_runs[1:]]
        named = [("2-D", self.plane), *rivals, ("chain", self.chain_run)]
        return [
            (name, run.stop)
            for name, run in named
            if run.stop is not None and run.cursor >= run.last_step
        ]


def _next_chunk(chunk: int, moved: int, elapsed: float) -> int:
    """The next chunk's size, so that it takes about CHUNK_SECONDS (the fast loops run a
    hundred times faster than the Python one, so no one size suits both)."""
    if moved < chunk or elapsed <= 0:
        return chunk
    return max(FIRST_CHUNK, min(MAX_CHUNK, int(chunk * CHUNK_SECONDS / elapsed)))


def _move_to(run: Run, step: int) -> None:
    """The run's cursor on `step`, computing the steps up to it (as far as the run can go)."""
    run.jump(step)
    if run.cursor < step:
        run.forward(step - run.cursor)


def _others(optimizer: str) -> list[str]:
    """The other optimisers, the per-coordinate ones first: what the seed compares gd with."""
    order = ["adagrad", "rmsprop", "adam", "momentum", "nesterov", "gd"]
    return [name for name in order if name != optimizer]


class Arrival:
    """When a run first came within ARRIVAL_FRACTION of the minimum, scanning only new steps.

    A run's history is fixed once computed (a step back only moves its cursor), so a long race
    costs one pass over its history rather than one per frame.
    """

    def __init__(self, objective: Objective) -> None:
        self._minima = np.array(objective.minima, dtype=float).reshape(-1, 2)
        self._scanned = 0
        self._reach = math.nan
        self._found: int | None = None

    def scan(self, path: np.ndarray) -> int | None:
        if not len(self._minima) or not len(path):
            return None
        if self._found is None and len(path) > self._scanned:
            if self._scanned == 0:
                self._reach = float(self._distances(path[:1])[0])
            new = path[self._scanned :]
            hits = np.flatnonzero(self._distances(new) <= ARRIVAL_FRACTION * self._reach)
            if len(hits):
                self._found = self._scanned + int(hits[0])
            self._scanned = len(path)
        return self._found if self._found is not None and self._found < len(path) else None

    def _distances(self, points: np.ndarray) -> np.ndarray:
        offsets = points[:, None, :] - self._minima[None, :, :]
        return np.min(np.hypot(offsets[..., 0], offsets[..., 1]), axis=1)


# --- the readout's numbers -------------------------------------------------------------------


@dataclass(frozen=True)
class PointSummary:
    w1: float
    w2: float
    loss: float
    gap: float | None
    """f − f*, where f* is known."""
    grad_w1: float
    grad_w2: float
    grad_norm: float
    distance: float | None
    """To the nearest known minimum."""

    @property
    def component_ratio(self) -> float:
        """|∂f/∂w2| / |∂f/∂w1|: the seed's 1000× between the directions (inf, or nan for 0/0)."""
        with np.errstate(all="ignore"):
            return float(np.float64(abs(self.grad_w2)) / np.float64(abs(self.grad_w1)))

    @property
    def small_gradient_far_away(self) -> bool:
        """The trap: a loose gradient test would stop here, yet the minimum is far."""
        return (
            self.distance is not None
            and self.grad_norm < TRAP_TOL
            and self.distance > max(FAR_FACTOR * self.grad_norm, MIN_FAR_DISTANCE)
        )


def summarize(objective: Objective, run: Run) -> PointSummary:
    w1, w2 = (float(v) for v in run.params)
    g1, g2 = (float(v) for v in run.grads)
    nearest = objective.nearest_minimum((w1, w2))
    return PointSummary(
        w1=w1,
        w2=w2,
        loss=run.loss,
        gap=None if objective.f_star is None else run.loss - objective.f_star,
        grad_w1=g1,
        grad_w2=g2,
        grad_norm=math.hypot(g1, g2),
        distance=None if nearest is None else math.dist(nearest, (w1, w2)),
    )


# --- editing settings from typed text ---------------------------------------------------------

PLANE_FIELDS = ("function", "expr", "a", "b", "start")
OPTIMIZER_FIELDS = ("optimizer", "lr", "momentum", "alpha", "betas", "eps")
CHAIN_FIELDS = ("depth", "activation", "init", "weight", "bias", "seed", "x", "y", "chain_lr")
RESTARTING_FIELDS = (*PLANE_FIELDS, *(name for name in CHAIN_FIELDS if name != "chain_lr"))
"""Changing these makes a different problem, so the session goes back to step 0; changing an
optimiser setting replays the same number of steps with the new setting."""


def edit(experiment: Experiment, name: str, text: str) -> Experiment:
    """A copy of `experiment` with one field set from typed text; SettingError if refused.

    The error always names the field that was typed (`betas`, not `beta1`), with the part of
    it that was wrong in the message.
    """
    try:
        return _edit(experiment, name, text.strip())
    except SettingError as error:
        if error.name == name:
            raise
        raise SettingError(name, f"{error.name} {error.message}") from None


def _edit(experiment: Experiment, name: str, text: str) -> Experiment:
    if name in PLANE_FIELDS:
        plane = _edit_plane(experiment.plane, name, text)
        if name != "function":
            return replace(experiment, plane=plane)
        # A new preset comes with its own start (already reset) and a learning rate that suits it.
        hyper = experiment.hyper.with_changes(lr=plane.objective.suggested_lr)
        return replace(experiment, plane=plane, hyper=hyper)
    if name in OPTIMIZER_FIELDS:
        hyper = _edit_hyper(experiment.hyper, name, text)
        chain_hyper = replace(hyper, lr=experiment.chain_hyper.lr)
        return replace(experiment, hyper=hyper, chain_hyper=chain_hyper)
    if name == "chain_lr":
        lr = parse_number(name, text)
        try:
            chain_hyper = experiment.chain_hyper.with_changes(lr=lr)
        except SettingError as error:
            raise SettingError(name, error.message) from None
        return replace(experiment, chain_hyper=chain_hyper)
    if name in CHAIN_FIELDS:
        value: object = text
        if name in ("depth", "seed"):
            value = parse_whole(name, text)
        elif name in ("weight", "bias", "x", "y"):
            value = parse_number(name, text)
        return replace(experiment, chain=replace(experiment.chain, **{name: value}))
    raise SettingError(name, "unknown setting")


def _edit_plane(plane: PlaneSettings, name: str, text: str) -> PlaneSettings:
    if name == "function":
        if text not in PRESETS:
            raise SettingError(name, f"unknown function {text!r}; choose from {', '.join(PRESETS)}")
        return PlaneSettings(function=text, a=plane.a, b=plane.b)
    if name == "expr":
        return PlaneSettings(
            function="custom", expr=text, a=plane.a, b=plane.b, start=plane.start_point
        )
    if name == "start":
        return replace(plane, start=parse_pair(name, text))
    return replace(plane, **{name: parse_number(name, text)})


def _edit_hyper(hyper: Hyperparameters, name: str, text: str) -> Hyperparameters:
    if name == "optimizer":
        return hyper.with_changes(optimizer=text)
    if name == "betas":
        beta1, beta2 = parse_pair(name, text)
        return hyper.with_changes(beta1=beta1, beta2=beta2)
    if name == "eps" and text.lower() in ("", "default"):
        return hyper.with_changes(eps=None)
    return hyper.with_changes(**{name: parse_number(name, text)})
