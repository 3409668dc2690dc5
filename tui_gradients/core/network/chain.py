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
from collections.abc import MutableSequence, Sequence
from dataclasses import dataclass

import numpy as np

from tui_gradients.core.errors import SettingError
from tui_gradients.core.network import activations
from tui_gradients.core.network.activations import (
    Value,
    gelu,
    gelu_slope,
    leaky_relu,
    leaky_relu_slope,
    linear,
    linear_slope,
    relu,
    relu_slope,
    sigmoid,
    sigmoid_slope,
    tanh_slope,
    tanh_value,
)

Array = np.ndarray
Row = MutableSequence[float]
"""Numbers indexed one by one: a list in Python, a float64 array under numba."""
MAX_DEPTH = 64


SIGMOID, TANH, RELU, LINEAR, LEAKY_RELU, GELU = range(len(activations.TABLE))
"""The activations by number, as every loop's pass takes them (numba compiles the pass once for
all of them); each is written once, in `activations`."""
ACTIVATION_NAMES = activations.NAMES


def activate(kind: int, z: float) -> Value:
    """g(z) of one neuron."""
    if kind == SIGMOID:
        return sigmoid(z)
    if kind == TANH:
        return tanh_value(z)
    if kind == RELU:
        return relu(z)
    if kind == LEAKY_RELU:
        return leaky_relu(z)
    if kind == GELU:
        return gelu(z)
    return linear(z)


def slope(kind: int, z: float) -> Value:
    """g′(z) of one neuron."""
    if kind == SIGMOID:
        return sigmoid_slope(z)
    if kind == TANH:
        return tanh_slope(z)
    if kind == RELU:
        return relu_slope(z)
    if kind == LEAKY_RELU:
        return leaky_relu_slope(z)
    if kind == GELU:
        return gelu_slope(z)
    return linear_slope(z)


def passes(
    depth: int,
    kind: int,
    x: float,
    y: float,
    params: Row,
    grads: Row,
    work: Sequence[Row],
) -> float:
    """The forward and backward pass, written once for every loop: the numpy loop runs it on
    Python floats (`Chain.trace`), the straight-line loop likewise, and numba compiles it.
    `params` is [w¹…wᴸ, b¹…bᴸ]; the gradient goes into `grads` in the same order, and `work`
    keeps z, a, aˡ⁻¹, g′ and δ for each layer. Returns C; nothing in it raises on floats (an
    overflow gives inf, as numpy would)."""
    z, a, a_input, gprime, delta = work[0], work[1], work[2], work[3], work[4]
    previous = x
    for layer in range(depth):
        a_input[layer] = previous
        z[layer] = params[layer] * previous + params[depth + layer]
        a[layer] = previous = activate(kind, z[layer])
    for layer in range(depth):
        gprime[layer] = slope(kind, z[layer])
    error = a[depth - 1] - y
    delta[depth - 1] = error * gprime[depth - 1]
    for layer in range(depth - 2, -1, -1):
        delta[layer] = params[layer + 1] * gprime[layer] * delta[layer + 1]
    for layer in range(depth):
        grads[layer] = delta[layer] * a_input[layer]
        grads[depth + layer] = delta[layer]
    return 0.5 * (error * error)


ACTIVATIONS = activations.ON_ARRAYS
"""Each activation's (g, g′) on arrays, by name, for tables and tests."""


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
    """The network for fixed settings: `trace(params)` runs forward and back (`passes`)."""

    def __init__(self, settings: ChainSettings) -> None:
        self.settings = settings
        self.kind = ACTIVATION_NAMES.index(settings.activation)

    @property
    def depth(self) -> int:
        return self.settings.depth

    def trace(self, params: Array) -> Trace:
        depth, x, y = self.depth, self.settings.x, self.settings.y
        work = [[0.0] * depth for _ in range(5)]
        grads = [0.0] * (2 * depth)
        cost = passes(depth, self.kind, float(x), float(y), params.tolist(), grads, work)
        z, a, a_input, gprime, delta = (np.array(row) for row in work)
        gradient = np.array(grads)
        return Trace(
            weight=params[:depth],
            bias=params[depth:],
            z=z,
            a=a,
            gprime=gprime,
            delta=delta,
            grad_weight=gradient[:depth],
            grad_bias=gradient[depth:],
            a_input=a_input,
            cost=float(cost),
        )

    def value_and_grad(self, params: Array) -> tuple[float, Array]:
        trace = self.trace(params)
        return trace.cost, np.concatenate([trace.grad_weight, trace.grad_bias])

    def cost(self, params: Array) -> float:
        """C alone (used by finite-difference checks)."""
        return self.trace(params).cost
