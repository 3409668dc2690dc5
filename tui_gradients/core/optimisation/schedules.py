"""Learning-rate schedules as torch.optim.lr_scheduler computes them, stepped once after each
optimiser step.

torch's schedulers are chainable: each step computes the new lr from the one in force (a
product of factors, not a closed form), and so does this module, so that the lrs agree to the
last bit. A schedule's state is its step count and the lr in force (and, for the plateau rule,
the best loss so far, the bad steps and the cooldown left); `transforms.scale_by_schedule` keeps
it among the optimiser's state, so a run can step back through a schedule too.

OneCycleLR cycles the momentum too, as torch does by default (cycle_momentum=1): from
max_momentum down to base_momentum while the lr rises, and back up while it falls. The setting
it moves is SGD's momentum or Adam's β1 (`Schedule.momentum`). One difference from torch, on
purpose: OneCycleLR holds its last lr (and momentum) past total_steps, where torch raises.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from tui_gradients.core.errors import SettingError
from tui_gradients.core.parsing import parse_number

Plateau = tuple[float, float, float]
"""(best loss so far, bad steps in a row, cooldown steps left): the plateau rule's memory."""
START: Plateau = (math.inf, 0.0, 0.0)


@dataclass(frozen=True)
class Kind:
    """One of torch's schedulers: its arguments (torch's names, in order, with defaults) and
    how the lr moves."""

    torch_name: str
    arguments: dict[str, float]
    first: Callable[[float, dict[str, float]], float]
    """The lr of the first step, from the optimiser's lr (the scheduler's initial step)."""
    next: Callable[[float, int, float, dict[str, float]], float]
    """(lr in force, step count after this step, the optimiser's lr, arguments) → next lr."""


def _step_lr(lr: float, epoch: int, base: float, a: dict[str, float]) -> float:
    return lr if epoch % int(a["step_size"]) != 0 else lr * a["gamma"]


def _exponential(lr: float, epoch: int, base: float, a: dict[str, float]) -> float:
    return lr * a["gamma"]


def _cosine(lr: float, epoch: int, base: float, a: dict[str, float]) -> float:
    t_max, eta_min = a["T_max"], a["eta_min"]
    if (epoch - 1 - t_max) % (2 * t_max) == 0:
        return lr + (base - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
    return (1 + math.cos(math.pi * epoch / t_max)) / (
        1 + math.cos(math.pi * (epoch - 1) / t_max)
    ) * (lr - eta_min) + eta_min


def _linear(lr: float, epoch: int, base: float, a: dict[str, float]) -> float:
    start, end, total = a["start_factor"], a["end_factor"], a["total_iters"]
    if epoch > total:
        return lr
    return lr * (1.0 + (end - start) / (total * start + (epoch - 1) * (end - start)))


def _one_cycle(step: int, a: dict[str, float], ends: tuple[float, float, float]) -> float:
    """OneCycleLR's two phases, cosine annealed from ends[0] to ends[1] over pct_start of
    total_steps, then to ends[2]: the lr (up, then far down) and the momentum (down, then up)."""
    total = int(a["total_steps"])
    phases = ((float(a["pct_start"] * total) - 1, *ends[:2]), (total - 1, *ends[1:]))
    step, start_step = min(step, total), 0.0
    for index, (end_step, start, end) in enumerate(phases):
        if step <= end_step or index == len(phases) - 1:
            pct = (step - start_step) / (end_step - start_step)
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        start_step = end_step
    raise AssertionError("unreachable: the last phase always answers")


def _one_cycle_lr(step: int, base: float, a: dict[str, float]) -> float:
    """Up from lr/div_factor to lr, then down to lr/div_factor/final_div_factor."""
    initial = base / a["div_factor"]
    return _one_cycle(step, a, (initial, base, initial / a["final_div_factor"]))


KINDS: dict[str, Kind] = {
    "step": Kind("StepLR", {"step_size": 100, "gamma": 0.1}, lambda lr, a: lr, _step_lr),
    "exponential": Kind("ExponentialLR", {"gamma": 0.99}, lambda lr, a: lr, _exponential),
    "cosine": Kind("CosineAnnealingLR", {"T_max": 100, "eta_min": 0.0}, lambda lr, a: lr, _cosine),
    "onecycle": Kind(
        "OneCycleLR",
        {
            "total_steps": 1000,
            "pct_start": 0.3,
            "div_factor": 25.0,
            "final_div_factor": 1e4,
            "cycle_momentum": 1,
            "base_momentum": 0.85,
            "max_momentum": 0.95,
        },
        lambda lr, a: _one_cycle_lr(0, lr, a),
        lambda lr, epoch, base, a: _one_cycle_lr(epoch, base, a),
    ),
    "linear": Kind(
        "LinearLR",
        {"start_factor": 1 / 3, "end_factor": 1.0, "total_iters": 5},
        lambda lr, a: lr * a["start_factor"],
        _linear,
    ),
    "plateau": Kind(
        "ReduceLROnPlateau",
        {"factor": 0.1, "patience": 10, "threshold": 1e-4, "cooldown": 0, "min_lr": 0.0},
        lambda lr, a: lr,
        lambda lr, epoch, base, a: lr,  # moved by `plateau`, which sees the loss
    ),
}
NAMES = ("none", *KINDS)
WHOLE = {"step_size", "T_max", "total_steps", "total_iters", "patience", "cooldown"}
"""Arguments torch takes as whole numbers."""
SWITCHES = {"cycle_momentum"}
"""Arguments torch takes as True or False, here 1 or 0."""
MOMENTA = {"base_momentum", "max_momentum"}
PLATEAU_EPS = 1e-8
"""ReduceLROnPlateau's eps: a reduction smaller than this is skipped."""


@dataclass(frozen=True)
class Schedule:
    """A schedule by name, with the arguments typed for it (the rest at torch's defaults)."""

    name: str = "none"
    typed: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        if self.name not in NAMES:
            raise SettingError("schedule", f"unknown {self.name!r}; choose from {', '.join(NAMES)}")
        if self.name == "none":
            if self.typed:
                raise SettingError("schedule_args", "no schedule takes them (schedule none)")
            return
        for key, value in self.typed:
            _check_argument(self.name, key, value)
        a = self.arguments
        if self.name == "linear" and not a["start_factor"] > 0:
            raise SettingError("schedule_args", "start_factor must be above 0")
        if self.name == "onecycle" and not a["pct_start"] * a["total_steps"] - 1 > 0:
            raise SettingError("schedule_args", "pct_start × total_steps must be above 1")

    @property
    def kind(self) -> Kind:
        return KINDS[self.name]

    @property
    def arguments(self) -> dict[str, float]:
        return dict(self.kind.arguments) | dict(self.typed)

    def first(self, lr: float) -> float:
        return self.kind.first(lr, self.arguments)

    @property
    def cycles_momentum(self) -> bool:
        """Whether it moves the optimiser's momentum (or β1) as well as its lr."""
        return self.name == "onecycle" and self.arguments["cycle_momentum"] != 0

    def momentum(self, epoch: int) -> float:
        """The momentum in force after the scheduler's step number `epoch` (0: before the
        first update), where it `cycles_momentum`: a closed form of the step, as in torch."""
        a = self.arguments
        high, low = a["max_momentum"], a["base_momentum"]
        return _one_cycle(epoch, a, (high, low, high))

    def next(
        self, lr: float, epoch: int, base: float, loss: float, plateau: Plateau
    ) -> tuple[float, Plateau]:
        """The lr after the scheduler's step number `epoch`, and the plateau rule's memory;
        `loss` is the loss at the step just taken (ReduceLROnPlateau's metric)."""
        if self.name == "plateau":
            return _plateau(lr, loss, plateau, self.arguments)
        return self.kind.next(lr, epoch, base, self.arguments), plateau

    def describe(self) -> str:
        """`cosine T_max=100 eta_min=0` as the readout names it."""
        if self.name == "none":
            return "none"
        pairs = " ".join(f"{k}={v:g}" for k, v in self.arguments.items())
        return f"{self.name} {pairs}"

    def text(self) -> str:
        """The arguments as `--schedule-args` takes them: only those typed."""
        return ",".join(f"{k}={v!r}" for k, v in self.typed)


def _plateau(lr: float, loss: float, memory: Plateau, a: dict[str, float]) -> tuple[float, Plateau]:
    """ReduceLROnPlateau in mode min, threshold relative: after more than `patience` steps
    without a loss below best·(1 − threshold), lr ← max(lr·factor, min_lr), then `cooldown`
    steps in which bad steps are not counted."""
    best, bad, cooldown = memory
    if loss < best * (1.0 - a["threshold"]):
        best, bad = loss, 0.0
    else:
        bad += 1
    if cooldown > 0:
        cooldown, bad = cooldown - 1, 0.0
    if bad > a["patience"]:
        lowered = max(lr * a["factor"], a["min_lr"])
        if lr - lowered > PLATEAU_EPS:
            lr = lowered
        cooldown, bad = a["cooldown"], 0.0
    return lr, (best, bad, cooldown)


def parse_schedule(name: str, text: str) -> Schedule:
    """`cosine` with `T_max=500,eta_min=0.01`: a name and its arguments by torch's names."""
    typed: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, equals, value = item.partition("=")
        if not equals:
            raise SettingError("schedule_args", f"{item!r} is not NAME=VALUE")
        typed[key.strip()] = parse_number("schedule_args", value)
    return Schedule(name, tuple(typed.items()))


def _check_argument(name: str, key: str, value: float) -> None:
    known = KINDS[name].arguments
    if key not in known:
        raise SettingError("schedule_args", f"{name} takes {', '.join(known)}, not {key!r}")
    if not math.isfinite(value) or value < 0:
        raise SettingError("schedule_args", f"{key} must be a finite number ≥ 0, got {value!r}")
    if key in SWITCHES and value not in (0, 1):
        raise SettingError("schedule_args", f"{key} must be 1 (on) or 0 (off), got {value:g}")
    if key in MOMENTA and not value < 1:
        raise SettingError("schedule_args", f"{key} must be in [0, 1), got {value:g}")
    if key in WHOLE and (
        value != int(value) or (value < 1 and key not in ("patience", "cooldown"))
    ):
        raise SettingError("schedule_args", f"{key} must be a whole number ≥ 1, got {value:g}")
    if key in ("gamma", "factor") and not 0 < value <= 1 and name != "exponential":
        raise SettingError("schedule_args", f"{key} must be in (0, 1], got {value:g}")
