"""Each layer's health at a step, as Karpathy's "makemore part 3" reads a network while it
trains: the spread of its activations, how many units are saturated, how large δ and the weight
gradient are, and the update:data ratio, whose log₁₀ sits near −3 in a healthy run.

Every statistic is a population one (ddof 0), over the batch and the layer's units.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from tui_gradients.core.network import activations
from tui_gradients.core.network.mlp import Pass
from tui_gradients.core.network.model import Network

Array = np.ndarray
COLUMNS = (
    "act_mean",
    "act_std",
    "saturated",
    "delta_rms",
    "grad_w_norm",
    "grad_b_norm",
    "grad_data",
    "update_data",
)


class LayerHealth(NamedTuple):
    layer: int
    width: int
    act_mean: float
    act_std: float
    """Of the layer's output aˡ (after any residual sum; the output layer's linear output)."""
    saturated: float
    """Saturated or dead units' share (`activations.saturated`); nan for the output layer."""
    delta_rms: float
    grad_w_norm: float
    grad_b_norm: float
    grad_data: float
    """std(∂C/∂W) / std(W)."""
    update_data: float
    """log₁₀(std(ΔW) / std(W)) of the update the step's gradient makes; nan before it is made."""
    weight_std: float
    """std(W): the σ each layer's initialisation gives, shown beside the table."""


def _ratio(top: float, bottom: float) -> float:
    return top / bottom if bottom > 0 else math.nan


def _mean_and_std(values: Array) -> tuple[float, float]:
    """Population mean and std, through one dot product: np.std's own passes cost about twice
    as much, and this runs for every layer at every step."""
    flat = values.ravel()
    mean = float(flat.mean())
    centred = flat - mean
    return mean, math.sqrt(float(np.dot(centred, centred)) / flat.size)


def norm(values: Array) -> float:
    flat = values.ravel()
    return math.sqrt(float(np.dot(flat, flat)))


def update_data(weight: Array, after: Array) -> float:
    """log₁₀(std(ΔW)/std(W)) of an update from `weight` to `after`: −inf where it moved
    nothing, nan where W has no spread to compare with."""
    ratio = _ratio(_mean_and_std(after - weight)[1], _mean_and_std(weight)[1])
    return math.log10(ratio) if ratio > 0 else -math.inf if ratio == 0 else math.nan


def layer_health(
    network: Network, params: Array, done: Pass, after: Array | None
) -> tuple[LayerHealth, ...]:
    architecture = network.architecture
    layout = architecture.layout
    rows = []
    for layer, kept in enumerate(done.layers, start=1):
        slot = layout.slots[layer - 1]
        weight = params[slot.weight]
        weight_std = _mean_and_std(weight)[1]
        grad_w = done.grads[slot.weight]
        update = math.nan if after is None else update_data(weight, after[slot.weight])
        hidden = layer <= architecture.depth
        saturated = (
            activations.saturated(architecture.activation, kept.g, kept.z) if hidden else math.nan
        )
        delta = done.deltas[layer - 1]
        act_mean, act_std = _mean_and_std(kept.a)
        rows.append(
            LayerHealth(
                layer=layer,
                width=slot.shape[0],
                act_mean=act_mean,
                act_std=act_std,
                saturated=saturated,
                delta_rms=norm(delta) / math.sqrt(delta.size),
                grad_w_norm=norm(grad_w),
                grad_b_norm=norm(done.grads[slot.bias]),
                grad_data=_ratio(_mean_and_std(grad_w)[1], weight_std),
                update_data=update,
                weight_std=weight_std,
            )
        )
    return tuple(rows)
