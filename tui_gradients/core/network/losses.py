"""The losses a network is trained on, each as (value, ∂C/∂output), with torch's reductions.

- `mse`: torch's `mse_loss` (mean over every element, no ½), for a numeric target.
- `cross_entropy`: torch's `cross_entropy` (log-softmax, mean over the batch), for classes.
- `half_squared`: ½(a − y)² summed, the chain's cost, which its lesson derives δ from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Array = np.ndarray
Loss = Callable[[Array, Array], tuple[Any, Array]]
"""(output, target) → (value, ∂value/∂output). The output may be a stack of outputs
(…, batch, outputs), one per network of a stack (a plane's grid): the value then has those
leading axes."""


def mse(out: Array, target: Array) -> tuple[Any, Array]:
    """`out` and `target` are (…, batch, outputs)."""
    error = out - target
    count = error.shape[-2] * error.shape[-1]
    return np.mean(error * error, axis=(-2, -1)), 2.0 * error / count


def log_softmax(logits: Array) -> Array:
    """Shifted by each row's largest logit, so no exp overflows."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    result: Array = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return result


def cross_entropy(logits: Array, labels: Array) -> tuple[Any, Array]:
    """`logits` are (…, batch, classes), `labels` the class numbers (batch,) as floats."""
    classes = np.broadcast_to(labels.astype(np.intp)[:, None], (*logits.shape[:-1], 1))
    log_p = log_softmax(logits)
    grad = np.exp(log_p)
    np.put_along_axis(grad, classes, np.take_along_axis(grad, classes, axis=-1) - 1.0, axis=-1)
    chosen = np.take_along_axis(log_p, classes, axis=-1)[..., 0]
    return -np.mean(chosen, axis=-1), grad / len(labels)


def half_squared(out: Array, target: Array) -> tuple[Any, Array]:
    error = out - target
    return 0.5 * np.sum(error * error, axis=(-2, -1)), error


LOSSES: dict[str, Loss] = {
    "mse": mse,
    "cross_entropy": cross_entropy,
    "half_squared": half_squared,
}
