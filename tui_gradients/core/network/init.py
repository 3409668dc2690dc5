"""Initial weights by torch.nn.init's names and formulas, drawn from numpy's seeded generator.

torch's own random numbers differ from numpy's, so the draws are not torch's; their
distributions are. Each scheme fills every W; the biases are 0 (γ 1 and β 0 where a layer is
normalised, as torch's), except under `default`, which is `nn.Linear`'s own: W from
kaiming_uniform with a = √5 (a bound of 1/√fan_in) and b from U(−1/√fan_in, 1/√fan_in).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tui_gradients.core.errors import SettingError
from tui_gradients.core.network import activations
from tui_gradients.core.network.mlp import Architecture

Array = np.ndarray
Generator = np.random.Generator
Draw = Callable[[Generator, tuple[int, int], float, float], Array]
"""(rng, (fan_out, fan_in), the scheme's number, the activation's gain) → W."""


def _constant(rng: Generator, shape: tuple[int, int], value: float, gain: float) -> Array:
    return np.full(shape, value)


def _normal(rng: Generator, shape: tuple[int, int], std: float, gain: float) -> Array:
    return rng.normal(0.0, std, shape)


def _uniform(rng: Generator, shape: tuple[int, int], bound: float, gain: float) -> Array:
    return rng.uniform(-bound, bound, shape)


def _xavier_uniform(rng: Generator, shape: tuple[int, int], _: float, gain: float) -> Array:
    fan_out, fan_in = shape
    return _uniform(rng, shape, math.sqrt(6.0 / (fan_in + fan_out)), gain)


def _xavier_normal(rng: Generator, shape: tuple[int, int], _: float, gain: float) -> Array:
    fan_out, fan_in = shape
    return _normal(rng, shape, math.sqrt(2.0 / (fan_in + fan_out)), gain)


def _kaiming_uniform(rng: Generator, shape: tuple[int, int], _: float, gain: float) -> Array:
    return _uniform(rng, shape, math.sqrt(3.0) * gain / math.sqrt(shape[1]), gain)


def _kaiming_normal(rng: Generator, shape: tuple[int, int], _: float, gain: float) -> Array:
    return _normal(rng, shape, gain / math.sqrt(shape[1]), gain)


def _orthogonal(rng: Generator, shape: tuple[int, int], _: float, gain: float) -> Array:
    """torch's: the Q of a normal matrix's QR (of its transpose when it is wide), each column's
    sign made that of R's diagonal, so that Q is uniform over the orthogonal matrices."""
    rows, columns = shape
    flat = rng.normal(0.0, 1.0, (rows, columns))
    if rows < columns:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    return q.T if rows < columns else q


def _default(rng: Generator, shape: tuple[int, int], _: float, gain: float) -> Array:
    return _uniform(rng, shape, 1.0 / math.sqrt(shape[1]), gain)


@dataclass(frozen=True)
class Scheme:
    draw: Draw
    number: str | None = None
    """What the number after `=` sets (`normal=0.5`), if the scheme takes one."""
    default: float = 0.0
    gained: bool = False
    """Whether it scales by the activation's gain (torch's calculate_gain): kaiming's do; the
    others take torch's default gain of 1."""


SCHEMES = {
    "default": Scheme(_default),
    "constant": Scheme(_constant, "value", 1.0),
    "normal": Scheme(_normal, "std", 1.0),
    "uniform": Scheme(_uniform, "bound", 1.0),
    "xavier_uniform": Scheme(_xavier_uniform),
    "xavier_normal": Scheme(_xavier_normal),
    "kaiming_uniform": Scheme(_kaiming_uniform, gained=True),
    "kaiming_normal": Scheme(_kaiming_normal, gained=True),
    "orthogonal": Scheme(_orthogonal),
}


@dataclass(frozen=True)
class Init:
    """A scheme by name, and its number (`normal=0.5`: std 0.5)."""

    name: str = "default"
    number: float | None = None

    @staticmethod
    def parse(text: str) -> Init:
        name, _, number = text.strip().partition("=")
        if name not in SCHEMES:
            raise SettingError("init", f"unknown init {name!r}; choose from {', '.join(SCHEMES)}")
        scheme = SCHEMES[name]
        if not number:
            return Init(name)
        if scheme.number is None:
            raise SettingError("init", f"{name} takes no number, got {text!r}")
        try:
            value = float(number)
        except ValueError:
            raise SettingError("init", f"{name}={number}: not a number") from None
        if not (math.isfinite(value) and abs(value) <= 1e3) or (name != "constant" and value < 0):
            raise SettingError("init", f"{name}'s {scheme.number} must be in [0, 1e3]: {number}")
        return Init(name, value)

    @property
    def value(self) -> float:
        scheme = SCHEMES[self.name]
        return scheme.default if self.number is None else self.number

    def text(self) -> str:
        return self.name if self.number is None else f"{self.name}={self.number:g}"

    def params(self, architecture: Architecture, seed: int) -> Array:
        """The flat parameter vector, layer by layer as `mlp.Layout` orders it."""
        scheme, rng = SCHEMES[self.name], np.random.default_rng(seed)
        gain = activations.BY_NAME[architecture.activation].gain if scheme.gained else 1.0
        layout = architecture.layout
        params = np.zeros(layout.size)
        for slot in layout.slots:
            params[slot.weight] = scheme.draw(rng, slot.shape, self.value, gain).ravel()
            if self.name == "default":
                bound = 1.0 / math.sqrt(slot.shape[1])
                params[slot.bias] = rng.uniform(-bound, bound, slot.shape[0])
            if slot.gamma is not None:
                params[slot.gamma] = 1.0
        return params
