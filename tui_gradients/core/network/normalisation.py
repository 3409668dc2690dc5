"""Normalisation of a layer's pre-activation, forward and backward, written once for both kinds.

torch's `LayerNorm(width)` normalises each sample over the layer's units; `BatchNorm1d(width)` in
training mode normalises each unit over the batch. Both divide by √(var + eps) with the biased
variance (ddof 0) and then scale and shift each unit by γ and β, so they are one function whose
only difference is the axis the statistics are taken over.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

Array = np.ndarray
EPS = 1e-5
"""torch's default eps for both."""
KINDS = ("none", "layer", "batch")
AXIS = {"layer": -1, "batch": -2}
"""The axis of a (…, batch, width) array that each kind takes its mean and variance over."""


class Normalised(NamedTuple):
    out: Array
    """γ·x̂ + β."""
    xhat: Array
    """(u − mean) / √(var + eps)."""
    inverse_std: Array
    """1 / √(var + eps), kept with the axis for broadcasting."""


def normalise(kind: str, u: Array, gamma: Array, beta: Array) -> Normalised:
    """`gamma` and `beta` broadcast against `u`'s units (its last axis)."""
    axis = AXIS[kind]
    centred = u - u.mean(axis=axis, keepdims=True)
    inverse_std = 1.0 / np.sqrt((centred * centred).mean(axis=axis, keepdims=True) + EPS)
    xhat = centred * inverse_std
    return Normalised(gamma * xhat + beta, xhat, inverse_std)


def normalise_backward(
    kind: str, d_out: Array, kept: Normalised, gamma: Array
) -> tuple[Array, Array, Array]:
    """(∂C/∂u, ∂C/∂γ, ∂C/∂β) from ∂C/∂out: the mean and the variance depend on every element
    along the axis, which gives the two subtracted means."""
    axis = AXIS[kind]
    d_xhat = d_out * gamma
    xhat = kept.xhat
    du = kept.inverse_std * (
        d_xhat
        - d_xhat.mean(axis=axis, keepdims=True)
        - xhat * (d_xhat * xhat).mean(axis=axis, keepdims=True)
    )
    return du, (d_out * xhat).sum(axis=-2), d_out.sum(axis=-2)
