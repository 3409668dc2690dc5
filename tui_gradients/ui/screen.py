"""The main screen: the panels, the key table's bindings, and the flags that decide the layout.

Keys become intents on the `Driver`; the driver's `SessionChanged` comes back up and the screen
pushes what the presenters make of the session down into the widgets. Layout state lives in
reactive flags whose watchers set the screen's CSS classes; nothing reads a class back.
"""

from __future__ import annotations

import contextlib
import math
import textwrap
import time
from pathlib import Path

import numpy as np
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.events import Key, Resize
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import MountError
from textual.widgets import Footer, Input, Static

from tui_gradients.core.files.export import SavedView
from tui_gradients.core.objectives.functions import Window
from tui_gradients.core.objectives.view import fit_view, follow
from tui_gradients.core.runs.experiment import Experiment
from tui_gradients.core.runs.rivals import Rival
from tui_gradients.core.runs.summary import next_update
from tui_gradients.ui import presenters
from tui_gradients.ui.driver import Driver
from tui_gradients.ui.keys import WHILE_COMPUTING, bindings
from tui_gradients.ui.lessons import LessonMixin
from tui_gradients.ui.outputs import OutputsMixin
from tui_gradients.ui.raster import RECENT
from tui_gradients.ui.setting_actions import SettingsMixin
from tui_gradients.ui.view_actions import ViewMixin
from tui_gradients.ui.widgets.contour_plot import ContourPlot
from tui_gradients.ui.widgets.layer_table import LayerTable
from tui_gradients.ui.widgets.lesson_panel import LessonPanel
from tui_gradients.ui.widgets.lines import Lines
from tui_gradients.ui.widgets.race_chart import RaceChart
from tui_gradients.ui.widgets.readout import Readout
from tui_gradients.ui.widgets.settings_panel import SettingsPanel, field_values
from tui_gradients.ui.widgets.trend import Trends

PLAY_RATES = (1, 2, 5, 10, 20, 30, 60)
"""Steps of auto-play per second."""
WIDE_ENOUGH_FOR_PANEL = 140
MIN_SIZE = (72, 20)
"""Columns and rows below which the panels cannot show their numbers."""
TRENDS_MIN_HEIGHT = 32
"""Rows from which the trend lines are shown (below it the plot needs every row)."""
TRENDS_PERIOD = 0.02
"""Seconds between two redraws of the trend lines at most: the usual 30 Hz key repeat still
redraws them in the step's own frame, faster play less often."""
AFTER_THE_STEP = 1 / 60
"""Seconds from a step to a race's chart at the soonest: a frame later, so that it is not
painted in the step's own frame (a refresh's callbacks run before the frame is painted)."""
STATUS_ROWS = 3
"""The most rows the status line takes to show a file's name or a failure in full."""
PROGRESS_PERIOD = 0.1
"""Seconds between two redraws of a jump's progress in the status line."""
ASCII_STYLED = "#plot, #readout, #layers, #race-chart, #lesson, #trends, Footer"
"""The widgets whose borders or bars app.tcss draws in ASCII when they have the class -ascii."""
DIGITS = frozenset("0123456789")
"""Keys that build a count: ASCII digits only (`str.isdigit` also takes ² and other digits
`int` refuses)."""


class MainScreen(SettingsMixin, ViewMixin, LessonMixin, OutputsMixin):
    """Contour plot and readout on top, the chain table (or the race chart) below."""

    AUTO_FOCUS = ""
    """Nothing has focus until a field is chosen, so a key goes straight to the bindings; also
    when the screen comes back from help (None would take the app's "*": the first field)."""
    BINDINGS = bindings()

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
        saved_view: SavedView | None = None,
        out_dir: Path | None = None,
    ) -> None:
        """`lesson_page` opens the lesson at that page once the screen is up; `initial_steps`
        are taken after the first frame, as a typed count would be (a long one in a thread);
        `saved_view` replaces the fitted view (after the lesson's page has set the app up);
        `out_dir` is where `s` and `e` write (None: the current folder at the time)."""
        super().__init__()
        self.out_dir = out_dir
        self._open_lesson_at = lesson_page
        self.initial_steps = initial_steps
        self._saved_view = saved_view
        self.driver = Driver(experiment, rivals)
        self.view = self._fitted_view()
        self.panel = SettingsPanel(field_values(experiment), id="settings")
        self._count = ""
        self._rate_index = PLAY_RATES.index(10)
        self._player: Timer | None = None
        self._progress: Timer | None = None
        self._message = ""
        self._trends_pending = False
        self._trends_drawn = -math.inf
        self._refresh_queued = False
        self._alert = ""
        self._message_in_full = False
        self._too_small_notice = ""
        """What the too-small notice says (`_check_size`)."""

    def compose(self) -> ComposeResult:
        yield self.driver
        with Horizontal(id="main"):
            yield self.panel
            with Vertical(id="work"):
                with Horizontal(id="top"):
                    objective = self.session.experiment.plane.objective
                    yield ContourPlot(objective, self.view, id="plot")
                    yield Readout(id="readout")
                yield LessonPanel(id="lesson")
                yield Trends(id="trends")
                yield LayerTable(id="layers")
                yield RaceChart(id="race-chart")
                yield Lines(id="status")
        yield Static(id="too-small")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.watch(self, "focused", self._show_where_keys_go)
        self.panel.display = self.app.size.width >= WIDE_ENOUGH_FOR_PANEL
        self._check_size(self.app.size.width, self.app.size.height)
        self.call_after_refresh(self._fill_panel)
        if self._open_lesson_at is not None:
            self.lesson_page = self._open_lesson_at
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
        self.redraw_lesson()
        self.refresh_views()

    def on_resize(self, event: Resize) -> None:
        if event.size.width < WIDE_ENOUGH_FOR_PANEL and not self._panel_focused():
            self.panel.display = False
        self._check_size(event.size.width, event.size.height)

    def _check_size(self, width: int, height: int) -> None:
        """Below the usable minimum, say so instead of drawing a garbled layout."""
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
        if event.plane_changed:
            self.set_view(self._fitted_view())
            self._restore_view()
        self._sync_jump_progress()
        if not self._refresh_queued:
            self._refresh_queued = True
            self.call_later(self._refresh_after_burst)

    def _refresh_after_burst(self) -> None:
        """One redraw for every change already queued: a burst of 500 `n` (a held key, a paste)
        is 500 changes in the queue, and drawing each would keep the screen frozen until the
        last; queued behind them, this draws once, on the last step."""
        self._refresh_queued = False
        self.refresh_views()

    def refresh_views(self) -> None:
        """Push the session's state down into the widgets."""
        session, ascii_only = self.session, self.ascii_only
        paths = [session.path(run) for _, run in session.plane_runs]
        if self.following:
            self._follow(paths)
        update = next_update(session.plane, presenters.lr_in_force(session))
        plot = self.query_one(ContourPlot)
        plot.set_paths(paths, presenters.arrows(session, update))
        rows = presenters.readout_rows(
            session,
            theory=self.theory,
            ascii_only=ascii_only,
            update=update,
            drawn=plot.iterates_in_view(),
        )
        self.query_one(Readout).show(rows)
        title = presenters.chain_title(session, ascii_only)
        self.query_one(LayerTable).show(session.chain_trace(), title)
        self.race = len(session.plane_runs) > 2
        self.sync_panel()
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
            lesson=self.lesson_status(),
            jump=jump.progress() if jump else None,
            count=self._count,
            playing=PLAY_RATES[self._rate_index] if self._player else None,
            message=self._message,
            equal_scale=self.query_one(ContourPlot).equal_scale,
            alert=self._alert,
        )
        line = presenters.status_line(self.session, status, self.ascii_only)
        widget = self.query_one("#status", Lines)
        width = widget.size.width or self.app.size.width - 2
        if (self._alert or self._message_in_full) and len(line) > width:
            # a file's name or an error is worth rows: wrapped, not cut
            lines = textwrap.wrap(line, width, break_on_hyphens=False)[:STATUS_ROWS]
        else:
            lines = [line]
        widget.set_lines(lines)

    def say(self, message: str, *, in_full: bool = False) -> None:
        """A message in the status line until the next; `in_full`, wrapped rather than cut
        (a file's name)."""
        self._message, self._message_in_full = message, in_full
        self.show_status()

    def alert(self, message: str) -> None:
        """A failure, kept in the status line (wrapped, first) until esc dismisses it."""
        self._alert = f"{message}; esc dismisses"
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
        """The view an export saved, once (`--load`)."""
        saved, self._saved_view = self._saved_view, None
        if saved is None:
            return
        plot = self.query_one(ContourPlot)
        plot.equal_scale, plot.shading = saved.equal_scale, saved.shading
        self.following, self.theory = saved.following, saved.theory
        self.set_view(saved.window)

    def saved_view(self) -> SavedView:
        """The view as an export saves it."""
        plot = self.query_one(ContourPlot)
        return SavedView(self.view, self.following, plot.equal_scale, plot.shading, self.theory)

    def restore_view_later(self, saved: SavedView) -> None:
        self._saved_view = saved

    def _fitted_view(self) -> Window:
        plane = self.session.experiment.plane
        return fit_view(plane.objective, plane.start_point)

    def set_view(self, view: Window) -> None:
        self.view = view
        self.query_one(ContourPlot).set_surface(self.session.experiment.plane.objective, view)

    def _follow(self, paths: list[np.ndarray]) -> None:
        """Pan or widen the view when a current point is about to leave it."""
        current = [(float(path[-1, 0]), float(path[-1, 1])) for path in paths if len(path)]
        recent = [(float(x), float(y)) for path in paths for x, y in path[-RECENT - 1 : -1]]
        view = follow(self.view, current, recent)
        if view != self.view:
            self.set_view(view)

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
        self.driver.go_to(0)

    def action_to_end(self) -> None:
        self.driver.to_end()

    def action_play(self) -> None:
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
