"""Rival runs: other optimisers from the same start as the main run, to compare or race."""

from __future__ import annotations

from dataclasses import dataclass

from tui_gradients.core.errors import SettingError
from tui_gradients.core.optimizers import OPTIMIZERS, Hyperparameters
from tui_gradients.core.parsing import parse_number

MAX_RIVALS = len(OPTIMIZERS) - 1
"""A race holds at most six runs: the main one and one of each other optimiser."""


@dataclass(frozen=True)
class Rival:
    """Another optimiser run from the same start as the main run, with the main run's settings
    except its name and, if given, its own learning rate (Adagrad at lr 5 against gd at 0.5)."""

    optimizer: str
    lr: float | None = None

    def hyper(self, main: Hyperparameters) -> Hyperparameters:
        lr = main.lr if self.lr is None else self.lr
        return main.with_changes(optimizer=self.optimizer, lr=lr, eps=None)

    def describe(self) -> str:
        return self.optimizer if self.lr is None else f"{self.optimizer} lr {self.lr:g}"


def parse_rivals(text: str) -> tuple[Rival, ...]:
    """`adagrad, adagrad:5, adam`: optimisers to race against the main run, each with its own
    lr after a colon if wanted. SettingError (named `race`) for anything else."""
    rivals = []
    for item in (part.strip() for part in text.split(",")):
        name, _, lr_text = item.partition(":")
        name = name.strip()
        if name not in OPTIMIZERS:
            choices = ", ".join(OPTIMIZERS)
            raise SettingError("race", f"unknown optimizer {name!r}; choose from {choices}")
        lr = parse_number("race", lr_text) if lr_text.strip() else None
        if lr is not None:
            try:
                Hyperparameters(optimizer=name, lr=lr)
            except SettingError as error:
                raise SettingError("race", f"{name}: {error.name} {error.message}") from None
        rivals.append(Rival(name, lr))
    if len(rivals) > MAX_RIVALS:
        raise SettingError("race", f"at most {MAX_RIVALS} rivals, got {len(rivals)}")
    return tuple(rivals)


def format_rivals(rivals: tuple[Rival, ...]) -> str:
    """The text `parse_rivals` reads back as `rivals` (an lr written exactly)."""
    return ",".join(
        rival.optimizer if rival.lr is None else f"{rival.optimizer}:{rival.lr!r}"
        for rival in rivals
    )


def others(optimizer: str) -> list[str]:
    """The other optimisers, the per-coordinate ones first: what the seed compares gd with."""
    order = ["adagrad", "rmsprop", "adam", "momentum", "nesterov", "gd"]
    return [name for name in order if name != optimizer]
