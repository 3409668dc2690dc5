"""The main screen: the panels, the key table's bindings, and the flags that decide the layout.

The screen joins parts that each own their state: the `Driver` (the session and the work on
it), the `PlotView` (where the plot looks), the `LessonPanel` (the page open and the session it
borrows), the `SettingsPanel` (the fields and what they were loaded from) and the `Outputs`
(where files go). Keys become calls on a part; what a widget originates comes up as a message
(`Driver.SessionChanged`, `SettingsPanel.Submitted`, `ContourPlot.Clicked`, ...), and the
screen pushes what the presenters make of the session down into the widgets. No part reads or
writes another's state. Layout state lives in reactive flags whose watchers set the screen's
CSS classes; nothing reads a class back.
"""

from __future__ import annotations

import contextlib
import math
import time
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.events import Key, Resize
from textual.reactive import reactive
from textual.screen import Screen
from textual.theme import Theme
from textual.timer import Timer
from textual.widget import MountError, Widget
from textual.widgets import Footer, Input, Static

from tui_gradients.core.errors import SettingError
from tui_gradients.core.files.resume import Resume, SavedView
from tui_gradients.core.objectives.regression import STANDARDIZED
from tui_gradients.core.objectives.theory import curvature
from tui_gradients.core.objectives.view import fit_view
from tui_gradients.core.optimisation.optimizers import OPTIMIZERS
from tui_gradients.core.runs.experiment import Experiment
from tui_gradients.core.runs.lesson import Setup
from tui_gradients.core.runs.rivals import Rival
from tui_gradients.core.runs.session import Session
from tui_gradients.core.runs.settings import FUNCTIONS
from tui_gradients.core.runs.summary import next_update
from tui_gradients.core.text import inert
from tui_gradients.ui import presenters
from tui_gradients.ui.colours import DEFAULT, from_theme
from tui_gradients.ui.driver import Driver, Note
from tui_gradients.ui.glyphs import label
from tui_gradients.ui.keys import WHILE_COMPUTING, bindings, key_for
from tui_gradients.ui.marks import RIVALS
from tui_gradients.ui.message_log import KEPT, MessageLog
from tui_gradients.ui.outputs import Outputs, Written
from tui_gradients.ui.plot_view import PlotView
from tui_gradients.ui.setting_actions import lr_owner, next_choice, reads_a_large_file, run_name
from tui_gradients.ui.widgets.contour_plot import ContourPlot
from tui_gradients.ui.widgets.layer_table import LayerTable
from tui_gradients.ui.widgets.lesson_panel import LessonPanel
from tui_gradients.ui.widgets.lines import Lines
from tui_gradients.ui.widgets.picker import Picker
from tui_gradients.ui.widgets.race_chart import RaceChart
from tui_gradients.ui.widgets.readout import Readout
from tui_gradients.ui.widgets.settings_panel import CUSTOM, OWN_DATA, SettingsPanel, field_values
from tui_gradients.ui.widgets.trend import Trends

PLAY_RATES = (1, 2, 5, 10, 20, 30, 60)
"""Steps of auto-play per second."""
WIDE_ENOUGH_FOR_PANEL = 140
MIN_SIZE = (72, 20)
"""Columns and rows below which the panels cannot show their numbers."""
MAX_SIZE = (400, 200)
"""Columns and rows the app draws in at most (app.tcss bounds #main so): a terminal or a
browser tab of 3000×3000 cells would otherwise take gigabytes and seconds per frame."""
TRENDS_MIN_HEIGHT = 32
"""Rows from which the trend lines are shown (below it the plot needs every row)."""
TRENDS_PERIOD = 0.02
"""Seconds between two redraws of the trend lines at most: the usual 30 Hz key repeat still
redraws them in the step's own frame, faster play less often."""
AFTER_THE_STEP = 1 / 60
"""Seconds from a step to a race's chart at the soonest: a frame later, so that it is not
painted in the step's own frame (a refresh's callbacks run before the frame is painted)."""
PROGRESS_PERIOD = 0.1
"""Seconds between two redraws of a jump's progress in the status line."""
ASCII_STYLED = "#plot, #readout, #layers, #race-chart, #lesson, #trends, #status, Footer"
"""The widgets whose borders or bars app.tcss draws in ASCII when they have the class -ascii."""
DIGITS = frozenset("0123456789")
"""Keys that build a count: ASCII digits only (`str.isdigit` also takes ² and other digits
`int` refuses)."""


class MainScreen(Screen[None]):
    """Contour plot and readout on top, the chain table (or the race chart) below."""

    AUTO_FOCUS = ""
    """Nothing has focus until a field is chosen, so a key goes straight to the bindings; also
    when the screen comes back from help (None would take the app's "*": the first field)."""
    BINDINGS = bindings()

    ascii_only = reactive(False)
    theory = reactive(False)
    field_focused = reactive(False)
    race = reactive(False)
    short = reactive(False)
    too_small = reactive(False)

    def __init__(
        self,
        experiment: Experiment,
        rivals: tuple[Rival, ...] = (),
        *,
        lesson_page: int | None = None,
        initial_steps: int = 0,
        steps_beneath: int = 0,
        saved_view: SavedView | None = None,
        out_dir: Path | None = None,
        panel_shown: bool = True,
    ) -> None:
        """`lesson_page` opens the lesson at that page once the screen is up; `initial_steps`
        are taken after the first frame, as a typed count would be (a long one in a thread);
        `steps_beneath` by the user's session under the lesson, when the lesson gives it back;
        `saved_view` replaces the fitted view (after the lesson's page has set the app up);
        `out_dir` is where `E` and `e` write (None: the current folder at the time);
        `panel_shown`, whether the settings panel is shown where the screen is wide enough."""
        super().__init__()
        self.initial_steps = initial_steps
        self._panel_shown = panel_shown
        self._steps_beneath = steps_beneath
        self.driver = Driver(experiment, rivals)
        plane = experiment.plane
        self.plot_view = PlotView(fit_view(plane.objective, plane.start_point))
        if saved_view is not None:
            self.plot_view.restore_later(saved_view)
        self.panel = SettingsPanel(field_values(experiment), id="settings")
        self.lesson = LessonPanel(lesson_page or 1, id="lesson")
        self._open_lesson = lesson_page is not None
        self.outputs = Outputs(out_dir)
        self._count = ""
        self._rate_index = PLAY_RATES.index(10)
        self._player: Timer | None = None
        self._progress: Timer | None = None
        self._message = ""
        self.colours = DEFAULT
        """The theme's colours, once mounted (`_use_theme`)."""
        self._trends_pending = False
        self._trends_drawn = -math.inf
        self._alert = ""
        self.messages: list[tuple[int, str]] = []
        """Every message said, with its step, for the message log (`action_messages`)."""
        self._too_small_notice = ""
        """What the too-small notice says (`_check_size`)."""

    def compose(self) -> ComposeResult:
        yield self.driver
        with Horizontal(id="main"):
            yield self.panel
            with Vertical(id="work"):
                with Horizontal(id="top"):
                    objective = self.session.experiment.plane.objective
                    yield ContourPlot(objective, self.plot_view.window, id="plot")
                    yield Readout(id="readout")
                yield self.lesson
                yield Trends(id="trends")
                yield LayerTable(id="layers")
                yield RaceChart(id="race-chart")
                yield Lines(id="status")
        yield Static(id="too-small")
        yield Footer(compact=True)

    @property
    def session(self) -> Session:
        return self.driver.session

    def on_mount(self) -> None:
        self.watch(self, "focused", self._show_where_keys_go)
        self.app.theme_changed_signal.subscribe(self, self._use_theme)
        self._use_theme()
        self.panel.display = self._panel_shown and self.app.size.width >= WIDE_ENOUGH_FOR_PANEL
        self._check_size(self.app.size.width, self.app.size.height)
        self.call_after_refresh(self._fill_panel)
        if self._open_lesson:
            self.driver.step_later(self._steps_beneath)
            self.action_toggle_lesson()  # its set-up fits the view, then the saved one applies
        else:
            self._restore_view()
            self.refresh_views()
        if self.initial_steps:
            self.call_after_refresh(self.driver.step, self.initial_steps)

    async def _fill_panel(self) -> None:
        """The settings panel's fields, after the first frame: styling its twenty-odd fields
        is most of what a first frame would cost, and the plot and the numbers matter more at
        start. The panel itself is there from the first frame, so the plot keeps its width (it
        was drawn twice, 14 ms of contours thrown away). A quit in that first instant may close
        the screen first: then there is nothing to mount into."""
        try:
            if self.panel.is_attached:
                with contextlib.suppress(MountError):
                    await self.panel.fill()
        finally:
            self.app.panel_mounted()  # type: ignore[attr-defined]  # the app is GradientsApp

    # --- flags and their classes -----------------------------------------------------------

    def watch_race(self, racing: bool) -> None:
        self.set_class(racing, "-race")

    def watch_short(self, short: bool) -> None:
        self.set_class(short, "-short")

    def watch_too_small(self, too_small: bool) -> None:
        self.set_class(too_small, "-too-small")

    def watch_field_focused(self, focused: bool) -> None:
        self.set_class(focused, "-field-focused")

    def watch_ascii_only(self, ascii_only: bool) -> None:
        """Markers, plot frame, labels and borders: all Unicode, or all plain ASCII."""
        self.query_one(ContourPlot).ascii_markers = ascii_only
        self.panel.show_in_ascii(ascii_only)
        for widget in self.query(ASCII_STYLED):
            widget.set_class(ascii_only, "-ascii")
        for widget in self.query("Readout, LayerTable, RaceChart, LessonPanel"):
            widget.ascii_only = ascii_only  # type: ignore[attr-defined]  # each has the flag
        self.lesson.redraw()
        self.refresh_views()

    def _use_theme(self, theme: Theme | None = None) -> None:
        """The app's own colours made readable on the theme's background (`colours`): the
        plot, the race chart and the readout's run rows are drawn again in them. A theme
        chosen (from the command palette) is kept for the next session."""
        app = self.app
        if theme is not None:
            self._remember(theme=theme.name)
        self.colours = from_theme(app.get_css_variables(), app.current_theme.dark)
        self.query_one(ContourPlot).colours = self.colours
        self.query_one(RaceChart).colours = self.colours
        if self.is_mounted:
            self.refresh_views()

    def on_resize(self, event: Resize) -> None:
        if event.size.width < WIDE_ENOUGH_FOR_PANEL and not self._panel_focused():
            self.panel.display = False
        self._squeeze_for_panel(event.size.width)
        self._check_size(event.size.width, event.size.height)

    def _squeeze_for_panel(self, width: int) -> None:
        """The panel opened where the screen is narrow gives way before the plot does: it
        takes the readout's place (the readout comes back as it closes), not the plot's."""
        self.set_class(bool(self.panel.display) and width < WIDE_ENOUGH_FOR_PANEL, "-squeezed")

    def _check_size(self, width: int, height: int) -> None:
        """Below the usable minimum, say so instead of drawing a garbled layout; above the
        most the app draws in, say that it uses part of the terminal."""
        if width > MAX_SIZE[0] or height > MAX_SIZE[1]:
            self.say(
                f"terminal {width}x{height}: the app draws in {MAX_SIZE[0]}x{MAX_SIZE[1]} of it"
            )
        self.too_small = width < MIN_SIZE[0] or height < MIN_SIZE[1]
        self.short = height < TRENDS_MIN_HEIGHT
        need = f"{MIN_SIZE[0]}x{MIN_SIZE[1]}"
        notice_text = f"terminal too small: need {need}, have {width}x{height}"
        if notice_text == self._too_small_notice:  # an update lays the whole screen out again
            return
        self._too_small_notice = notice_text
        # a resize may arrive as the app closes, its widgets already gone: then nothing to say
        for notice in self.query("#too-small").results(Static):
            notice.update(notice_text)

    # --- drawing the session ---------------------------------------------------------------

    @on(Driver.SessionChanged)
    def _session_changed(self, event: Driver.SessionChanged) -> None:
        if event.message:
            self._message = event.message
            self._log(event.message)
        if event.plane_changed:
            plane = self.session.experiment.plane
            self.plot_view.fit(plane.objective, plane.start_point)
            self._show_window()
            self._restore_view()
        self._sync_jump_progress()
        self.refresh_views()  # once for a burst of changes: `SessionChanged.can_replace`

    def refresh_views(self) -> None:
        """Push the session's state down into the widgets."""
        session, ascii_only = self.session, self.ascii_only
        paths = [session.path(run) for _, run in session.plane_runs]
        if self.plot_view.following and self.plot_view.keep_in_sight(paths):
            self._show_window()
        update = next_update(session.plane, presenters.lr_in_force(session))
        plot = self.query_one(ContourPlot)
        plot.set_paths(paths, presenters.arrows(session, update))
        rows = presenters.readout_rows(
            session,
            theory=self.theory,
            ascii_only=ascii_only,
            update=update,
            drawn=plot.iterates_in_view(),
            colours=self.colours,
        )
        self.query_one(Readout).show(rows)
        title = presenters.chain_title(session, ascii_only)
        self.query_one(LayerTable).show(session.chain_trace(), title)
        self.race = len(session.plane_runs) > 2
        self._sync_panel()
        self.show_status()
        self._schedule_trends()

    def _schedule_trends(self) -> None:
        """Redraw the trend lines at most every TRENDS_PERIOD, and never more than that behind
        the last step: in the step's own frame, but for a race's chart, which comes a frame
        later so that a key's frame carries the step alone (the chart is a plotext figure,
        rebuilt whole: it took two thirds of a key's frame in a race of six, where the trend
        lines take a few percent and a second frame would cost more)."""
        if self._trends_pending:
            return
        self._trends_pending = True
        wait = self._trends_drawn + TRENDS_PERIOD - time.monotonic()
        if wait > 0:
            self.set_timer(wait, self._show_trends)
        elif self.race:
            self.set_timer(AFTER_THE_STEP, self._show_trends)
        else:
            self._show_trends()

    def _show_trends(self) -> None:
        if not self.is_attached:  # the timer fired as the app closed: nothing left to draw
            return
        self._trends_pending = False
        self._trends_drawn = time.monotonic()
        if self.race:
            series = presenters.race_series(self.session)
            self.query_one(RaceChart).show(*series, selected=self.session.selected)
        trends = self.query_one(Trends)
        if trends.display and not self.short:
            trends.show(presenters.trend_series(self.session))

    def show_status(self) -> None:
        jump = self.driver.jump
        status = presenters.Status(
            lesson=self.lesson.status(),
            jump=jump.progress() if jump else None,
            count=self._count,
            playing=PLAY_RATES[self._rate_index] if self._player else None,
            message=self._message,
            equal_scale=self.query_one(ContourPlot).equal_scale,
            alert=self._alert,
        )
        widget = self.query_one("#status", Lines)
        width = widget.size.width or self.app.size.width - 2
        # a message may quote a path or a column: nothing in it acts on the terminal
        line = presenters.status_line(self.session, status, self.ascii_only, width)
        widget.set_lines([inert(line)])

    def say(self, message: str, *, in_full: str = "") -> None:
        """A message in the status line until the next, or until a key moves the runs (step,
        back, start, end, play), and in the message log (`in_full`, where the line's short
        form leaves something out)."""
        self._message = message
        self._log(in_full or message)
        self.show_status()

    def _log(self, message: str) -> None:
        """Kept for the message log, unless it repeats the last one."""
        if message and (not self.messages or self.messages[-1][1] != message):
            self.messages.append((self.session.step, message))
            del self.messages[:-KEPT]

    def alert(self, message: str) -> None:
        """A failure, kept in the status line (wrapped, first) until esc dismisses it."""
        self._alert = f"{message}; esc dismisses"
        self._log(message)
        self.show_status()

    def dismiss_alert(self) -> bool:
        if not self._alert:
            return False
        self._alert = ""
        self.show_status()
        return True

    def _sync_jump_progress(self) -> None:
        """While a jump computes: its progress redrawn in the status line, and the footer
        showing only the keys that may act (`check_action`). Both change only as a jump starts
        or ends, not on every step."""
        computing = self.driver.jump is not None
        if computing == (self._progress is not None):
            return
        if computing:
            self._progress = self.set_interval(PROGRESS_PERIOD, self.show_status)
        else:
            assert self._progress is not None
            self._progress.stop()
            self._progress = None
        self.refresh_bindings()

    def _restore_view(self) -> None:
        """The view an export saved (`--load`) or the lesson borrowed, once."""
        saved = self.plot_view.take_pending()
        if saved is None:
            return
        plot = self.query_one(ContourPlot)
        plot.equal_scale, plot.shading = saved.equal_scale, saved.shading
        self.theory = saved.theory
        self._show_window()

    def saved_view(self) -> SavedView:
        """The view as an export saves it."""
        plot = self.query_one(ContourPlot)
        view = self.plot_view
        return SavedView(view.window, view.following, plot.equal_scale, plot.shading, self.theory)

    def _show_window(self) -> None:
        """The plot's window, as the view part has it."""
        objective = self.session.experiment.plane.objective
        self.query_one(ContourPlot).set_surface(objective, self.plot_view.window)

    # --- stepping ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While a jump computes, keys that would change the runs wait their turn (the status
        line says why and that esc stops the jump)."""
        return self.driver.jump is None or action in WHILE_COMPUTING

    def _take_count(self, default: int) -> int:
        count = int(self._count) if self._count else default
        self._count = ""
        return count

    def _steps_per_press(self) -> int:
        return self.session.experiment.steps_per_press

    def action_step(self, multiple: int) -> None:
        self._message = ""
        self.driver.step(self._take_count(self._steps_per_press() * multiple))

    def action_back(self, multiple: int) -> None:
        self._message = ""
        self.driver.back(self._take_count(self._steps_per_press() * multiple))

    def action_to_start(self) -> None:
        self._message = ""
        self.driver.go_to(0)

    def action_to_end(self) -> None:
        self._message = ""
        self.driver.to_end()

    def action_play(self) -> None:
        self._message = ""  # what was said before play is not news once it runs
        if self._player is None:
            self._start_player()
        else:
            self._player.stop()
            self._player = None
        self.show_status()

    def _start_player(self) -> None:
        self._player = self.set_interval(1 / PLAY_RATES[self._rate_index], self._play_tick)

    def _play_tick(self) -> None:
        """One tick's steps. Play stops by itself, saying why, once every 2-D run has stopped
        (converged, diverged, at its limit): the plot would not change again. The chain has
        no stopping rule of its own; `n` steps it on."""
        if self.driver.jump is not None:  # the last tick's steps are still being computed
            return
        before = self.session.step
        self.driver.step(self._steps_per_press())
        if self.driver.jump is not None or self._player is None:
            return
        runs = [run for _, run in self.session.plane_runs]
        if all(run.stop is not None and run.cursor >= run.last_step for run in runs):
            self._stop_player("play stopped: every 2-D run has stopped (why: on this line)")
        elif self.session.step == before:
            self._stop_player("play stopped: no run can step on")

    def _stop_player(self, reason: str) -> None:
        assert self._player is not None
        self._player.stop()
        self._player = None
        self.say(reason)

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
            self.show_status()

    # --- settings: a typed field, the next optimiser or function, lr, rivals ----------------

    def on_settings_panel_submitted(self, event: SettingsPanel.Submitted) -> None:
        self.change_setting(event.name, event.value)

    def change_setting(
        self, name: str, value: str, message: Note = "", *, prepared: bool = False
    ) -> bool:
        """Apply one typed setting; on refusal say why under the field and keep everything.
        `message` is what the status line says once it is applied. A large data file is read
        and fitted in a thread first (`prepared` once it has been): then this returns False,
        and the setting applies when that is done."""
        if self.driver.jump is not None:
            self.panel.show_error(
                name, "a jump is being computed: press enter again once it is done"
            )
            return False
        if name == "function" and value == CUSTOM:
            self.panel.query_one("#expr", Input).focus()
            self.say("type a formula in w1 and w2, then press enter")
            return False
        if name == "function" and value == OWN_DATA and self.session.experiment.plane.data is None:
            self.panel.query_one("#data", Input).focus()
            self.say("type the path of a CSV file with a header row, then press enter")
            return False
        if not prepared and reads_a_large_file(self.session.experiment.plane, name, value):
            self.say(f"reading and fitting the data for {name} in the background")
            self.driver.prepare_edit(name, value, message)
            return False
        try:
            self.driver.edit(name, value, message)
        except SettingError as error:
            self.panel.show_error(name, f"{error.message}; still using the previous value")
            self.say(f"{name}: {error.message}; still using the previous value")
            return False
        self._sync_panel(force=True)
        self._remember_setting(name)
        return True

    def _remember_setting(self, name: str) -> None:
        """The steps per key and the surface, kept for the next session as they change."""
        experiment = self.session.experiment
        if name == "steps_per_press":
            self._remember(steps_per_key=experiment.steps_per_press)
        elif name == "function" and experiment.plane.expr is None and experiment.plane.data is None:
            self._remember(function=experiment.plane.function)

    def on_driver_edit_prepared(self, event: Driver.EditPrepared) -> None:
        if event.error is None:
            self.change_setting(event.name, event.text, event.message, prepared=True)
            return
        message = f"{event.error}; still using the previous value"
        self.panel.show_error(event.name, message)
        self.say(f"{event.name}: {message}")

    def _sync_panel(self, *, force: bool = False) -> None:
        """The panel showing the selected run's settings, naming it when there are rivals."""
        session = self.session
        editing = run_name(session, session.selected, self.ascii_only) if session.rivals else ""
        self.panel.show_session(session, editing, force=force)

    def select_run(self, index: int) -> None:
        if not self.session.rivals:
            compare, add = key_for("compare"), key_for("add_rival")
            self.say(f"only one run on the plot: {compare} compares, {add} adds a rival")
            return
        selected = run_name(self.session, self.driver.select(index), self.ascii_only)
        self.say(
            f"selected {selected}: the panel, o, < and > act on it; "
            f"{key_for('select_next_run')}: next"
        )

    def action_select_next_run(self) -> None:
        self.select_run(self.session.selected + 1)

    def on_readout_row_clicked(self, event: Readout.RowClicked) -> None:
        kind, _, index = event.key.partition(":")
        if kind == "run":
            self.select_run(int(index))

    def on_race_chart_run_clicked(self, event: RaceChart.RunClicked) -> None:
        self.select_run(event.index)

    def action_pick_optimizer(self) -> None:
        """A list of the optimisers, the next one highlighted: `o` `enter` moves on by one."""
        current = self.session.selected_hyper.optimizer

        def chosen(name: str | None) -> None:
            if name is not None and name != current:
                self.change_setting("optimizer", name)

        title = "optimiser of the selected run" if self.session.selected else "optimiser"
        picker = Picker(
            title, OPTIMIZERS, current, next_choice(OPTIMIZERS, current), self.ascii_only
        )
        self.app.push_screen(picker, chosen)

    def action_messages(self) -> None:
        self.app.push_screen(MessageLog(list(self.messages), self.ascii_only))

    def action_cycle_function(self) -> None:
        plane = self.session.experiment.plane
        current = plane.function if plane.expr is None else None
        self.change_setting("function", next_choice(FUNCTIONS, current))

    def action_cycle_standardize(self) -> None:
        """none → x → xy on least squares; none ⇄ x on a logistic fit (its y is 0/1)."""
        plane = self.session.experiment.plane
        if not plane.fitted:
            self.say("no data to standardise: f to penguins, or --data FILE")
            return
        choices = STANDARDIZED if plane.model == "linear" else STANDARDIZED[:2]
        chosen = next_choice(choices, plane.standardize)
        kappa_name = label("kappa", self.ascii_only)

        def said(experiment: Experiment) -> str:
            plane = experiment.plane
            kappa = curvature(plane.objective, plane.start_point).condition
            return f"standardised: {chosen}; {kappa_name} {kappa:.4g}; lr {experiment.hyper.lr:g}"

        self.change_setting("standardize", chosen, said)

    def action_scale_lr(self, name: str, factor: float) -> None:
        """Halve or double a learning rate (`lr` of the selected 2-D run or `chain_lr`),
        replayed to the same step as a typed value is; a refused value is said and changes
        nothing."""
        session = self.session
        chain = name == "chain_lr"
        current = session.experiment.chain_lr if chain else session.selected_hyper.lr
        value = f"{current * factor:.6g}"
        verb = "halved" if factor < 1 else "doubled"
        owner = lr_owner(session, chain, self.ascii_only)
        message = f"{owner}: lr {verb} to {value}, replayed to step {session.step}"
        if not chain and session.selected == 0 and any(r.lr is None for r in session.rivals):
            message += " (with the rivals that have no lr of their own)"
        self.change_setting(name, value, message)

    def action_compare(self) -> None:
        choice = self.driver.compare()
        if choice is None:
            self.say("comparison off")
            return
        marker = RIVALS[0].glyph(self.ascii_only)
        self.say(f"comparing with {choice.label(self.session.experiment.hyper)} ({marker})")

    def action_add_rival(self) -> None:
        rival = self.driver.add_rival()
        if rival is None:
            self.say("every optimiser is on the plot already")
            return
        mark = RIVALS[len(self.session.rivals) - 1].glyph(self.ascii_only)
        name = rival.label(self.session.experiment.hyper)
        self.say(
            f"added {name} ({mark}) from the same start; {key_for('drop_rival')} drops the last"
        )

    def action_drop_rival(self) -> None:
        rival = self.driver.drop_rival()
        if rival is None:
            self.say(f"no rival to drop ({key_for('add_rival')} adds one)")
            return
        self.say(f"dropped {rival.label(self.session.experiment.hyper)}")

    def action_race(self) -> None:
        racing = self.driver.race()
        self.say("race: all six optimisers from one start" if racing else "race off")

    def action_reset(self) -> None:
        self.driver.reset()

    def action_undo(self) -> None:
        """The session before the last action that threw its history away, as it was."""
        if self.driver.undo_last() is None:
            undo, reset, function = (key_for(a) for a in ("undo", "reset", "cycle_function"))
            self.say(
                f"nothing to undo: {undo} brings back what {reset}, {function}, a click or a "
                "setting replaced"
            )

    # --- the view: zoom, pan, follow, scale, markers, shading, theory ----------------------

    def action_zoom(self, factor: float) -> None:
        """About the current point while it is in view, else about the view's middle."""
        w1, w2 = (float(v) for v in self.session.plane.params)
        self._view_moved_by_hand(self.plot_view.zoom(factor, (w1, w2)))

    def action_pan(self, right: int, up: int) -> None:
        self._view_moved_by_hand(self.plot_view.pan_by_key(right, up))

    def on_contour_plot_clicked(self, event: ContourPlot.Clicked) -> None:
        """A click sets the start point there: every run starts again from it, and the view
        holds still, so the new start is drawn in the cell clicked."""
        if self.driver.jump is not None:
            self.say("a jump is being computed: click again once it is done (esc stops it)")
            return
        w1, w2 = event.point
        self.plot_view.restore_later(self.saved_view())  # in place of the new start's fit
        changed = self.change_setting(
            "start",
            f"{w1:.6g},{w2:.6g}",
            f"start set by a click to ({w1:.4g}, {w2:.4g}): the runs start again at step 0",
        )
        if not changed:
            self._restore_view()  # the same view: nothing is left waiting for the next fit

    def on_contour_plot_resized(self, _: ContourPlot.Resized) -> None:
        self.refresh_views()  # the readout's iterates row counts the plot's cells

    def on_contour_plot_scrolled(self, event: ContourPlot.Scrolled) -> None:
        """The wheel zooms about the pointer, as `z` and `Z` do about the current point."""
        self._view_moved_by_hand(self.plot_view.zoom_at(event.steps, event.point))

    def on_contour_plot_dragged(self, event: ContourPlot.Dragged) -> None:
        self._view_moved_by_hand(self.plot_view.pan(event.right, event.up))

    def _view_moved_by_hand(self, refused: str | None) -> None:
        """The view as zoom or pan left it, or where it was with the reason it stayed."""
        if refused is not None:
            self.say(f"the view stays: {refused}")
            return
        self._show_window()
        current = [
            (float(run.params[0]), float(run.params[1])) for _, run in self.session.plane_runs
        ]
        if said := self.plot_view.moved_by_hand(current):
            self.say(said)
        self.refresh_views()

    def action_reset_view(self) -> None:
        """Fit everything: the start, the minimum and every path so far; following on."""
        session = self.session
        plane = session.experiment.plane
        paths = [session.path(run) for _, run in session.plane_runs]
        self.plot_view.reset(plane.objective, plane.start_point, paths)
        self._show_window()
        self.say("view fitted to the start, the minimum and every path; following on")
        self.refresh_views()

    def action_toggle_follow(self) -> None:
        self.say(self.plot_view.toggle_following())
        self.refresh_views()

    def action_toggle_equal_scale(self) -> None:
        plot = self.query_one(ContourPlot)
        plot.equal_scale = not plot.equal_scale
        self.show_status()

    def action_toggle_shading(self) -> None:
        plot = self.query_one(ContourPlot)
        plot.shading = not plot.shading
        self.say("shading: darker is lower" if plot.shading else "shading off")

    def action_toggle_markers(self) -> None:
        ascii_only = not self.ascii_only
        self.app.ascii_only = ascii_only  # type: ignore[attr-defined]  # GradientsApp's flag
        self.say("plain ASCII" if ascii_only else "braille contours and symbol markers")
        self._remember(ascii=ascii_only)

    def _remember(self, **values: object) -> None:
        """Kept for the next session (`GradientsApp.remember`); a failure to write is said."""
        failed = self.app.remember(**values)  # type: ignore[attr-defined]  # GradientsApp's
        if failed:
            self.alert(failed)

    def action_toggle_theory(self) -> None:
        self.theory = not self.theory
        self.say("theory beside the run" if self.theory else "theory hidden")
        self.refresh_views()

    # --- focus, the panel, help -----------------------------------------------------------

    def action_toggle_panel(self) -> None:
        self.panel.display = not self.panel.display
        self._squeeze_for_panel(self.app.size.width)
        self._remember(panel=bool(self.panel.display))
        if self.panel.display:
            self.panel.focus_first_field()
        else:
            self.set_focus(None)

    def action_leave_field(self) -> None:
        """esc: dismiss a failure shown, or stop a jump being computed, else give the keys
        back to the plot."""
        if not self.dismiss_alert() and not self.driver.cancel():
            self.set_focus(None)

    def _show_where_keys_go(self, focused: Widget | None) -> None:
        self.field_focused = focused is not None

    def _panel_focused(self) -> bool:
        return self.focused is not None and self.panel in self.focused.ancestors

    def action_help(self) -> None:
        """The help screen, built once for each of Unicode and ASCII: the first opening
        renders its Markdown (most of a second); later ones only show it again."""
        from tui_gradients.ui.help import HelpScreen  # Markdown is slow to import: not at start

        name = "help-ascii" if self.ascii_only else "help"
        if not self.app.is_screen_installed(name):
            self.app.install_screen(HelpScreen(ascii_only=self.ascii_only), name)
        self.app.push_screen(name)

    # --- the lesson -------------------------------------------------------------------------

    def action_toggle_lesson(self) -> None:
        """Open the lesson where it was left (its page sets up a session of its own), or close
        it and give the user's session and view back."""
        if self.lesson.is_open:
            session, view = self.lesson.close()
            self._show_lesson_layout()
            self.plot_view.restore_later(view)
            self.driver.give_back(
                session,
                f"lesson closed: your session is back at step {session.due_step};"
                f" {key_for('toggle_lesson')} reopens it",
            )
            return
        self._set_up(self.lesson.open(self.driver.lend(), self.saved_view()))

    def action_lesson_page(self, change: int) -> None:
        turned = self.lesson.turn(change)
        if isinstance(turned, str):
            self.say(turned)
        else:
            self._set_up(turned)

    def _set_up(self, setup: Setup) -> None:
        """A lesson page's example at step 0: its settings, its rivals, theory."""
        self.theory = setup.theory
        self._show_lesson_layout()
        self.say("")
        self.driver.set_up(setup.experiment, setup.rivals)

    def _show_lesson_layout(self) -> None:
        self.set_class(self.lesson.is_open, "-lesson")
        self.set_class(self.lesson.about_chain, "-lesson-chain")

    def action_scroll(self, direction: int) -> None:
        """pgdn / pgup: the lesson's text while it is open, else the chain table's layers
        where they do not all fit."""
        if self.lesson.is_open:
            if direction > 0:
                self.lesson.scroll_page_down(animate=False)
            else:
                self.lesson.scroll_page_up(animate=False)
        else:
            self.query_one(LayerTable).scroll_layers(pages=direction)

    # --- files ------------------------------------------------------------------------------

    def action_export(self) -> None:
        """Settings, trajectories and chain table, as JSON and CSV."""
        own = self.session if self.lesson.borrowed is None else self.lesson.borrowed[0]
        self._tell(self.outputs.export(own, self.resume()))

    def action_screenshot(self) -> None:
        self._tell(self.outputs.screenshot(self.app.export_screenshot()))

    def resume(self) -> Resume:
        """Where the app is, for `--load` to open it there again: inside the lesson, the
        user's own session beneath it and the page's step."""
        if self.lesson.borrowed is None:
            session = self.session
            return Resume(session.step, session.rivals, self.saved_view())
        own, view = self.lesson.borrowed
        return Resume(own.due_step, own.rivals, view, self.lesson.page, self.session.step)

    def _tell(self, written: Written) -> None:
        if written.failed:
            self.alert(written.text)
        else:
            self.say(written.short or written.text, in_full=written.text)
