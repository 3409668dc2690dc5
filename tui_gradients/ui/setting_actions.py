"""The main screen's keys that change the runs' settings: a typed field, the next optimiser
or function, halving or doubling a learning rate, a comparison, a race, a reset."""

from __future__ import annotations

import os

from textual.widgets import Input

from tui_gradients.core.errors import SettingError
from tui_gradients.core.objectives.regression import STANDARDIZED
from tui_gradients.core.objectives.theory import curvature
from tui_gradients.core.optimisation.optimizers import OPTIMIZERS
from tui_gradients.core.runs.experiment import Experiment, PlaneSettings
from tui_gradients.core.runs.rivals import Rival
from tui_gradients.core.runs.settings import FUNCTIONS, SETTINGS, shown_for
from tui_gradients.ui.driver import Driver, Note
from tui_gradients.ui.glyphs import label
from tui_gradients.ui.marks import MARKS, RIVALS
from tui_gradients.ui.screen_part import ScreenPart
from tui_gradients.ui.widgets.race_chart import RaceChart
from tui_gradients.ui.widgets.readout import Readout
from tui_gradients.ui.widgets.settings_panel import CUSTOM, OWN_DATA, SettingsPanel, field_values


class SettingsMixin(ScreenPart):
    """For `MainScreen`."""

    _panel_shows: tuple[int, tuple[Rival, ...], Experiment, bool] | None = None
    """What the panel was last loaded with (`sync_panel`)."""

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
        if not prepared and _reads_a_large_file(self.session.experiment.plane, name, value):
            self.say(f"reading and fitting the data for {name} in the background")
            self.driver.prepare_edit(name, value, message)
            return False
        try:
            self.driver.edit(name, value, message)
        except SettingError as error:
            self.panel.show_error(name, f"{error.message}; still using the previous value")
            self.say(f"{name}: {error.message}; still using the previous value")
            return False
        self.sync_panel(force=True)
        return True

    def on_driver_edit_prepared(self, event: Driver.EditPrepared) -> None:
        if event.error is None:
            self.change_setting(event.name, event.text, event.message, prepared=True)
            return
        message = f"{event.error}; still using the previous value"
        self.panel.show_error(event.name, message)
        self.say(f"{event.name}: {message}")

    def sync_panel(self, *, force: bool = False) -> None:
        """The panel showing the selected run's settings, and naming it when there are rivals;
        reloaded (clearing the errors shown) only when they changed, or when `force`d. Called
        on every redraw: what it compares is what the session already holds, nothing built."""
        session = self.session
        shown = (session.selected, session.rivals, session.experiment, self.ascii_only)
        if shown == self._panel_shows and not force:
            return
        self._panel_shows = shown
        editing = self.run_name(session.selected) if session.rivals else ""
        self.panel.load(field_values(session.selected_experiment))
        self.panel.show_editing(editing)
        optimizer = session.selected_hyper.optimizer
        self.panel.show_only({setting.name for setting in shown_for(optimizer)})

    def run_name(self, index: int) -> str:
        """`◆ adagrad lr 5`: a 2-D run's mark and name, as its readout row shows them."""
        return f"{MARKS[index].glyph(self.ascii_only)} {self.session.plane_runs[index][0]}"

    def select_run(self, index: int) -> None:
        if not self.session.rivals:
            self.say("only one run on the plot: c compares, A adds a rival")
            return
        selected = self.driver.select(index)
        self.say(f"selected {self.run_name(selected)}: the panel, o, < and > act on it; S: next")

    def action_select_next_run(self) -> None:
        self.select_run(self.session.selected + 1)

    def on_readout_row_clicked(self, event: Readout.RowClicked) -> None:
        kind, _, index = event.key.partition(":")
        if kind == "run":
            self.select_run(int(index))

    def on_race_chart_run_clicked(self, event: RaceChart.RunClicked) -> None:
        self.select_run(event.index)

    def action_cycle_optimizer(self) -> None:
        current = self.session.selected_hyper.optimizer
        self.change_setting("optimizer", _next(OPTIMIZERS, current))

    def action_cycle_function(self) -> None:
        plane = self.session.experiment.plane
        current = plane.function if plane.expr is None else None
        self.change_setting("function", _next(FUNCTIONS, current))

    def action_cycle_standardize(self) -> None:
        """none → x → xy on least squares; none ⇄ x on a logistic fit (its y is 0/1)."""
        plane = self.session.experiment.plane
        if not plane.fitted:
            self.say("no data to standardise: f to penguins, or --data FILE")
            return
        choices = STANDARDIZED if plane.model == "linear" else STANDARDIZED[:2]
        chosen = _next(choices, plane.standardize)
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
        message = f"{self._lr_owner(chain)}: lr {verb} to {value}, replayed to step {session.step}"
        if not chain and session.selected == 0 and any(r.lr is None for r in session.rivals):
            message += " (with the rivals that have no lr of their own)"
        self.change_setting(name, value, message)

    def _lr_owner(self, chain: bool) -> str:
        """Whose lr the keys change: the chain's, the only 2-D run's, or the selected run's."""
        session = self.session
        if chain:
            return "chain"
        if not session.rivals:
            return "2-D run"
        mark = MARKS[session.selected].glyph(self.ascii_only)
        return f"{mark} {session.selected_hyper.optimizer}"

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
        self.say(f"added {name} ({mark}) from the same start; D drops the last")

    def action_drop_rival(self) -> None:
        rival = self.driver.drop_rival()
        if rival is None:
            self.say("no rival to drop (A adds one)")
            return
        self.say(f"dropped {rival.label(self.session.experiment.hyper)}")

    def action_race(self) -> None:
        racing = self.driver.race()
        self.say("race: all six optimisers from one start" if racing else "race off")

    def action_reset(self) -> None:
        self.driver.reset()


THREADED_DATA_BYTES = 256 * 1024
"""A data file larger than this (some 8000 rows of two numbers) is read and fitted in a thread:
a 10⁵-row file takes about 0.3 s, and no key may hold the screen for more than 0.1 s."""


def _reads_a_large_file(plane: PlaneSettings, name: str, value: str) -> bool:
    """Whether applying the setting may read and fit a large data file."""
    if SETTINGS[name].section != "data":
        return False
    path = value if name == "data" else plane.data
    if not path:
        return False
    try:
        return os.path.getsize(os.path.expanduser(path)) > THREADED_DATA_BYTES
    except OSError:  # missing or unreadable: refused at once, with the reason
        return False


def _next(options: tuple[str, ...], current: str | None) -> str:
    if current not in options:
        return options[0]
    return options[(options.index(current) + 1) % len(options)]
