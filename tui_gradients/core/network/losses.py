"""The losses a network is trained on, each as (value, ∂C/∂output), with torch's reductions.

- `mse`: torch's `mse_loss` (mean over every element, no ½), for a numeric target.
- `cross_entropy`: torch's `cross_entropy` (log-softmax, mean over the batch), for classes.
- `half_squared`: ½(a − y)² summed, the chain's cost, which its lesson derives δ from.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Array = np.ndarray
Loss = Callable[[Array, Array], tuple[float, Array]]


def mse(out: Array, target: Array) -> tuple[float, Array]:
    """`out` and `target` are (batch, outputs)."""
    error = out - target
    return float(np.mean(error * error)), 2.0 * error / error.size


def log_softmax(logits: Array) -> Array:
    """Shifted by each row's largest logit, so no exp overflows."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    result: Array = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return result


def cross_entropy(logits: Array, labels: Array) -> tuple[float, Array]:
    """`logits` are (batch, classes), `labels` the class numbers (batch,) as floats."""
    rows = np.arange(len(labels))
    classes = labels.astype(np.intp)
    log_p = log_softmax(logits)
    grad = np.exp(log_p)
    grad[rows, classes] -= 1.0
    return float(-np.mean(log_p[rows, classes])), grad / len(labels)


def half_squared(out: Array, target: Array) -> tuple[float, Array]:
    error = out - target
    return float(0.5 * np.sum(error * error)), error


LOSSES: dict[str, Loss] = {
    "mse": mse,
    "cross_entropy": cross_entropy,
    "half_squared": half_squared,
}
