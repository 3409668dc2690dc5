"""The network screen: a real network training on its data, its layers' health live.

The seed's δ table generalised: one row per layer with its activations' spread, saturation,
rms δ, ‖∂C/∂W‖, grad:data and update:data, with small histograms of the activations and δ.
Below it a chart (`x` cycles: loss and accuracy, update:data per layer, ‖∂C/∂W‖ per layer,
and for two-input data the input plane). Keys are the surfaces' own for the same moves. Long
work (a jump, a step back to a step without its checkpoint) runs in a thread, with its
progress on the status line, and `esc` stops it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.events import Key
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Markdown

from tui_gradients.core.errors import SettingError
from tui_gradients.core.network.experiment import NetSettings, load_weights
from tui_gradients.core.network.run import NetworkRun
from tui_gradients.core.optimisation.optimizers import (
    OPTIMIZERS,
    REGISTRY,
    Hyperparameters,
    label,
)
from tui_gradients.ui.colours import from_theme
from tui_gradients.ui.glyphs import (
    NUMBERS_TO_ASCII,
    PROSE_TO_ASCII,
    labels_in_ascii,
    tables_as_lists,
)
from tui_gradients.ui.help import HelpScreen
from tui_gradients.ui.keys import NETWORK_KEYS, bindings
from tui_gradients.ui.message_log import KEPT, MessageLog
from tui_gradients.ui.network_help import NETWORK_HELP
from tui_gradients.ui.network_lesson import PAGES
from tui_gradients.ui.network_presenters import loss_text, network_table
from tui_gradients.ui.outputs import Outputs
from tui_gradients.ui.setting_actions import next_choice
from tui_gradients.ui.widgets.input_plane import InputPlane, plane_image
from tui_gradients.ui.widgets.layer_chart import CHARTS, LayerChart
from tui_gradients.ui.widgets.layer_table import NETWORK, LayerTable, fitting_columns
from tui_gradients.ui.widgets.lines import Lines
from tui_gradients.ui.widgets.loss_plane import LossPlane
from tui_gradients.ui.widgets.picker import Picker

FRAME_BUDGET = 0.05
"""Seconds of stepping a key may do before the frame; more goes to a thread."""
THREAD_FROM = 10_000
"""Steps from which a jump always goes to a thread, however fast the steps."""
PLAY_PERIOD = 0.1
CHART_PERIOD = 0.05
"""Seconds between two redraws of the chart at most (a held key steps faster)."""
WIDE = 140
"""Columns from which the input plane sits beside the table instead of in the chart's place."""
TABLE_EXTRA_ROWS = 3
"""The table's rows beyond its layers and notes: its header and its border."""
TABLE_FRAME = 4
"""Columns of the table's border and padding."""
TABLE_MIN_ROWS = 6
SCREEN_ROWS = 3
"""Status, message and footer."""
CHART_ROWS = 10
CHART_ROWS_WIDE = 16
RACE = (
    Hyperparameters(optimizer="adam", lr=0.01),
    Hyperparameters(optimizer="gd", lr=0.5),
    Hyperparameters(optimizer="momentum", lr=0.05),
    Hyperparameters(optimizer="adagrad", lr=0.05),
    Hyperparameters(optimizer="rmsprop", lr=0.001),
    Hyperparameters(optimizer="adamw", lr=0.01),
    Hyperparameters(optimizer="nadam", lr=0.01),
)
"""Rivals in the order `a` adds them, each at a learning rate that trains the default network."""
MAX_RIVALS = 5
WHILE_COMPUTING = frozenset(key.verb for key in NETWORK_KEYS if key.while_computing)
DIGITS = frozenset("0123456789")


@dataclass(frozen=True)
class NetworkStart:
    """What the app opens on in network mode: the `net` command's settings."""

    settings: NetSettings
    hyper: Hyperparameters
    weights: Path | None = None
    plane: str | None = None
    plane_weights: tuple[str, str] | None = None
    """The weights plane's two axes (by default a first layer's and an output weight)."""


@dataclass
class Jump:
    target: int
    started: float = field(default_factory=time.monotonic)
    done: int = 0
    cancelled: threading.Event = field(default_factory=threading.Event)

    def progress(self, cursor: int) -> str:
        share = 100 * self.done // max(self.target - cursor, 1)
        return f"computing to step {self.target}: {min(share, 100)} % done; esc stops"


class NetworkScreen(Screen[None]):
    AUTO_FOCUS = ""
    BINDINGS = bindings(NETWORK_KEYS)

    ascii_only = reactive(False)
    chart = reactive("loss")
    lesson_page = reactive(0)
    """The lesson's page open (1, 2, …), or 0 for none."""

    def __init__(
        self,
        settings: NetSettings,
        hyper: Hyperparameters,
        *,
        initial_steps: int = 0,
        weights: Path | None = None,
        out_dir: Path | None = None,
        plane: str | None = None,
        plane_weights: tuple[str, str] | None = None,
    ) -> None:
        """`plane` is the loss plane's kind (`network.plane.KINDS`): given, the screen opens
        on it."""
        super().__init__()
        self.rivals: list[tuple[Hyperparameters, NetworkRun]] = []
        self._plane_kind = plane or "weights"
        self._plane_weights = plane_weights
        if plane is not None:
            self.set_reactive(NetworkScreen.chart, "landscape")
        self._load(settings, hyper, weights)
        self.initial_steps = initial_steps
        self.outputs = Outputs(out_dir)
        self.messages: list[tuple[int, str]] = []
        self._count = ""
        self._jump: Jump | None = None
        self._seconds_per_step = 0.0
        self._player: Timer | None = None
        self._chart_due: Timer | None = None

    def _load(
        self, settings: NetSettings, hyper: Hyperparameters, weights: Path | None = None
    ) -> None:
        """A network, its data and first weights, and a run of `hyper` on it from step 0."""
        self.settings, self.hyper = settings, hyper
        self.network = settings.network()
        self.dataset_text = settings.dataset().describe()
        self.start = settings.initial_params(self.network.architecture)
        if weights is not None:
            self.start = load_weights(str(weights), self.network.architecture)
        self.run = self._new_run(hyper)

    @property
    def two_inputs(self) -> bool:
        return self.network.x.shape[1] == 2

    @property
    def charts(self) -> tuple[str, ...]:
        return (*CHARTS, "inputs", "landscape") if self.two_inputs else (*CHARTS, "landscape")

    def _new_run(self, hyper: Hyperparameters) -> NetworkRun:
        optimizer = hyper.build(value_and_grad=self.network.value_and_grad)
        started = time.perf_counter()
        run = NetworkRun(
            self.network, optimizer, self.start, self.settings.batches(self.network.samples)
        )
        self._seconds_per_step = time.perf_counter() - started
        return run

    # --- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Lines(id="net-status")
        with Horizontal(id="net-top"):
            yield LayerTable(id="net-layers")
            yield InputPlane(id="net-plane")
        yield LayerChart(id="net-chart")
        yield LossPlane(self._plane_kind, self._plane_weights, id="net-landscape")
        with VerticalScroll(id="net-lesson"):
            yield Markdown(id="net-lesson-text")
        yield Lines(id="net-message")
        yield Footer()

    def on_mount(self) -> None:
        app = self.app
        colours = from_theme(app.get_css_variables(), app.current_theme.dark)
        self.query_one(LayerChart).colours = colours
        self.query_one(InputPlane).colours = colours
        self.query_one(LossPlane).colours = colours
        self._place_plane()
        self._show()
        if self.initial_steps:
            self.call_after_refresh(self.action_step, self.initial_steps)

    def on_resize(self) -> None:
        self._place_plane()
        self.call_after_refresh(self._show)

    def watch_ascii_only(self, ascii_only: bool) -> None:
        self.set_class(ascii_only, "-ascii")
        for widget in self.query("LayerTable, LayerChart, InputPlane"):
            widget.ascii_only = ascii_only  # type: ignore[attr-defined]  # each has the flag
        self.query_one(LossPlane).ascii_markers = ascii_only
        if self.is_mounted:
            self._show()

    def watch_chart(self) -> None:
        if self.is_mounted:
            self._place_plane()
            self._show()

    def _place_plane(self) -> None:
        """What goes below the table: the lesson while it is open, else the chart `x` chose
        (a layer chart, the loss plane, or at narrow widths the input plane, which on a wide
        screen sits beside the table instead)."""
        wide = self.size.width >= WIDE and self.two_inputs
        if self.lesson_page:
            below = "lesson"
        elif self.chart == "landscape":
            below = "landscape"
        elif self.chart == "inputs" and not wide:
            below = "top"  # the input plane takes the chart's place, beside a shorter table
        else:
            below = "chart"  # on a wide screen the input plane is beside the table anyway
        self.query_one(InputPlane).display = self.two_inputs and (wide or below == "top")
        chart = self.query_one(LayerChart)
        chart.display = below == "chart"
        self.query_one(LossPlane).display = below == "landscape"
        self.query_one("#net-lesson").display = below == "lesson"
        chart.styles.height = CHART_ROWS_WIDE if wide and below == "chart" else "1fr"
        # the table's own height, not its lines' (which shrink once it scrolls): every layer,
        # its header and notes, within what leaves the chart CHART_ROWS
        table_width = self.size.width // 2 if wide else self.size.width
        hidden = fitting_columns(table_width - TABLE_FRAME, NETWORK) != NETWORK.columns
        wanted = self.network.architecture.layers + TABLE_EXTRA_ROWS + hidden
        room = self.size.height - SCREEN_ROWS - (CHART_ROWS_WIDE if wide else CHART_ROWS)
        if below == "top":
            room = self.size.height // 3
        rows = max(min(wanted, room), TABLE_MIN_ROWS)
        self.query_one(LayerTable).styles.height = rows
        # the top row: all that is left above a fixed chart, or the table's own rows (the input
        # plane beside it takes them too, leaving the rest to the loss plane or the lesson)
        fills = below == "top" or (wide and below == "chart")
        self.query_one("#net-top").styles.height = "1fr" if fills else rows

    # --- what is shown -----------------------------------------------------------------------

    def _show(self) -> None:
        run, settings = self.run, self.settings
        table = network_table(run.table(), run.current.done, settings.activation)
        title = (
            f"{settings.depth} × {settings.width} {settings.activation}"
            f"{', ' + settings.norm + ' norm' if settings.norm != 'none' else ''}"
            f"{', residual' if settings.residual else ''} · {settings.init.text()} init · "
            f"{settings.data.source}: {self.dataset_text}"
        )
        self.query_one(LayerTable).show_table(table, self._plain(title))
        loss_plane = self.query_one(LossPlane)
        if loss_plane.display:  # before the status line, which says where its point is
            paths = [run.visited() for run in self.runs]
            loss_plane.follow(self.network, paths, self.settings.seed)
        self._show_status()
        if self._chart_due is None:
            self._chart_due = self.set_timer(CHART_PERIOD, self._draw_charts)

    def _show_status(self) -> None:
        run = self.run
        racing = f" · racing {len(self.rivals)} more" if self.rivals else ""
        status = f"{loss_text(run)} · {label(self.hyper.optimizer, self.hyper.lr)}{racing}"
        loss_plane = self.query_one(LossPlane)
        if loss_plane.display and loss_plane.point is not None:
            u, v = loss_plane.point
            status += f" · u, v {u:.4g}, {v:.4g}"
        if run.stop and run.cursor == run.last_step:
            status += f" · {run.stop}"
        self.query_one("#net-status", Lines).set_lines([self._plain(status)])

    def _draw_charts(self) -> None:
        self._chart_due = None
        chart = self.query_one(LayerChart)
        if chart.display:
            rivals = [(label(h.optimizer, h.lr), run.summary()) for h, run in self.rivals]
            main = label(self.hyper.optimizer, self.hyper.lr)
            shown = self.chart if self.chart in CHARTS else "loss"
            chart.show(self.run.summary(), shown, [(main, self.run.summary()), *rivals])
        plane = self.query_one(InputPlane)
        if plane.display and plane.size.width > 0 and plane.size.height > 0:
            self._draw_plane(plane.size.width, plane.size.height)

    @work(thread=True, exclusive=True, group="plane")
    def _draw_plane(self, columns: int, rows: int) -> None:
        image = plane_image(self.network, self.run.current.params, columns, rows)
        self.app.call_from_thread(self.query_one(InputPlane).show, image)

    # --- the loss plane ----------------------------------------------------------------------

    def on_loss_plane_ready(self, event: LossPlane.Ready) -> None:
        rows, columns = event.landscape.loss.shape
        plane = self.query_one(LossPlane)
        self.say(f"the {plane.name_of_plane}: its {columns}×{rows} grid is in")
        self._show_status()

    def on_loss_plane_refused(self, event: LossPlane.Refused) -> None:
        self.say(event.reason)

    def action_next_plane(self) -> None:
        plane = self.query_one(LossPlane)
        self.chart = "landscape"
        plane.switch()
        self.say(f"the {plane.name_of_plane}: computing its grid")

    def action_toggle_shading(self) -> None:
        plane = self.query_one(LossPlane)
        plane.shading = not plane.shading
        self.say("shading on: darker is lower" if plane.shading else "shading off")

    def action_recompute_plane(self) -> None:
        plane = self.query_one(LossPlane)
        self.chart = "landscape"
        plane.recompute()
        self.say(f"the {plane.name_of_plane} again, through the weights now")

    def say(self, message: str) -> None:
        if message and (not self.messages or self.messages[-1][1] != message):
            self.messages.append((self.run.cursor, message))
            del self.messages[:-KEPT]
        self.query_one("#net-message", Lines).set_lines([self._plain(message)])

    def _plain(self, text: str) -> str:
        """`text` in plain ASCII where the terminal wants it."""
        if not self.ascii_only:
            return text
        return text.translate(NUMBERS_TO_ASCII).translate(PROSE_TO_ASCII)

    # --- keys --------------------------------------------------------------------------------

    def on_key(self, event: Key) -> None:
        if event.character in DIGITS and event.character is not None:
            self._count = (self._count + event.character)[-7:]
            self.say(f"count {self._count}: a step key takes it")
            event.stop()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self._jump is None or action in WHILE_COMPUTING

    def _counted(self, base: int) -> int:
        count = int(self._count) if self._count else 1
        self._count = ""
        return base * count

    def action_step(self, count: int) -> None:
        self._go(self.run.cursor + self._counted(count))

    def action_back(self, count: int) -> None:
        self._go(max(0, self.run.cursor - self._counted(count)))

    def action_to_start(self) -> None:
        self._go(0)

    def action_to_end(self) -> None:
        self._go(self.run.last_step)

    @property
    def runs(self) -> list[NetworkRun]:
        """The main run, then its rivals: they step together."""
        return [self.run, *(run for _, run in self.rivals)]

    def _go(self, step: int) -> None:
        cost = sum(run.replay_cost(step) for run in self.runs)
        if cost >= THREAD_FROM or cost * self._seconds_per_step > FRAME_BUDGET:
            self._start_jump(step)
            return
        started = time.perf_counter()
        for run in self.runs:
            run.go_to(step)
        if cost:
            self._seconds_per_step = (time.perf_counter() - started) / cost
        self.say(self.run.stop if self.run.stop and step > self.run.last_step else "")
        self._show()

    def _start_jump(self, target: int) -> None:
        self._jump = Jump(target)
        self.say(self._jump.progress(self.run.cursor))
        self._compute(self._jump)

    @work(thread=True, exclusive=True, group="jump")
    def _compute(self, jump: Jump) -> None:
        """Every run to the jump's target, one after the other; stopped, every run goes to
        the step all of them have reached."""
        runs, origin = self.runs, self.run.cursor
        share = max(jump.target - origin, 1)
        for index, run in enumerate(runs):

            def progress(done: int, index: int = index) -> None:
                jump.done = (index * share + done) // len(runs)
                self.app.call_from_thread(self.say, jump.progress(origin))

            if jump.target > run.last_step:
                run.advance(jump.target - run.last_step, jump.cancelled, progress)
        reached = min(run.last_step for run in runs)
        target = min(jump.target, reached)
        if jump.cancelled.is_set() and jump.target > origin:
            target = reached
        elif jump.cancelled.is_set():
            target = origin
        for run in runs:
            run.go_to(target)
        self.app.call_from_thread(self._jump_done, jump)

    def _jump_done(self, jump: Jump) -> None:
        self._jump = None
        stopped = jump.cancelled.is_set()
        message = f"stopped at step {self.run.cursor}" if stopped else self.run.stop
        self.say(message)
        self._show()

    def action_stop(self) -> None:
        if self._jump is not None:
            self._jump.cancelled.set()
        elif self.query_one(LossPlane).stop():
            self.say("the loss plane's grid stopped; W computes it again")
        elif self._count:
            self._count = ""
            self.say("count cleared")

    def action_play(self) -> None:
        if self._player is not None:
            self._player.stop()
            self._player = None
            self.say("paused")
            return
        self._player = self.set_interval(PLAY_PERIOD, lambda: self._go(self.run.cursor + 1))
        self.say("playing: p pauses")

    def action_reset(self) -> None:
        self.run = self._new_run(self.hyper)
        self.rivals = [(hyper, self._new_run(hyper)) for hyper, _ in self.rivals]
        self.say("back to step 0")
        self._show()

    # --- rivals: other optimisers from the same weights ----------------------------------------

    def _rival_choices(self) -> list[Hyperparameters]:
        """The race's optimisers not yet on the screen (the main one's name counts)."""
        taken = {hyper.optimizer for hyper in (self.hyper, *(h for h, _ in self.rivals))}
        return [hyper for hyper in RACE if hyper.optimizer not in taken]

    def action_add_rival(self) -> None:
        choices = self._rival_choices()
        if len(self.rivals) >= MAX_RIVALS or not choices:
            self.say(f"at most {MAX_RIVALS + 1} runs; A drops the last rival")
            return
        hyper = choices[0]
        self.rivals.append((hyper, self._new_run(hyper)))
        self._go(self.run.cursor)
        self.say(f"{label(hyper.optimizer, hyper.lr)} races from the same weights")

    def action_drop_rival(self) -> None:
        if self.rivals:
            hyper, _ = self.rivals.pop()
            self.say(f"{label(hyper.optimizer, hyper.lr)} dropped")
            self._show()

    def action_compare(self) -> None:
        """One rival: Adam, or gd where the main run is Adam's."""
        self.rivals = []
        self.action_add_rival()

    def action_race(self) -> None:
        self.rivals = []
        while len(self.rivals) < MAX_RIVALS and self._rival_choices():
            hyper = self._rival_choices()[0]
            self.rivals.append((hyper, self._new_run(hyper)))
        self._go(self.run.cursor)
        self.say(f"a race of {len(self.runs)} from the same weights; A drops one, c keeps one")

    def _rerun(self, **changes: object) -> None:
        """A new run with changed optimiser settings, at the step the old one was at; a
        refused value keeps everything as it was and says why."""
        try:
            hyper = self.hyper.with_changes(**changes)
            run = self._new_run(hyper)
        except SettingError as error:
            self.say(f"{error.name}: {error.message}")
            return
        step, self.hyper, self.run = self.run.cursor, hyper, run
        self._go(step)
        self.say(f"{hyper.describe()}: trained again to step {step}")

    def action_pick_optimizer(self) -> None:
        current = self.hyper.optimizer
        choices = tuple(name for name in OPTIMIZERS if not REGISTRY[name].second_order)

        def chosen(name: str | None) -> None:
            if name is not None and name != current:
                self._rerun(optimizer=name)

        picker = Picker(
            "optimiser", choices, current, next_choice(choices, current), self.ascii_only
        )
        self.app.push_screen(picker, chosen)

    def action_scale_lr(self, factor: float) -> None:
        self._rerun(lr=self.hyper.lr * factor)

    # --- the lesson --------------------------------------------------------------------------

    def action_toggle_lesson(self) -> None:
        self.lesson_page = 0 if self.lesson_page else 1

    def action_lesson_page(self, change: int) -> None:
        if self.lesson_page:
            self.lesson_page = 1 + (self.lesson_page - 1 + change) % len(PAGES)

    def watch_lesson_page(self, page: int) -> None:
        if not self.is_mounted:
            return
        self._place_plane()
        if page:
            self._show_page("*measuring, live: the numbers below come from the networks "
                            "themselves (a second or two)…*")  # fmt: skip
            self._measure(page)

    @work(thread=True, exclusive=True, group="lesson")
    def _measure(self, page: int) -> None:
        found = PAGES[page - 1].measure(threading.Event())
        self.app.call_from_thread(self._measured, page, found)

    def _measured(self, page: int, found: object) -> None:
        if page == self.lesson_page:
            self._show_page(PAGES[page - 1].text(found))

    def _show_page(self, text: str) -> None:
        pages = f"page {self.lesson_page} of {len(PAGES)} · ] next · [ back · t closes"
        document = f"{text}\n\n*{pages}*"
        if self.ascii_only:
            document = tables_as_lists(labels_in_ascii(document)).translate(PROSE_TO_ASCII)
        self.query_one("#net-lesson-text", Markdown).update(document)

    def action_load_lesson(self) -> None:
        """The open page's network, trained from step 0."""
        if not self.lesson_page:
            return
        settings, hyper = PAGES[self.lesson_page - 1].setup
        self.rivals = []
        self._load(settings, hyper)
        self._place_plane()
        self.say(f"the lesson's network: {settings.depth} {settings.activation} layers")
        self._show()

    def action_next_chart(self, change: int) -> None:
        charts = self.charts
        self.chart = charts[(charts.index(self.chart) + change) % len(charts)]

    def action_scroll(self, direction: int) -> None:
        """The lesson's text while it is open, else the table's layers."""
        if self.lesson_page:
            lesson = self.query_one("#net-lesson", VerticalScroll)
            if direction > 0:
                lesson.scroll_page_down()
            else:
                lesson.scroll_page_up()
            return
        self.query_one(LayerTable).scroll_layers(pages=direction)

    def action_messages(self) -> None:
        self.app.push_screen(MessageLog(list(self.messages), self.ascii_only))

    def action_help(self) -> None:
        document = labels_in_ascii(NETWORK_HELP) if self.ascii_only else NETWORK_HELP
        self.app.push_screen(HelpScreen(ascii_only=self.ascii_only, document=document))

    def action_screenshot(self) -> None:
        written = self.outputs.screenshot(self.app.export_screenshot())
        self.say(written.short or written.text)
