"""Optimisers as pure gradient transformations, composed as optax composes them, with the
formulas and defaults of torch.optim.

A transformation is an (init, update) pair: `init(params)` gives the starting state and
`update(updates, state, params)` gives the transformed updates and the new state, changing
nothing in place, so a run can keep every state and step back. A state is a flat tuple of
parameter-shaped arrays, so a run stores the whole history of states in one numpy array.
`chain` composes transformations; an optimiser ends with `scale_by_learning_rate` (rprop and
asgd, whose lr is not a final scale, with `scale(-1)`), and `apply_updates` adds the result to
the parameters.

The formulas are those documented for torch.optim (SGD, Adagrad, RMSprop, Adam, AdamW, NAdam,
RAdam, Adamax, Adadelta, Rprop, ASGD), with torch's defaults, so a trajectory here matches
PyTorch's to rounding (`tests/make_torch_reference.py` keeps the evidence):

- gd:        p ← p − lr·g
- momentum:  b ← g at first, then μ·b + (1 − dampening)·g;  p ← p − lr·b     (torch SGD)
- nesterov:  the same b;  p ← p − lr·(g + μ·b)                              (nesterov=True)
- adagrad:   s ← s + g²;  p ← p − lr·g / (√s + eps)       (initial accumulator 0, eps 1e-10)
- rmsprop:   v ← α·v + (1 − α)·g²;  p ← p − lr·g / (√v + eps)              (α 0.99, eps 1e-8)
- adam:      m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  t ← t + 1
             p ← p − lr·(m / (1 − β1ᵗ)) / (√v / √(1 − β2ᵗ) + eps)   (amsgrad: the largest v)
- adamw:     adam, then p ← p − lr·wd·p (decoupled weight decay, 0.01)
- nadam, radam, adamax, adadelta, rprop, asgd: see each `scale_by_*` below.

Every one but rprop takes torch's weight_decay, g ← g + wd·p, first (`add_decayed_weights`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np

from tui_gradients.core import lbfgs
from tui_gradients.core.errors import SettingError, StepRefused
from tui_gradients.core.schedules import Schedule

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
    return params + updates


def _update(
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
            updates, part = _update(transform, updates, part_state, params, value)
            new_state.extend(part)
            offset += size
        return updates, tuple(new_state)

    return GradientTransformation(init, update, any(t.wants_value for t in transforms))


def _stateless(function: Callable[[Array], Array]) -> GradientTransformation:
    return GradientTransformation(lambda params: (), lambda u, state, params: (function(u), ()))


def scale_by_learning_rate(lr: float) -> GradientTransformation:
    """The last step of every optimiser: a descent step of size lr."""
    return _stateless(lambda updates: -lr * updates)


def add_decayed_weights(weight_decay: float) -> GradientTransformation:
    """torch's `weight_decay`: g ← g + wd·p, before anything else reads g (L2); AdamW puts it
    after its scaling instead (decoupled)."""
    if weight_decay == 0:
        return _stateless(lambda updates: updates)

    def update(updates: Array, state: State, params: Array) -> tuple[Array, State]:
        return updates + weight_decay * params, ()

    return GradientTransformation(lambda params: (), update)


def _counted(params: Array) -> State:
    return (np.zeros_like(params),)


def trace(momentum: float, nesterov: bool, dampening: float = 0.0) -> GradientTransformation:
    """torch's SGD momentum buffer: b ← g at the first step, then b ← μ·b + (1 − dampening)·g;
    nesterov looks ahead: g + μ·b. The state is the step count, then b."""

    def init(params: Array) -> State:
        return (*_counted(params), np.zeros_like(params))

    def update(updates: Array, state: State, params: Array) -> tuple[Array, State]:
        count, buffer = state
        first = count[0] == 0  # torch's buffer starts as the first gradient
        buffer = updates.copy() if first else momentum * buffer + (1 - dampening) * updates
        direction = updates + momentum * buffer if nesterov else buffer
        return direction, (count + 1, buffer)

    return GradientTransformation(init, update)


def scale_by_sum_of_squares(eps: float) -> GradientTransformation:
    """Adagrad in torch's form: the sum starts at 0 and eps is added after the square root."""

    def update(updates: Array, state: State, params: Array) -> tuple[Array, State]:
        total = state[0] + updates * updates
        return updates / (np.sqrt(total) + eps), (total,)

    return GradientTransformation(lambda params: (np.zeros_like(params),), update)


def scale_by_rms(alpha: float, eps: float) -> GradientTransformation:
    """RMSprop: a running average of g², eps added after the square root."""

    def update(updates: Array, state: State, params: Array) -> tuple[Array, State]:
        average = alpha * state[0] + (1 - alpha) * updates * updates
        return updates / (np.sqrt(average) + eps), (average,)

    return GradientTransformation(lambda params: (np.zeros_like(params),), update)


def _steps_taken(count: Array) -> float:
    """The step number: every coordinate has taken the same count of steps. Its powers are taken
    of a Python float, once: numpy's vectorised pow may round differently from the C library's,
    which the fast loops use, and a last-bit difference grows on a run near a minimum."""
    return float(count[0])


def _zeros(rows: int) -> Callable[[Array], State]:
    return lambda params: tuple(np.zeros_like(params) for _ in range(rows))


def scale_by_adam(beta1: float, beta2: float, eps: float, amsgrad: bool) -> GradientTransformation:
    """Adam with torch's bias correction; the step count is kept per parameter, as torch keeps
    state['step'] per tensor. The state is (count, m, v, the largest v so far): the last is
    what `amsgrad` divides by, and is kept (unused) without it, so that every Adam has one
    layout."""

    def update(updates: Array, state: State, params: Array) -> tuple[Array, State]:
        count, mu, nu, nu_max = state
        count = count + 1
        t = _steps_taken(count)
        mu = beta1 * mu + (1 - beta1) * updates
        nu = beta2 * nu + (1 - beta2) * updates * updates
        nu_max = np.maximum(nu_max, nu) if amsgrad else nu_max
        denominator = np.sqrt(nu_max if amsgrad else nu) / math.sqrt(1 - beta2**t) + eps
        return mu / (1 - beta1**t) / denominator, (count, mu, nu, nu_max)

    return GradientTransformation(_zeros(4), update)


def scale_by_nadam(
    beta1: float, beta2: float, eps: float, momentum_decay: float
) -> GradientTransformation:
    """torch's NAdam: a momentum μₜ = β1·(1 − ½·0.96^(t·ψ)) that warms up, Nesterov's look-ahead
    through the product of the μ so far. State: (count, ∏μ, m, v)."""

    def init(params: Array) -> State:
        return (
            np.zeros_like(params),
            np.ones_like(params),
            np.zeros_like(params),
            np.zeros_like(params),
        )

    def update(updates: Array, state: State, params: Array) -> tuple[Array, State]:
        count, product, mu, nu = state
        count = count + 1
        t = _steps_taken(count)
        momentum = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        following = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        product = product * momentum
        mu = beta1 * mu + (1 - beta1) * updates
        nu = beta2 * nu + (1 - beta2) * updates * updates
        denominator = np.sqrt(nu / (1 - beta2**t)) + eps
        now = (1 - momentum) / (1 - product) * updates / denominator
        ahead = following / (1 - product * following) * mu / denominator
        return now + ahead, (count, product, mu, nu)

    return GradientTransformation(init, update)


def scale_by_radam(beta1: float, beta2: float, eps: float) -> GradientTransformation:
    """torch's RAdam: Adam's step once the variance of its adaptive lr is tractable (ρₜ > 5),
    rectified by rₜ; before that, momentum alone. State: (count, m, v)."""
    rho_inf = 2 / (1 - beta2) - 1

    def update(updates: Array, state: State, params: Array) -> tuple[Array, State]:
        count, mu, nu = state
        count = count + 1
        t = _steps_taken(count)
        mu = beta1 * mu + (1 - beta1) * updates
        nu = beta2 * nu + (1 - beta2) * updates * updates
        corrected = mu / (1 - beta1**t)
        correction2 = 1 - beta2**t
        rho = rho_inf - 2 * t * beta2**t / correction2
        if rho <= 5:
            return corrected, (count, mu, nu)
        rectifier = math.sqrt(
            (rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho)
        )
        adaptive = math.sqrt(correction2) / (np.sqrt(nu) + eps)
        return corrected * adaptive * rectifier, (count, mu, nu)

    return GradientTransformation(_zeros(3), update)


def scale_by_adamax(beta1: float, beta2: float, eps: float) -> GradientTransformation:
    """torch's Adamax: u ← max(β2·u, |g| + eps), step m / ((1 − β1ᵗ)·u). State: (count, m, u)."""

    def update(updates: Array, state: State, params: Array) -> tuple[Array, State]:
        count, mu, largest = state
        count = count + 1
        mu = beta1 * mu + (1 - beta1) * updates
        largest = np.maximum(beta2 * largest, np.abs(updates) + eps)
        return mu / largest / (1 - beta1 ** _steps_taken(count)), (count, mu, largest)

    return GradientTransformation(_zeros(3), update)


def scale_by_adadelta(rho: float, eps: float) -> GradientTransformation:
    """torch's Adadelta: Δ = √(E[Δ²] + eps) / √(E[g²] + eps) · g, both averages with rho.
    State: (E[g²], E[Δ²])."""

    def update(updates: Array, state: State, params: Array) -> tuple[Array, State]:
        square, deltas = state
        square = rho * square + (1 - rho) * updates * updates
        delta = np.sqrt(deltas + eps) / np.sqrt(square + eps) * updates
        deltas = rho * deltas + (1 - rho) * delta * delta
        return delta, (square, deltas)

    return GradientTransformation(_zeros(2), update)


def scale_by_rprop(
    lr: float, etas: tuple[float, float], step_sizes: tuple[float, float]
) -> GradientTransformation:
    """torch's Rprop: each coordinate's own step, grown by eta+ while its gradient keeps its
    sign and shrunk by eta− when it flips (that step then skipped); the step starts at lr and
    stays within step_sizes. It moves by the sign of g alone. State: (previous g, step)."""
    eta_minus, eta_plus = etas
    smallest, largest = step_sizes

    def init(params: Array) -> State:
        return np.zeros_like(params), np.full_like(params, lr)

    def update(updates: Array, state: State, params: Array) -> tuple[Array, State]:
        previous, step = state
        agreement = np.sign(updates * previous)
        factor = np.where(agreement > 0, eta_plus, np.where(agreement < 0, eta_minus, 1.0))
        step = np.clip(step * factor, smallest, largest)
        kept = np.where(agreement < 0, 0.0, updates)
        return step * np.sign(kept), (kept, step)

    return GradientTransformation(init, update)


def scale_by_asgd(lr: float, lambd: float, alpha: float) -> GradientTransformation:
    """torch's ASGD, as the iterates move (its running average is not a step): p shrinks by
    λ·η and steps by η·g, with ηₜ = lr / (1 + λ·lr·(t − 1))^α. State: the count."""

    def update(updates: Array, state: State, params: Array) -> tuple[Array, State]:
        (count,) = state
        eta = lr / (1 + lambd * lr * _steps_taken(count)) ** alpha
        return eta * (lambd * params) + eta * updates, (count + 1,)

    return GradientTransformation(_counted, update)


MAX_CONDITION = 1e12
"""κ past which H counts as singular: its inverse would be mostly rounding."""
SCHEDULE_ROWS = 5
NO_LOSS_YET = np.finfo(float).max
"""The plateau rule's best loss before the first step (torch's inf, kept finite so that every
state row can be written to JSON)."""


def scale_by_schedule(lr: float, schedule: Schedule) -> GradientTransformation:
    """The last step with a learning-rate schedule: −lrₜ·updates, then the scheduler's step
    (after the optimiser's, as in a torch training loop, whose plateau rule is given the loss
    that this step's gradient came with). State: (step count, lr in force, best loss, bad
    steps, cooldown)."""

    def init(params: Array) -> State:
        first = np.full_like(params, schedule.first(lr))
        zeros = np.zeros_like(params)
        return zeros, first, np.full_like(params, NO_LOSS_YET), zeros, zeros

    def update(updates: Array, state: State, params: Array, value: float) -> tuple[Array, State]:
        count, rate, best, bad, cooldown = state
        now = float(rate[0])
        memory = (float(best[0]), float(bad[0]), float(cooldown[0]))
        following, memory = schedule.next(now, int(count[0]) + 1, lr, value, memory)
        rows = (np.full_like(params, v) for v in (following, *memory))
        return -now * updates, (count + 1, *rows)

    return GradientTransformation(init, update, wants_value=True)


Hessian = Callable[[Array], Array]
"""The 2×2 Hessian of the surface at a point."""


def precondition_by_hessian(hessian: Hessian | None, diagonal: bool) -> GradientTransformation:
    """Newton's direction H⁻¹·g, or with `diagonal` g / diag(H) (each coordinate scaled by its
    own curvature, as a diagonal preconditioner does). Only where H is positive definite (its
    diagonal positive) is that a descent direction: elsewhere the step is refused and says
    why (StepRefused) rather than heading for a saddle or a maximum."""
    if hessian is None:
        raise SettingError("optimizer", "newton needs a Hessian: the 2-D surfaces have one")

    def update(updates: Array, state: State, params: Array) -> tuple[Array, State]:
        h = hessian(params)
        if not np.all(np.isfinite(h)):
            raise StepRefused("the Hessian is not finite here")
        if diagonal:
            curvatures = np.diag(h)
            if np.any(curvatures <= 0):
                shown = ", ".join(f"{c:.3g}" for c in curvatures)
                raise StepRefused(f"a curvature on the diagonal of H is not positive ({shown})")
            return updates / curvatures, ()
        low, high = np.linalg.eigvalsh(h)
        if low <= 0 or high / low > MAX_CONDITION:
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
        return np.linalg.solve(h, updates), ()

    return GradientTransformation(lambda params: (), update)


def lbfgs_steps(value_and_grad: lbfgs.ValueAndGrad | None, h: Hyperparameters):
    """torch's LBFGS: each update is a whole `step(closure)` (up to max_iter iterations, each
    evaluating f as it needs), given, as rprop's and asgd's are, pointing uphill: the last
    step negates it into the move to where it ends."""
    if value_and_grad is None:
        raise SettingError("optimizer", "lbfgs needs to evaluate f itself")

    def init(params: Array) -> State:
        return lbfgs.initial_state(params, h.history_size)

    def update(updates: Array, state: State, params: Array, value: float) -> tuple[Array, State]:
        end, state = lbfgs.step(
            value_and_grad, params, value, updates, state, h.lr, h.max_iter, h.history_size,
            h.line_search,
        )  # fmt: skip
        return params - end, state

    return GradientTransformation(init, update, wants_value=True)


def scale(factor: float) -> GradientTransformation:
    return _stateless(lambda updates: factor * updates)


# --- the registry ---------------------------------------------------------------------------

HYPERPARAMETERS = (
    "lr", "momentum", "alpha", "beta1", "beta2", "eps",
    "weight_decay", "dampening", "amsgrad", "rho", "eta_minus", "eta_plus",
    "step_min", "step_max", "lambd", "momentum_decay", "history_size", "max_iter", "line_search",
)  # fmt: skip
"""The order of `Hyperparameters.vector()`, which the fast loops read by position: new ones go
at the end."""


@dataclass(frozen=True)
class Recipe:
    """How one optimiser is built from the settings, which of them it reads, and its own
    defaults for the settings whose torch default differs between optimisers (eps, alpha,
    weight_decay)."""

    scale: Callable[[Hyperparameters, Problem], tuple[GradientTransformation, ...]]
    """What comes before the learning rate."""
    reads: tuple[str, ...]
    defaults: dict[str, float] = field(default_factory=dict)
    scaled_by_lr: bool = True
    """False where lr is not a final scale (Rprop's first step size, ASGD's η, LBFGS's own
    steps): their updates point uphill and the last step negates them."""
    second_order: bool = False
    """It reads the surface's Hessian (`Problem.hessian`)."""
    evaluates: bool = False
    """It evaluates f and ∇f itself, where it wants (LBFGS): on the full batch, so it cannot
    step on minibatches."""


class Problem(NamedTuple):
    """What a few optimisers read of the problem itself, beyond its gradient."""

    value_and_grad: lbfgs.ValueAndGrad | None = None
    """For LBFGS, which evaluates f as often as its line search wants."""
    hessian: Hessian | None = None
    """For Newton's two: the surface's Hessian."""


def _l2(h: Hyperparameters) -> GradientTransformation:
    return add_decayed_weights(h.resolved("weight_decay"))


def _adam(h: Hyperparameters, decoupled: bool) -> tuple[GradientTransformation, ...]:
    adam = scale_by_adam(h.beta1, h.beta2, h.resolved("eps"), h.amsgrad)
    if decoupled:  # AdamW: p·(1 − lr·wd), written as the update −lr·wd·p
        return adam, add_decayed_weights(h.resolved("weight_decay"))
    return _l2(h), adam


_ADAM_READS = ("lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad")
REGISTRY: dict[str, Recipe] = {
    "gd": Recipe(lambda h, p: (_l2(h),), ("lr", "weight_decay")),
    "momentum": Recipe(
        lambda h, p: (_l2(h), trace(h.momentum, False, h.dampening)),
        ("lr", "momentum", "dampening", "weight_decay"),
    ),
    "nesterov": Recipe(
        lambda h, p: (_l2(h), trace(h.momentum, True)), ("lr", "momentum", "weight_decay")
    ),
    "adagrad": Recipe(
        lambda h, p: (_l2(h), scale_by_sum_of_squares(h.resolved("eps"))),
        ("lr", "eps", "weight_decay"),
        {"eps": 1e-10},
    ),
    "rmsprop": Recipe(
        lambda h, p: (_l2(h), scale_by_rms(h.resolved("alpha"), h.resolved("eps"))),
        ("lr", "alpha", "eps", "weight_decay"),
    ),
    "adam": Recipe(lambda h, p: _adam(h, decoupled=False), _ADAM_READS),
    "adamw": Recipe(lambda h, p: _adam(h, decoupled=True), _ADAM_READS, {"weight_decay": 1e-2}),
    "nadam": Recipe(
        lambda h, p: (
            _l2(h),
            scale_by_nadam(h.beta1, h.beta2, h.resolved("eps"), h.momentum_decay),
        ),
        ("lr", "beta1", "beta2", "eps", "weight_decay", "momentum_decay"),
    ),
    "radam": Recipe(
        lambda h, p: (_l2(h), scale_by_radam(h.beta1, h.beta2, h.resolved("eps"))),
        ("lr", "beta1", "beta2", "eps", "weight_decay"),
    ),
    "adamax": Recipe(
        lambda h, p: (_l2(h), scale_by_adamax(h.beta1, h.beta2, h.resolved("eps"))),
        ("lr", "beta1", "beta2", "eps", "weight_decay"),
    ),
    "adadelta": Recipe(
        lambda h, p: (_l2(h), scale_by_adadelta(h.rho, h.resolved("eps"))),
        ("lr", "rho", "eps", "weight_decay"),
        {"eps": 1e-6},
    ),
    "rprop": Recipe(
        lambda h, p: (scale_by_rprop(h.lr, (h.eta_minus, h.eta_plus), (h.step_min, h.step_max)),),
        ("lr", "eta_minus", "eta_plus", "step_min", "step_max"),
        scaled_by_lr=False,
    ),
    "asgd": Recipe(
        lambda h, p: (_l2(h), scale_by_asgd(h.lr, h.lambd, h.resolved("alpha"))),
        ("lr", "lambd", "alpha", "weight_decay"),
        {"alpha": 0.75},
        scaled_by_lr=False,
    ),
    "lbfgs": Recipe(
        lambda h, p: (lbfgs_steps(p.value_and_grad, h),),
        ("lr", "history_size", "max_iter", "line_search"),
        scaled_by_lr=False,
        evaluates=True,
    ),
    "newton": Recipe(
        lambda h, p: (precondition_by_hessian(p.hessian, diagonal=False),),
        ("lr",),
        second_order=True,
    ),
    "newton_diag": Recipe(
        lambda h, p: (precondition_by_hessian(p.hessian, diagonal=True),),
        ("lr",),
        second_order=True,
    ),
}
OPTIMIZERS = tuple(REGISTRY)
TORCH_OPTIMIZERS = tuple(name for name, recipe in REGISTRY.items() if not recipe.second_order)
"""Those torch.optim has."""
SWITCHES_OFF = {"weight_decay": None, "dampening": 0.0, "amsgrad": False}
"""The settings that switch a variant of an optimiser on, at torch's defaults."""
SHARED_DEFAULTS = {"eps": 1e-8, "alpha": 0.99, "weight_decay": 0.0}
"""Where an optimiser's recipe names no default of its own."""


def label(optimizer: str, lr: float) -> str:
    """`adagrad lr 5`: how every legend names a run, by its optimiser and its lr."""
    return f"{optimizer} lr {lr:g}"


class Optimizer(NamedTuple):
    """A built optimiser: its transformation, and what a run needs to store and copy it."""

    name: str
    transform: GradientTransformation
    state_size: int
    """How many parameter-shaped arrays the state holds (0 for plain gd)."""
    vector: tuple[float, ...]
    """`Hyperparameters.vector()`, for the fast loops."""
    schedule: Schedule | None = None
    """The schedule its lr follows, kept in its last state rows (`lr_row`); None for none."""

    def init(self, params: Array) -> State:
        return self.transform.init(params)

    def step(
        self, grads: Array, state: State, params: Array, value: float = math.nan
    ) -> tuple[Array, State]:
        """The new parameters and state after one update (neither input is changed); `value`
        is the loss at params (the plateau schedule reads it)."""
        updates, state = _update(self.transform, grads, state, params, value)
        return apply_updates(params, updates), state

    @property
    def label(self) -> str:
        """`adagrad lr 5`, as legends show the run it steps."""
        return label(self.name, self.vector[0])

    @property
    def scheduled(self) -> bool:
        return self.schedule is not None

    @property
    def lr_row(self) -> int | None:
        """The state row holding the lr in force, when scheduled."""
        return self.state_size - SCHEDULE_ROWS + 1 if self.scheduled else None


@dataclass(frozen=True)
class Hyperparameters:
    """Everything an optimiser might read, with torch.optim's defaults. eps, alpha and
    weight_decay are None for the optimiser's own default (`resolved`)."""

    optimizer: str = "gd"
    lr: float = 0.5
    momentum: float = 0.9
    alpha: float | None = None
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float | None = None
    weight_decay: float | None = None
    schedule: Schedule = field(default_factory=Schedule)
    """The learning-rate schedule (none: lr throughout)."""
    dampening: float = 0.0
    amsgrad: bool = False
    rho: float = 0.9
    eta_minus: float = 0.5
    eta_plus: float = 1.2
    step_min: float = 1e-6
    step_max: float = 50.0
    lambd: float = 1e-4
    momentum_decay: float = 4e-3
    history_size: int = 100
    max_iter: int = 20
    line_search: bool = False
    """LBFGS's strong-Wolfe line search (torch's line_search_fn="strong_wolfe")."""

    def __post_init__(self) -> None:
        if self.optimizer not in REGISTRY:
            raise SettingError(
                "optimizer",
                f"unknown optimizer {self.optimizer!r}; choose from {', '.join(OPTIMIZERS)}",
            )
        _check("lr", self.lr, low=0.0, low_open=True, high=1e6)
        for name in ("momentum", "beta1", "beta2", "dampening", "rho"):
            _check(name, getattr(self, name), low=0.0, high=1.0, high_open=True)
        for name, high in (("alpha", 1.0), ("weight_decay", 1e3), ("eps", 1.0)):
            if (value := getattr(self, name)) is not None:
                _check(name, value, low=0.0, low_open=name == "eps", high=high, high_open=True)
        _check("eta_minus", self.eta_minus, low=0.0, low_open=True, high=1.0, high_open=True)
        _check("eta_plus", self.eta_plus, low=1.0, low_open=True, high=1e3)
        _check("step_min", self.step_min, low=0.0, high=self.step_max)
        _check("step_max", self.step_max, low=0.0, low_open=True, high=1e6)
        _check("lambd", self.lambd, low=0.0, high=1e3)
        _check("momentum_decay", self.momentum_decay, low=0.0, high=1e3)
        for name in ("amsgrad", "line_search"):
            if not isinstance(getattr(self, name), bool):
                raise SettingError(name, f"must be on or off, got {getattr(self, name)!r}")
        for name, high in (("history_size", 1000), ("max_iter", 1000)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
                raise SettingError(name, f"must be a whole number from 1 to {high}, got {value!r}")
        if self.optimizer == "nesterov" and self.dampening != 0:
            raise SettingError("dampening", "must be 0 for nesterov (as torch requires)")
        if self.schedule.name != "none" and not self.recipe.scaled_by_lr:
            raise SettingError(
                "schedule",
                f"{self.optimizer} takes no schedule here: rprop's lr is only its first step "
                "size, asgd decays its own, lbfgs's line search sets its own",
            )

    def with_changes(self, **changes: Any) -> Hyperparameters:
        """A validated copy; the original stays in force if the change is refused."""
        return replace(self, **changes)

    @property
    def recipe(self) -> Recipe:
        return REGISTRY[self.optimizer]

    def resolved(self, name: str) -> float:
        """A setting's value, the optimiser's own default where it is None."""
        value = getattr(self, name)
        if value is not None:
            return float(value)
        return self.recipe.defaults.get(name, SHARED_DEFAULTS[name])

    @property
    def resolved_eps(self) -> float:
        return self.resolved("eps")

    def vector(self) -> tuple[float, ...]:
        """The settings in HYPERPARAMETERS order, defaults resolved."""
        return tuple(self.resolved(name) for name in HYPERPARAMETERS)

    def build(
        self,
        hessian: Hessian | None = None,
        value_and_grad: lbfgs.ValueAndGrad | None = None,
    ) -> Optimizer:
        """The optimiser; a second-order one needs the surface's `hessian`, LBFGS the problem's
        `value_and_grad` (it evaluates f as often as its line search wants)."""
        recipe = self.recipe
        scheduled = self.schedule.name != "none"
        if scheduled:
            last = scale_by_schedule(self.lr, self.schedule)
        elif recipe.scaled_by_lr:
            last = scale_by_learning_rate(self.lr)
        else:
            last = scale(-1.0)
        transform = chain(*recipe.scale(self, Problem(value_and_grad, hessian)), last)
        state_size = len(transform.init(np.zeros(1)))
        schedule = self.schedule if scheduled else None
        return Optimizer(self.optimizer, transform, state_size, self.vector(), schedule)

    def describe(self) -> str:
        """`adam lr=0.5 beta1=0.9 …`: only what this optimiser reads, its switches (weight
        decay, dampening, amsgrad) only when they are on."""
        values = dict(zip(HYPERPARAMETERS, self.vector(), strict=True))
        off = dict(zip(HYPERPARAMETERS, replace(self, **SWITCHES_OFF).vector(), strict=True))
        words = [self.optimizer]
        for name in self.recipe.reads:
            if name in SWITCHES_OFF and values[name] == off[name]:
                continue
            words.append(name if name == "amsgrad" else f"{name}={values[name]:g}")
        return " ".join(words)


def _check(
    name: str,
    value: float,
    *,
    low: float,
    high: float,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SettingError(name, f"must be a finite number in {interval}, got {value!r}")
    below = value <= low if low_open else value < low
    above = value >= high if high_open else value > high
    if below or above:
        raise SettingError(name, f"must be in {interval}, got {value:g}")
