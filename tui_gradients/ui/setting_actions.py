"""The main screen's keys that change the runs' settings: a typed field, the next optimiser
or function, halving or doubling a learning rate, a comparison, a race, a reset."""

from __future__ import annotations

from textual.widgets import Input

from tui_gradients.core.errors import SettingError
from tui_gradients.core.functions import PRESETS
from tui_gradients.core.optimizers import OPTIMIZERS
from tui_gradients.ui.marks import RIVALS
from tui_gradients.ui.screen_part import ScreenPart
from tui_gradients.ui.widgets.settings_panel import CUSTOM, SettingsPanel, field_values


class SettingsMixin(ScreenPart):
    """For `MainScreen`."""

    def on_settings_panel_submitted(self, event: SettingsPanel.Submitted) -> None:
        self.change_setting(event.name, event.value)

    def change_setting(self, name: str, value: str, message: str = "") -> bool:
        """Apply one typed setting; on refusal say why under the field and keep everything.
        `message` is what the status line says once it is applied."""
        if self.driver.jump is not None:
            self.panel.show_error(
                name, "a jump is being computed: press enter again once it is done"
            )
            return False
        if name == "function" and value == CUSTOM:
            self.panel.query_one("#expr", Input).focus()
            self.say("type a formula in w1 and w2, then press enter")
            return False
        try:
            self.driver.edit(name, value, message)
        except SettingError as error:
            self.panel.show_error(name, f"{error.message}; still using the previous value")
            self.say(f"{name}: {error.message}; still using the previous value")
            return False
        self.panel.load(field_values(self.session.experiment))
        return True

    def action_cycle_optimizer(self) -> None:
        current = self.session.experiment.hyper.optimizer
        self.change_setting("optimizer", _next(OPTIMIZERS, current))

    def action_cycle_function(self) -> None:
        plane = self.session.experiment.plane
        current = plane.function if plane.expr is None else None
        self.change_setting("function", _next(tuple(PRESETS), current))

    def action_scale_lr(self, name: str, factor: float) -> None:
        """Halve or double a learning rate (`lr` of the 2-D runs or `chain_lr`), replayed to
        the same step as a typed value is; a refused value is said and changes nothing."""
        experiment = self.session.experiment
        current = experiment.hyper.lr if name == "lr" else experiment.chain_lr
        value = f"{current * factor:.6g}"
        which = "2-D runs" if name == "lr" else "chain"
        verb = "halved" if factor < 1 else "doubled"
        step = self.session.step
        self.change_setting(name, value, f"{which}: lr {verb} to {value}, replayed to step {step}")

    def action_compare(self) -> None:
        choice = self.driver.compare()
        marker = RIVALS[0].glyph(self.ascii_only)
        self.say(f"comparing with {choice.describe()} ({marker})" if choice else "comparison off")

    def action_add_rival(self) -> None:
        rival = self.driver.add_rival()
        if rival is None:
            self.say("every optimiser is on the plot already")
            return
        mark = RIVALS[len(self.session.rivals) - 1].glyph(self.ascii_only)
        self.say(f"added {rival.describe()} ({mark}) from the same start; D drops the last")

    def action_drop_rival(self) -> None:
        rival = self.driver.drop_rival()
        self.say(f"dropped {rival.describe()}" if rival else "no rival to drop (A adds one)")

    def action_race(self) -> None:
        racing = self.driver.race()
        self.say("race: all six optimisers from one start" if racing else "race off")

    def action_reset(self) -> None:
        self.driver.reset()


def _next(options: tuple[str, ...], current: str | None) -> str:
    if current not in options:
        return options[0]
    return options[(options.index(current) + 1) % len(options)]
