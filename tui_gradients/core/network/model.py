"""A network bound to its data and loss: what a run evaluates at each step."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tui_gradients.core.network.losses import LOSSES
from tui_gradients.core.network.mlp import Architecture, Pass, backward, forward

Array = np.ndarray


@dataclass(frozen=True, eq=False)
class Network:
    """`x` is (samples, inputs); `target` is (samples, outputs) for `mse` and `half_squared`,
    the class numbers (samples,) as floats for `cross_entropy`."""

    architecture: Architecture
    x: Array
    target: Array
    loss: str

    @property
    def classes(self) -> bool:
        return self.loss == "cross_entropy"

    @property
    def samples(self) -> int:
        return len(self.x)

    def evaluate(self, params: Array, rows: Array | None = None) -> Pass:
        """Forward and backward on the samples `rows` (all of them for None)."""
        x, target = (self.x, self.target) if rows is None else (self.x[rows], self.target[rows])
        layers = forward(self.architecture, params, x)
        loss, d_output = LOSSES[self.loss](layers[-1].a, target)
        deltas, grads = backward(self.architecture, params, layers, d_output)
        return Pass(layers, layers[-1].a, float(loss), deltas, grads)

    def output(self, params: Array, x: Array | None = None) -> Array:
        """The network's output on `x` (its own data for None), without the backward pass;
        for a stack of parameter vectors, one output per row."""
        data = self.x if x is None else x
        return forward(self.architecture, params, data, keep=False)[-1].a

    def loss_at(self, params: Array) -> float:
        return float(self.loss_of(self.output(params)))

    def loss_of(self, output: Array) -> Any:
        """The loss of the network's output on all its data (one per row of a stack)."""
        return LOSSES[self.loss](output, self.target)[0]

    def losses(self, stack: Array) -> Array:
        """The loss of each parameter vector of `stack` (rows), on all the data."""
        return np.asarray(self.loss_of(self.output(stack)))

    def value_and_grad(self, params: Array) -> tuple[float, Array]:
        done = self.evaluate(params)
        return done.loss, done.grads

    def accuracy_of(self, output: Array) -> float:
        """The share of samples whose largest logit is their class (nan for a numeric target),
        from the network's output on all its data."""
        if not self.classes:
            return float("nan")
        return float(np.mean(np.argmax(output, axis=1) == self.target))
