"""A run: an optimiser stepping on a problem, with every iterate kept so steps can be undone.

The history lives in preallocated numpy arrays that double when full, so a million steps cost
a few tens of megabytes rather than millions of Python objects. A run never raises on bad
numbers: a non-finite or huge value ends it with a stated reason, keeping the last finite step.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import numpy as np

from tui_gradients.core import fast
from tui_gradients.core.errors import NoFurtherStep, SettingError, StepRefused
from tui_gradients.core.limits import HUGE
from tui_gradients.core.optimisation.optimizers import Optimizer
from tui_gradients.core.optimisation.transforms import State

Array = np.ndarray
ValueAndGrad = Callable[[Array], tuple[float, Array]]
Sampled = Callable[[Array, int], tuple[float, Array]]
"""(params, step) → the loss and gradient stored at that step (a minibatch's gradient)."""

__all__ = ["HUGE", "History", "Run", "Stop", "StopKind"]


class StopKind(Enum):
    CONVERGED = "converged"
    DIVERGED = "diverged"
    LIMIT = "step limit"


@dataclass(frozen=True)
class Stop:
    kind: StopKind
    step: int
    message: str


class History:
    """Every step's parameters, loss, gradient and optimiser state, in growable arrays.

    The row for step k holds the parameters after k updates, the loss and gradient there, and
    the optimiser state that the (k+1)-th update starts from. Until the history is thinned, row
    k is step k. `thin` keeps every `stride`-th step up to `thinned_to` and every step after it,
    so that a history past the app's memory budget keeps its shape and its recent steps.
    """

    def __init__(self, n_params: int, state_size: int, capacity: int = 1024) -> None:
        self._params = np.empty((capacity, n_params))
        self._loss = np.empty(capacity)
        self._grads = np.empty((capacity, n_params))
        self._states = np.empty((capacity, state_size, n_params))
        self._length = 0
        self.stride = 1
        self.thinned_to = 0
        """Steps up to this one (a multiple of `stride`) are kept only every `stride` steps."""

    # --- steps and rows ----------------------------------------------------------------------

    def row_of(self, step: int) -> int:
        """The row of `step`, or of the kept step before it."""
        if step <= self.thinned_to:
            return step // self.stride
        return self.thinned_to // self.stride + step - self.thinned_to

    def _rows_of(self, steps: Array) -> Array:
        """`row_of` for many kept steps at once."""
        edge = self.thinned_to
        rows: Array = np.minimum(steps, edge) // self.stride + np.maximum(steps - edge, 0)
        return rows

    def step_of(self, row: int) -> int:
        edge = self.thinned_to // self.stride
        return row * self.stride if row <= edge else self.thinned_to + row - edge

    @property
    def last_step(self) -> int:
        return self.step_of(self._length - 1)

    @property
    def steps(self) -> Array:
        """The step of each row."""
        rows = np.arange(self._length)
        edge = self.thinned_to // self.stride
        return np.where(rows <= edge, rows * self.stride, self.thinned_to + rows - edge)

    def kept_at_or_before(self, step: int) -> int:
        return self.step_of(self.row_of(step))

    def kept_at_or_after(self, step: int) -> int:
        before = self.kept_at_or_before(step)
        return before if before == step else self.step_of(self.row_of(step) + 1)

    def thin(self) -> bool:
        """Keep every other kept step up to the last multiple of twice the stride, and every
        step after it; False if that would keep as much as now."""
        stride, last = 2 * self.stride, self.last_step
        edge = last // stride * stride
        # every step after `edge` must be kept now (it is, past `thinned_to`), and fewer rows
        if edge < self.thinned_to or edge // stride + 1 + last - edge >= self._length:
            return False
        kept = np.concatenate([np.arange(0, edge + 1, stride), np.arange(edge + 1, last + 1)])
        rows = self._rows_of(kept)
        for name in ("_params", "_loss", "_grads", "_states"):
            setattr(self, name, getattr(self, name)[rows])  # a copy: the old arrays are freed
        self._length, self.stride, self.thinned_to = len(rows), stride, edge
        return True

    # --- rows ---------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._length

    def append(self, params: Array, loss: float, grads: Array, state: State) -> None:
        if self._length == len(self._loss):
            self._grow()
        k = self._length
        self._params[k] = params
        self._loss[k] = loss
        self._grads[k] = grads
        if state:
            self._states[k] = state
        self._length += 1

    def buffers(self) -> tuple[Array, Array, Array, Array]:
        """The whole arrays (params, loss, grads, states), for a compiled loop to fill past the
        last row; `commit` then counts what it wrote."""
        return self._params, self._loss, self._grads, self._states

    def commit(self, rows: int) -> None:
        self._length += rows

    def make_room(self, rows: int, most: int) -> None:
        """Room for `rows` more rows, and at least half as much again as now (at most `most`
        in all): a long jump takes what it needs at once, and a run of long jumps does not
        copy the whole history on every one of them."""
        needed = self._length + rows
        if needed > len(self._loss):
            self.reserve(max(needed, min(len(self._loss) * 3 // 2, most)))

    def _grow(self) -> None:
        self.reserve(2 * len(self._loss))

    def reserve(self, capacity: int) -> None:
        """Room for `capacity` rows. A long advance reserves what it needs at once: doubling
        past it would briefly hold the old and the new arrays, about three times the data."""
        if capacity <= len(self._loss):
            return
        for name in ("_params", "_loss", "_grads", "_states"):
            old = getattr(self, name)
            new = np.empty((capacity, *old.shape[1:]))
            new[: self._length] = old[: self._length]
            setattr(self, name, new)

    @property
    def params(self) -> Array:
        return self._params[: self._length]

    @property
    def loss(self) -> Array:
        return self._loss[: self._length]

    @property
    def grads(self) -> Array:
        return self._grads[: self._length]

    @property
    def states(self) -> Array:
        return self._states[: self._length]

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self._params, self._loss, self._grads, self._states))

    @staticmethod
    def row_bytes(n_params: int, state_size: int) -> int:
        """What one step adds: parameters, gradient and state, and the loss."""
        return 8 * (n_params * (2 + state_size) + 1)


class Run:
    """An optimiser on a problem, stepped on demand, with a cursor that can move back.

    `advance(n)` computes new steps past the end of the history; `forward`, `back` and `jump`
    only move the cursor (computing what is missing when moving forward).
    """

    def __init__(
        self,
        value_and_grad: ValueAndGrad,
        optimizer: Optimizer,
        start: Array,
        *,
        tol: float = 0.0,
        max_steps: int = 1_000_000,
        bound: float = HUGE,
        compiled: fast.Problem | None = None,
        sampled: Sampled | None = None,
    ) -> None:
        """`compiled` is the same problem for the fast loops, used for long advances.
        `sampled`, for minibatches, gives the loss and gradient stored at each step from the
        step's number too (then no fast loop serves)."""
        if not (math.isfinite(tol) and tol >= 0):
            raise SettingError("tol", f"must be a finite number ≥ 0, got {tol!r}")
        if max_steps < 0:
            raise SettingError("steps", f"must be ≥ 0, got {max_steps}")
        self.optimizer = optimizer
        self.tol = tol
        self.max_steps = max_steps
        self.bound = bound
        """A parameter beyond ±bound ends the run as diverged (HUGE unless the caller knows the
        problem's scale)."""
        self.compiled = None if sampled else compiled
        self.evaluate: Sampled = sampled or (lambda params, _: value_and_grad(params))
        self.stop: Stop | None = None
        start = np.asarray(start, dtype=float)
        loss, grads = self.evaluate(start, 0)
        if problem := _problem(start, loss, grads, bound):
            raise SettingError("start", f"{problem} at the start point")
        self._state: State = optimizer.init(start)
        self.history = History(start.size, optimizer.state_size)
        self.history.append(start, loss, grads, self._state)
        self.cursor = 0
        self._check_convergence()

    # --- computing ---------------------------------------------------------------------------

    @property
    def last_step(self) -> int:
        return self.history.last_step

    @property
    def rows_to_cursor(self) -> int:
        """How many rows of the history lie at or before the cursor."""
        return self.history.row_of(self.cursor) + 1

    def advance(self, n: int) -> int:
        """Compute up to n new steps at the end of the history; returns how many were taken.

        A long advance goes through a fast loop (`compiled`), which hands a step back to the
        Python loop below where only numpy's arithmetic gives it its meaning (ASIDE)."""
        if self.stop is None and n > 1:
            rows_left = self.max_steps - self.last_step
            self.history.make_room(min(n, rows_left), len(self.history) + rows_left)
        taken = 0
        while taken < n and self.stop is None:
            left = n - taken
            if self._fast_loop_fits(left):
                moved = self._advance_fast(left)
                taken += moved
                if moved == left or self.stop is not None:
                    break
                left = 1
            taken += self._advance_python(left)
        return taken

    def _advance_python(self, n: int) -> int:
        taken = 0
        history, update, evaluate = self.history, self.optimizer.step, self.evaluate
        params, state = history.params[-1].copy(), self._state
        grads, loss = history.grads[-1], float(history.loss[-1])
        with np.errstate(all="ignore"):  # bad numbers end the run below, with a reason
            while taken < n and self.stop is None:
                if self.last_step >= self.max_steps:
                    self.stop = Stop(
                        StopKind.LIMIT, self.last_step, f"step limit {self.max_steps} reached"
                    )
                    break
                try:
                    new_params, new_state = update(grads, state, params, loss)
                except StepRefused as refusal:
                    step = self.last_step + 1
                    self.stop = Stop(StopKind.DIVERGED, step, f"stopped at step {step}: {refusal}")
                    break
                except NoFurtherStep as finished:
                    step = self.last_step
                    self.stop = Stop(
                        StopKind.CONVERGED, step, f"converged at step {step}: {finished}"
                    )
                    break
                new_loss, new_grads = evaluate(new_params, self.last_step + 1)
                if problem := _problem(new_params, new_loss, new_grads, self.bound):
                    step = self.last_step + 1
                    self.stop = Stop(StopKind.DIVERGED, step, f"diverged at step {step}: {problem}")
                    break
                params, state, grads, loss = new_params, new_state, new_grads, new_loss
                history.append(params, loss, grads, state)
                taken += 1
                self._check_convergence()
        self._state = state
        return taken

    def _fast_loop_fits(self, n: int) -> bool:
        return self.compiled is not None and n >= fast.COMPILED_MIN_STEPS

    def _advance_fast(self, n: int) -> int:
        """`advance` through a fast loop: the same steps, stops and messages."""
        assert self.compiled is not None
        history = self.history
        row = len(history) - 1
        # the loops count steps by rows: in a thinned history the limit is as many rows on
        limits = (float(self.max_steps - self.last_step + row), self.tol, self.bound)
        taken, why, rejected = fast.advance(
            self.compiled,
            self.optimizer.rule,
            self.optimizer.vector,
            history.buffers(),
            row,
            n,
            limits,
            self.optimizer.schedule,
        )
        history.commit(taken)
        if self.optimizer.state_size:
            rows = history.states[-1]
            self._state = tuple(row.copy() for row in rows)
        if why == fast.LIMIT:
            message = f"step limit {self.max_steps} reached"
            self.stop = Stop(StopKind.LIMIT, self.last_step, message)
        elif why == fast.DIVERGED:
            size = history.params.shape[1]
            params, loss, grads = rejected[:size], rejected[size], rejected[size + 1 :]
            problem = _problem(params, float(loss), grads, self.bound)
            step = self.last_step + 1
            self.stop = Stop(StopKind.DIVERGED, step, f"diverged at step {step}: {problem}")
        elif why == fast.CONVERGED:
            self._check_convergence()
        return taken

    def _check_convergence(self) -> None:
        if self.tol == 0:
            return
        grads = self.history.grads[-1]
        with np.errstate(over="ignore"):  # a huge (finite) gradient's norm may be inf
            norm = math.sqrt(float(grads @ grads))
        if norm < self.tol:
            step = self.last_step
            self.stop = Stop(
                StopKind.CONVERGED,
                step,
                f"converged at step {step}: ‖∇‖ = {norm:.3g} < tol {self.tol:g}",
            )

    # --- moving the cursor ---------------------------------------------------------------------

    def forward(self, n: int = 1) -> int:
        """Move the cursor n steps on, computing steps past the end; returns the steps moved
        (in a thinned stretch of the history, on to the next step kept)."""
        target = self.cursor + n
        if target > self.last_step:
            self.advance(target - self.last_step)
        before = self.cursor
        self.cursor = self.history.kept_at_or_after(min(target, self.last_step))
        return self.cursor - before

    def back(self, n: int = 1) -> int:
        """Move the cursor n steps back (to the kept step at or before, where thinned)."""
        before = self.cursor
        self.cursor = self.history.kept_at_or_before(max(0, self.cursor - n))
        return before - self.cursor

    def jump(self, step: int) -> None:
        """Put the cursor on `step` (or the kept step before it), within the history."""
        self.cursor = self.history.kept_at_or_before(max(0, min(step, self.last_step)))

    def thin(self) -> bool:
        """Thin the history (`History.thin`), the cursor on a step still kept."""
        if not self.history.thin():
            return False
        self.cursor = self.history.kept_at_or_before(self.cursor)
        return True

    @property
    def params(self) -> Array:
        params: Array = self.history.params[self.history.row_of(self.cursor)]
        return params

    @property
    def loss(self) -> float:
        return float(self.history.loss[self.history.row_of(self.cursor)])

    @property
    def grads(self) -> Array:
        grads: Array = self.history.grads[self.history.row_of(self.cursor)]
        return grads


def _problem(params: Array, loss: float, grads: Array, bound: float) -> str | None:
    """What is wrong with a step's numbers, or None if they can be shown and stepped on."""
    largest = float(np.max(np.abs(params)))  # NaN if any is NaN: one pass checks both
    if not math.isfinite(largest):
        return "a parameter became non-finite"
    if not math.isfinite(loss):
        return "the loss became non-finite"
    if not math.isfinite(float(np.max(np.abs(grads)))):
        return "the gradient became non-finite"
    if largest > bound:
        return f"|parameter| = {largest:.4g} is beyond ±{bound:.4g}"
    if abs(loss) > HUGE**2:
        return f"|loss| = {abs(loss):.3g} exceeds {HUGE**2:.0e}"
    return None
