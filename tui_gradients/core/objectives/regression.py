"""The loss of a two-parameter model fitted to data, as a surface: the seed's bowl is what least
squares looks like when a feature is not scaled.

The model is y ≈ w·x + b, and the parameters (w1, w2) are (w, b). `linear` is the mean squared
error, a quadratic in (w, b) whose Hessian 2·[[mean x², mean x], [mean x, 1]] is set by the data
alone: with x in the hundreds, mean x² dwarfs 1 and κ is in the millions. Its formula is written
out from those moments, so the Hessian, the theory rows and the fast loops treat it like any
typed formula. `logistic` is the mean log loss of a 0/1 target, p = σ(w·x + b); it has no short
formula, and brings its own exact gradient and Hessian.

Standardising x (and, for least squares, y) changes the parameters, not the fitted line:
`Scaling.original` maps (w, b) back to the slope and intercept in the data's own units.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import numpy as np

from tui_gradients.core.errors import SettingError
from tui_gradients.core.objectives.data import Columns
from tui_gradients.core.objectives.expression import Expression

Array = np.ndarray
MODELS = ("linear", "logistic")
STANDARDIZED = ("none", "x", "xy")
"""What is standardised (to mean 0, standard deviation 1): nothing, x, or x and y."""
GRID_CELLS = 65536
"""Grid points × samples evaluated at once when drawing the logistic surface: small enough to
stay in the processor's cache (4·10⁶ at once took twice as long)."""
DRAWN_SAMPLES = 256
"""Most terms a logistic contour grid sums per point (`Regression._summary`)."""


@dataclass(frozen=True)
class Scaling:
    """x and y as stepped are (x − x_mean)/x_std and (y − y_mean)/y_std."""

    x_mean: float = 0.0
    x_std: float = 1.0
    y_mean: float = 0.0
    y_std: float = 1.0

    def original(self, w: float, b: float) -> tuple[float, float]:
        """The slope and intercept in the data's units of the line (w, b) on scaled data:
        y = y_mean + y_std·(w·(x − x_mean)/x_std + b)."""
        slope = self.y_std * w / self.x_std
        return slope, self.y_mean + self.y_std * b - slope * self.x_mean

    @property
    def identity(self) -> bool:
        return self == Scaling()


def scaling_for(columns: Columns, scale: str, model: str) -> Scaling:
    if scale not in STANDARDIZED:
        raise SettingError(
            "standardize", f"must be one of {', '.join(STANDARDIZED)}, got {scale!r}"
        )
    if scale == "xy" and model == "logistic":
        raise SettingError("standardize", "a 0/1 target stays as it is: use x with logistic")
    x = mean_and_spread(columns.x) if scale != "none" else (0.0, 1.0)
    y = mean_and_spread(columns.y) if scale == "xy" else (0.0, 1.0)
    for which, name, values, (mean, spread) in (
        ("x_column", columns.x_name, columns.x, x),
        ("y_column", columns.y_name, columns.y, y),
    ):
        if model == "logistic" and which == "y_column":
            continue  # a 0/1 target
        _check_fits(which, name, (values - mean) / spread, (mean, spread) != (0.0, 1.0))
    return Scaling(*x, *y)


LARGEST = 1e150
"""The largest magnitude a (scaled) column may hold: its squares and products, which the loss
and its Hessian are made of, stay finite below 1e300."""
NARROWEST = 1e-150
"""The least spread a (scaled) column may have: its squares stay above the doubles' floor."""


def mean_and_spread(values: Array) -> tuple[float, float]:
    """Mean and standard deviation; past what squares hold (1e200 squared is inf, 1e-200
    squared is 0), computed on the values divided by their largest magnitude."""
    largest = float(np.max(np.abs(values)))
    if NARROWEST <= largest <= LARGEST:
        return float(values.mean()), float(values.std())
    scaled = values / largest
    return largest * float(scaled.mean()), largest * float(scaled.std())


class NeedsStandardising(SettingError):
    """A column the loss cannot be computed from as it is, which standardising would fix."""


def _check_fits(which: str, name: str, values: Array, standardised: bool) -> None:
    """One line naming the column where the loss cannot be computed from it as scaled."""
    largest = float(np.max(np.abs(values)))
    hint = "" if standardised else "; --standardize rescales it"
    refused = SettingError if standardised else NeedsStandardising
    if largest > LARGEST:
        raise refused(
            which,
            f"column {name!r} holds values up to {largest:.3g}: past ±{LARGEST:g} "
            f"the loss's squares overflow{hint}",
        )
    spread = float(np.ptp(values))
    if spread < NARROWEST:
        raise refused(
            which,
            f"column {name!r} spreads over only {spread:.3g}: below {NARROWEST:g} "
            f"its squares vanish{hint}",
        )


@dataclass(frozen=True, eq=False)
class Regression:
    """A model, the data it is fitted to (scaled as asked), and its loss."""

    model: str
    columns: Columns
    scaling: Scaling

    @cached_property
    def x(self) -> Array:
        return (self.columns.x - self.scaling.x_mean) / self.scaling.x_std

    @cached_property
    def y(self) -> Array:
        return (self.columns.y - self.scaling.y_mean) / self.scaling.y_std

    @property
    def rows(self) -> int:
        return self.columns.rows

    # --- least squares: everything from five moments ----------------------------------------

    @cached_property
    def moments(self) -> tuple[float, float, float, float, float]:
        """mean x², mean x, mean x·y, mean y, mean y²: f = A·w² + 2B·w·b + b² − 2C·w − 2D·b + E."""
        x, y = self.x, self.y
        a, b, c, d, e = (float(np.mean(v)) for v in (x * x, x, x * y, y, y * y))
        return a, b, c, d, e

    @cached_property
    def expression(self) -> Expression | None:
        """The mean squared error as a formula in w1 = w and w2 = b, parsed (None for
        logistic): what its loss, gradient and Hessian are computed from."""
        if self.model != "linear":
            return None
        a, b, c, d, e = self.moments
        formula = f"{a!r}*w1**2 + {2 * b!r}*w1*w2 + w2**2 - {2 * c!r}*w1 - {2 * d!r}*w2 + {e!r}"
        return Expression.parse(formula)

    # --- the loss, its gradient and Hessian -------------------------------------------------

    def value(self, w: Array | float, b: Array | float) -> Array:
        """The full-batch loss at (w, b): scalars, or arrays of any shape (a contour grid).
        A logistic loss at a point is summed over every distinct sample; over a grid of more
        than DRAWN_SAMPLES distinct ones, from their binned summary (`_summary`)."""
        if self.expression is not None:
            return self.expression.value(w, b)
        w, b = np.asarray(w, dtype=float), np.asarray(b, dtype=float)
        if w.ndim == 0 and b.ndim == 0:
            return self._logistic_grid(w, b, *self._distinct, 0.0)
        return self._logistic_grid(w, b, *self._summary)

    def gradient(self, w: Array | float, b: Array | float) -> tuple[Any, ...]:
        if self.expression is not None:
            return self.expression.gradient(w, b)
        x, y, weights = self._distinct
        error = _sigmoid(w * x + b) - y
        return float(weights @ (error * x)), float(weights @ error)

    def hessian(self, params: Array) -> Array:
        """H at (w, b): constant for least squares, mean σ′(z)·[[x², x], [x, 1]] for logistic."""
        if self.expression is not None:
            return self.expression.hessian(params)
        x, _, weights = self._distinct
        p = _sigmoid(params[0] * x + params[1])
        s = weights * p * (1 - p)
        return np.array([[s @ (x * x), s @ x], [s @ x, s.sum()]])

    def batch_loss_and_grad(self, params: Array, rows: Array) -> tuple[float, Array]:
        """The loss and its gradient on the samples `rows` alone (a minibatch)."""
        x, y = self.x[rows], self.y[rows]
        z = params[0] * x + params[1]
        if self.model == "linear":
            residual = z - y
            loss = float(np.mean(residual * residual))
            error = 2 * residual
        else:
            loss = float(np.mean(np.logaddexp(0.0, z) - y * z))
            error = _sigmoid(z) - y
        return loss, np.array([np.mean(error * x), np.mean(error)])

    @cached_property
    def _distinct(self) -> tuple[Array, Array, Array]:
        """The distinct (x, y) samples and each one's share of the data: the logistic loss and
        its derivatives are sums over samples, and measurements repeat (342 penguins have 55
        distinct flipper lengths), so the surface is drawn from far fewer terms, exactly."""
        pairs, counts = np.unique(np.column_stack([self.x, self.y]), axis=0, return_counts=True)
        return pairs[:, 0].copy(), pairs[:, 1].copy(), counts / self.rows

    @cached_property
    def _summary(self) -> tuple[Array, Array, Array, Array]:
        """What a contour grid is drawn from: the distinct samples, exactly, where there are
        at most DRAWN_SAMPLES of them; else each class's x cut into DRAWN_SAMPLES / 2 bins of
        equal count, each bin standing in by its mean and spread. The loss is y·z subtracted
        from softplus(z), z = w·x + b: the first is linear in x, exact from the bin's mean; the
        second is taken to second order, softplus(w·x̄ + b) + ½·w²·s²·σ′(w·x̄ + b), with s²
        the bin's variance. For the picture only: every step sums over every sample."""
        x, y, weights = self._distinct
        if len(x) <= DRAWN_SAMPLES:
            return x, y, weights, np.zeros_like(x)
        parts = []
        for label in np.unique(self.y):
            members = np.sort(self.x[self.y == label])
            for chunk in np.array_split(members, min(len(members), DRAWN_SAMPLES // 2)):
                parts.append((chunk.mean(), label, len(chunk) / self.rows, chunk.var()))
        x, y, weights, spread = (np.array(column) for column in zip(*parts, strict=True))
        return x, y, weights, spread

    @staticmethod
    def _logistic_grid(
        w: Array, b: Array, x: Array, y: Array, weights: Array, spread: Array | float
    ) -> Array:
        w, b = np.broadcast_arrays(w, b)
        flat_w, flat_b = w.reshape(-1), b.reshape(-1)
        out = np.empty(flat_w.shape)
        chunk = max(1, GRID_CELLS // len(x))
        for start in range(0, len(flat_w), chunk):
            slope = flat_w[start : start + chunk, None]
            z = slope * x + flat_b[start : start + chunk, None]
            tail = np.exp(-np.abs(z))  # softplus(z) = max(z, 0) + log1p(e^−|z|), σ′ = e/(1+e)²
            loss = np.maximum(z, 0.0) + np.log1p(tail) - y * z
            if np.any(spread):
                loss += 0.5 * slope * slope * spread * tail / ((1 + tail) * (1 + tail))
            out[start : start + chunk] = loss @ weights
        return out.reshape(w.shape) if w.ndim else out[0]

    # --- the minimum ------------------------------------------------------------------------

    @cached_property
    def minimum(self) -> tuple[float, float] | None:
        """Least squares: the normal equations, in closed form. Logistic: Newton's method with
        halving steps; None where the classes separate (the loss only approaches its infimum
        as |w| grows without end)."""
        if self.model == "linear":
            a, mx, c, d, _ = self.moments
            w, b = np.linalg.solve(np.array([[a, mx], [mx, 1.0]]), np.array([c, d]))
            return float(w), float(b)
        return _newton_minimum(self)

    @property
    def note(self) -> str:
        model = "least squares" if self.model == "linear" else "logistic loss"
        scaling = self.scaling
        y_scaled = (scaling.y_mean, scaling.y_std) != (0.0, 1.0)
        scaled = " (x and y standardised)" if y_scaled else " (x standardised)"
        if scaling.identity:
            scaled = ""
        return (
            f"{model} of {self.columns.y_name} on {self.columns.x_name}{scaled}, "
            f"{self.rows} rows: w1 = slope w, w2 = intercept b"
        )


def _sigmoid(z: Array) -> Array:
    """σ(z) without overflow for large |z|."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _newton_minimum(regression: Regression) -> tuple[float, float] | None:
    params = np.zeros(2)
    loss = float(regression.value(params[0], params[1]))
    for _ in range(100):
        gradient = np.array(regression.gradient(*params))
        hessian = regression.hessian(params)
        if not np.all(np.isfinite(hessian)) or np.linalg.det(hessian) <= 0:
            return None
        step = np.linalg.solve(hessian, gradient)
        factor = 1.0
        while factor > 1e-10:
            trial = params - factor * step
            trial_loss = float(regression.value(trial[0], trial[1]))
            if trial_loss <= loss:
                break
            factor /= 2
        params, loss = trial, trial_loss
        if np.max(np.abs(factor * step)) <= 1e-12 * (1 + np.max(np.abs(params))):
            return float(params[0]), float(params[1])
        if np.max(np.abs(params)) > 1e12:
            return None
    return None


# --- minibatches ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Minibatches:
    """Each epoch visits every sample once, in an order drawn from (seed, epoch): the batch a
    step uses follows from the step number alone, so stepping back and replaying a run gives
    the same batches."""

    rows: int
    size: int
    seed: int

    @property
    def per_epoch(self) -> int:
        return math.ceil(self.rows / self.size)

    def locate(self, step: int) -> tuple[int, int]:
        """(epoch, batch within it), both from 0, of the gradient taken at `step`."""
        return divmod(step, self.per_epoch)

    def indices(self, step: int) -> Array:
        epoch, batch = self.locate(step)
        order = _order(self.rows, self.seed, epoch)
        return order[batch * self.size : (batch + 1) * self.size]


@lru_cache(maxsize=4)
def _order(rows: int, seed: int, epoch: int) -> Array:
    return np.random.default_rng([seed, epoch]).permutation(rows)


def sampled(
    regression: Regression, batches: Minibatches
) -> Callable[[Array, int], tuple[float, Array]]:
    """For a run: at step k, the full-batch loss (what the plot's contours and f − f* show)
    and the gradient of minibatch k (what the step follows)."""

    def value_and_grad(params: Array, step: int) -> tuple[float, Array]:
        with np.errstate(all="ignore"):
            full = float(regression.value(params[0], params[1]))
            _, gradient = regression.batch_loss_and_grad(params, batches.indices(step))
        return full, gradient

    return value_and_grad
