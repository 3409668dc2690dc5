"""An experiment: the settings a user chose, turned into runs. Shared by the CLI and the app."""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache

import numpy as np

from tui_gradients.core.errors import SettingError
from tui_gradients.core.fast import chain_problem, plane_problem
from tui_gradients.core.limits import LIMIT
from tui_gradients.core.network.chain import Chain, ChainSettings
from tui_gradients.core.objectives.data import Columns, packaged, read_columns
from tui_gradients.core.objectives.expression import TooLarge
from tui_gradients.core.objectives.functions import (
    Objective,
    Point,
    fit_window,
    fitted,
    make_objective,
)
from tui_gradients.core.objectives.regression import (
    MODELS,
    Minibatches,
    Regression,
    sampled,
    scaling_for,
)
from tui_gradients.core.objectives.theory import hessian_function
from tui_gradients.core.optimisation.optimizers import Hyperparameters
from tui_gradients.core.runs.run import History, Run

PLANE_TOL = 1e-12
"""‖∇f‖ below this ends a 2-D run. Deliberately tiny: a loose tolerance such as 1e-2 stops gd on
the bowl thousands of steps early, far from the minimum, which is exactly the trap shown here."""
CHAIN_HISTORY_BYTES = 2**30
"""A deep chain keeps every weight, bias, gradient and optimiser state per step: at depth 64
with Adam a million steps would need 5 GB. Its step limit is lowered to keep within this."""
ESCAPE_FACTOR = 1e3
"""A 2-D run that gets this many times farther out than its start, minima and view has run off:
on a surface unbounded below (the saddle) adam's bounded steps would otherwise go on for ever."""


DATA_PRESETS = {"penguins": ("penguins.csv", "flipper_length_mm", "body_mass_g")}
"""Data sets shipped with the app: the file in `tui_gradients/data`, and its x and y."""
DATA = "data"
"""The function of a surface fitted to the user's file (`PlaneSettings.data`)."""


@dataclass(frozen=True)
class PlaneSettings:
    """Which surface, and where to start on it; for a surface fitted to data, which columns,
    which model, what is standardised and how the samples are batched."""

    function: str = "quadratic"
    expr: str | None = None
    a: float = 0.001
    b: float = 1.0
    start: Point | None = None
    """None means the function's own start point."""
    data: str | None = None
    """The user's CSV file (the function is then DATA)."""
    x_column: str = ""
    """The column of the data to fit from: empty for the preset's own, or the file's first
    column of numbers."""
    y_column: str = ""
    """The column to fit: empty for the preset's own, or the file's last column of numbers."""
    model: str = "linear"
    standardize: str = "none"
    """What is standardised (`regression.STANDARDIZED`)."""
    batch_size: int = 0
    """Samples per step; 0 for all of them (the full batch)."""
    batch_seed: int = 0

    def __post_init__(self) -> None:
        if self.start is not None:
            _check_point(self.start)
        _ = self.objective  # validate the function, its curvatures or formula now
        if self.batch_size and self.regression is None:
            raise SettingError("batch_size", "minibatches need data: --data FILE or penguins")
        if self.regression is not None and not 0 <= self.batch_size <= self.regression.rows:
            rows = self.regression.rows
            raise SettingError(
                "batch_size",
                f"must be from 1 to {rows} (0 for the full batch), got {self.batch_size}",
            )

    @property
    def fitted(self) -> bool:
        """Whether the surface is a model fitted to data."""
        return self.function in DATA_PRESETS or self.function == DATA

    @cached_property
    def objective(self) -> Objective:
        if not self.fitted:
            return make_objective(self.function, expr=self.expr, a=self.a, b=self.b)
        if self.model not in MODELS:
            raise SettingError("model", f"must be one of {', '.join(MODELS)}, got {self.model!r}")
        return _fitted(self.function, read_columns(*self.source), self.model, self.standardize)

    @property
    def source(self) -> tuple[str, str, str]:
        """The file and the x and y columns a fitted surface reads."""
        if self.function == DATA:
            if self.data is None:
                raise SettingError("data", "type the path of a CSV file")
            return self.data, self.x_column, self.y_column
        name, x, y = DATA_PRESETS[self.function]
        return packaged(name), self.x_column or x, self.y_column or y

    @property
    def regression(self) -> Regression | None:
        return self.objective.regression

    @property
    def batches(self) -> Minibatches | None:
        """How a minibatch run draws its samples (None for the full batch)."""
        if not self.batch_size or self.regression is None:
            return None
        return Minibatches(self.regression.rows, self.batch_size, self.batch_seed)

    @property
    def start_point(self) -> Point:
        return self.start if self.start is not None else self.objective.start

    @property
    def scale(self) -> float:
        """How far out the problem reaches: its start, its minima and its default view."""
        window = fit_window(self.objective, self.start_point)
        return max(1.0, *(abs(v) for v in window))


@dataclass(frozen=True)
class Experiment:
    """Everything needed to reproduce both runs step for step, and how the user steps them."""

    plane: PlaneSettings = field(default_factory=PlaneSettings)
    hyper: Hyperparameters = field(default_factory=Hyperparameters)
    chain: ChainSettings = field(default_factory=ChainSettings)
    chain_lr: float = 0.5
    """The chain's optimiser is the 2-D run's, with a learning rate of its own."""
    steps_per_press: int = 1

    def __post_init__(self) -> None:
        _ = self.chain_hyper  # validate chain_lr
        _check_batches(self.plane, self.hyper)

    @property
    def chain_hyper(self) -> Hyperparameters:
        """The 2-D run's optimiser with the chain's lr; plain gd for a second-order one (the
        chain has no Hessian here), as its title says."""
        if self.hyper.recipe.second_order:
            return Hyperparameters(optimizer="gd", lr=self.chain_lr, schedule=self.hyper.schedule)
        return replace(self.hyper, lr=self.chain_lr)

    def reach(self, other: Experiment) -> set[str]:
        """Which runs a change to `other` reaches: "plane" (the 2-D runs and their rivals),
        "chain", both or neither, by what each is built from: an edit rebuilds only those
        (a 2-D lr does not replay the chain)."""
        parts = {
            "plane": ((self.plane, self.hyper), (other.plane, other.hyper)),
            "chain": ((self.chain, self.chain_hyper), (other.chain, other.chain_hyper)),
        }
        return {name for name, (before, after) in parts.items() if before != after}

    def plane_run(self, hyper: Hyperparameters | None = None) -> Run:
        """A fresh run on the surface (with other hyperparameters for a comparison run)."""
        objective, batches = self.plane.objective, self.plane.batches
        sampler = None
        if batches is not None:
            regression = self.plane.regression
            assert regression is not None, "minibatches sample a fit to data"
            sampler = sampled(regression, batches)
        hyper = hyper or self.hyper
        _check_batches(self.plane, hyper)
        expression = objective.expression
        compiled = None
        # a second-order optimiser's loop evaluates the formula's Hessian too; where that is
        # too large there is nothing to step with, and numpy refuses the step, saying why
        if expression is not None and batches is None:
            with contextlib.suppress(TooLarge):
                compiled = plane_problem(expression, hyper.recipe.second_order)
        try:
            return Run(
                objective.value_and_grad,
                hyper.build(
                    hessian=hessian_function(objective),
                    value_and_grad=objective.value_and_grad,
                ),
                np.array(self.plane.start_point, dtype=float),
                tol=PLANE_TOL,
                max_steps=LIMIT,
                bound=ESCAPE_FACTOR * self.plane.scale,
                compiled=compiled,
                sampled=sampler,
            )
        except SettingError as error:
            raise SettingError("start", f"{error.message}; pick another start") from None

    def chain_run(self) -> Run:
        chain = Chain(self.chain)
        optimizer = self.chain_hyper.build(value_and_grad=chain.value_and_grad)
        params = 2 * self.chain.depth
        step_bytes = History.row_bytes(params, optimizer.state_size)
        try:
            return Run(
                chain.value_and_grad,
                optimizer,
                self.chain.initial_params(),
                max_steps=min(LIMIT, CHAIN_HISTORY_BYTES // step_bytes),
                compiled=chain_problem(
                    self.chain.depth, self.chain.activation, self.chain.x, self.chain.y
                ),
            )
        except SettingError as error:
            problem = error.message.replace("at the start point", "at initialisation")
            raise SettingError(
                "weight", f"{problem}: try smaller weights or fewer layers"
            ) from None


@lru_cache(maxsize=8)
def _fitted(function: str, columns: Columns, model: str, standardize: str) -> Objective:
    """Kept for the columns read (themselves kept while the file is unchanged): a new start,
    batch size or lr does not fit the model again (Newton's iterations for a logistic minimum
    take a third of a second at 10⁵ rows)."""
    if model == "logistic" and not np.isin(columns.y, (0.0, 1.0)).all():
        bad = columns.y[~np.isin(columns.y, (0.0, 1.0))][0]
        raise SettingError(
            "y_column", f"logistic needs a 0/1 column; {columns.y_name!r} has {bad:g}"
        )
    regression = Regression(model, columns, scaling_for(columns, standardize, model))
    return fitted(function, regression)


def _check_batches(plane: PlaneSettings, hyper: Hyperparameters) -> None:
    """LBFGS evaluates f and ∇f itself, as its line search wants: on the full batch only."""
    if plane.batch_size and hyper.recipe.evaluates:
        raise SettingError(
            "optimizer", f"{hyper.optimizer} evaluates on the full batch: set batch size 0 first"
        )


def _check_point(point: Point) -> None:
    if len(point) != 2 or not all(math.isfinite(v) and abs(v) <= 1e6 for v in point):
        raise SettingError("start", f"must be two finite numbers in [-1e6, 1e6], got {point!r}")
