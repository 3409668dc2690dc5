"""A network's training run as the app steps it: a cursor that moves on and back, every step's
summary for the charts, and the weights kept to step back without recomputing from the start.

A network's weights and optimiser state are too large to keep for every step of a long run
(width 64 and depth 10 with Adam: 1.2 MB a step). So every step's summary is kept (loss,
accuracy, and each layer's ‖∂C/∂W‖ and update:data: some bytes a layer), and the weights and
state at checkpoints: every step while they fit the budget, then every second, fourth, …
step, the most recent steps always. A step back to a step without its checkpoint replays from
the one before it, as training is deterministic (the minibatch of a step follows from its
number). The layer table is computed for the cursor's step alone.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tui_gradients.core.network.health import LayerHealth, norm, update_data
from tui_gradients.core.network.model import Network
from tui_gradients.core.network.training import Step, at
from tui_gradients.core.objectives.regression import Minibatches
from tui_gradients.core.optimisation.optimizers import Optimizer
from tui_gradients.core.optimisation.transforms import State

Array = np.ndarray
CHECKPOINT_BUDGET = 48 * 2**20
"""Bytes of weights and optimiser state one run keeps for stepping back: six runs of a race
and their summaries stay within the app's history budget (`session.HISTORY_BUDGET`)."""
RECENT = 16
"""The last steps whose checkpoints thinning never drops: a step back from the end is at once."""
SUMMARY_ROWS = 2**14
"""Steps of summary kept before they are thinned to every second one (the charts draw a few
hundred points): at depth 64, 17 MB."""


@dataclass(frozen=True)
class Summary:
    """Every kept step's numbers for the charts, arrays over kept steps (and layers)."""

    steps: Array
    loss: Array
    accuracy: Array
    grad_w_norm: Array
    """(steps, layers)."""
    update_data: Array
    """(steps, layers): log₁₀(std(ΔW)/std(W)) of the update made from each step."""


class NetworkRun:
    """An optimiser training a network, stepped on demand (`advance`), with a cursor."""

    def __init__(
        self,
        network: Network,
        optimizer: Optimizer,
        params: Array,
        batches: Minibatches | None = None,
        budget: int = CHECKPOINT_BUDGET,
    ) -> None:
        self.network, self.optimizer, self.batches = network, optimizer, batches
        self.layers = network.architecture.layers
        self._step_bytes = 8 * params.size * (1 + optimizer.state_size)
        self._checkpoint_room = max(RECENT + 2, budget // max(self._step_bytes, 1))
        first = at(network, params.copy(), 0, optimizer.init(params), batches)
        self._checkpoints: dict[int, tuple[Array, State]] = {0: (first.params, first.state)}
        self._last: Step = first
        self._rows: list[Array] = []
        self._summary = np.empty((1024, 2 + 2 * self.layers))
        self._kept = 0
        self._stride = 1
        self._append(first)
        self.cursor = 0
        self._at_cursor: Step = first
        self._ahead: Step | None = None
        """The step after the last one, once the table has asked for its update: the next
        `advance` takes it instead of computing it again."""
        self.stop = ""
        """Why the run can go no further (a loss or weight that is not finite), if so."""

    # --- computing ---------------------------------------------------------------------------

    @property
    def last_step(self) -> int:
        return self._last.step

    def advance(
        self,
        count: int,
        cancelled: threading.Event | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Up to `count` new steps past the end; how many were made. `cancelled` stops it
        between two steps; `progress` hears how many are done."""
        made = 0
        with np.errstate(all="ignore"):  # huge numbers end the run below, with a reason
            made = self._advance(count, cancelled, progress)
        return made

    def _advance(
        self,
        count: int,
        cancelled: threading.Event | None,
        progress: Callable[[int], None] | None,
    ) -> int:
        made = 0
        while made < count and not self.stop:
            if cancelled is not None and cancelled.is_set():
                break
            following = self._after_last()
            if not (math.isfinite(following.loss) and np.isfinite(following.params).all()):
                self.stop = f"diverged at step {following.step}: the loss or a weight is not finite"
                break
            self._note_update(self._last, following)
            self._last = following
            self._append(following)
            self._keep(following)
            made += 1
            if progress is not None and made % 64 == 0:
                progress(made)
        return made

    def _after_last(self) -> Step:
        ahead, self._ahead = self._ahead, None
        return ahead if ahead is not None else self._next(self._last)

    def _next(self, step: Step) -> Step:
        with np.errstate(all="ignore"):  # a step that overflows ends the run, with a reason
            params, state = self.optimizer.step(step.done.grads, step.state, step.params, step.loss)
            return at(self.network, params, step.step + 1, state, self.batches)

    # --- moving ------------------------------------------------------------------------------

    def go_to(self, step: int) -> None:
        """Move the cursor (computing on past the end)."""
        step = max(0, step)
        if step > self.last_step:
            self.advance(step - self.last_step)
            step = min(step, self.last_step)
        self.cursor = step
        self._at_cursor = self._last if step == self.last_step else self._replayed(step)

    def _replayed(self, step: int) -> Step:
        kept = max(s for s in self._checkpoints if s <= step)
        params, state = self._checkpoints[kept]
        current = at(self.network, params, kept, state, self.batches)
        while current.step < step:
            current = self._next(current)
        return current

    def replay_cost(self, step: int) -> int:
        """Steps a move to `step` computes: from its checkpoint back, or on past the end."""
        if step > self.last_step:
            return step - self.last_step
        return step - max(s for s in self._checkpoints if s <= step)

    # --- what is shown -----------------------------------------------------------------------

    @property
    def current(self) -> Step:
        return self._at_cursor

    def table(self) -> tuple[LayerHealth, ...]:
        """The cursor's layer table, with the update its gradient makes (the one the next
        step takes, where it is not made yet)."""
        current = self._at_cursor
        kept = self._checkpoints.get(current.step + 1)
        if kept is not None:
            after = kept[0]
        elif current is self._last:
            if self._ahead is None:
                self._ahead = self._next(current)
            after = self._ahead.params
        else:
            after = self._next(current).params
        return current.health(self.network, after)

    def summary(self, upto: int | None = None) -> Summary:
        """The kept steps up to `upto` (the cursor by default)."""
        upto = self.cursor if upto is None else upto
        rows = self._summary[: self._kept]
        steps = np.arange(self._kept) * self._stride
        steps = np.minimum(steps, self.last_step)
        keep = steps <= upto
        rows, steps = rows[keep], steps[keep]
        layers = self.layers
        return Summary(
            steps,
            rows[:, 0],
            rows[:, 1],
            rows[:, 2 : 2 + layers],
            rows[:, 2 + layers :],
        )

    # --- bookkeeping -------------------------------------------------------------------------

    def _row_of(self, step: int) -> int:
        return min(step // self._stride, self._kept - 1)

    def _append(self, step: Step) -> None:
        if step.step % self._stride:
            return
        if self._kept == SUMMARY_ROWS:
            self._summary[: SUMMARY_ROWS // 2] = self._summary[:SUMMARY_ROWS:2]
            self._kept //= 2
            self._stride *= 2
            if step.step % self._stride:
                return
        if self._kept == len(self._summary):
            self._summary = np.concatenate([self._summary, np.empty_like(self._summary)])
        layout = self.network.architecture.layout
        row = self._summary[self._kept]
        row[0] = step.loss
        row[1] = step.accuracy
        for layer, slot in enumerate(layout.slots):
            row[2 + layer] = norm(step.done.grads[slot.weight])
        row[2 + self.layers :] = math.nan
        self._kept += 1

    def _note_update(self, before: Step, after: Step) -> None:
        """The update:data of the step from `before`, into its summary row."""
        if before.step % self._stride:
            return
        row = self._summary[self._row_of(before.step)]
        for layer, slot in enumerate(self.network.architecture.layout.slots):
            row[2 + self.layers + layer] = update_data(
                before.params[slot.weight], after.params[slot.weight]
            )

    def _keep(self, step: Step) -> None:
        self._checkpoints[step.step] = (step.params, step.state)
        if len(self._checkpoints) <= self._checkpoint_room:
            return
        recent = step.step - RECENT
        old = sorted(s for s in self._checkpoints if s < recent)
        for dropped in old[1::2]:  # every second old one: the gaps double
            del self._checkpoints[dropped]

    def visited(self, upto: int | None = None) -> Array:
        """The weights at the kept steps up to `upto` (the cursor by default), its own last:
        the path a plane through the weights projects."""
        upto = self.cursor if upto is None else upto
        kept = sorted(step for step in self._checkpoints if step < upto)
        at_end = self._at_cursor.params if upto == self.cursor else self._replayed(upto).params
        return np.array([*(self._checkpoints[step][0] for step in kept), at_end])

    @property
    def checkpoint_bytes(self) -> int:
        return len(self._checkpoints) * self._step_bytes
