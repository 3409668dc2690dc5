"""Every setting as a field: type a value, press enter. A refused value shows why under its
field; the setting in force (and everything computed) stays as it was."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from tui_gradients.core.chain import ACTIVATIONS
from tui_gradients.core.experiment import Experiment
from tui_gradients.core.functions import PRESETS
from tui_gradients.core.optimizers import OPTIMIZERS

CHOICES: dict[str, tuple[str, ...]] = {
    "function": (*PRESETS, "custom"),
    "optimizer": OPTIMIZERS,
    "activation": tuple(ACTIVATIONS),
    "init": ("constant", "normal"),
}
SECTIONS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Surface",
        [
            ("function", "function"),
            ("expr", "f(w1,w2)"),
            ("a", "a (w1²)"),
            ("b", "b (w2²)"),
            ("start", "start"),
        ],
    ),
    (
        "Optimiser",
        [
            ("optimizer", "optimizer"),
            ("lr", "lr"),
            ("momentum", "momentum"),
            ("alpha", "alpha"),
            ("betas", "betas"),
            ("eps", "eps"),
            ("steps_per_press", "steps/key"),
        ],
    ),
    (
        "Chain network",
        [
            ("depth", "depth"),
            ("activation", "activation"),
            ("init", "init"),
            ("weight", "weight"),
            ("bias", "bias"),
            ("seed", "seed"),
            ("x", "x (input)"),
            ("y", "y (target)"),
            ("chain_lr", "chain lr"),
        ],
    ),
]


def _editor(name: str, value: str | None) -> Widget:
    """A choice or a text field, created holding the value in force: a Select reports its
    starting value once mounted, and that report must not read as a new choice."""
    if name in CHOICES:
        options = [(choice, choice) for choice in CHOICES[name]]
        start = value if value in CHOICES[name] else Select.NULL
        return Select(options, value=start, id=name, allow_blank=False, compact=True)
    return Input(value or "", id=name, compact=True, select_on_focus=True)


def field_values(experiment: Experiment, steps_per_press: int) -> dict[str, str]:
    """The text each field shows for the settings in force."""
    plane, hyper, chain = experiment.plane, experiment.hyper, experiment.chain
    w1, w2 = plane.start_point
    return {
        "function": "custom" if plane.expr is not None else plane.function,
        "expr": plane.expr or plane.objective.formula,
        "a": f"{plane.a:g}",
        "b": f"{plane.b:g}",
        "start": f"{w1:g},{w2:g}",
        "optimizer": hyper.optimizer,
        "lr": f"{hyper.lr:g}",
        "momentum": f"{hyper.momentum:g}",
        "alpha": f"{hyper.alpha:g}",
        "betas": f"{hyper.beta1:g},{hyper.beta2:g}",
        "eps": f"{hyper.resolved_eps:g}",
        "steps_per_press": str(steps_per_press),
        "depth": str(chain.depth),
        "activation": chain.activation,
        "init": chain.init,
        "weight": f"{chain.weight:g}",
        "bias": f"{chain.bias:g}",
        "seed": str(chain.seed),
        "x": f"{chain.x:g}",
        "y": f"{chain.y:g}",
        "chain_lr": f"{experiment.chain_hyper.lr:g}",
    }


class SettingsPanel(VerticalScroll):
    """The parameter panel. Posts `SettingsPanel.Submitted`; the app answers with `show_error`.

    Its twenty-odd fields are mounted just after the first frame: styling them is most of what
    a first paint would cost, and the plot and the numbers matter more at start.
    """

    @dataclass
    class Submitted(Message):
        name: str
        value: str

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._loaded: dict[str, str] = {}
        self.filled = False
        self.filling = False
        self._cancelled = False
        self._focus_when_filled = False
        self._when_filled: list[Callable[[], object]] = []

    def on_mount(self) -> None:
        self.call_after_refresh(self._fill)

    async def _fill(self) -> None:
        if self._cancelled:
            return  # the app is quitting: mounting now would race its shutdown
        self.filling = True
        fields = list(self._fields())
        await self.mount_all(fields)
        self.filling = False
        if all(field.is_mounted for field in fields):  # not if the app closed meanwhile
            self.filled = True
            self._show_loaded()
            if self._focus_when_filled:
                self.focus_first_field()
        for callback in self._when_filled:
            callback()

    def call_when_filled(self, callback: Callable[[], object]) -> None:
        """Run `callback` once the fields are mounted, or at once if they are, or never will be
        (the fields are not mounted after this if they had not started)."""
        if self.filling:
            self._when_filled.append(callback)
        else:
            self._cancelled = not self.filled
            callback()

    def focus_first_field(self) -> None:
        """Into the panel; a key pressed in the instant before the fields exist still lands."""
        if self.filled:
            self.query_one(Input).focus()
        else:
            self._focus_when_filled = True

    def _fields(self) -> Iterator[Widget]:
        for title, fields in SECTIONS:
            yield Label(title, classes="section")
            for name, label in fields:
                name_label = Label(label, classes="field-label")
                yield Horizontal(name_label, _editor(name, self._loaded.get(name)), classes="field")
                yield Static("", id=f"{name}-error", classes="error")

    def load(self, experiment: Experiment, steps_per_press: int) -> None:
        """Show the settings in force (after a change was accepted, or at start)."""
        self._loaded = field_values(experiment, steps_per_press)
        if self.filled:
            self._show_loaded()

    def _show_loaded(self) -> None:
        for name, value in self._loaded.items():
            self.query_one(f"#{name}", Input | Select).value = value
            self.show_error(name, None)

    def show_error(self, name: str, message: str | None) -> None:
        if not self.filled:
            return
        error = self.query_one(f"#{name}-error", Static)
        error.update(message or "")
        error.set_class(bool(message), "visible")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id:
            self.post_message(self.Submitted(event.input.id, event.value))

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        name = event.select.id
        # Select also reports values set at mount and by `load`: only a choice that differs
        # from the loaded settings is a request.
        loaded = self._loaded.get(name or "")
        if name and loaded is not None and isinstance(event.value, str) and event.value != loaded:
            self.post_message(self.Submitted(name, event.value))
