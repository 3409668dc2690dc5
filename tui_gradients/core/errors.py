"""The one error type for values a person typed: it names the setting and says why."""

from tui_gradients.core.text import inert


class SettingError(ValueError):
    """A setting (hyperparameter, start point, expression, …) that cannot be used.

    `name` is the setting as the user knows it (`lr`, `start`, `expr`), so the CLI can say
    `argument --lr: …` and the UI can put the message under the right field. The message
    quotes what was typed or read (a path, a column, a formula): it is made inert here, once
    for every place it is shown.
    """

    def __init__(self, name: str, message: str) -> None:
        message = inert(message)
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


class StepRefused(ArithmeticError):
    """An optimiser cannot take its next step from here, and says why (Newton where the
    Hessian is singular or indefinite). The run stops with that message."""


class NoFurtherStep(Exception):
    """An optimiser has met its own stopping rule and would not move again (LBFGS once
    max|∇f| ≤ its tolerance_grad): the run stops as converged, with this message."""
