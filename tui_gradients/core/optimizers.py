"""Optimisers as pure (init, update) pairs, in the style of optax, with torch.optim's formulas.

`init(params)` gives the starting state; `update(grads, state, params)` gives the new parameters
and the new state and changes nothing in place, so a run can keep every state and step back.
Each state is a NamedTuple of float arrays shaped like the parameters, which lets a run store the
whole history of states in one numpy array.

The formulas and defaults are those documented for torch.optim (SGD, Adagrad, RMSprop, Adam), so
a trajectory here matches PyTorch's to rounding:

- gd:        p ← p − lr·g
- momentum:  b ← μ·b + g;            p ← p − lr·b                 (torch SGD, dampening 0)
- nesterov:  b ← μ·b + g;            p ← p − lr·(g + μ·b)         (torch SGD, nesterov=True)
- adagrad:   s ← s + g²;             p ← p − lr·g / (√s + eps)    (initial accumulator 0, eps 1e-10)
- rmsprop:   v ← α·v + (1 − α)·g²;   p ← p − lr·g / (√v + eps)    (α 0.99, eps 1e-8)
- adam:      m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  t ← t + 1
             p ← p − (lr / (1 − β1ᵗ))·m / (√v / √(1 − β2ᵗ) + eps)  (β 0.9, 0.999; eps 1e-8)
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


class Optimizer(NamedTuple):
    """An optax-style gradient transformation that also applies the step."""

    name: str
    init: Callable[[Array], State]
    update: Callable[[Array, State, Array], tuple[Array, State]]
    state_size: int
    """How many parameter-shaped arrays the state holds (0 for plain gd)."""
    hyper: tuple[float, ...] = ()
    """(lr, momentum, alpha, beta1, beta2, eps), for the compiled loop; unused ones are 0."""


# --- states ---------------------------------------------------------------------------------


class EmptyState(NamedTuple):
    pass


class TraceState(NamedTuple):
    trace: Array
    """The momentum buffer b."""


class SumState(NamedTuple):
    sum_of_squares: Array


class SquareAverageState(NamedTuple):
    square_average: Array


class AdamState(NamedTuple):
    count: Array
    """Steps taken, kept per parameter as torch keeps state['step'] per tensor."""
    mu: Array
    nu: Array


# --- the six optimisers ---------------------------------------------------------------------


def gd(lr: float) -> Optimizer:
    def init(params: Array) -> State:
        return EmptyState()

    def update(grads: Array, state: State, params: Array) -> tuple[Array, State]:
        return params - lr * grads, state

    return Optimizer("gd", init, update, 0, (lr, 0, 0, 0, 0, 0))


def _sgd_momentum(name: str, lr: float, momentum: float, nesterov: bool) -> Optimizer:
    def init(params: Array) -> State:
        return TraceState(np.zeros_like(params))

    def update(grads: Array, state: State, params: Array) -> tuple[Array, State]:
        trace = momentum * state[0] + grads
        direction = grads + momentum * trace if nesterov else trace
        return params - lr * direction, TraceState(trace)

    return Optimizer(name, init, update, 1, (lr, momentum, 0, 0, 0, 0))


def sgd_momentum(lr: float, momentum: float = 0.9) -> Optimizer:
    return _sgd_momentum("momentum", lr, momentum, nesterov=False)


def nesterov(lr: float, momentum: float = 0.9) -> Optimizer:
    return _sgd_momentum("nesterov", lr, momentum, nesterov=True)


def adagrad(lr: float, eps: float = 1e-10) -> Optimizer:
    def init(params: Array) -> State:
        return SumState(np.zeros_like(params))

    def update(grads: Array, state: State, params: Array) -> tuple[Array, State]:
        total = state[0] + grads * grads
        return params - lr * grads / (np.sqrt(total) + eps), SumState(total)

    return Optimizer("adagrad", init, update, 1, (lr, 0, 0, 0, 0, eps))


def rmsprop(lr: float, alpha: float = 0.99, eps: float = 1e-8) -> Optimizer:
    def init(params: Array) -> State:
        return SquareAverageState(np.zeros_like(params))

    def update(grads: Array, state: State, params: Array) -> tuple[Array, State]:
        average = alpha * state[0] + (1 - alpha) * grads * grads
        return params - lr * grads / (np.sqrt(average) + eps), SquareAverageState(average)

    return Optimizer("rmsprop", init, update, 1, (lr, 0, alpha, 0, 0, eps))


def adam(lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> Optimizer:
    beta1, beta2 = betas

    def init(params: Array) -> State:
        zeros = np.zeros_like(params)
        return AdamState(zeros, zeros, zeros)

    def update(grads: Array, state: State, params: Array) -> tuple[Array, State]:
        count, mu, nu = state
        count = count + 1
        mu = beta1 * mu + (1 - beta1) * grads
        nu = beta2 * nu + (1 - beta2) * grads * grads
        step_size = lr / (1 - beta1**count)
        denominator = np.sqrt(nu) / np.sqrt(1 - beta2**count) + eps
        return params - step_size * mu / denominator, AdamState(count, mu, nu)

    return Optimizer("adam", init, update, 3, (lr, 0, 0, beta1, beta2, eps))


# --- settings: validated hyperparameters ------------------------------------------------------

OPTIMIZERS = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
DEFAULT_EPS = {"adagrad": 1e-10, "rmsprop": 1e-8, "adam": 1e-8}
USES = {
    "gd": ("lr",),
    "momentum": ("lr", "momentum"),
    "nesterov": ("lr", "momentum"),
    "adagrad": ("lr", "eps"),
    "rmsprop": ("lr", "alpha", "eps"),
    "adam": ("lr", "beta1", "beta2", "eps"),
}
"""Which hyperparameters each optimiser reads; the others are kept but ignored."""


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
        if self.optimizer not in OPTIMIZERS:
            raise SettingError(
                "optimizer",
                f"unknown optimizer {self.optimizer!r}; choose from {', '.join(OPTIMIZERS)}",
            )
        _check("lr", self.lr, low=0.0, low_open=True, high=1e6)
        _check("momentum", self.momentum, low=0.0, high=1.0, high_open=True)
        _check("alpha", self.alpha, low=0.0, high=1.0, high_open=True)
        _check("beta1", self.beta1, low=0.0, high=1.0, high_open=True)
        _check("beta2", self.beta2, low=0.0, high=1.0, high_open=True)
        if self.eps is not None:
            _check("eps", self.eps, low=0.0, low_open=True, high=1.0)

    def with_changes(self, **changes: Any) -> Hyperparameters:
        """A validated copy; the original stays in force if the change is refused."""
        return replace(self, **changes)

    @property
    def resolved_eps(self) -> float:
        return self.eps if self.eps is not None else DEFAULT_EPS.get(self.optimizer, 1e-8)

    def build(self) -> Optimizer:
        name, lr = self.optimizer, self.lr
        if name == "gd":
            return gd(lr)
        if name == "momentum":
            return sgd_momentum(lr, self.momentum)
        if name == "nesterov":
            return nesterov(lr, self.momentum)
        if name == "adagrad":
            return adagrad(lr, self.resolved_eps)
        if name == "rmsprop":
            return rmsprop(lr, self.alpha, self.resolved_eps)
        return adam(lr, (self.beta1, self.beta2), self.resolved_eps)

    def describe(self) -> str:
        """`adam lr=0.5 beta1=0.9 …`: only what this optimiser reads."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["eps"] = self.resolved_eps
        return " ".join([self.optimizer] + [f"{k}={values[k]:g}" for k in USES[self.optimizer]])


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
