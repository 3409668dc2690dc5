"""Optimisers as pure gradient transformations, composed as optax composes them, with the
formulas and defaults of torch.optim.

A transformation is an (init, update) pair: `init(params)` gives the starting state and
`update(updates, state, params)` gives the transformed updates and the new state, changing
nothing in place, so a run can keep every state and step back. A state is a flat tuple of
parameter-shaped arrays, so a run stores the whole history of states in one numpy array.
`chain` composes transformations; every optimiser ends with `scale_by_learning_rate`, and
`apply_updates` adds the result to the parameters.

The formulas are those documented for torch.optim (SGD, Adagrad, RMSprop, Adam), so a
trajectory here matches PyTorch's to rounding:

- gd:        p ← p − lr·g
- momentum:  b ← μ·b + g;            p ← p − lr·b                 (torch SGD, dampening 0)
- nesterov:  b ← μ·b + g;            p ← p − lr·(g + μ·b)         (torch SGD, nesterov=True)
- adagrad:   s ← s + g²;             p ← p − lr·g / (√s + eps)    (initial accumulator 0, eps 1e-10)
- rmsprop:   v ← α·v + (1 − α)·g²;   p ← p − lr·g / (√v + eps)    (α 0.99, eps 1e-8)
- adam:      m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  t ← t + 1
             p ← p − lr·(m / (1 − β1ᵗ)) / (√v / √(1 − β2ᵗ) + eps)  (β 0.9, 0.999; eps 1e-8)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any, NamedTuple

import numpy as np

from tui_gradients.core.errors import SettingError

Array = np.ndarray
State = tuple[Array, ...]


class GradientTransformation(NamedTuple):
    """optax's pair: `update(updates, state, params) -> (updates, state)`, both pure."""

    init: Callable[[Array], State]
    update: Callable[[Array, State, Array], tuple[Array, State]]


def apply_updates(params: Array, updates: Array) -> Array:
    return params + updates


def chain(*transforms: GradientTransformation) -> GradientTransformation:
    """Apply `transforms` in order; the state is theirs, concatenated."""
    sizes = [len(t.init(np.zeros(1))) for t in transforms]

    def init(params: Array) -> State:
        return tuple(array for t in transforms for array in t.init(params))

    def update(updates: Array, state: State, params: Array) -> tuple[Array, State]:
        new_state: list[Array] = []
        offset = 0
        for transform, size in zip(transforms, sizes, strict=True):
            updates, part = transform.update(updates, state[offset : offset + size], params)
            new_state.extend(part)
            offset += size
        return updates, tuple(new_state)

    return GradientTransformation(init, update)


def _stateless(function: Callable[[Array], Array]) -> GradientTransformation:
    return GradientTransformation(lambda params: (), lambda u, state, params: (function(u), ()))


def scale_by_learning_rate(lr: float) -> GradientTransformation:
    """The last step of every optimiser: a descent step of size lr."""
    return _stateless(lambda updates: -lr * updates)


def trace(momentum: float, nesterov: bool) -> GradientTransformation:
    """torch's SGD momentum buffer b ← μ·b + g (dampening 0); nesterov looks ahead: g + μ·b."""

    def update(updates: Array, state: State, params: Array) -> tuple[Array, State]:
        buffer = momentum * state[0] + updates
        return (updates + momentum * buffer if nesterov else buffer), (buffer,)

    return GradientTransformation(lambda params: (np.zeros_like(params),), update)


def scale_by_sum_of_squares(eps: float) -> GradientTransformation:
    """Adagrad in torch's form: the sum starts at 0 and eps is added after the square root."""

    def update(updates: Array, state: State, params: Array) -> tuple[Array, State]:
        total = state[0] + updates * updates
        return updates / (np.sqrt(total) + eps), (total,)

    return GradientTransformation(lambda params: (np.zeros_like(params),), update)


def scale_by_rms(alpha: float, eps: float) -> GradientTransformation:
    """RMSprop: a running average of g², eps added after the square root."""

    def update(updates: Array, state: State, params: Array) -> tuple[Array, State]:
        average = alpha * state[0] + (1 - alpha) * updates * updates
        return updates / (np.sqrt(average) + eps), (average,)

    return GradientTransformation(lambda params: (np.zeros_like(params),), update)


def scale_by_adam(beta1: float, beta2: float, eps: float) -> GradientTransformation:
    """Adam with torch's bias correction; the step count is kept per parameter, as torch keeps
    state['step'] per tensor, so the state is three parameter-shaped arrays."""

    def init(params: Array) -> State:
        zeros = np.zeros_like(params)
        return zeros, zeros, zeros

    def update(updates: Array, state: State, params: Array) -> tuple[Array, State]:
        count, mu, nu = state
        count = count + 1
        mu = beta1 * mu + (1 - beta1) * updates
        nu = beta2 * nu + (1 - beta2) * updates * updates
        denominator = np.sqrt(nu) / np.sqrt(1 - beta2**count) + eps
        return mu / (1 - beta1**count) / denominator, (count, mu, nu)

    return GradientTransformation(init, update)


# --- the registry ---------------------------------------------------------------------------

HYPERPARAMETERS = ("lr", "momentum", "alpha", "beta1", "beta2", "eps")
"""The order of `Hyperparameters.vector()`, which the fast loops read by position."""


@dataclass(frozen=True)
class Recipe:
    """How one optimiser is built from the settings, and which of them it reads."""

    scale: Callable[[Hyperparameters], tuple[GradientTransformation, ...]]
    """What comes before the learning rate."""
    reads: tuple[str, ...]
    default_eps: float | None = None


REGISTRY: dict[str, Recipe] = {
    "gd": Recipe(lambda h: (), ("lr",)),
    "momentum": Recipe(lambda h: (trace(h.momentum, nesterov=False),), ("lr", "momentum")),
    "nesterov": Recipe(lambda h: (trace(h.momentum, nesterov=True),), ("lr", "momentum")),
    "adagrad": Recipe(
        lambda h: (scale_by_sum_of_squares(h.resolved_eps),), ("lr", "eps"), default_eps=1e-10
    ),
    "rmsprop": Recipe(
        lambda h: (scale_by_rms(h.alpha, h.resolved_eps),),
        ("lr", "alpha", "eps"),
        default_eps=1e-8,
    ),
    "adam": Recipe(
        lambda h: (scale_by_adam(h.beta1, h.beta2, h.resolved_eps),),
        ("lr", "beta1", "beta2", "eps"),
        default_eps=1e-8,
    ),
}
OPTIMIZERS = tuple(REGISTRY)


class Optimizer(NamedTuple):
    """A built optimiser: its transformation, and what a run needs to store and copy it."""

    name: str
    transform: GradientTransformation
    state_size: int
    """How many parameter-shaped arrays the state holds (0 for plain gd)."""
    vector: tuple[float, ...]
    """`Hyperparameters.vector()`, for the fast loops."""

    def init(self, params: Array) -> State:
        return self.transform.init(params)

    def step(self, grads: Array, state: State, params: Array) -> tuple[Array, State]:
        """The new parameters and state after one update (neither input is changed)."""
        updates, state = self.transform.update(grads, state, params)
        return apply_updates(params, updates), state


@dataclass(frozen=True)
class Hyperparameters:
    """Everything an optimiser might read. `eps=None` means the optimiser's torch default."""

    optimizer: str = "gd"
    lr: float = 0.5
    momentum: float = 0.9
    alpha: float = 0.99
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float | None = None

    def __post_init__(self) -> None:
        if self.optimizer not in REGISTRY:
            raise SettingError(
                "optimizer",
                f"unknown optimizer {self.optimizer!r}; choose from {', '.join(OPTIMIZERS)}",
            )
        _check("lr", self.lr, low=0.0, low_open=True, high=1e6)
        for name in ("momentum", "alpha", "beta1", "beta2"):
            _check(name, getattr(self, name), low=0.0, high=1.0, high_open=True)
        if self.eps is not None:
            _check("eps", self.eps, low=0.0, low_open=True, high=1.0)

    def with_changes(self, **changes: Any) -> Hyperparameters:
        """A validated copy; the original stays in force if the change is refused."""
        return replace(self, **changes)

    @property
    def recipe(self) -> Recipe:
        return REGISTRY[self.optimizer]

    @property
    def resolved_eps(self) -> float:
        if self.eps is not None:
            return self.eps
        return self.recipe.default_eps or 1e-8

    def vector(self) -> tuple[float, ...]:
        """The settings in HYPERPARAMETERS order, eps resolved."""
        values = {f.name: getattr(self, f.name) for f in fields(self)} | {"eps": self.resolved_eps}
        return tuple(float(values[name]) for name in HYPERPARAMETERS)

    def build(self) -> Optimizer:
        transform = chain(*self.recipe.scale(self), scale_by_learning_rate(self.lr))
        state_size = len(transform.init(np.zeros(1)))
        return Optimizer(self.optimizer, transform, state_size, self.vector())

    def describe(self) -> str:
        """`adam lr=0.5 beta1=0.9 …`: only what this optimiser reads."""
        values = dict(zip(HYPERPARAMETERS, self.vector(), strict=True))
        return " ".join([self.optimizer] + [f"{k}={values[k]:g}" for k in self.recipe.reads])


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
