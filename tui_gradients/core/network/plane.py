"""A plane through a network's weights, and its loss on a grid there: how Li, Xu, Taylor, Studer
and Goldstein ("Visualizing the Loss Landscape of Neural Nets", NeurIPS 2018) look at a loss
that lives in thousands of dimensions.

A plane is an origin θ₀ and two directions d₁, d₂ in the flat parameter vector (W1, b1, W2, b2,
… each W in torch's (out, in) layout, row-major); its point (u, v) is θ₀ + u·d₁ + v·d₂.

- `weights`: two single weights as the axes (by default one of the first hidden layer's and one
  of the output layer's): in a deep sigmoid network, the seed's elongated bowl.
- `random`: two Gaussian directions, filter-normalised as Li et al. define it: each row of a
  direction's W (one unit's incoming weights, a "filter") scaled to the norm of the same row of
  the weights, and 0 on biases and normalisation parameters (their code's default).
- `pca`: the first two principal directions of the weights visited, taken about the last one
  (the plane through the path's end), with the share of the variance each explains.

The grid's losses are the network's own forward pass, on stacks of parameter vectors.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tui_gradients.core.errors import SettingError
from tui_gradients.core.network.mlp import Architecture
from tui_gradients.core.network.model import Network

Array = np.ndarray
KINDS = ("weights", "random", "pca")
STACK_BYTES = 16 * 2**20
"""Bytes of one layer's values for a stack of networks evaluated at once (the grid goes in
chunks of this size)."""
_WEIGHT = re.compile(r"^(W|b)(\d+)\[(\d+)(?:,(\d+))?\]$")


@dataclass(frozen=True, eq=False)
class Plane:
    kind: str
    origin: Array
    directions: tuple[Array, Array]
    axes: tuple[str, str]
    """What each coordinate is, for the plot's axes (`W1[0,0]`, `random 1`, `PC1 62 %`)."""
    explained: tuple[float, float] | None = None
    """The PCA plane's shares of the path's variance."""

    def point(self, u: float, v: float) -> Array:
        return self.origin + u * self.directions[0] + v * self.directions[1]

    def project(self, points: Array) -> Array:
        """Each point's (u, v): the least-squares projection onto the plane, (k, 2)."""
        basis = np.stack(self.directions, axis=1)
        solved, *_ = np.linalg.lstsq(basis, (np.atleast_2d(points) - self.origin).T, rcond=None)
        result: Array = solved.T
        return result


def weight_index(architecture: Architecture, text: str) -> int:
    """The flat index of `W3[1,2]` (row 1, column 2 of layer 3's W) or `b2[0]`."""
    match = _WEIGHT.match(text.replace(" ", ""))
    if match is None:
        raise SettingError("plane_weights", f"{text!r}: write a weight as W3[1,2] or b2[0]")
    kind, layer, row, column = match.group(1), int(match.group(2)), int(match.group(3)), match[4]
    if not 1 <= layer <= architecture.layers:
        raise SettingError("plane_weights", f"{text}: layers are 1 to {architecture.layers}")
    slot = architecture.layout.slots[layer - 1]
    fan_out, fan_in = slot.shape
    weight_start: int = slot.weight.start
    bias_start: int = slot.bias.start
    if kind == "W" and column is not None and row < fan_out and int(column) < fan_in:
        return weight_start + row * fan_in + int(column)
    if kind == "b" and column is None and row < fan_out:
        return bias_start + row
    shape = f"W{layer} is {fan_out}×{fan_in}, b{layer} has {fan_out}"
    raise SettingError("plane_weights", f"{text}: no such weight ({shape})")


def two_weights(text: str) -> tuple[str, str]:
    """`W1[0,0],W5[2,3]` as its two names (the comma inside a W's brackets is not a split)."""
    names = re.findall(r"[Wb]\d+\[[^\]]*\]", text.replace(" ", ""))
    if len(names) != 2 or "".join(names) != text.replace(" ", "").replace("],", "]"):
        raise SettingError("plane_weights", f"{text!r}: name two weights, as W1[0,0],W5[2,3]")
    return names[0], names[1]


def default_weights(architecture: Architecture) -> tuple[str, str]:
    return "W1[0,0]", f"W{architecture.layers}[0,0]"


def weights_plane(
    architecture: Architecture, origin: Array, chosen: tuple[str, str] | None = None
) -> Plane:
    names = chosen or default_weights(architecture)
    first, second = (weight_index(architecture, name) for name in names)
    if first == second:
        raise SettingError("plane_weights", f"{names[0]} twice: the plane needs two weights")
    directions = []
    for index in (first, second):
        direction = np.zeros_like(origin)
        direction[index] = 1.0
        directions.append(direction)
    return Plane("weights", origin, (directions[0], directions[1]), (names[0], names[1]))


def random_plane(architecture: Architecture, origin: Array, seed: int = 0) -> Plane:
    rng = np.random.default_rng(seed)
    directions = []
    for _ in range(2):
        direction = np.zeros_like(origin)
        for layer in range(1, architecture.layers + 1):
            slot = architecture.layout.slots[layer - 1]
            weights = architecture.layout.weight(origin, layer)
            drawn = rng.normal(size=weights.shape)
            norms = np.linalg.norm(drawn, axis=1, keepdims=True)
            filters = np.linalg.norm(weights, axis=1, keepdims=True)
            direction[slot.weight] = (drawn / np.where(norms > 0, norms, 1.0) * filters).ravel()
        directions.append(direction)
    return Plane("random", origin, (directions[0], directions[1]), ("random 1", "random 2"))


def pca_plane(path: Array) -> Plane:
    """Through the path's last point, along the first two principal directions of the
    visited weights' differences from it."""
    path = np.atleast_2d(path)
    if len(path) < 3:
        raise SettingError("plane", "the path's plane needs 3 steps or more: step first")
    origin = path[-1]
    spread = path[:-1] - origin
    _, values, directions = np.linalg.svd(spread, full_matrices=False)
    variance = values * values
    total = float(variance.sum())
    if total == 0 or len(values) < 2 or values[1] == 0:
        raise SettingError("plane", "the path has not moved in two directions yet: step on")
    shares = (float(variance[0] / total), float(variance[1] / total))
    axes = (f"PC1 {100 * shares[0]:.0f} %", f"PC2 {100 * shares[1]:.0f} %")
    return Plane("pca", origin, (directions[0], directions[1]), axes, shares)


def chunk_size(network: Network) -> int:
    widest = max(slot.shape[0] for slot in network.architecture.layout.slots)
    return max(1, STACK_BYTES // (8 * network.samples * widest))


def grid_loss(
    network: Network,
    plane: Plane,
    u: Array,
    v: Array,
    cancelled: threading.Event | None = None,
    progress: Callable[[int], None] | None = None,
) -> Array | None:
    """The loss at θ₀ + u·d₁ + v·d₂ for every (u, v): (len(v), len(u)); None if cancelled."""
    uu, vv = np.meshgrid(u, v)
    coordinates = np.stack([uu.ravel(), vv.ravel()], axis=1)
    losses = np.empty(len(coordinates))
    size = chunk_size(network)
    basis = np.stack(plane.directions)
    with np.errstate(all="ignore"):  # a point where the loss overflows shows as inf
        for start in range(0, len(coordinates), size):
            if cancelled is not None and cancelled.is_set():
                return None
            stack = plane.origin + coordinates[start : start + size] @ basis
            losses[start : start + size] = network.losses(stack)
            if progress is not None:
                progress(min(start + size, len(coordinates)))
    return losses.reshape(len(v), len(u))


def span(
    path: Array, least: float = 1.0, margin: float = 0.25
) -> tuple[float, float, float, float]:
    """The (u, v) window around the projected path and the origin: at least ±`least`, and the
    path's extent with a margin."""
    points = np.vstack([np.atleast_2d(path), np.zeros((1, 2))])
    low, high = points.min(axis=0), points.max(axis=0)
    pad = margin * np.maximum(high - low, 0)
    low, high = np.minimum(low - pad, -least), np.maximum(high + pad, least)
    return float(low[0]), float(high[0]), float(low[1]), float(high[1])


def plane_of(
    kind: str,
    network: Network,
    path: Array,
    weights: tuple[str, str] | None = None,
    seed: int = 0,
) -> Plane:
    """The plane of `kind` for a run whose visited weights are `path` (rows, the last the
    current): through the current weights, or for `pca` along the path itself."""
    if kind not in KINDS:
        raise SettingError("plane", f"must be one of {', '.join(KINDS)}, got {kind!r}")
    if kind == "pca":
        return pca_plane(path)
    if kind == "random":
        return random_plane(network.architecture, path[-1], seed)
    return weights_plane(network.architecture, path[-1], weights)
