"""Optimisers as pure gradient transformations, composed as optax composes them.

A transformation is an (init, update) pair: `init(params)` gives the starting state and
`update(updates, state, params)` gives the transformed updates and the new state, changing
nothing in place, so a run can keep every state and step back. A state is a tuple of
parameter-shaped rows (a rule's named fields, in order), so a run stores the whole history of
states in one numpy array. `chain` composes transformations; an optimiser is its rule
(`from_rule`, the one definition every loop runs: see `rules`) followed by
`scale_by_learning_rate` (rprop and asgd, whose lr is not a final scale, by `scale(-1)`), and
`apply_updates` adds the result to the parameters. Newton's two are a transformation of their
own (`precondition_by_hessian`), and a schedule wraps the optimiser (`scale_by_schedule`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from tui_gradients.core.errors import SettingError, StepRefused
from tui_gradients.core.optimisation import rules
from tui_gradients.core.optimisation.rules import Rule, newton_direction
from tui_gradients.core.optimisation.schedules import Schedule
from tui_gradients.core.optimisation.updates import Hyper

Array = np.ndarray
State = tuple[Array, ...]


class GradientTransformation(NamedTuple):
    """optax's pair: `update(updates, state, params) -> (updates, state)`, both pure. One that
    `wants_value` is also given the loss at params, as optax's extra `value` argument (the
    plateau schedule reads it)."""

    init: Callable[[Array], State]
    update: Callable[..., tuple[Array, State]]
    wants_value: bool = False


def apply_updates(params: Array, updates: Array) -> Array:
    moved: Array = params + updates
    return moved


def update_given(
    transform: GradientTransformation, updates: Array, state: State, params: Array, value: float
) -> tuple[Array, State]:
    """`transform.update`, given the loss too if it wants it."""
    if transform.wants_value:
        return transform.update(updates, state, params, value)
    return transform.update(updates, state, params)


def chain(*transforms: GradientTransformation) -> GradientTransformation:
    """Apply `transforms` in order; the state is theirs, concatenated."""
    sizes = [len(t.init(np.zeros(1))) for t in transforms]

    def init(params: Array) -> State:
        return tuple(array for t in transforms for array in t.init(params))

    def update(
        updates: Array, state: State, params: Array, value: float = math.nan
    ) -> tuple[Array, State]:
        new_state: list[Array] = []
        offset = 0
        for transform, size in zip(transforms, sizes, strict=True):
            part_state = state[offset : offset + size]
            updates, part = update_given(transform, updates, part_state, params, value)
            new_state.extend(part)
            offset += size
        return updates, tuple(new_state)

    return GradientTransformation(init, update, any(t.wants_value for t in transforms))


def _stateless(function: Callable[[Array], Array]) -> GradientTransformation:
    return GradientTransformation(lambda params: (), lambda u, state, params: (function(u), ()))


def scale_by_learning_rate(lr: float) -> GradientTransformation:
    """The last step of every optimiser: a descent step of size lr."""
    return _stateless(lambda updates: -lr * updates)


_IN_NUMPY = {
    "sqrt": np.sqrt,
    "where": np.where,
    "maximum": np.maximum,
    "minimum": np.minimum,
    "sign": np.sign,
}
"""The rules' vocabulary on arrays (see `rules`)."""
_numpy_updates: dict[Callable[..., Any], Callable[..., Any]] = {}


def in_numpy(rule: Rule) -> Callable[..., Any]:
    """The rule's update on whole arrays: the same function, its vocabulary numpy's."""
    if rule.update not in _numpy_updates:
        _numpy_updates[rule.update] = rules.bound(rule.update, _IN_NUMPY)
    return _numpy_updates[rule.update]


def from_rule(rule: Rule, hp: Hyper) -> GradientTransformation:
    """A rule as optax's pair on arrays: its state one row per field, the step count read as
    one float (every coordinate has taken the same number of steps) so that its powers are the
    C library's, as in the fast loops."""
    update_rule = in_numpy(rule)
    counted = rule.counted

    def init(params: Array) -> State:
        return tuple(np.full_like(params, value) for value in rule.initial(hp))

    def update(updates: Array, state: State, params: Array) -> tuple[Array, State]:
        rows = zip(state, counted, strict=True)
        fields = (float(row[0]) if count else row for row, count in rows)
        direction, new = update_rule(hp, updates, params, rule.state(*fields))
        return direction, tuple(np.full_like(params, v) if np.ndim(v) == 0 else v for v in new)

    return GradientTransformation(init, update)


class ScheduleState(NamedTuple):
    """A schedule's rows, after the optimiser's own."""

    steps: Array
    """The scheduler's steps so far."""
    lr: Array
    """The lr in force."""
    best: Array
    """The plateau rule's best loss so far."""
    bad: Array
    """The plateau rule's steps in a row without progress."""
    cooldown: Array
    """The plateau rule's steps left before it counts again."""


SCHEDULE_ROWS = len(ScheduleState._fields)
NO_LOSS_YET = np.finfo(float).max
"""The plateau rule's best loss before the first step (torch's inf, kept finite so that every
state row can be written to JSON)."""


def scale_by_schedule(
    inner: Callable[[Hyper], GradientTransformation],
    hp: Hyper,
    schedule: Schedule,
    cycled: str | None = None,
) -> GradientTransformation:
    """An optimiser under a learning-rate schedule, as optax's `inject_hyperparams` runs one:
    `inner` is the optimiser built from settings, run with those in force. The step is
    −lrₜ·its direction, then the scheduler's step (after the optimiser's, as in a torch
    training loop, whose plateau rule is given the loss that this step's gradient came with).
    Where the schedule cycles momentum, the setting named `cycled` (momentum or β1) is the
    schedule's at the step count. State: the optimiser's own rows, then `ScheduleState`."""
    fixed = inner(hp)
    size = len(fixed.init(np.zeros(1)))

    def at_step(count: int) -> GradientTransformation:
        """The optimiser with the settings in force at the scheduler's step `count`: built
        again only where a setting moves."""
        return inner(hp._replace(**{cycled: schedule.momentum(count)})) if cycled else fixed

    def init(params: Array) -> State:
        zeros = np.zeros_like(params)
        first = np.full_like(params, schedule.first(hp.lr))
        ours = ScheduleState(zeros, first, np.full_like(params, NO_LOSS_YET), zeros, zeros)
        return (*fixed.init(params), *ours)

    def update(updates: Array, state: State, params: Array, value: float) -> tuple[Array, State]:
        own, ours = state[:size], ScheduleState(*state[size:])
        steps = int(ours.steps[0])
        direction, own = update_given(at_step(steps), updates, own, params, value)
        now = float(ours.lr[0])
        memory = (float(ours.best[0]), float(ours.bad[0]), float(ours.cooldown[0]))
        following, memory = schedule.next(now, steps + 1, hp.lr, value, memory)
        rows = (np.full_like(params, v) for v in (following, *memory))
        return -now * direction, (*own, ours.steps + 1, *rows)

    return GradientTransformation(init, update, wants_value=True)


Hessian = Callable[[Array], Array]
"""The 2×2 Hessian of the surface at a point."""


def precondition_by_hessian(hessian: Hessian | None, diagonal: bool) -> GradientTransformation:
    """Newton's direction H⁻¹·g, or with `diagonal` g / diag(H) (`rules.newton_direction`, which
    every loop runs). Only where H is positive definite (its diagonal positive) is that a
    descent direction: elsewhere the step is refused and says why (StepRefused) rather than
    heading for a saddle or a maximum."""
    if hessian is None:
        raise SettingError("optimizer", "newton needs a Hessian: the 2-D surfaces have one")

    def update(updates: Array, state: State, params: Array) -> tuple[Array, State]:
        h = hessian(params)
        if not np.all(np.isfinite(h)):
            raise StepRefused("the Hessian is not finite here")
        (h11, h12), (_, h22) = h.tolist()
        safe, d1, d2 = newton_direction(diagonal, h11, h12, h22, *updates.tolist())
        if safe:
            return np.array([d1, d2]), ()
        if diagonal:
            shown = ", ".join(f"{c:.3g}" for c in (h11, h22))
            raise StepRefused(f"a curvature on the diagonal of H is not positive ({shown})")
        low, high = np.linalg.eigvalsh(h)
        kind, towards = "singular", "nowhere in particular"
        if low < 0:
            kind, towards = "indefinite", "a saddle"
        if high < 0:
            kind, towards = "negative definite", "a maximum"
        raise StepRefused(
            f"H is {kind} here (λ = {low:.3g}, {high:.3g}): Newton's step heads for "
            f"{towards}, not downhill; start where f curves up in every direction (t shows "
            "λ), or pick another optimiser"
        )

    return GradientTransformation(lambda params: (), update)


def scale(factor: float) -> GradientTransformation:
    return _stateless(lambda updates: factor * updates)
