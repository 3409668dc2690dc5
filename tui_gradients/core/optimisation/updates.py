"""Each optimiser's update, the maths alone: a plain function of one coordinate,
`update(hp, g, w, state) -> (direction, state)`, with torch.optim's formulas, and its state as a
NamedTuple in the style of optax's `ScaleByAdamState`. `rules` registers them, with what each
reads and its defaults.

Every loop runs these functions as they are (see `rules`), so they keep to a small vocabulary
that means the same on a float and on an array: the arithmetic operators, `abs`, and the names
below (`sqrt`, `where`, `maximum`, `minimum`, `sign`), which each loop binds to its own
implementation. A condition that holds for every coordinate alike (a setting, the step count)
may be a plain `if`; one that differs between coordinates must be a `where`.

The direction is what the learning rate scales: p ← p − lr·direction. A rule that is not
`scaled_by_lr` (rprop's lr is its first step size, asgd decays its own) returns the whole step.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

Value = Any
"""One coordinate's number, or every coordinate's: a float in the Python loops, an array in
numpy's and numba's. The rules are written once for both (see above), so they are typed as
either; the states' fields say what each holds for one coordinate."""


class Hyper(NamedTuple):
    """Every setting an optimiser may read, resolved to floats (a switch is 0.0 or 1.0), in the
    order the fast loops receive them."""

    lr: float
    momentum: float
    alpha: float
    beta1: float
    beta2: float
    eps: float
    weight_decay: float
    dampening: float
    amsgrad: float
    rho: float
    eta_minus: float
    eta_plus: float
    step_min: float
    step_max: float
    lambd: float
    momentum_decay: float
    history_size: float
    max_iter: float
    line_search: float


# --- the vocabulary, on floats (numpy's and numba's are bound in their own loops) -----------


sqrt = math.sqrt


def where(condition: Value, if_true: Value, if_false: Value) -> Value:
    return if_true if condition else if_false


def maximum(a: Value, b: Value) -> Value:
    return a if a > b else b


def minimum(a: Value, b: Value) -> Value:
    return a if a < b else b


def sign(x: Value) -> Value:
    """As np.sign: ±1, and 0 or nan as they are."""
    return 1.0 if x > 0 else -1.0 if x < 0 else x


VOCABULARY = ("sqrt", "where", "maximum", "minimum", "sign")


def decayed(hp: Hyper, g: Value, w: Value) -> Value:
    """torch's weight_decay (L2): g + wd·w, read by the update in place of g."""
    if hp.weight_decay != 0:
        return g + hp.weight_decay * w
    return g


# --- the rules ----------------------------------------------------------------------------


class NoState(NamedTuple):
    pass


class TraceState(NamedTuple):
    steps: float
    """The steps taken, one number for every coordinate."""
    buffer: float


class SumState(NamedTuple):
    sum_of_squares: float


class RmsState(NamedTuple):
    average: float


class AdamState(NamedTuple):
    steps: float
    """The steps taken, one number for every coordinate."""
    mu: float
    nu: float
    nu_max: float
    """The largest ν so far, which amsgrad divides by; kept (unused) without it."""


class NadamState(NamedTuple):
    steps: float
    """The steps taken, one number for every coordinate."""
    product: float
    """∏ μₜ so far."""
    mu: float
    nu: float


class RadamState(NamedTuple):
    steps: float
    """The steps taken, one number for every coordinate."""
    mu: float
    nu: float


class AdamaxState(NamedTuple):
    steps: float
    """The steps taken, one number for every coordinate."""
    mu: float
    largest: float


class AdadeltaState(NamedTuple):
    square: float
    deltas: float


class RpropState(NamedTuple):
    previous: float
    step: float
    """Each coordinate's own step size."""


class CountState(NamedTuple):
    steps: float
    """The steps taken, one number for every coordinate."""


def gd(hp: Hyper, g: Value, w: Value, s: NoState) -> tuple[Value, NoState]:
    """p ← p − lr·g."""
    return decayed(hp, g, w), s


def _buffer(hp: Hyper, h: Value, s: TraceState) -> Value:
    """torch's SGD momentum buffer: g at the first step, then μ·b + (1 − dampening)·g."""
    if s.steps == 0:
        return h
    return hp.momentum * s.buffer + (1 - hp.dampening) * h


def momentum(hp: Hyper, g: Value, w: Value, s: TraceState) -> tuple[Value, TraceState]:
    """torch's SGD with momentum: p ← p − lr·b."""
    h = decayed(hp, g, w)
    buffer = _buffer(hp, h, s)
    return buffer, TraceState(s.steps + 1.0, buffer)


def nesterov(hp: Hyper, g: Value, w: Value, s: TraceState) -> tuple[Value, TraceState]:
    """torch's SGD with nesterov=True: the look-ahead g + μ·b."""
    h = decayed(hp, g, w)
    buffer = _buffer(hp, h, s)
    return h + hp.momentum * buffer, TraceState(s.steps + 1.0, buffer)


def adagrad(hp: Hyper, g: Value, w: Value, s: SumState) -> tuple[Value, SumState]:
    """torch's Adagrad: the sum of g² starts at 0 and eps is added after the square root."""
    h = decayed(hp, g, w)
    total = s.sum_of_squares + h * h
    return h / (sqrt(total) + hp.eps), SumState(total)


def rmsprop(hp: Hyper, g: Value, w: Value, s: RmsState) -> tuple[Value, RmsState]:
    """torch's RMSprop: a running average of g², eps added after the square root."""
    h = decayed(hp, g, w)
    average = hp.alpha * s.average + (1 - hp.alpha) * h * h
    return h / (sqrt(average) + hp.eps), RmsState(average)


def _adam_direction(hp: Hyper, h: Value, s: AdamState) -> tuple[Value, AdamState]:
    """Adam with torch's bias correction (amsgrad: the largest ν so far)."""
    count = s.steps + 1.0
    mu = hp.beta1 * s.mu + (1 - hp.beta1) * h
    nu = hp.beta2 * s.nu + (1 - hp.beta2) * h * h
    nu_max = s.nu_max
    second = nu
    if hp.amsgrad != 0:
        nu_max = maximum(nu_max, nu)
        second = nu_max
    denominator = sqrt(second) / math.sqrt(1 - hp.beta2**count) + hp.eps
    return mu / (1 - hp.beta1**count) / denominator, AdamState(count, mu, nu, nu_max)


def adam(hp: Hyper, g: Value, w: Value, s: AdamState) -> tuple[Value, AdamState]:
    return _adam_direction(hp, decayed(hp, g, w), s)


def adamw(hp: Hyper, g: Value, w: Value, s: AdamState) -> tuple[Value, AdamState]:
    """Adam with decoupled weight decay: p·(1 − lr·wd), as the direction + wd·p."""
    direction, state = _adam_direction(hp, g, s)
    if hp.weight_decay != 0:
        return direction + hp.weight_decay * w, state
    return direction, state


def nadam(hp: Hyper, g: Value, w: Value, s: NadamState) -> tuple[Value, NadamState]:
    """torch's NAdam: μₜ = β1·(1 − ½·0.96^(t·ψ)) warms up; Nesterov's look-ahead through ∏μ."""
    h = decayed(hp, g, w)
    count = s.steps + 1.0
    now = hp.beta1 * (1 - 0.5 * 0.96 ** (count * hp.momentum_decay))
    ahead = hp.beta1 * (1 - 0.5 * 0.96 ** ((count + 1) * hp.momentum_decay))
    product = s.product * now
    mu = hp.beta1 * s.mu + (1 - hp.beta1) * h
    nu = hp.beta2 * s.nu + (1 - hp.beta2) * h * h
    denominator = sqrt(nu / (1 - hp.beta2**count)) + hp.eps
    step = (1 - now) / (1 - product) * h / denominator
    step = step + ahead / (1 - product * ahead) * mu / denominator
    return step, NadamState(count, product, mu, nu)


def first_nadam(hp: Hyper) -> NadamState:
    return NadamState(0.0, 1.0, 0.0, 0.0)


def radam(hp: Hyper, g: Value, w: Value, s: RadamState) -> tuple[Value, RadamState]:
    """torch's RAdam: Adam's step rectified by rₜ once the variance of its adaptive lr is
    tractable (ρₜ > 5); before that, momentum alone."""
    h = decayed(hp, g, w)
    count = s.steps + 1.0
    mu = hp.beta1 * s.mu + (1 - hp.beta1) * h
    nu = hp.beta2 * s.nu + (1 - hp.beta2) * h * h
    state = RadamState(count, mu, nu)
    corrected = mu / (1 - hp.beta1**count)
    correction2 = 1 - hp.beta2**count
    rho_inf = 2 / (1 - hp.beta2) - 1
    rho = rho_inf - 2 * count * hp.beta2**count / correction2
    if rho <= 5:
        return corrected, state
    rectifier = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
    adaptive = math.sqrt(correction2) / (sqrt(nu) + hp.eps)
    return corrected * adaptive * rectifier, state


def adamax(hp: Hyper, g: Value, w: Value, s: AdamaxState) -> tuple[Value, AdamaxState]:
    """torch's Adamax: u ← max(β2·u, |g| + eps), direction m / ((1 − β1ᵗ)·u)."""
    h = decayed(hp, g, w)
    count = s.steps + 1.0
    mu = hp.beta1 * s.mu + (1 - hp.beta1) * h
    largest = maximum(hp.beta2 * s.largest, abs(h) + hp.eps)
    return mu / largest / (1 - hp.beta1**count), AdamaxState(count, mu, largest)


def adadelta(hp: Hyper, g: Value, w: Value, s: AdadeltaState) -> tuple[Value, AdadeltaState]:
    """torch's Adadelta: Δ = √(E[Δ²] + eps) / √(E[g²] + eps) · g, both averages with rho."""
    h = decayed(hp, g, w)
    square = hp.rho * s.square + (1 - hp.rho) * h * h
    delta = sqrt(s.deltas + hp.eps) / sqrt(square + hp.eps) * h
    deltas = hp.rho * s.deltas + (1 - hp.rho) * delta * delta
    return delta, AdadeltaState(square, deltas)


def rprop(hp: Hyper, g: Value, w: Value, s: RpropState) -> tuple[Value, RpropState]:
    """torch's Rprop: each coordinate's own step, grown by eta+ while its gradient keeps its
    sign and shrunk by eta− when it flips (that step then skipped), within step_sizes; it moves
    by the sign of g alone. The step starts at lr (`first_rprop`)."""
    agreement = g * s.previous
    factor = where(agreement > 0, hp.eta_plus, where(agreement < 0, hp.eta_minus, 1.0))
    step = minimum(maximum(s.step * factor, hp.step_min), hp.step_max)
    kept = where(agreement < 0, 0.0, g)
    return step * sign(kept), RpropState(kept, step)


def first_rprop(hp: Hyper) -> RpropState:
    return RpropState(0.0, hp.lr)


def asgd(hp: Hyper, g: Value, w: Value, s: CountState) -> tuple[Value, CountState]:
    """torch's ASGD, as the iterates move (its running average is not a step): p shrinks by
    λ·η and steps by η·g, with ηₜ = lr / (1 + λ·lr·(t − 1))^α."""
    h = decayed(hp, g, w)
    eta = hp.lr / (1 + hp.lambd * hp.lr * s.steps) ** hp.alpha
    return eta * (hp.lambd * w) + eta * h, CountState(s.steps + 1.0)
