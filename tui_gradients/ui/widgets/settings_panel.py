"""Every setting as a field: type a value, press enter. A refused value shows why under its
field; the setting in force (and everything computed) stays as it was."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
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
    """The parameter panel. Posts `SettingsPanel.Submitted`; the app answers with `show_error`."""

    @dataclass
    class Submitted(Message):
        name: str
        value: str

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._loaded: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        for title, fields in SECTIONS:
            yield Label(title, classes="section")
            for name, label in fields:
                with Horizontal(classes="field"):
                    yield Label(label, classes="field-label")
                    if name in CHOICES:
                        options = [(choice, choice) for choice in CHOICES[name]]
                        yield Select(options, id=name, allow_blank=False, compact=True)
                    else:
                        yield Input(id=name, compact=True, select_on_focus=True)
                yield Static("", id=f"{name}-error", classes="error")

    def load(self, experiment: Experiment, steps_per_press: int) -> None:
        """Show the settings in force (after a change was accepted, or at start)."""
        self._loaded = field_values(experiment, steps_per_press)
        for name, value in self._loaded.items():
            self.query_one(f"#{name}", Input | Select).value = value
            self.show_error(name, None)

    def show_error(self, name: str, message: str | None) -> None:
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
