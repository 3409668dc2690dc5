"""Each optimiser written once: its update (`updates`), what it reads, its defaults and its
first state, registered here with torch.optim's defaults.

A rule is a plain function of one coordinate: `update(hp, g, w, state) -> (direction, state)`,
where `hp` is the settings (`Hyper`), g the gradient and w the parameter, and the state is the
rule's own NamedTuple, in the style of optax's `ScaleByAdamState`. Every loop runs the same
function:

- the straight-line loop in plain Python calls it on floats, coordinate by coordinate;
- numba compiles it (`fast._kernels`) and calls it the same way;
- the numpy loop calls it once on whole arrays (`transforms.from_rule`).

So a rule keeps to the small vocabulary of `updates` (`sqrt`, `where`, `maximum`, `minimum`,
`sign`), which each loop binds to its own implementation (`bound`). The step count is one
number shared by every coordinate (torch keeps `state['step']` per tensor): the numpy loop
hands it over as a float, so that its powers are the C library's, as in the other loops.

Adding an optimiser is one rule and `register(...)`; every loop then runs it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tui_gradients.core.optimisation import backends, updates
from tui_gradients.core.optimisation.updates import (
    VOCABULARY,
    AdadeltaState,
    AdamaxState,
    AdamState,
    CountState,
    Hyper,
    NadamState,
    NoState,
    RadamState,
    RmsState,
    RpropState,
    SumState,
    TraceState,
    adadelta,
    adagrad,
    adam,
    adamax,
    adamw,
    asgd,
    first_nadam,
    first_rprop,
    gd,
    momentum,
    nadam,
    nesterov,
    radam,
    rmsprop,
    rprop,
)

HYPERPARAMETERS = Hyper._fields


# --- the registry -------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One optimiser: its update, its state, which settings it reads, and its own defaults for
    the settings whose torch default differs between optimisers (eps, alpha, weight_decay)."""

    name: str
    update: Callable[..., tuple[Any, Any]]
    state: type
    """The NamedTuple of its state: its fields are the state's rows, in order."""
    reads: tuple[str, ...]
    defaults: dict[str, float] = field(default_factory=dict)
    first: Callable[[Hyper], Any] | None = None
    """The state before the first step, from the settings; None for all zeros."""
    scaled_by_lr: bool = True
    """False where lr is not a final scale: the direction is the whole step."""
    with_momentum: str | None = None
    """The rule torch's same class runs once a scheduler gives it momentum (OneCycleLR sets
    SGD's momentum, and gd is SGD at momentum 0)."""

    @property
    def cycled(self) -> str | None:
        """The setting OneCycleLR cycles, as torch picks it: β1 where there are betas, else
        momentum; None where the rule reads neither."""
        for name in ("beta1", "momentum"):
            if name in self.reads:
                return name
        return None

    @property
    def fields(self) -> tuple[str, ...]:
        names: tuple[str, ...] = self.state._fields  # type: ignore[attr-defined]  # a NamedTuple
        return names

    def initial(self, hp: Hyper) -> tuple[float, ...]:
        """The first state, one float per field."""
        if self.first is not None:
            return tuple(self.first(hp))
        return (0.0,) * len(self.fields)

    @property
    def counted(self) -> tuple[bool, ...]:
        """Per field, whether it is the step count, one number for every coordinate."""
        return tuple(name == "steps" for name in self.fields)


RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    """Make `rule` an optimiser every loop runs (`optimizers.REGISTRY` builds on this)."""
    RULES[rule.name] = rule
    for hook in _REGISTERED:
        hook(rule)
    return rule


_REGISTERED: list[Callable[[Rule], None]] = []


def on_register(hook: Callable[[Rule], None]) -> None:
    """Call `hook` for every rule registered from now on."""
    _REGISTERED.append(hook)


def bound(
    update: Callable[..., Any],
    vocabulary: dict[str, Any],
    wrap: Callable[[Callable[..., Any]], Callable[..., Any]] = lambda function: function,
) -> Callable[..., Any]:
    """A rule's update with `vocabulary` in place of the names of `updates` (`backends.bound`);
    a rule defined elsewhere (a test's) reads that vocabulary too."""
    base = {name: getattr(updates, name) for name in (*VOCABULARY, "decayed")}
    return backends.bound(update, vocabulary, wrap, defaults=base)


_ADAM_READS = ("lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad")
for _rule in (
    Rule("gd", gd, NoState, ("lr", "weight_decay"), with_momentum="momentum"),
    Rule("momentum", momentum, TraceState, ("lr", "momentum", "dampening", "weight_decay")),
    Rule("nesterov", nesterov, TraceState, ("lr", "momentum", "weight_decay")),
    Rule("adagrad", adagrad, SumState, ("lr", "eps", "weight_decay"), {"eps": 1e-10}),
    Rule("rmsprop", rmsprop, RmsState, ("lr", "alpha", "eps", "weight_decay")),
    Rule("adam", adam, AdamState, _ADAM_READS),
    Rule("adamw", adamw, AdamState, _ADAM_READS, {"weight_decay": 1e-2}),
    Rule(
        "nadam",
        nadam,
        NadamState,
        ("lr", "beta1", "beta2", "eps", "weight_decay", "momentum_decay"),
        first=first_nadam,
    ),
    Rule("radam", radam, RadamState, ("lr", "beta1", "beta2", "eps", "weight_decay")),
    Rule("adamax", adamax, AdamaxState, ("lr", "beta1", "beta2", "eps", "weight_decay")),
    Rule("adadelta", adadelta, AdadeltaState, ("lr", "rho", "eps", "weight_decay"), {"eps": 1e-6}),
    Rule(
        "rprop",
        rprop,
        RpropState,
        ("lr", "eta_minus", "eta_plus", "step_min", "step_max"),
        first=first_rprop,
        scaled_by_lr=False,
    ),
    Rule(
        "asgd",
        asgd,
        CountState,
        ("lr", "lambd", "alpha", "weight_decay"),
        {"alpha": 0.75},
        scaled_by_lr=False,
    ),
):
    register(_rule)


# --- Newton's two: one rule of the whole 2-D step ------------------------------------------

MAX_CONDITION = 1e12
"""κ past which H counts as singular: its inverse would be mostly rounding."""


def newton_direction(
    diagonal: bool, h11: float, h12: float, h22: float, g1: float, g2: float
) -> tuple[bool, float, float]:
    """H⁻¹·g for H = [[h11, h12], [h12, h22]] (with `diagonal`, g / diag(H): each coordinate
    scaled by its own curvature), and whether it is a safe descent direction: H finite and
    positive definite, not near singular (κ well inside MAX_CONDITION). The solve is LAPACK's
    for 2×2: LU with the larger of the first column as the pivot. Where it is not safe the
    numpy loop says why, and the fast loops hand the step to it."""
    if diagonal:
        if not (h11 > 0.0 and h22 > 0.0 and math.isfinite(h11 + h22 + abs(h12))):
            return False, 0.0, 0.0
        return True, g1 / h11, g2 / h22
    middle = 0.5 * (h11 + h22)
    spread = math.sqrt(0.25 * (h11 - h22) * (h11 - h22) + h12 * h12)
    if not (middle - spread > 0.0 and middle + spread < 0.5 * MAX_CONDITION * (middle - spread)):
        return False, 0.0, 0.0
    if abs(h11) >= abs(h12):
        factor = h12 / h11
        d2 = (g2 - factor * g1) / (h22 - factor * h12)
        return True, (g1 - h12 * d2) / h11, d2
    factor = h11 / h12
    d2 = (g1 - factor * g2) / (h12 - factor * h22)
    return True, (g2 - h22 * d2) / h12, d2
