"""The driver owns the session: it takes the screen's intents (step, back, change a setting,
compare, race), does short work at once and long work in a thread, and says what changed with
`SessionChanged`. It draws nothing; it is a widget only so that its workers and messages are
Textual's own (a thread's result arrives as a message on the event loop, never mid-frame).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from textual import work
from textual.message import Message
from textual.widget import Widget
from textual.worker import get_current_worker

from tui_gradients.core import fast
from tui_gradients.core.errors import SettingError
from tui_gradients.core.limits import LIMIT
from tui_gradients.core.objectives.expression import Expression
from tui_gradients.core.runs import settings
from tui_gradients.core.runs.experiment import Experiment
from tui_gradients.core.runs.rivals import Rival
from tui_gradients.core.runs.session import HISTORY_BUDGET, Session
from tui_gradients.core.runs.settings import SETTINGS, Effect
from tui_gradients.core.runs.undo import UndoStack
from tui_gradients.ui.keys import key_for

JUMP_IN_THREAD = 1000
"""From this many steps of work (over all runs) a key's work goes to a thread: below the fast
loops' COMPILED_MIN_STEPS every run steps in numpy, so a thousand steps are about what one
frame can afford."""
Note = str | Callable[[Experiment], str]
"""What the status line says once a setting is applied: text, or made from the new settings
(what they imply is known only once applied)."""
LOADING_MESSAGE = "loading numba's loops for long jumps (a few seconds the first time)"


@dataclass
class Jump:
    """A long jump being computed in a thread: from `origin` to `target`, `done` of `total`
    steps over all runs."""

    origin: int
    target: int
    total: int
    started: float
    replay: bool = False
    """Replaying runs a change rebuilt, back to the step they were at."""
    rest: int = 0
    """Steps asked for beyond `target`, past what the histories' memory holds at once: a jump
    of their own once this one is in, the histories thinned again to make room."""
    done: int = 0
    cancelled: threading.Event = field(default_factory=threading.Event)

    def progress(self) -> str:
        """How far it has got, as a share: `total` counts the steps of every run (a race of
        six is six steps a step), which read as steps of the shared count would mislead."""
        elapsed = time.monotonic() - self.started
        rate = f", {self.done / elapsed / 1000:.0f} k run-steps/s" if elapsed > 0.2 else ""
        doing = "replaying" if self.replay else "computing"
        to = f"step {self.target}" + (
            f" (then on to {self.target + self.rest})" if self.rest else ""
        )
        share = 100 * self.done // max(self.total, 1)
        return f"{doing} to {to}: {share} % done{rate}; esc stops"


class Driver(Widget):
    """The session and the work on it. Posts `SessionChanged` after every change."""

    DEFAULT_CSS = "Driver { display: none; }"

    class SessionChanged(Message):
        """The runs moved or were rebuilt; `message` says what happened, if anything."""

        def __init__(self, message: str = "", *, plane_changed: bool = False) -> None:
            super().__init__()
            self.message = message
            self.plane_changed = plane_changed
            """A new surface or start: the view is to be fitted again."""

        def can_replace(self, message: Message) -> bool:
            """A burst of changes (500 `n` pasted, a held key on a slow link) is drawn once:
            a change still queued behind this one supersedes it, taking over what this one
            would have said or refitted. Textual asks as it takes the messages off a queue."""
            if not isinstance(message, Driver.SessionChanged):
                return False
            message.message = message.message or self.message
            message.plane_changed = message.plane_changed or self.plane_changed
            return True

    class PlaneComputed(Message):
        """A jump's 2-D runs have reached its target (or it was stopped)."""

        def __init__(self, jump: Jump) -> None:
            super().__init__()
            self.jump = jump

    class ChainCaughtUp(PlaneComputed):
        """The chain has reached the jump's target too (or the jump was stopped)."""

    class EditPrepared(Message):
        """A setting read and fitted in a thread (`prepare_edit`): `error` if refused, else
        ready to apply at once."""

        def __init__(self, name: str, text: str, message: Note, error: str | None) -> None:
            super().__init__()
            self.name, self.text, self.message, self.error = name, text, message, error

    def __init__(self, experiment: Experiment, rivals: tuple[Rival, ...] = ()) -> None:
        super().__init__()
        self.session = Session(experiment, replay_later=True)
        self.session.set_rivals(rivals)
        self.jump: Jump | None = None
        """The long jump being computed in a thread, if any."""
        self.undo = UndoStack()
        """Sessions as they were before an action threw their history away (`_undoable`)."""
        self._undo_beneath: list[UndoStack] = []
        """The user's own undo stack while the lesson has a session of its own (`lend`)."""
        self._compiling: set[tuple[Expression, str]] = set()
        """Formulas and optimisers whose numba loops have been asked for."""

    # --- stepping ----------------------------------------------------------------------------

    def step(self, count: int) -> None:
        """Step on at once for a short count; else compute in a thread (`jump`)."""
        self._forward(count)

    def _forward(
        self, count: int, message: str = "", *, replay: bool = False, plane_changed: bool = False
    ) -> None:
        """`count` steps on, at once or in a thread, saying `message`; a `replay` brings
        rebuilt runs back to the step they were at, and says what was changed, not that the
        runs moved."""
        session = self.session
        count, note, rest = self._within_limits(count)
        note = note or message
        if rest or session.work_to(session.step + count) >= JUMP_IN_THREAD:
            self._start_jump(session.step + count, note, replay, plane_changed, rest)
            return
        moved = session.forward(count)
        stopped = "" if moved or replay else "no further step: every run has stopped"
        self._changed(note or stopped, plane_changed=plane_changed)

    def _replay(self, message: str = "", *, plane_changed: bool = False) -> None:
        """What a change left to replay (`Session.behind`), as a jump when it is long; else
        just say what happened."""
        behind = self.session.take_behind()
        if behind:
            self._forward(behind, message, replay=True, plane_changed=plane_changed)
        else:
            self._changed(message, plane_changed=plane_changed)

    def _within_limits(self, count: int) -> tuple[int, str, int]:
        """As far as the run limit, and as much of it as the histories' memory budget holds
        at once (thinning them to make room, `Session.make_room`); what was cut, and the rest
        that a next jump takes once this one is in (histories thinned again)."""
        loading = count >= fast.NUMBA_MIN_STEPS and fast.installed() and self._load_compiled_loops()
        note = LOADING_MESSAGE if loading else ""
        if count > LIMIT:
            count, note = LIMIT, f"at most {LIMIT} steps per key (the run limit)"
        room = self.session.make_room(count, HISTORY_BUDGET)
        return min(count, room), note, max(count - room, 0)

    def back(self, count: int) -> None:
        self.session.back(count)
        self._changed()

    def go_to(self, step: int) -> None:
        self.session.go_to(step)
        self._changed()

    def to_end(self) -> None:
        self.session.to_end()
        self._changed()

    # --- changing the runs -------------------------------------------------------------------

    def edit(self, name: str, text: str, message: Note = "") -> Effect:
        """One typed setting (`Session.edit`); a SettingError keeps everything and propagates.
        `message` says what happened (by default, that the setting was set). One that
        rebuilds runs can be undone."""
        if SETTINGS[name].effect == "none":
            effect = self.session.edit(name, text)
        else:
            with self._undoable(f"the change of {name}"):
                effect = self.session.edit(name, text)
        surface = SETTINGS[name].section in ("surface", "data")
        if callable(message):
            message = message(self.session.experiment)
        self._replay(message or f"{name} set", plane_changed=surface)
        return effect

    def reset(self) -> None:
        with self._undoable("reset"):
            self.session.reset()
        self._changed(f"reset to step 0; {key_for('undo')} undoes it", plane_changed=True)

    def compare(self) -> Rival | None:
        with self._undoable("compare", when=bool(self.session.rivals)):
            choice = self.session.next_ghost()
        self._replay()
        return choice

    def select(self, index: int) -> int:
        """Select a 2-D run for the panel and the lr keys (`Session.select`); returns it."""
        selected = self.session.select(index)
        self._changed()
        return selected

    def add_rival(self) -> Rival | None:
        rival = self.session.add_rival()
        self._replay()
        return rival

    def drop_rival(self) -> Rival | None:
        with self._undoable("drop rival", when=bool(self.session.rivals)):
            rival = self.session.drop_rival()
        self._replay()
        return rival

    def race(self) -> bool:
        with self._undoable("race off", when=bool(self.session.rivals)):
            racing = self.session.toggle_race()
        self._replay()
        return racing

    @contextlib.contextmanager
    def _undoable(self, action: str, *, when: bool = True) -> Iterator[None]:
        """Do `action` on a successor of the session (`Session.successor`), keeping this one
        for undo: the runs the action replaces come back as they were. Refused (a
        SettingError), the session stays as it was and nothing is kept."""
        if not when:
            yield
            return
        kept = self.session
        self.session = kept.successor()
        try:
            yield
        except BaseException:
            self.session = kept
            raise
        self.undo.push(kept, action)

    def undo_last(self) -> str | None:
        """The session before the last action that threw history away, back as it was;
        what that action was (None: nothing to undo)."""
        undone = self.undo.pop()
        if undone is None:
            return None
        self.session = undone.session
        self.session.resume()
        message = f"undid {undone.action}: back at step {self.session.step}"
        self._changed(message, plane_changed=True)
        return undone.action

    def set_up(self, experiment: Experiment, rivals: tuple[Rival, ...]) -> None:
        """A prepared state at step 0 (a lesson page)."""
        self.session.apply(experiment, keep_step=False)
        self.session.set_rivals(rivals)
        self._changed(plane_changed=True)

    def lend(self) -> Session:
        """A session of its own for the lesson (its pages set it up); the one it replaces is
        returned, to be given back untouched (`give_back`). Not while a jump computes: the
        lesson's key waits for it (`keys.WHILE_COMPUTING`)."""
        assert self.jump is None
        own = self.session
        self.session = Session(own.experiment, replay_later=True)
        self._undo_beneath.append(self.undo)
        self.undo = UndoStack()  # the lesson's actions are undone apart from the user's
        return own

    def give_back(self, session: Session, message: str) -> None:
        """The session `lend` took, with its history, step and rivals as they were, and any
        steps it was left to take (`step_later`) taken now."""
        assert self.jump is None
        self.session = session
        self.undo = self._undo_beneath.pop()
        self._replay(message, plane_changed=True)

    def step_later(self, count: int) -> None:
        """`count` steps for the session to take once it is given back (`give_back`): an
        export made in the lesson reopens there with the user's session beneath it."""
        self.session.behind += count

    def _changed(self, message: str = "", *, plane_changed: bool = False) -> None:
        if self.jump is None:  # a jump's thread writes into the histories: thin after it
            self.session.keep_within(HISTORY_BUDGET)
        self.post_message(self.SessionChanged(message, plane_changed=plane_changed))

    @work(thread=True, exclusive=True, group="prepare")
    def prepare_edit(self, name: str, text: str, message: Note = "") -> None:
        """Try the setting on a copy in a thread: a large data file is read and fitted there,
        and kept, so that applying it after (`EditPrepared`) takes no time on the screen."""
        try:
            settings.edit(self.session.experiment, name, text)
            error = None
        except SettingError as refused:
            error = refused.message
        self.post_message(self.EditPrepared(name, text, message, error))

    # --- long jumps, in a thread -------------------------------------------------------------

    def _start_jump(
        self,
        target: int,
        note: str,
        replay: bool = False,
        plane_changed: bool = False,
        rest: int = 0,
    ) -> None:
        session = self.session
        total, started = session.work_to(target), time.monotonic()
        self.jump = Jump(session.step, target, total, started, replay, rest)
        self._changed(note, plane_changed=plane_changed)
        self._compute(self.jump)

    @work(thread=True, group="jump")  # one at a time: keys that would start another wait
    def _compute(self, jump: Jump) -> None:
        """The 2-D runs first, so they can be drawn while the chain, slower, goes on."""
        worker = get_current_worker()
        session = self.session

        def stopped() -> bool:
            return worker.is_cancelled or jump.cancelled.is_set()

        def progress(done: int) -> None:
            jump.done = done

        done = session.compute(
            jump.target, session.surface_runs, cancelled=stopped, progress=progress
        )
        self.post_message(self.PlaneComputed(jump))

        def chain_progress(steps: int) -> None:
            jump.done = done + steps

        session.compute(
            jump.target, [session.chain_run], cancelled=stopped, progress=chain_progress
        )
        self.post_message(self.ChainCaughtUp(jump))

    def on_driver_plane_computed(self, message: PlaneComputed) -> None:
        message.stop()
        if message.jump is not self.jump or message.jump.cancelled.is_set():
            return
        session = self.session
        session.forward(message.jump.target - session.step, chain=False)  # computed: no work
        self._changed()

    def on_driver_chain_caught_up(self, message: ChainCaughtUp) -> None:
        message.stop()
        jump = message.jump
        if jump is not self.jump:
            return
        session, note = self.session, ""
        if jump.cancelled.is_set():
            reached = session.reachable(jump.target)
            session.chain_target = None
            session.go_to(reached)
            note = f"stopped at step {reached}"
        else:
            session.catch_up_chain()  # computed: only moves the chain's cursor
            moved = session.step > jump.origin
            if moved and jump.rest:  # the rest, in a jump of its own: the histories make room
                self.jump = None
                self._forward(jump.rest, replay=jump.replay)
                return
            if jump.rest:
                full = HISTORY_BUDGET >> 20
                note = f"stopped at step {session.step}: {full} MB of history hold no more"
            elif not moved and not jump.replay:
                note = "no further step: every run has stopped"
        self.jump = None
        self._changed(note)

    def cancel(self) -> bool:
        """Stop the jump being computed, at a step every run has reached; False if none."""
        if self.jump is None:
            return False
        self.jump.cancelled.set()
        return True

    # --- numba's loops, in a thread -----------------------------------------------------------

    def _load_compiled_loops(self) -> bool:
        """Once per formula and optimiser: numba and its interpreter the first time (until then
        the straight-line loops serve), then the formula's own loop for each optimiser on the
        plot (until then the interpreter runs it). True when numba is loaded for the first time."""
        expression = self.session.experiment.plane.objective.expression
        if expression is None:  # a logistic fit: its runs step in numpy
            return False
        wanted = {(expression, run.optimizer.name) for _, run in self.session.plane_runs}
        wanted -= self._compiling
        if not wanted:
            return False
        first = not fast.ready() and not self._compiling
        self._compiling |= wanted
        self._warm_up(wanted, first)
        return first

    @work(thread=True, group="compiled")
    def _warm_up(self, loops: set[tuple[Expression, str]], first: bool) -> None:
        if not fast.warm_up():
            return
        if first:
            self.post_message(self.SessionChanged("numba's loops ready: long jumps now run faster"))
        for expression, optimizer in sorted(loops, key=lambda loop: loop[1]):
            fast.specialise(expression, optimizer)
