"""A network with one neuron per layer: the smallest place where gradients vanish.

    a⁰ = x,   zˡ = wˡ·aˡ⁻¹ + bˡ,   aˡ = g(zˡ),   C = ½·(aᴸ − y)²

Backpropagation, written exactly as the lesson states it:

    δᴸ = (aᴸ − y)·g′(zᴸ),   δˡ = wˡ⁺¹·g′(zˡ)·δˡ⁺¹,   ∂C/∂wˡ = δˡ·aˡ⁻¹,   ∂C/∂bˡ = δˡ

Each δ carries one factor g′ per layer above it. Sigmoid's g′ is at most ¼, so with moderate
weights δ shrinks geometrically towards the first layer: early layers learn slowly.

The parameters are one vector [w¹…wᴸ, b¹…bᴸ] so the same optimisers train the chain as the
2-D surfaces.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tui_gradients.core.errors import SettingError

Array = np.ndarray
MAX_DEPTH = 64


# The activations and their derivatives are written so that no exp overflows and no tail loses
# its digits: the table exists to show values like 4e-18, which the textbook forms round to 0.
# σ(z) for z < 0 is eᶻ/(1 + eᶻ), not 1 − something; σ′ = σ(z)·σ(−z) = e/(1 + e)² with
# e = e^−|z|, not σ(1 − σ), whose 1 − σ cancels for large z; tanh′ = sech² = 4t/(1 + t)² with
# t = e^−2|z|, not 1 − tanh², which is 0 from |z| ≈ 19 on. The fast loops use the same forms.


def _sigmoid(z: Array) -> Array:
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _sigmoid_prime(z: Array) -> Array:
    e = np.exp(-np.abs(z))
    d = 1.0 + e
    return e / (d * d)


def _tanh_prime(z: Array) -> Array:
    t = np.exp(-2.0 * np.abs(z))
    d = 1.0 + t
    return 4.0 * t / (d * d)


ACTIVATIONS: dict[str, tuple[Callable[[Array], Array], Callable[[Array], Array]]] = {
    "sigmoid": (_sigmoid, _sigmoid_prime),
    "tanh": (np.tanh, _tanh_prime),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)),
    "linear": (lambda z: z, np.ones_like),
}


INITS = ("constant", "normal")


@dataclass(frozen=True)
class ChainSettings:
    depth: int = 8
    activation: str = "sigmoid"
    init: str = "constant"
    weight: float = 1.0
    bias: float = 0.0
    seed: int = 0
    x: float = 1.0
    y: float = 0.0

    def __post_init__(self) -> None:
        if isinstance(self.depth, bool) or not isinstance(self.depth, int):
            raise SettingError("depth", f"must be a whole number from 1 to {MAX_DEPTH}")
        if not 1 <= self.depth <= MAX_DEPTH:
            raise SettingError("depth", f"must be from 1 to {MAX_DEPTH}, got {self.depth}")
        if self.activation not in ACTIVATIONS:
            raise SettingError(
                "activation",
                f"unknown activation {self.activation!r}; choose from {', '.join(ACTIVATIONS)}",
            )
        if self.init not in INITS:
            raise SettingError("init", f"must be constant or normal, got {self.init!r}")
        for name in ("weight", "bias", "x", "y"):
            value = getattr(self, name)
            if not (math.isfinite(value) and abs(value) <= 1e6):
                raise SettingError(name, f"must be a finite number in [-1e6, 1e6], got {value!r}")
        if not 0 <= self.seed < 2**32:
            raise SettingError(
                "seed", f"must be a whole number from 0 to 2**32 − 1, got {self.seed}"
            )

    def initial_params(self) -> Array:
        """[w¹…wᴸ, b¹…bᴸ]: constant, or drawn from N(0, 1) by a seeded generator."""
        if self.init == "constant":
            return np.concatenate(
                [np.full(self.depth, self.weight), np.full(self.depth, self.bias)]
            )
        return np.random.default_rng(self.seed).standard_normal(2 * self.depth)


@dataclass(frozen=True)
class Trace:
    """Every per-layer quantity of one forward and backward pass; arrays indexed by layer − 1."""

    weight: Array
    bias: Array
    z: Array
    a: Array
    gprime: Array
    delta: Array
    grad_weight: Array
    grad_bias: Array
    a_input: Array
    """aˡ⁻¹ for each layer (a⁰ = x for the first)."""
    cost: float


class Chain:
    """The network for fixed settings: `trace(params)` runs forward and back."""

    def __init__(self, settings: ChainSettings) -> None:
        self.settings = settings
        self.g, self.g_prime = ACTIVATIONS[settings.activation]

    @property
    def depth(self) -> int:
        return self.settings.depth

    def trace(self, params: Array) -> Trace:
        depth, x, y = self.depth, self.settings.x, self.settings.y
        weight, bias = params[:depth], params[depth:]
        z, a, a_input = np.empty(depth), np.empty(depth), np.empty(depth)
        with np.errstate(all="ignore"):
            previous = x
            for layer in range(depth):
                a_input[layer] = previous
                z[layer] = weight[layer] * previous + bias[layer]
                a[layer] = previous = self.g(z[layer])
            gprime = self.g_prime(z)
            delta = np.empty(depth)
            delta[-1] = (a[-1] - y) * gprime[-1]
            for layer in range(depth - 2, -1, -1):
                delta[layer] = weight[layer + 1] * gprime[layer] * delta[layer + 1]
            cost = float(0.5 * (a[-1] - y) ** 2)  # numpy: overflows to inf, never raises
            grad_weight = delta * a_input
        return Trace(
            weight=weight,
            bias=bias,
            z=z,
            a=a,
            gprime=gprime,
            delta=delta,
            grad_weight=grad_weight,
            grad_bias=delta.copy(),
            a_input=a_input,
            cost=cost,
        )

    def value_and_grad(self, params: Array) -> tuple[float, Array]:
        trace = self.trace(params)
        return trace.cost, np.concatenate([trace.grad_weight, trace.grad_bias])

    def cost(self, params: Array) -> float:
        """C alone, by a forward pass (used by finite-difference checks)."""
        a = self.settings.x
        depth = self.depth
        with np.errstate(all="ignore"):
            for layer in range(depth):
                a = self.g(params[layer] * a + params[depth + layer])
            return float(0.5 * (a - self.settings.y) ** 2)
