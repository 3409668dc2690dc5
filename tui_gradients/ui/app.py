"""The terminal app: renders a `Session` and turns keys into intents on it.

All numbers come from `tui_gradients.core`; this module decides only what is shown where.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
import signal
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path

from rich.console import RenderableType
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import Key, Resize
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer, Input, Static
from textual.worker import get_current_worker

from tui_gradients.core import fast, lesson
from tui_gradients.core.errors import SettingError
from tui_gradients.core.experiment import LIMIT, Experiment
from tui_gradients.core.export import export_session, export_stride
from tui_gradients.core.functions import PRESETS, Window, fit_window, zoom
from tui_gradients.core.optimizers import OPTIMIZERS
from tui_gradients.core.parsing import parse_whole
from tui_gradients.core.session import (
    PLANE_FIELDS,
    RESTARTING_FIELDS,
    Rival,
    Session,
    edit,
    summarize,
)
from tui_gradients.ui.glyphs import label, unicode_terminal
from tui_gradients.ui.marks import RIVALS
from tui_gradients.ui.widgets.contour_plot import ContourPlot
from tui_gradients.ui.widgets.layer_table import LayerTable
from tui_gradients.ui.widgets.lesson_panel import LessonPanel
from tui_gradients.ui.widgets.lines import Lines
from tui_gradients.ui.widgets.race_chart import RaceChart
from tui_gradients.ui.widgets.readout import RaceEntry, Readout, theory_rows
from tui_gradients.ui.widgets.settings_panel import SettingsPanel
from tui_gradients.ui.widgets.trend import Trends

PLAY_RATES = (1, 2, 5, 10, 20, 30, 60)
"""Steps of auto-play per second."""
WIDE_ENOUGH_FOR_PANEL = 140
MIN_SIZE = (72, 20)
"""Columns and rows below which the panels cannot show their numbers."""
TRENDS_MIN_HEIGHT = 32
"""Rows from which the trend lines are shown (below it the plot needs every row)."""
TRENDS_PERIOD = 0.02
"""Seconds between redraws of the trend lines at most."""
KEY_HISTORY_BYTES = 512 * 2**20
"""The most history one key may add, over all runs: a race of six with a deep chain would
otherwise take gigabytes in one jump."""
BIG_STEP = 10
JUMP_IN_THREAD = 1000
"""From this many steps of work (over all runs) a key's work goes to a thread: below the fast
loops' COMPILED_MIN_STEPS every run steps in numpy, 15–55 µs a step, so a thousand steps are
about what one frame can afford."""
WHILE_COMPUTING = {
    *("quit", "help", "leave_field", "zoom", "reset_view", "toggle_equal_scale"),
    *("toggle_markers", "toggle_theory", "toggle_panel", "screenshot", "command_palette"),
}
"""What keys may still do while a jump computes: look, not change the runs."""
MAX_STEPS_PER_PRESS = 20_000
"""The steps-per-key field's upper end: playing at 60 ticks a second, more would have each tick
compute more than a second's worth."""
PROGRESS_PERIOD = 0.1
"""Seconds between two redraws of a jump's progress in the status line."""
DIGITS = frozenset("0123456789")
"""Keys that build a count: ASCII digits only (`str.isdigit` also takes ² and other digits
`int` refuses)."""
LOADING_MESSAGE = "loading numba's loops for long jumps (a few seconds the first time)"


@dataclass
class Jump:
    """A long jump being computed in a thread: from `origin` to `target`, `done` of `total`
    steps over all runs."""

    origin: int
    target: int
    total: int
    started: float
    done: int = 0
    cancelled: threading.Event = field(default_factory=threading.Event)

    def progress(self) -> str:
        elapsed = time.monotonic() - self.started
        rate = f", {self.done / elapsed / 1000:.0f} k steps/s" if elapsed > 0.2 else ""
        return (
            f"computing to step {self.target}: {self.done} of {self.total} steps{rate}; esc stops"
        )


class GradientsApp(App[None]):
    """tui-gradients: contour plot, readout and chain table, stepped from the keyboard."""

    CSS_PATH = "app.tcss"
    TITLE = "tui-gradients"
    AUTO_FOCUS = None
    """Nothing has focus until a field is chosen, so a key goes from the screen straight to the
    app's bindings. A focused plot passed every key up through four containers first (0.6 ms
    of each key's frame); and a field focused first and then left restyles both."""

    BINDINGS = [
        Binding("space,n,right", "step(1)", "Step"),
        Binding("N,shift+right", f"step({BIG_STEP})", f"×{BIG_STEP}", show=False),
        Binding("b,left", "back(1)", "Back"),
        Binding("B,shift+left", f"back({BIG_STEP})", f"Back ×{BIG_STEP}", show=False),
        Binding("g,home", "to_start", "Start", show=False),
        Binding("G,end", "to_end", "End", show=False),
        Binding("p", "play", "Play", show=False),
        Binding("plus", "rate(1)", "Faster", show=False),
        Binding("minus", "rate(-1)", "Slower", show=False),
        Binding("r", "reset", "Reset", show=False),
        Binding("o", "cycle_optimizer", "Optimizer"),
        Binding("f", "cycle_function", "Function", show=False),
        Binding("c", "compare", "Compare", show=False),
        Binding("R", "race", "Race", show=False),
        Binding("z", "zoom(0.5)", "Zoom in", show=False),
        Binding("x", "zoom(2)", "Zoom out", show=False),
        Binding("v", "reset_view", "Reset view", show=False),
        Binding("a", "toggle_equal_scale", "Equal scale", show=False),
        Binding("m", "toggle_markers", "ASCII markers", show=False),
        Binding("t", "toggle_theory", "Theory", show=False),
        Binding("l", "toggle_lesson", "Lesson"),
        Binding("right_square_bracket", "lesson_page(1)", "Next page", show=False),
        Binding("left_square_bracket", "lesson_page(-1)", "Previous page", show=False),
        Binding("pagedown", "scroll_lesson(1)", "Scroll lesson", show=False),
        Binding("pageup", "scroll_lesson(-1)", "Scroll lesson back", show=False),
        Binding("P", "toggle_panel", "Settings", show=False),
        Binding("s", "screenshot", "Screenshot", show=False),
        Binding("e", "export", "Export", show=False),
        Binding("escape", "leave_field", "Leave field", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        experiment: Experiment | None = None,
        *,
        initial_steps: int = 0,
        ascii_only: bool | None = None,
        rivals: tuple[Rival, ...] = (),
        lesson_page: int | None = None,
        resume_collector: bool = False,
    ) -> None:
        """`ascii_only=None` decides from the locale and TERM (see `glyphs.unicode_terminal`);
        `lesson_page` opens the lesson at that page (its setup replaces `experiment`);
        `resume_collector` turns the garbage collector back on after the first frame, for a
        caller that paused it to start sooner (`cli.command_app`)."""
        super().__init__()
        self._resume_collector = resume_collector
        self._ascii_only = not unicode_terminal() if ascii_only is None else ascii_only
        self._session = Session(experiment or Experiment())
        self._session.set_rivals(rivals)
        self._session.forward(initial_steps)
        self._jump: Jump | None = None
        """The long jump being computed in a thread, if any (see `_start_jump`)."""
        self._jump_progress: Timer | None = None
        """Redraws the status line while a jump computes."""
        self.steps_per_press = 1
        self.view = self._fitted_view()
        self._count = ""
        self._rate_index = PLAY_RATES.index(10)
        self._player = None
        self._message = ""
        self._trends_pending = False
        self._trends_drawn = -math.inf
        self._theory = False
        self._compiling: set[tuple[str, str]] = set()
        """Formulas whose compiled loops have been asked for (see `_load_compiled_loops`)."""
        self._lesson_page = lesson_page or 1
        self._open_lesson_at_start = lesson_page is not None

    @property
    def session(self) -> Session:
        return self._session

    # --- layout ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield SettingsPanel(id="settings")
            with Vertical(id="work"):
                with Horizontal(id="top"):
                    yield ContourPlot(self.session.experiment.plane.objective, self.view, id="plot")
                    yield Readout(id="readout")
                yield LessonPanel(id="lesson")
                yield Trends(["2-D run, f − f*", "chain cost C"], id="trends")
                yield LayerTable(id="layers")
                yield RaceChart(id="race-chart")
                yield Lines(id="status")
        yield Static(id="too-small")
        yield Footer()

    def on_mount(self) -> None:
        self.watch(self.screen, "focused", self._show_where_keys_go)
        self.query_one(SettingsPanel).load(self.session.experiment, self.steps_per_press)
        self.query_one(SettingsPanel).display = self.size.width >= WIDE_ENOUGH_FOR_PANEL
        self._apply_ascii()
        self._check_size(self.size.width, self.size.height)
        if self._open_lesson_at_start:
            self.action_toggle_lesson()

    def on_ready(self) -> None:
        """The first frame is out. What start-up built is frozen out of the collector's passes
        before it resumes: it lives as long as the app, and scanning it would cost a later key
        its frame (a full pass takes about 20 ms here)."""
        if self._resume_collector:
            gc.freeze()
            gc.enable()

    def exit(
        self, result: None = None, return_code: int = 0, message: RenderableType | None = None
    ) -> None:
        """Quit (q, ctrl+c, SIGHUP, SIGTERM), but never while the settings fields are being
        mounted just after start: Textual's Select fails if the app closes under it."""
        quit_now = partial(super().exit, result, return_code, message)
        panels = self.query(SettingsPanel)
        if panels:
            panels.first().call_when_filled(quit_now)
        else:
            quit_now()

    def on_load(self) -> None:
        """Before anything is drawn: a hang-up during start-up must exit cleanly too."""
        self._restore_terminal_on_signals()

    def _restore_terminal_on_signals(self) -> None:
        """A closed SSH session (SIGHUP) or a kill (SIGTERM) exits through Textual, which puts
        the terminal back (screen, cursor, mouse modes) instead of dying mid-frame."""
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGHUP, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signal_number, self.exit)

    def on_resize(self, event: Resize) -> None:
        if event.size.width < WIDE_ENOUGH_FOR_PANEL and not self._panel_focused():
            self.query_one(SettingsPanel).display = False
        self._check_size(event.size.width, event.size.height)

    def _check_size(self, width: int, height: int) -> None:
        """Below the usable minimum, say so instead of drawing a garbled layout."""
        too_small = width < MIN_SIZE[0] or height < MIN_SIZE[1]
        self.screen.set_class(too_small, "-too-small")
        self.screen.set_class(height < TRENDS_MIN_HEIGHT, "-short")
        if too_small:
            need = f"{MIN_SIZE[0]}x{MIN_SIZE[1]}"
            self.query_one("#too-small", Static).update(
                f"terminal too small: need {need}, have {width}x{height}"
            )

    # --- rendering the session ------------------------------------------------------------------

    def refresh_views(self) -> None:
        """Push the session's state down into the widgets."""
        session = self._session
        objective = session.experiment.plane.objective
        runs = session.plane_runs
        self.query_one(ContourPlot).set_paths(
            session.path(session.plane), [session.path(run) for _, run in runs[1:]]
        )
        race = []
        if len(runs) > 1:
            race = [
                RaceEntry(name, summarize(objective, run), session.arrival(run))
                for name, run in runs
            ]
        theory = []
        if self._theory:
            experiment, plane = session.experiment, session.plane
            here = (float(plane.params[0]), float(plane.params[1]))
            start, seen = experiment.plane.start_point, session.arrival(plane)
            theory = theory_rows(objective, experiment.hyper, start, here, seen, self._ascii_only)
        self.query_one(Readout).show(
            session.step,
            session.experiment.hyper.describe(),
            summarize(objective, session.plane),
            race,
            theory,
        )
        chain, chain_lr = session.experiment.chain, session.experiment.chain_hyper.lr
        title = f"chain: {chain.activation}, depth {chain.depth}, lr {chain_lr:g}"
        if session.chain_target is not None:
            title += f" {label('dot', self._ascii_only)} catching up to step {session.chain_target}"
        self.query_one(LayerTable).show(session.chain_trace(), title)
        self.screen.set_class(len(runs) > 2, "-race")
        self._show_status()
        self._schedule_trends()

    def _schedule_trends(self) -> None:
        """Redraw the trend lines at most every TRENDS_PERIOD: in the step's own frame for keys
        up to the usual 30 Hz auto-repeat (33 ms apart, with room for their jitter: a 30 ms
        period gave a second frame for most keys), less often when playing faster, and never
        more than 20 ms behind the last step."""
        if self._trends_pending:
            return
        self._trends_pending = True
        wait = self._trends_drawn + TRENDS_PERIOD - time.monotonic()
        if wait > 0:
            self.set_timer(wait, self._show_trends)
        else:
            self._show_trends()  # in the same frame as the step

    def _show_trends(self) -> None:
        if not self.screen_stack:  # the timer fired as the app closed: nothing left to draw
            return
        self._trends_pending = False
        self._trends_drawn = time.monotonic()
        session = self._session
        f_star = session.experiment.plane.objective.f_star
        if self.screen.has_class("-race"):
            runs = session.plane_runs
            losses = [run.history.loss[: run.cursor + 1] for _, run in runs]
            self.query_one(RaceChart).show([name for name, _ in runs], losses, f_star)
        trends = self.query_one(Trends)
        if not trends.display or self.screen.has_class("-short"):
            return
        plane, chain = session.plane, session.chain_run
        trends.show(
            [
                (plane.history.loss[: plane.cursor + 1], f_star or 0.0),
                (chain.history.loss[: chain.cursor + 1], 0.0),
            ]
        )

    def _show_status(self) -> None:
        parts = []
        if self.screen.has_class("-lesson"):
            count = lesson.page_count()
            parts.append(f"lesson {self._lesson_page}/{count}: ] [ pages, pgdn pgup text, l closes")
        if self._jump is not None:
            parts.append(self._jump.progress())
        if self._count:
            parts.append(f"count {self._count}")
        if self._player is not None:
            parts.append(f"▶ playing {PLAY_RATES[self._rate_index]}/s")
        for name, stop in self._session.stops():
            parts.append(f"{name} {stop.message}")
        if self._message:
            parts.append(self._message)
        parts.append(f"chain cost {self._session.chain_run.loss:.4g}")  # kept per step
        view = (
            "equal scale" if self.query_one(ContourPlot).equal_scale else "axes scaled separately"
        )
        parts.append(view)
        separator = f" {label('dot', self._ascii_only)} "
        self.query_one("#status", Lines).set_lines([separator.join(parts)])

    def say(self, message: str) -> None:
        self._message = message
        self._show_status()

    def _fitted_view(self) -> Window:
        plane = self.session.experiment.plane
        return fit_window(plane.objective, plane.start_point)

    def _set_view(self, view: Window) -> None:
        self.view = view
        self.query_one(ContourPlot).set_surface(self.session.experiment.plane.objective, view)

    # --- stepping ------------------------------------------------------------------------------

    def _take_count(self, default: int) -> int:
        count = int(self._count) if self._count else default
        self._count = ""
        if count >= fast.NUMBA_MIN_STEPS and fast.installed():
            self._load_compiled_loops()
        # as far as the run limit, within the memory one key may take
        limit = min(LIMIT, KEY_HISTORY_BYTES // self.session.bytes_per_step())
        if count > limit:
            self._message = f"at most {limit} steps per key"
        return min(count, limit)

    def _load_compiled_loops(self) -> None:
        """In a thread, once per formula and optimiser: numba and its interpreter the first
        time (until then the straight-line loops serve), then the formula's own loop for each
        optimiser on the plot (until then the interpreter runs it). Both compile the first time
        on a machine."""
        formula = self.session.experiment.plane.objective.formula
        wanted = {(formula, run.optimizer.name) for _, run in self.session.plane_runs}
        wanted -= self._compiling
        if not wanted:
            return
        first = not fast.ready() and not self._compiling
        self._compiling |= wanted
        if first:
            self._message = LOADING_MESSAGE
        self.run_worker(partial(self._warm_up, wanted, first), thread=True, group="compiled")

    def _warm_up(self, loops: set[tuple[str, str]], first: bool) -> None:
        available = fast.warm_up()
        if first and available:
            self.call_from_thread(self.say, "numba's loops ready: long jumps now run faster")
        if available:
            for formula, optimizer in sorted(loops):
                fast.specialise(formula, optimizer)

    def action_step(self, multiple: int) -> None:
        self._message = ""
        moved = self._step_by(self._take_count(self.steps_per_press * multiple))
        if moved is None:
            return
        if not moved:
            self._message = "no further step: every run has stopped"
        self.refresh_views()

    def _step_by(self, count: int) -> int | None:
        """Step on at once for a short count and return the steps moved; else start a jump in
        a thread (`_start_jump`) and return None."""
        session = self._session
        if session.work_to(session.step + count) >= JUMP_IN_THREAD:
            self._start_jump(session.step + count)
            return None
        return session.forward(count)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While a jump computes, keys that would change the runs wait their turn (the status
        line says why and that esc stops the jump)."""
        return self._jump is None or action in WHILE_COMPUTING

    def _start_jump(self, target: int) -> None:
        session = self._session
        self._jump = Jump(session.step, target, session.work_to(target), time.monotonic())
        self._jump_progress = self.set_interval(PROGRESS_PERIOD, self._show_status)
        self.refresh_bindings()
        self._show_status()
        self._compute(self._jump)

    @work(thread=True, exclusive=True, group="jump")
    def _compute(self, jump: Jump) -> None:
        """The 2-D runs first, so they can be drawn while the chain, slower, goes on."""
        worker = get_current_worker()
        session = self._session

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
        self.post_message(self.JumpComputed(jump))

    class PlaneComputed(Message):
        """A jump's 2-D runs have reached its target (or it was stopped)."""

        def __init__(self, jump: Jump) -> None:
            super().__init__()
            self.jump = jump

    class JumpComputed(PlaneComputed):
        """The chain has reached the jump's target too (or the jump was stopped)."""

    def on_gradients_app_plane_computed(self, message: PlaneComputed) -> None:
        if message.jump is not self._jump or message.jump.cancelled.is_set():
            return
        session = self._session
        session.forward(message.jump.target - session.step, chain=False)  # computed: no work
        self.refresh_views()

    def on_gradients_app_jump_computed(self, message: JumpComputed) -> None:
        jump = message.jump
        if jump is not self._jump:
            return
        session = self._session
        if jump.cancelled.is_set():
            reached = session.reachable(jump.target)
            session.chain_target = None
            session.go_to(reached)
            self._message = f"stopped at step {reached}"
        else:
            session.catch_up_chain()  # computed: only moves the chain's cursor
            if session.step == jump.origin:
                self._message = "no further step: every run has stopped"
        self._jump = None
        if self._jump_progress is not None:
            self._jump_progress.stop()
        self.refresh_bindings()
        self.refresh_views()

    def _cancel_jump(self) -> bool:
        if self._jump is None:
            return False
        self._jump.cancelled.set()
        return True

    def action_back(self, multiple: int) -> None:
        self._message = ""
        self.session.back(self._take_count(self.steps_per_press * multiple))
        self.refresh_views()

    def action_to_start(self) -> None:
        self.session.go_to(0)
        self.refresh_views()

    def action_to_end(self) -> None:
        self.session.to_end()
        self.refresh_views()

    def action_play(self) -> None:
        if self._player is None:
            self._start_player()
        else:
            self._player.stop()
            self._player = None
        self._show_status()

    def _start_player(self) -> None:
        self._player = self.set_interval(1 / PLAY_RATES[self._rate_index], self._play_tick)

    def _play_tick(self) -> None:
        if self._jump is not None:  # the last tick's steps are still being computed
            return
        moved = self._step_by(self.steps_per_press)
        if moved is None:
            return
        if not moved and self._player is not None:
            self._player.stop()
            self._player = None
        self.refresh_views()

    def action_rate(self, change: int) -> None:
        self._rate_index = max(0, min(len(PLAY_RATES) - 1, self._rate_index + change))
        if self._player is not None:
            self._player.stop()
            self._start_player()
        self.say(f"speed {PLAY_RATES[self._rate_index]} steps/s")

    def on_key(self, event: Key) -> None:
        """Digits typed outside a field build a count for the next step command."""
        if event.character in DIGITS and not isinstance(self.focused, Input):
            self._count = (self._count + event.character)[-7:]
            event.stop()
            self._show_status()

    # --- settings ------------------------------------------------------------------------------

    @on(SettingsPanel.Submitted)
    def apply_setting(self, event: SettingsPanel.Submitted) -> None:
        self.change_setting(event.name, event.value)

    def change_setting(self, name: str, value: str) -> bool:
        """Apply one typed setting; on refusal say why under the field and keep everything."""
        panel = self.query_one(SettingsPanel)
        if self._jump is not None:
            panel.show_error(name, "a jump is being computed: press enter again once it is done")
            return False
        if name == "function" and value == "custom":
            self.query_one("#expr", Input).focus()
            self.say("type a formula in w1 and w2, then press enter")
            return False
        try:
            if name == "steps_per_press":
                self.steps_per_press = _steps_per_press(value)
            else:
                experiment = edit(self.session.experiment, name, value)
                self.session.apply(experiment, keep_step=name not in RESTARTING_FIELDS)
        except SettingError as error:
            panel.show_error(name, f"{error.message}; still using the previous value")
            self.say(f"{name}: refused")
            return False
        panel.load(self.session.experiment, self.steps_per_press)
        if name in PLANE_FIELDS:  # a new surface or start: fit the view to it
            self._set_view(self._fitted_view())
        self.say(f"{name} set")
        self.refresh_views()
        return True

    def action_cycle_optimizer(self) -> None:
        current = self.session.experiment.hyper.optimizer
        self.change_setting("optimizer", _next(OPTIMIZERS, current))

    def action_cycle_function(self) -> None:
        plane = self.session.experiment.plane
        current = plane.function if plane.expr is None else None
        self.change_setting("function", _next(tuple(PRESETS), current))

    def action_compare(self) -> None:
        choice = self.session.next_ghost()
        marker = RIVALS[0].glyph(self._ascii_only, current=True)
        self.say(f"comparing with {choice.describe()} ({marker})" if choice else "comparison off")
        self.refresh_views()

    def action_race(self) -> None:
        racing = self.session.toggle_race()
        self.say("race: all six optimisers from one start" if racing else "race off")
        self.refresh_views()

    def action_reset(self) -> None:
        self.session.reset()
        self._set_view(self._fitted_view())
        self.say("reset to step 0")
        self.refresh_views()

    # --- view ----------------------------------------------------------------------------------

    def action_zoom(self, factor: float) -> None:
        center = tuple(float(v) for v in self.session.plane.params)
        self._set_view(zoom(self.view, factor, center))

    def action_reset_view(self) -> None:
        self._set_view(self._fitted_view())

    def action_toggle_equal_scale(self) -> None:
        plot = self.query_one(ContourPlot)
        plot.equal_scale = not plot.equal_scale
        self._show_status()

    def action_toggle_markers(self) -> None:
        self._ascii_only = not self._ascii_only
        self._apply_ascii()
        self.say("plain ASCII" if self._ascii_only else "braille contours and symbol markers")

    def action_toggle_theory(self) -> None:
        self._theory = not self._theory
        self.say("theory beside the run" if self._theory else "theory hidden")
        self.refresh_views()

    # --- lesson --------------------------------------------------------------------------------

    def action_toggle_lesson(self) -> None:
        """Open the lesson where it was left (its page sets the app up), or close it and keep
        the state the user reached."""
        if self.screen.has_class("-lesson"):
            self.screen.remove_class("-lesson", "-lesson-chain")
            self.say("lesson closed; l opens it again")
            return
        self.run_worker(_compute_every_page, thread=True, group="lesson")
        self._show_lesson_page(self._lesson_page)

    def action_lesson_page(self, change: int) -> None:
        if not self.screen.has_class("-lesson"):
            self.say("l opens the lesson")
            return
        target = self._lesson_page + change
        if not 1 <= target <= lesson.page_count():
            self.say(f"the lesson has pages 1 to {lesson.page_count()}")
            return
        self._show_lesson_page(target)

    def action_scroll_lesson(self, direction: int) -> None:
        panel = self.query_one(LessonPanel)
        if direction > 0:
            panel.scroll_page_down(animate=False)
        else:
            panel.scroll_page_up(animate=False)

    def _show_lesson_page(self, number: int) -> None:
        """Put the app into the page's state: its settings at step 0, its rivals, theory."""
        page = lesson.page(number)
        setup = page.setup
        self._lesson_page = number
        self.session.apply(setup.experiment, keep_step=False)
        self.session.set_rivals(setup.rivals)
        self._theory = setup.theory
        self.query_one(SettingsPanel).load(self.session.experiment, self.steps_per_press)
        self._set_view(self._fitted_view())
        self.screen.add_class("-lesson")
        self.screen.set_class(setup.focus == "chain", "-lesson-chain")
        self.query_one(LessonPanel).show(page)
        self._message = ""
        self.refresh_views()

    def _apply_ascii(self) -> None:
        """Markers, plot frame, labels and borders: all Unicode, or all plain ASCII."""
        self.query_one(ContourPlot).ascii_markers = self._ascii_only
        self.query_one(Readout).ascii_only = self._ascii_only
        self.query_one(LayerTable).ascii_only = self._ascii_only
        self.query_one(RaceChart).ascii_only = self._ascii_only
        self.query_one(LessonPanel).ascii_only = self._ascii_only
        if self.screen.has_class("-lesson"):
            self.query_one(LessonPanel).show(lesson.page(self._lesson_page))
        self.set_class(self._ascii_only, "-ascii")
        self.refresh_views()

    def action_toggle_panel(self) -> None:
        panel = self.query_one(SettingsPanel)
        panel.display = not panel.display
        if panel.display:
            panel.focus_first_field()
        else:
            self.set_focus(None)

    def action_leave_field(self) -> None:
        """esc: stop a jump being computed, else give the keys back to the plot."""
        if not self._cancel_jump():
            self.set_focus(None)

    def _show_where_keys_go(self, focused: Widget | None) -> None:
        self.screen.set_class(focused is not None, "-field-focused")

    def _panel_focused(self) -> bool:
        return self.focused is not None and self.query_one(SettingsPanel) in self.focused.ancestors

    def action_help(self) -> None:
        from tui_gradients.ui.help import HelpScreen  # Markdown is slow to import: not at start

        self.push_screen(HelpScreen(ascii_only=self._ascii_only))

    def action_export(self) -> None:
        """Settings, trajectories and chain table into the current folder, as JSON and CSV."""
        stem = f"tui-gradients-{datetime.now():%Y%m%d-%H%M%S}"
        session = self.session
        try:
            paths = export_session(session, Path.cwd(), stem)
        except OSError as error:
            self.say(f"export failed: {error.strerror} ({error.filename})")
            return
        every = export_stride(session)
        thinned = f", a row every {every} steps" if every > 1 else ""
        self.say(
            f"exported {paths[0]} (+ 2 CSV{thinned}); "
            f"reload with: tui-gradients --load {paths[0].name}"
        )

    def action_screenshot(self) -> None:
        path = self.save_screenshot(path=str(Path.cwd()))
        self.say(f"screenshot saved to {path}")

    # --- command palette -----------------------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for name in PRESETS:
            change = partial(self.change_setting, "function", name)
            yield SystemCommand(f"Function: {name}", f"Switch to the {name} surface", change)
        for name in OPTIMIZERS:
            change = partial(self.change_setting, "optimizer", name)
            yield SystemCommand(f"Optimizer: {name}", f"Use {name} for the runs", change)
        commands = [
            ("Compare: next optimiser", "Cycle the comparison run", self.action_compare),
            ("Race", "All six optimisers from the same start", self.action_race),
            (
                "Toggle equal scale",
                "One unit of w1 as long as one of w2",
                self.action_toggle_equal_scale,
            ),
            ("Toggle ASCII markers", "For terminals without braille", self.action_toggle_markers),
            ("Toggle theory", "Hessian, κ and gd's predictions", self.action_toggle_theory),
            ("Lesson", "Open or close the guided lesson", self.action_toggle_lesson),
            ("Toggle settings panel", "Show or hide the fields", self.action_toggle_panel),
            ("Save SVG screenshot", "Into the current folder", self.action_screenshot),
            ("Export experiment", "Settings and trajectories as JSON and CSV", self.action_export),
            ("Reset", "Back to step 0", self.action_reset),
        ]
        for title, help_text, callback in commands:
            yield SystemCommand(title, help_text, callback)


def _compute_every_page() -> None:
    """In a thread while the first page is read: the later pages run optimisers for up to a
    second to find their numbers, and are cached once computed."""
    for number in range(1, lesson.page_count() + 1):
        lesson.page(number)


def _next(options: tuple[str, ...], current: str | None) -> str:
    if current not in options:
        return options[0]
    return options[(options.index(current) + 1) % len(options)]


def _steps_per_press(text: str) -> int:
    value = parse_whole("steps_per_press", text)
    if not 1 <= value <= MAX_STEPS_PER_PRESS:
        raise SettingError(
            "steps_per_press", f"must be from 1 to {MAX_STEPS_PER_PRESS}, got {value}"
        )
    return value
