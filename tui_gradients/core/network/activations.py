"""Each activation g and its derivative g′, written once for every loop.

The functions are written in a small vocabulary that means the same on a float and on an array:
arithmetic, `abs`, and `exp`, `tanh`, `erf`, `where`. Here those names are the math module's
and a plain conditional, so CPython runs them on one neuron's float (the chain's straight-line
loop) and numba compiles them as they are (the chain's fast loop); `on_arrays` binds the same
functions to numpy's, for the network's layers (`backends.bound`).

No exp overflows and no tail loses its digits: the tables exist to show values like 4e-18, which
the textbook forms round to 0. σ(z) for z < 0 is eᶻ/(1 + eᶻ), not 1 − something;
σ′ = σ(z)·σ(−z) = e/(1 + e)² with e = e^−|z|, not σ(1 − σ), whose 1 − σ cancels for large z;
tanh′ = sech² = 4t/(1 + t)² with t = e^−2|z|, not 1 − tanh², which is 0 from |z| ≈ 19 on.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from tui_gradients.core.optimisation import backends

Value = Any
"""One neuron's number (a float) or a layer's (an array)."""

exp = math.exp
tanh = math.tanh
erf = math.erf
LEAK = 0.01
"""leaky_relu's slope below 0 (torch's default negative_slope)."""
ROOT_HALF = math.sqrt(0.5)
ROOT_TWO_PI = math.sqrt(2.0 * math.pi)


def where(condition: Value, if_true: Value, if_false: Value) -> Value:
    return if_true if condition else if_false


def sigmoid(z: Value) -> Value:
    e = exp(-abs(z))
    return where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_slope(z: Value) -> Value:
    e = exp(-abs(z))
    s = 1.0 + e
    return e / (s * s)


def tanh_value(z: Value) -> Value:
    return tanh(z)


def tanh_slope(z: Value) -> Value:
    t = exp(-2.0 * abs(z))
    s = 1.0 + t
    return 4.0 * t / (s * s)


def relu(z: Value) -> Value:
    """max(z, 0), keeping a nan as torch.relu does."""
    return where(z > 0.0, z, where(z <= 0.0, 0.0, z))


def relu_slope(z: Value) -> Value:
    """0 at z = 0, as torch's backward takes it."""
    return where(z > 0.0, 1.0, 0.0)


def leaky_relu(z: Value) -> Value:
    return where(z > 0.0, z, LEAK * z)


def leaky_relu_slope(z: Value) -> Value:
    return where(z > 0.0, 1.0, LEAK)


def gelu(z: Value) -> Value:
    """The exact GELU, z·Φ(z), as torch's default (approximate='none')."""
    return 0.5 * z * (1.0 + erf(z * ROOT_HALF))


def gelu_slope(z: Value) -> Value:
    return 0.5 * (1.0 + erf(z * ROOT_HALF)) + z * exp(-0.5 * z * z) / ROOT_TWO_PI


def linear(z: Value) -> Value:
    return z


def linear_slope(z: Value) -> Value:
    """1, which broadcasts against a layer's array."""
    return 1.0


class Activation(NamedTuple):
    name: str
    value: Callable[[Value], Value]
    slope: Callable[[Value], Value]
    gain: float
    """torch.nn.init.calculate_gain for it (gelu has none there: 1, as for linear)."""
    bounded: tuple[float, float] | None
    """The range of a saturating activation, whose outputs past 97 % of it count as saturated."""
    dies: bool
    """Whether a unit whose input is ≤ 0 on the whole batch is dead (ReLU's kind)."""


TABLE = (
    Activation("sigmoid", sigmoid, sigmoid_slope, 1.0, (0.0, 1.0), False),
    Activation("tanh", tanh_value, tanh_slope, 5.0 / 3.0, (-1.0, 1.0), False),
    Activation("relu", relu, relu_slope, math.sqrt(2.0), None, True),
    Activation("linear", linear, linear_slope, 1.0, None, False),
    Activation(
        "leaky_relu", leaky_relu, leaky_relu_slope, math.sqrt(2.0 / (1 + LEAK**2)), None, True
    ),
    Activation("gelu", gelu, gelu_slope, 1.0, None, False),
)
"""By number, as the chain's compiled pass takes them (its first four are the chain's)."""
NAMES = tuple(activation.name for activation in TABLE)
BY_NAME = {activation.name: activation for activation in TABLE}

_erf_on_arrays = np.frompyfunc(math.erf, 1, 1)


def _array_erf(x: Value) -> Value:
    """numpy has no erf: math.erf on each element (the network's gelu, not on its fast path)."""
    return np.asarray(_erf_on_arrays(x), dtype=float)


ON_FLOATS = {
    "exp": exp,
    "tanh": tanh,
    "erf": erf,
    "where": where,
    "LEAK": LEAK,
    "ROOT_HALF": ROOT_HALF,
    "ROOT_TWO_PI": ROOT_TWO_PI,
    **{f.__name__: f for activation in TABLE for f in (activation.value, activation.slope)},
}
"""The vocabulary on floats, the constants and the functions written in them, for a loop that
compiles a caller (the chain's pass) and must compile these with it."""
ARRAY_NAMES = {"exp": np.exp, "tanh": np.tanh, "erf": _array_erf, "where": np.where}


def on_arrays(function: Callable[[Value], Value]) -> Callable[[Value], Value]:
    """`function` run on numpy arrays: the same text, its vocabulary numpy's."""
    return backends.bound(function, ARRAY_NAMES)


ON_ARRAYS = {a.name: (on_arrays(a.value), on_arrays(a.slope)) for a in TABLE}
"""Each activation's (g, g′) on a layer's array."""


def saturated(name: str, a: np.ndarray, z: np.ndarray) -> float:
    """The share of a layer's units that are saturated: outputs past 97 % of a bounded
    activation's range, or, for ReLU's kind, units whose input is ≤ 0 on every sample (dead);
    nan where neither applies. `a` and `z` are (batch, width)."""
    activation = BY_NAME[name]
    if activation.bounded is not None:
        low, high = activation.bounded
        middle, half = 0.5 * (low + high), 0.5 * (high - low)
        centred = np.abs(a - middle if middle else a)
        return int(np.count_nonzero(centred > 0.97 * half)) / a.size
    if activation.dies:
        dead = int(np.count_nonzero(np.all(z <= 0.0, axis=0)))
        return dead / int(z.shape[1])
    return math.nan
