"""Rival runs: other optimisers from the same start as the main run, to compare or race."""

from __future__ import annotations

from dataclasses import dataclass, fields

from tui_gradients.core.errors import SettingError
from tui_gradients.core.optimisation.optimizers import OPTIMIZERS, Hyperparameters, label
from tui_gradients.core.optimisation.rules import HYPERPARAMETERS
from tui_gradients.core.parsing import parse_number

MAX_RIVALS = 5
"""A race holds at most six runs, the main one and five rivals: each has a mark of its own, and
six paths are about as many as a plot can keep apart."""
TUNABLE = tuple(
    name
    for name in HYPERPARAMETERS
    if name not in ("lr", "history_size", "max_iter", "line_search")
)
"""What a rival may set for itself besides its optimiser and lr (`adam:0.1:beta1=0.8`); LBFGS's
settings are the main run's."""


@dataclass(frozen=True)
class Rival:
    """Another optimiser run from the same start as the main run. It follows the main run's
    settings except its optimiser and what it sets itself: its own lr (Adagrad at 5 against
    gd at 0.5) and any of TUNABLE, as (name, value) pairs in TUNABLE order."""

    optimizer: str
    lr: float | None = None
    tuned: tuple[tuple[str, float | bool], ...] = ()

    def hyper(self, main: Hyperparameters) -> Hyperparameters:
        """Its settings; eps is its optimiser's own default unless it set one."""
        lr = main.lr if self.lr is None else self.lr
        own = {"eps": None} | dict(self.tuned)
        return main.with_changes(optimizer=self.optimizer, lr=lr, **own)

    def retuned(self, hyper: Hyperparameters, main: Hyperparameters) -> Rival:
        """This rival set to `hyper`: whatever differs from its settings now becomes its own."""
        before = self.hyper(main)
        changed = {
            field.name: getattr(hyper, field.name)
            for field in fields(hyper)
            if getattr(hyper, field.name) != getattr(before, field.name)
        }
        lr = changed.pop("lr", self.lr)
        changed.pop("optimizer", None)
        tuned = dict(self.tuned) | changed  # eps None: back to the optimiser's own
        return Rival(hyper.optimizer, lr, _in_order(tuned))

    def label(self, main: Hyperparameters) -> str:
        """Its name with the lr it runs at, as every legend shows it (`Optimizer.label`)."""
        return label(self.optimizer, self.hyper(main).lr)


def parse_rivals(text: str) -> tuple[Rival, ...]:
    """`adagrad, adagrad:5, adam:0.1:beta1=0.8`: optimisers to race against the main run, each
    with its own lr after a colon if wanted, then any of TUNABLE as name=value. SettingError
    (named `race`) for anything else."""
    rivals = tuple(_parse_rival(item.strip()) for item in text.split(","))
    if len(rivals) > MAX_RIVALS:
        raise SettingError("race", f"at most {MAX_RIVALS} rivals, got {len(rivals)}")
    return rivals


def _parse_rival(item: str) -> Rival:
    name, *parts = (part.strip() for part in item.split(":"))
    if name not in OPTIMIZERS:
        choices = ", ".join(OPTIMIZERS)
        raise SettingError("race", f"unknown optimizer {name!r}; choose from {choices}")
    lr: float | None = None
    tuned: dict[str, float | bool | None] = {}
    for position, part in enumerate(parts):
        key, equals, value = part.partition("=")
        if not equals and position == 0:
            lr = parse_number("race", part) if part else None
        elif key.strip() in TUNABLE:
            tuned[key.strip()] = _parse_value(key.strip(), value.strip())
        else:
            raise SettingError(
                "race", f"{name}: {part!r} is not an lr or one of {', '.join(TUNABLE)}=value"
            )
    rival = Rival(name, lr, _in_order(tuned))
    try:
        rival.hyper(Hyperparameters(optimizer=name))
    except SettingError as error:
        raise SettingError("race", f"{name}: {error.name} {error.message}") from None
    return rival


def _parse_value(name: str, text: str) -> float | bool:
    if name != "amsgrad":
        return parse_number("race", text)
    if text not in ("on", "off"):
        raise SettingError("race", f"amsgrad must be on or off, got {text!r}")
    return text == "on"


def _in_order(tuned: dict[str, float | bool | None]) -> tuple[tuple[str, float | bool], ...]:
    return tuple((name, value) for name in TUNABLE if (value := tuned.get(name)) is not None)


def format_rivals(rivals: tuple[Rival, ...]) -> str:
    """The text `parse_rivals` reads back as `rivals` (every number written exactly)."""
    return ",".join(_format_rival(rival) for rival in rivals)


def _format_rival(rival: Rival) -> str:
    parts = [rival.optimizer] + ([] if rival.lr is None else [repr(rival.lr)])
    if rival.tuned and rival.lr is None:
        parts.append("")  # an empty lr keeps the main run's
    parts += [
        f"{name}={('on' if value else 'off') if isinstance(value, bool) else repr(value)}"
        for name, value in rival.tuned
    ]
    return ":".join(parts)


def others(optimizer: str) -> list[str]:
    """The other optimisers, the per-coordinate ones first (what the seed compares gd with),
    then the classic ones, then the rest of torch.optim; a race takes the first five."""
    classic = ["adagrad", "rmsprop", "adam", "momentum", "nesterov", "gd"]
    order = classic + [name for name in OPTIMIZERS if name not in classic]
    return [name for name in order if name != optimizer]
