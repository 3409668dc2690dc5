"""What the app steps through: the 2-D run, rival runs of other optimisers from the same start
(one to compare, up to five in a race), and the chain network, all at one shared step number.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from tui_gradients.core.errors import SettingError
from tui_gradients.core.network.chain import Chain, Trace
from tui_gradients.core.optimisation.optimizers import Hyperparameters
from tui_gradients.core.runs.experiment import Experiment
from tui_gradients.core.runs.rivals import MAX_RIVALS, Rival, others
from tui_gradients.core.runs.run import History, Run, Stop
from tui_gradients.core.runs.settings import SETTINGS, Effect, edit
from tui_gradients.core.runs.summary import Arrival

HISTORY_BUDGET = 512 * 2**20
"""The most memory the histories of all runs together may hold (rivals and the chain
included). Past it, the largest are thinned (`History.thin`) to make room."""
CHUNK_SECONDS = 0.05
"""A long computation checks whether it is still wanted about this often."""
FIRST_CHUNK, MAX_CHUNK = 500, 1 << 18


class Session:
    """The runs moved together; the step number is shared, each run stops on its own."""

    plane: Run
    rival_runs: list[Run]
    chain_run: Run

    def __init__(self, experiment: Experiment, *, replay_later: bool = False) -> None:
        self.experiment = experiment
        self.rivals: tuple[Rival, ...] = ()
        self.selected = 0
        """The 2-D run whose optimiser settings the panel and the lr keys change: 0 for the
        main run, i for rival i."""
        self.step = 0
        self.replay_later = replay_later
        """Whether a change that rebuilds runs leaves their replay to the owner (`behind`):
        the app's driver replays a long one in a thread, as a jump. Else it replays at once."""
        self.behind = 0
        """The steps still to replay after a rebuild, from step 0 (`take_behind`)."""
        self._build(plane=True, chain=True)

    def _build(self, *, plane: bool, chain: bool) -> None:
        """New runs for `self.experiment`, for the 2-D runs (with the rivals), the chain or
        both: a change rebuilds only the runs it reaches. A SettingError leaves the old runs
        in place."""
        plane_run = self.experiment.plane_run() if plane else self.plane
        rival_runs = self._rival_runs(self.rivals) if plane else self.rival_runs
        chain_run = self.experiment.chain_run() if chain else self.chain_run
        self.plane, self.chain_run, self.rival_runs = plane_run, chain_run, rival_runs
        if chain:
            self.chain = Chain(self.experiment.chain)
        self.chain_target: int | None = None
        """The step the chain is still to be brought to (see `forward`), if any."""
        self._arrivals: dict[Run, Arrival] = {}

    def _rebuilt(self, step: int) -> None:
        """After runs were built anew: every run back to step 0, and `step` replayed at once,
        or left to the owner (`replay_later`). The other runs' histories are kept, so only the
        new runs compute."""
        self.go_to(0)
        self.behind = step
        if not self.replay_later:
            self.forward(self.take_behind())

    @property
    def due_step(self) -> int:
        """The step the runs stand at once the steps still to replay (`behind`) are taken."""
        return self.step + self.behind

    def take_behind(self) -> int:
        """The steps to replay after a rebuild (0 if none); the owner now replays them."""
        behind, self.behind = self.behind, 0
        return behind

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
        """The 2-D runs with their names, the main one first, then the rivals in order; with
        rivals, every name says the lr its run takes (`adagrad lr 5`)."""
        if not self.rivals:
            return [(self.plane.optimizer.name, self.plane)]
        return [(run.optimizer.label, run) for run in self.surface_runs]

    # --- the selected run -----------------------------------------------------------------------

    def select(self, index: int) -> int:
        """Select run `index` (0 the main run, i rival i), wrapping around; returns it."""
        self.selected = index % (len(self.rivals) + 1)
        return self.selected

    @property
    def selected_hyper(self) -> Hyperparameters:
        hyper = self.experiment.hyper
        return self.rivals[self.selected - 1].hyper(hyper) if self.selected else hyper

    @property
    def selected_experiment(self) -> Experiment:
        """The settings as the panel shows them: the selected run's optimiser settings, the
        rest shared by every run."""
        return replace(self.experiment, hyper=self.selected_hyper)

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
        """Use new settings: rebuild the runs they reach and, if asked, replay them to the same
        step (`_rebuilt`); else every run starts again."""
        step = self.step if keep_step else 0
        reach = self.experiment.reach(experiment) if keep_step else {"plane", "chain"}
        previous, self.experiment = self.experiment, experiment
        try:
            self._build(plane="plane" in reach, chain="chain" in reach)
        except SettingError:
            self.experiment = previous  # e.g. f is not finite at the new start: keep everything
            raise
        if reach:
            self._rebuilt(step)

    def edit(self, name: str, text: str) -> Effect:
        """Set one setting from typed text (`settings.edit`) and do what it asks of the runs;
        a SettingError keeps everything as it was. An optimiser's setting goes to the selected
        run: with a rival selected, that rival alone is replayed to the step."""
        effect = SETTINGS[name].effect
        if self.selected and SETTINGS[name].per_run:
            self._edit_rival(self.selected - 1, name, text)
            return effect
        experiment = edit(self.experiment, name, text)
        if effect == "none":
            self.experiment = experiment
        else:
            self.apply(experiment, keep_step=effect == "replay")
        return effect

    def reset(self) -> None:
        self.apply(self.experiment, keep_step=False)

    def successor(self) -> Session:
        """A session that goes on from this one: an action that would throw runs away is done
        on it instead, and this one is kept for undo (`undo.UndoStack`). It holds the same
        runs: the action replaces those it rebuilds in the successor alone, so this one keeps
        them as they were, and the runs the action leaves are not computed twice. Brought
        back, this one puts every run at its own step again (`resume`)."""
        following = copy.copy(self)
        following.rival_runs = list(self.rival_runs)
        following._arrivals = dict(self._arrivals)
        return following

    def resume(self) -> None:
        """Back in use after a successor (`successor`) moved the runs it shares: each at this
        session's step again."""
        self.go_to(self.step)

    def _edit_rival(self, index: int, name: str, text: str) -> None:
        main = self.experiment.hyper
        rival = self.rivals[index]
        typed = edit(replace(self.experiment, hyper=rival.hyper(main)), name, text)
        retuned = rival.retuned(typed.hyper, main)
        run = self.experiment.plane_run(retuned.hyper(main))
        self._arrivals.pop(self.rival_runs[index], None)
        self.rivals = (*self.rivals[:index], retuned, *self.rivals[index + 1 :])
        self.rival_runs[index] = run
        self._rebuilt(self.step)

    def set_rivals(self, rivals: tuple[Rival, ...]) -> None:
        """Race these optimisers against the main run from the same start, caught up to the
        current step; a SettingError (unknown name, bad lr, too many) keeps the old ones.
        The selection stays on its run while there is one, else returns to the main run."""
        if len(rivals) > MAX_RIVALS:
            raise SettingError("race", f"at most {MAX_RIVALS} rivals, got {len(rivals)}")
        kept: dict[Rival, list[Run]] = {}
        for rival, run in zip(self.rivals, self.rival_runs, strict=True):
            kept.setdefault(rival, []).append(run)
        runs = [kept[r].pop(0) if kept.get(r) else None for r in rivals]  # a run kept once
        new = tuple(r for r, run in zip(rivals, runs, strict=True) if run is None)
        built = iter(self._rival_runs(new))
        self.rivals, self.rival_runs = rivals, [run or next(built) for run in runs]
        self._arrivals = {}
        if self.selected > len(rivals):
            self.selected = 0
        if new:
            self._rebuilt(self.step)

    def next_ghost(self) -> Rival | None:
        """Cycle one comparison run: off → adagrad → every other optimiser → off (never the
        main one)."""
        order = [Rival(name) for name in others(self.experiment.hyper.optimizer)]
        current = self.rivals[0] if len(self.rivals) == 1 else None
        position = order.index(current) if current in order else -1
        choice = order[position + 1] if position + 1 < len(order) else None
        if current is None and len(self.rivals) > 1:
            choice = order[0]  # from a race back to a single comparison
        self.set_rivals(() if choice is None else (choice,))
        return choice

    def add_rival(self) -> Rival | None:
        """One more rival: the first optimiser (in `others`' order) not on the plot yet; None
        when six runs are."""
        present = {self.experiment.hyper.optimizer, *(rival.optimizer for rival in self.rivals)}
        missing = [name for name in others(self.experiment.hyper.optimizer) if name not in present]
        if not missing or len(self.rivals) >= MAX_RIVALS:
            return None
        rival = Rival(missing[0])
        self.set_rivals((*self.rivals, rival))
        return rival

    def drop_rival(self) -> Rival | None:
        """The last rival taken off the plot; None when there is none."""
        if not self.rivals:
            return None
        dropped = self.rivals[-1]
        self.set_rivals(self.rivals[:-1])
        return dropped

    def toggle_race(self) -> bool:
        """Six optimisers at once (the main one and the first five `others`), or back to one
        run."""
        racing = len(self.rivals) < MAX_RIVALS
        entrants = others(self.experiment.hyper.optimizer)[:MAX_RIVALS]
        self.set_rivals(tuple(Rival(name) for name in entrants) if racing else ())
        return racing

    # --- what to show ---------------------------------------------------------------------------

    def path(self, run: Run) -> np.ndarray:
        """The run's kept iterates up to its cursor (every one, unless thinned)."""
        return run.history.params[: run.rows_to_cursor]

    def chain_trace(self) -> Trace:
        return self.chain.trace(self.chain_run.params)

    def history_bytes(self) -> int:
        return sum(run.history.nbytes for run in self.runs)

    def make_room(self, steps: int, budget: int = HISTORY_BUDGET) -> int:
        """Thin the largest histories until `steps` more steps of every run fit in `budget`
        (or none can be thinned further); returns how many steps fit."""
        per_step = self.bytes_per_step()
        self._thin_while(lambda: self.history_bytes() + steps * per_step > budget)
        return max(0, (budget - self.history_bytes()) // per_step)

    def keep_within(self, budget: int = HISTORY_BUDGET) -> None:
        """Thin the largest histories while all of them hold more than `budget` (the arrays
        grow ahead of the steps that fill them: a step may take the total past it)."""
        self._thin_while(lambda: self.history_bytes() > budget)

    def _thin_while(self, over: Callable[[], bool]) -> None:
        """Thin the largest history that can be, while `over()`; a cursor on a step no
        longer kept moves to the one before (and the shared step with it)."""
        while over():
            largest = sorted(self.runs, key=lambda run: run.history.nbytes, reverse=True)
            thinned = next((run for run in largest if run.thin()), None)
            if thinned is None:
                return
            self.step = min(self.step, max(run.cursor for run in self.runs))

    def thinned(self) -> tuple[int, int] | None:
        """(stride, up to step) of the most thinned history, if any is."""
        history = max((run.history for run in self.runs), key=lambda history: history.stride)
        return (history.stride, history.thinned_to) if history.stride > 1 else None

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
        return tracker.scan(run)

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
