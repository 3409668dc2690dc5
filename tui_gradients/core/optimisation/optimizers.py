"""Optimisers by name, built from their settings, with the formulas and defaults of
torch.optim: each is its rule (`rules`) as a transformation (`transforms`), but for LBFGS and
Newton's two, which are not rules of one coordinate.

The formulas are those documented for torch.optim (SGD, Adagrad, RMSprop, Adam, AdamW, NAdam,
RAdam, Adamax, Adadelta, Rprop, ASGD, LBFGS), with torch's defaults, so a trajectory here
matches PyTorch's to rounding (`tests/make_torch_reference.py` keeps the evidence).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np

from tui_gradients.core.errors import SettingError
from tui_gradients.core.optimisation import lbfgs, rules
from tui_gradients.core.optimisation.rules import HYPERPARAMETERS, RULES, Rule
from tui_gradients.core.optimisation.schedules import Schedule
from tui_gradients.core.optimisation.transforms import (
    SCHEDULE_ROWS,
    GradientTransformation,
    Hessian,
    ScheduleState,
    State,
    apply_updates,
    chain,
    from_rule,
    precondition_by_hessian,
    scale,
    scale_by_learning_rate,
    scale_by_schedule,
    update_given,
)
from tui_gradients.core.optimisation.updates import Hyper

Array = np.ndarray


def lbfgs_steps(
    value_and_grad: lbfgs.ValueAndGrad | None, h: Hyperparameters
) -> GradientTransformation:
    """torch's LBFGS: each update is a whole `step(closure)` (up to max_iter iterations, each
    evaluating f as it needs), given, as rprop's and asgd's are, pointing uphill: the last
    step negates it into the move to where it ends."""
    if value_and_grad is None:
        raise SettingError("optimizer", "lbfgs needs to evaluate f itself")

    def init(params: Array) -> State:
        return lbfgs.initial_state(params, h.history_size)

    def update(updates: Array, state: State, params: Array, value: float) -> tuple[Array, State]:
        end, state = lbfgs.step(
            value_and_grad, params, value, updates, state, h.lr, h.max_iter, h.history_size,
            h.line_search,
        )  # fmt: skip
        return params - end, state

    return GradientTransformation(init, update, wants_value=True)


# --- the registry ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipe:
    """How one optimiser is built from the settings, which of them it reads, and its own
    defaults for the settings whose torch default differs between optimisers (eps, alpha,
    weight_decay). Made from its rule (`rules.RULES`), but for those that are not rules of one
    coordinate: LBFGS and Newton's two."""

    scale: Callable[[Hyperparameters, Problem, Hyper], tuple[GradientTransformation, ...]]
    """What comes before the learning rate, from the settings and those in force (a schedule
    may move some, `scale_by_schedule`)."""
    reads: tuple[str, ...]
    defaults: dict[str, float] = field(default_factory=dict)
    scaled_by_lr: bool = True
    """False where lr is not a final scale (Rprop's first step size, ASGD's η, LBFGS's own
    steps): their updates point uphill and the last step negates them."""
    second_order: bool = False
    """It reads the surface's Hessian (`Problem.hessian`)."""
    evaluates: bool = False
    """It evaluates f and ∇f itself, where it wants (LBFGS): on the full batch, so it cannot
    step on minibatches."""


class Problem(NamedTuple):
    """What a few optimisers read of the problem itself, beyond its gradient."""

    value_and_grad: lbfgs.ValueAndGrad | None = None
    """For LBFGS, which evaluates f as often as its line search wants."""
    hessian: Hessian | None = None
    """For Newton's two: the surface's Hessian."""


def _recipe(rule: Rule) -> Recipe:
    return Recipe(
        lambda h, p, hp: (from_rule(rule, hp),),
        rule.reads,
        rule.defaults,
        scaled_by_lr=rule.scaled_by_lr,
    )


REGISTRY: dict[str, Recipe] = {name: _recipe(rule) for name, rule in RULES.items()}
REGISTRY.update(
    lbfgs=Recipe(
        lambda h, p, hp: (lbfgs_steps(p.value_and_grad, h),),
        ("lr", "history_size", "max_iter", "line_search"),
        scaled_by_lr=False,
        evaluates=True,
    ),
    newton=Recipe(
        lambda h, p, hp: (precondition_by_hessian(p.hessian, diagonal=False),),
        ("lr",),
        second_order=True,
    ),
    newton_diag=Recipe(
        lambda h, p, hp: (precondition_by_hessian(p.hessian, diagonal=True),),
        ("lr",),
        second_order=True,
    ),
)
rules.on_register(lambda rule: REGISTRY.__setitem__(rule.name, _recipe(rule)))
OPTIMIZERS = tuple(REGISTRY)
TORCH_OPTIMIZERS = tuple(name for name, recipe in REGISTRY.items() if not recipe.second_order)
"""Those torch.optim has."""
SWITCHES_OFF: dict[str, Any] = {"weight_decay": None, "dampening": 0.0, "amsgrad": False}
"""The settings that switch a variant of an optimiser on, at torch's defaults."""
SHARED_DEFAULTS = {"eps": 1e-8, "alpha": 0.99, "weight_decay": 0.0}
"""Where an optimiser's recipe names no default of its own."""


def label(optimizer: str, lr: float) -> str:
    """`adagrad lr 5`: how every legend names a run, by its optimiser and its lr."""
    return f"{optimizer} lr {lr:g}"


class Optimizer(NamedTuple):
    """A built optimiser: its transformation, and what a run needs to store and copy it."""

    name: str
    transform: GradientTransformation
    state_size: int
    """How many parameter-shaped arrays the state holds (0 for plain gd)."""
    vector: Hyper
    """`Hyperparameters.vector()`, for the fast loops."""
    schedule: Schedule | None
    """The schedule its lr follows, kept in its last state rows (`lr_row`); None for none."""
    rule: str
    """The rule the loops run: its name's, but gd's with momentum once OneCycleLR gives it
    momentum (`Hyperparameters.rule`)."""

    def init(self, params: Array) -> State:
        return self.transform.init(params)

    def step(
        self, grads: Array, state: State, params: Array, value: float = math.nan
    ) -> tuple[Array, State]:
        """The new parameters and state after one update (neither input is changed); `value`
        is the loss at params (the plateau schedule reads it)."""
        updates, state = update_given(self.transform, grads, state, params, value)
        return apply_updates(params, updates), state

    @property
    def label(self) -> str:
        """`adagrad lr 5`, as legends show the run it steps."""
        return label(self.name, self.vector[0])

    @property
    def scheduled(self) -> bool:
        return self.schedule is not None

    @property
    def lr_row(self) -> int | None:
        """The state row holding the lr in force, when scheduled."""
        if not self.scheduled:
            return None
        return self.state_size - SCHEDULE_ROWS + ScheduleState._fields.index("lr")


@dataclass(frozen=True)
class Hyperparameters:
    """Everything an optimiser might read, with torch.optim's defaults. eps, alpha and
    weight_decay are None for the optimiser's own default (`resolved`)."""

    optimizer: str = "gd"
    lr: float = 0.5
    momentum: float = 0.9
    alpha: float | None = None
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float | None = None
    weight_decay: float | None = None
    schedule: Schedule = field(default_factory=Schedule)
    """The learning-rate schedule (none: lr throughout)."""
    dampening: float = 0.0
    amsgrad: bool = False
    rho: float = 0.9
    eta_minus: float = 0.5
    eta_plus: float = 1.2
    step_min: float = 1e-6
    step_max: float = 50.0
    lambd: float = 1e-4
    momentum_decay: float = 4e-3
    history_size: int = 100
    max_iter: int = 20
    line_search: bool = False
    """LBFGS's strong-Wolfe line search (torch's line_search_fn="strong_wolfe")."""

    def __post_init__(self) -> None:
        if self.optimizer not in REGISTRY:
            raise SettingError(
                "optimizer",
                f"unknown optimizer {self.optimizer!r}; choose from {', '.join(OPTIMIZERS)}",
            )
        _check("lr", self.lr, low=0.0, low_open=True, high=1e6)
        for name in ("momentum", "beta1", "beta2", "dampening", "rho"):
            _check(name, getattr(self, name), low=0.0, high=1.0, high_open=True)
        for name, high in (("alpha", 1.0), ("weight_decay", 1e3), ("eps", 1.0)):
            if (value := getattr(self, name)) is not None:
                _check(name, value, low=0.0, low_open=name == "eps", high=high, high_open=True)
        _check("eta_minus", self.eta_minus, low=0.0, low_open=True, high=1.0, high_open=True)
        _check("eta_plus", self.eta_plus, low=1.0, low_open=True, high=1e3)
        _check("step_min", self.step_min, low=0.0, high=self.step_max)
        _check("step_max", self.step_max, low=0.0, low_open=True, high=1e6)
        _check("lambd", self.lambd, low=0.0, high=1e3)
        _check("momentum_decay", self.momentum_decay, low=0.0, high=1e3)
        for name in ("amsgrad", "line_search"):
            if not isinstance(getattr(self, name), bool):
                raise SettingError(name, f"must be on or off, got {getattr(self, name)!r}")
        for name, high in (("history_size", 1000), ("max_iter", 1000)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
                raise SettingError(name, f"must be a whole number from 1 to {high}, got {value!r}")
        if self.optimizer == "nesterov" and self.dampening != 0:
            raise SettingError("dampening", "must be 0 for nesterov (as torch requires)")
        if self.schedule.name != "none" and not self.recipe.scaled_by_lr:
            raise SettingError(
                "schedule",
                f"{self.optimizer} takes no schedule here: rprop's lr is only its first step "
                "size, asgd decays its own, lbfgs's line search sets its own",
            )
        if self.schedule.cycles_momentum and self.cycled is None:
            raise SettingError(
                "schedule_args",
                f"{self.optimizer} has no momentum or beta1 here for onecycle to cycle (torch "
                "refuses it for adagrad and adadelta too): add cycle_momentum=0",
            )

    def with_changes(self, **changes: Any) -> Hyperparameters:
        """A validated copy; the original stays in force if the change is refused."""
        return replace(self, **changes)

    @property
    def recipe(self) -> Recipe:
        return REGISTRY[self.optimizer]

    def resolved(self, name: str) -> float:
        """A setting's value, the optimiser's own default where it is None."""
        value = getattr(self, name)
        if value is not None:
            return float(value)
        return self.recipe.defaults.get(name, SHARED_DEFAULTS[name])

    @property
    def rule(self) -> str:
        """The rule that steps: the optimiser's, or the one its torch class runs once
        OneCycleLR gives it momentum (gd is SGD at momentum 0)."""
        rule = RULES.get(self.optimizer)
        if rule is not None and rule.with_momentum and self.schedule.cycles_momentum:
            return rule.with_momentum
        return self.optimizer

    @property
    def cycled(self) -> str | None:
        """The setting OneCycleLR would cycle for this optimiser: momentum, β1, or none."""
        rule = RULES.get(self.optimizer)
        if rule is None:
            return None
        return RULES[rule.with_momentum or rule.name].cycled

    @property
    def resolved_eps(self) -> float:
        return self.resolved("eps")

    def vector(self) -> Hyper:
        """The settings as the rules read them, defaults resolved."""
        return Hyper(*(self.resolved(name) for name in HYPERPARAMETERS))

    def build(
        self,
        hessian: Hessian | None = None,
        value_and_grad: lbfgs.ValueAndGrad | None = None,
    ) -> Optimizer:
        """The optimiser; a second-order one needs the surface's `hessian`, LBFGS the problem's
        `value_and_grad` (it evaluates f as often as its line search wants)."""
        recipe, problem, hp = REGISTRY[self.rule], Problem(value_and_grad, hessian), self.vector()

        def inner(settings: Hyper) -> GradientTransformation:
            return chain(*recipe.scale(self, problem, settings))

        scheduled = self.schedule.name != "none"
        if scheduled:
            cycled = self.cycled if self.schedule.cycles_momentum else None
            transform = scale_by_schedule(inner, hp, self.schedule, cycled)
        else:
            last = scale_by_learning_rate(self.lr) if recipe.scaled_by_lr else scale(-1.0)
            transform = chain(inner(hp), last)
        state_size = len(transform.init(np.zeros(1)))
        schedule = self.schedule if scheduled else None
        return Optimizer(self.optimizer, transform, state_size, hp, schedule, self.rule)

    def describe(self) -> str:
        """`adam lr=0.5 beta1=0.9 …`: only what this optimiser reads, its switches (weight
        decay, dampening, amsgrad) only when they are on."""
        values = dict(zip(HYPERPARAMETERS, self.vector(), strict=True))
        off = dict(zip(HYPERPARAMETERS, replace(self, **SWITCHES_OFF).vector(), strict=True))
        words = [self.optimizer]
        for name in self.recipe.reads:
            if name in SWITCHES_OFF and values[name] == off[name]:
                continue
            words.append(name if name == "amsgrad" else f"{name}={values[name]:g}")
        return " ".join(words)


def _check(
    name: str,
    value: float,
    *,
    low: float,
    high: float,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SettingError(name, f"must be a finite number in {interval}, got {value!r}")
    below = value <= low if low_open else value < low
    above = value >= high if high_open else value > high
    if below or above:
        raise SettingError(name, f"must be in {interval}, got {value:g}")
