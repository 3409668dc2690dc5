"""Training a network: the optimiser's one definition stepping the flat parameter vector.

A step here is a training loop's iteration: the pass on the step's batch gives the gradient,
and the optimiser (any of `optimisation.rules`, with any schedule) turns it into the next
parameters. Each step is recorded with what the layer table shows (`health`), including the
update that the step's gradient makes.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from tui_gradients.core.network.health import COLUMNS, LayerHealth, layer_health
from tui_gradients.core.network.mlp import Pass
from tui_gradients.core.network.model import Network
from tui_gradients.core.objectives.regression import Minibatches
from tui_gradients.core.optimisation.optimizers import Optimizer
from tui_gradients.core.optimisation.transforms import State

Array = np.ndarray


@dataclass(frozen=True)
class Step:
    """Step t: the parameters after t updates, the pass the (t+1)-th update's gradient comes
    from, and the loss on all the data there."""

    step: int
    params: Array
    state: State
    done: Pass
    loss: float
    """On every sample (the pass's own is its batch's, when there are minibatches)."""
    accuracy: float
    """On every sample; nan for a numeric target."""

    def health(self, network: Network, after: Array | None) -> tuple[LayerHealth, ...]:
        """The table's rows; `after` is the parameters the update leads to (None: no update
        yet, so no update:data)."""
        return layer_health(network, self.params, self.done, after)


def rows_of(batches: Minibatches | None, step: int) -> Array | None:
    return None if batches is None else batches.indices(step)


def at(
    network: Network, params: Array, step: int, state: State, batches: Minibatches | None
) -> Step:
    done = network.evaluate(params, rows_of(batches, step))
    output = done.output if batches is None else network.output(params)
    loss = done.loss if batches is None else network.loss_of(output)
    return Step(step, params, state, done, loss, network.accuracy_of(output))


def train(
    network: Network,
    optimizer: Optimizer,
    params: Array,
    batches: Minibatches | None = None,
    first: int = 0,
    state: State | None = None,
) -> Iterator[Step]:
    """Steps `first`, `first` + 1, … without end, from `params` (and the optimiser's `state`,
    its first one by default)."""
    current = at(
        network, params, first, optimizer.init(params) if state is None else state, batches
    )
    while True:
        yield current
        following, new_state = optimizer.step(
            current.done.grads, current.state, current.params, current.loss
        )
        current = at(network, following, current.step + 1, new_state, batches)


NET_COLUMNS = ("step", "layer", "loss", *COLUMNS)
"""The `net` command's columns; new ones go at the end."""


@dataclass
class TakenSteps:
    """What `net_rows` leaves behind: the last weights written, and why it stopped early."""

    last_params: Array = field(default_factory=lambda: np.zeros(0))
    stop: str = ""


def net_rows(
    network: Network, steps: Iterator[Step], count: int, taken: TakenSteps
) -> Iterator[tuple[int | float, ...]]:
    """A row per layer for steps 0…`count`, each with the update its gradient makes (none for
    the last). A step whose loss or weights are not finite ends the rows, said in `taken`."""
    current = next(steps)
    for _ in range(count + 1):
        following = next(steps) if current.step < count else None
        if following is not None and not _finite(following):
            taken.stop = f"diverged at step {following.step}: the loss or a weight is not finite"
            following = None
            count = current.step
        after = None if following is None else following.params
        for row in current.health(network, after):
            yield (current.step, row.layer, current.loss, *(getattr(row, c) for c in COLUMNS))
        taken.last_params = current.params
        if following is None:
            return
        current = following


def _finite(step: Step) -> bool:
    return math.isfinite(step.loss) and bool(np.isfinite(step.params).all())
