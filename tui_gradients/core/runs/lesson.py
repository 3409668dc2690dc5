"""The guided lesson: each page is a prepared state of the app plus a short text whose numbers
are computed here, from the same runs, theory and chain the app shows, never typed in.

The words live in `tui_gradients/lesson/*.md` as templates with `{name}` fields; this module
decides what state each page sets up and fills in the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Literal

import numpy as np

from tui_gradients.core.network.chain import Chain, ChainSettings
from tui_gradients.core.objectives.theory import curvature, gd_prediction, steps_until_fraction
from tui_gradients.core.optimisation.optimizers import Hyperparameters
from tui_gradients.core.runs.experiment import Experiment
from tui_gradients.core.runs.rivals import Rival
from tui_gradients.core.runs.run import Run
from tui_gradients.core.runs.settings import edit
from tui_gradients.core.runs.summary import ARRIVAL_FRACTION, TRAP_TOL

SEARCH_LIMIT = 20_000
"""Steps a page's own runs may take to find when an optimiser arrives (about a second)."""


@dataclass(frozen=True)
class Setup:
    """The state a page puts the app in; the user steps on from there."""

    experiment: Experiment
    rivals: tuple[Rival, ...] = ()
    theory: bool = False
    focus: Literal["plane", "chain"] = "plane"
    """Which half of the app the page is about: the lesson text takes the other half's room."""


@dataclass(frozen=True)
class Page:
    number: int
    title: str
    setup: Setup
    text: str
    """Markdown, with every number already filled in."""


def page_count() -> int:
    return len(PAGES)


@cache
def page(number: int) -> Page:
    """Page `number` (1-based). Cached: the numbers depend only on the fixed setups."""
    if not 1 <= number <= len(PAGES):
        raise IndexError(f"the lesson has pages 1 to {len(PAGES)}, not {number}")
    name, title, build = PAGES[number - 1]
    setup, numbers = build()
    template = resources.files("tui_gradients.lesson").joinpath(f"{name}.md").read_text("utf-8")
    return Page(number, title, setup, template.format(**numbers))


# --- measuring ------------------------------------------------------------------------------


def _plane_run(experiment: Experiment, hyper: Hyperparameters, steps: int) -> Run:
    run = experiment.plane_run(hyper)
    run.forward(steps)
    return run


def _arrival(experiment: Experiment, hyper: Hyperparameters) -> int | None:
    """Steps until `hyper` comes within ARRIVAL_FRACTION of the minimum, run in chunks so that
    a fast optimiser costs a few hundred steps, not SEARCH_LIMIT."""
    run = experiment.plane_run(hyper)
    minimum = experiment.plane.objective.nearest_minimum(experiment.plane.start_point)
    assert minimum is not None
    while run.cursor < SEARCH_LIMIT and run.stop is None:
        run.forward(min(1000, SEARCH_LIMIT - run.cursor))
        path = run.history.params[: run.cursor + 1]
        arrived = steps_until_fraction(path, [minimum], ARRIVAL_FRACTION)
        if arrived is not None:
            return arrived
    return None


def _steps(value: int | None) -> str:
    return f"{value}" if value is not None else f"more than {SEARCH_LIMIT}"


# --- pages ----------------------------------------------------------------------------------

Numbers = dict[str, object]


def _bowl() -> tuple[Setup, Numbers]:
    experiment = Experiment()
    objective, hyper = experiment.plane.objective, experiment.hyper
    start = experiment.plane.start_point
    curv = curvature(objective, start)
    gd = gd_prediction(curv, hyper.lr, start, (0.0, 0.0))
    _, gradient = objective.value_and_grad(np.array(start, dtype=float))
    after = _plane_run(experiment, hyper, 1).params
    slow, fast = curv.eigenvalues
    return Setup(experiment, theory=True), {
        "formula": objective.formula,
        "lr": f"{hyper.lr:g}",
        "start": f"({start[0]:g}, {start[1]:g})",
        "h_slow": f"{slow:g}",
        "h_fast": f"{fast:g}",
        "kappa": f"{curv.condition:g}",
        "factor_slow": f"{gd.factors[0]:.4g}",
        "factor_fast": f"{gd.factors[1]:.4g}",
        "g1": f"{gradient[0]:.3g}",
        "g2": f"{gradient[1]:.3g}",
        "w1_start": f"{start[0]:g}",
        "w1_after": f"{after[0]:.6g}",
        "w2_after": f"{after[1]:.3g}",
    }


def _how_long() -> tuple[Setup, Numbers]:
    experiment = Experiment()
    objective, hyper = experiment.plane.objective, experiment.hyper
    start = experiment.plane.start_point
    gd = gd_prediction(curvature(objective, start), hyper.lr, start, (0.0, 0.0))
    run = _plane_run(experiment, hyper, math.ceil(gd.steps_to_fraction) + 10)
    path, grads = run.history.params, run.history.grads
    trap = int(np.flatnonzero(np.hypot(grads[:, 0], grads[:, 1]) < TRAP_TOL)[0])
    return Setup(experiment, theory=True), {
        "lr": f"{hyper.lr:g}",
        "factor": f"{gd.factors[0]:.4g}",
        "percent": f"{ARRIVAL_FRACTION:.0%}",
        "fraction": f"{ARRIVAL_FRACTION:g}",
        "predicted": math.ceil(gd.steps_to_fraction),
        "seen": _steps(steps_until_fraction(path, [(0.0, 0.0)], ARRIVAL_FRACTION)),
        "tol": f"{TRAP_TOL:g}",
        "trap_step": trap,
        "rest": math.ceil(gd.steps_to_fraction) - trap,
        "trap_w1": f"{path[trap, 0]:.3g}",
        "trap_distance": f"{math.hypot(*path[trap]):.3g}",
        "start_distance": f"{math.hypot(*path[0]):.3g}",
    }


def _per_coordinate() -> tuple[Setup, Numbers]:
    experiment = Experiment()
    hyper = experiment.hyper
    big_lr = 5.0
    rivals = (Rival("adagrad"), Rival("adagrad", lr=big_lr), Rival("rmsprop"), Rival("adam"))
    arrivals = {rival: _arrival(experiment, rival.hyper(hyper)) for rival in rivals}
    first = {
        name: _plane_run(experiment, hyper.with_changes(optimizer=name, eps=None), 1).history.params
        for name in ("gd", "adagrad")
    }
    moves = {name: np.abs(path[1] - path[0]) for name, path in first.items()}
    return Setup(experiment, rivals=rivals), {
        "lr": f"{hyper.lr:g}",
        "big_lr": f"{big_lr:g}",
        "percent": f"{ARRIVAL_FRACTION:.0%}",
        "gd": _steps(_arrival(experiment, hyper)),
        "adagrad": _steps(arrivals[rivals[0]]),
        "adagrad_big": _steps(arrivals[rivals[1]]),
        "rmsprop": _steps(arrivals[rivals[2]]),
        "adam": _steps(arrivals[rivals[3]]),
        "gd_move": ", ".join(f"{v:.3g}" for v in moves["gd"]),
        "adagrad_move": ", ".join(f"{v:.3g}" for v in moves["adagrad"]),
    }


def _chain_numbers(settings: ChainSettings) -> dict[str, float]:
    trace = Chain(settings).trace(settings.initial_params())
    return {
        "ratio": abs(trace.delta[0] / trace.delta[-1]),
        "gmax": float(np.max(trace.gprime)),
        "first_grad": abs(trace.grad_weight[0]),
        "last_grad": abs(trace.grad_weight[-1]),
    }


def _vanishing() -> tuple[Setup, Numbers]:
    experiment = Experiment()
    chain = experiment.chain
    numbers = _chain_numbers(chain)
    return Setup(experiment, focus="chain"), {
        "depth": chain.depth,
        "activation": chain.activation,
        "weight": f"{chain.weight:g}",
        "bound": f"{0.25 * abs(chain.weight):g}",
        "gmax": f"{numbers['gmax']:.3g}",
        "ratio": f"{numbers['ratio']:.2e}",
        "first_grad": f"{numbers['first_grad']:.2e}",
        "last_grad": f"{numbers['last_grad']:.2e}",
        "layers_below": chain.depth - 1,
    }


def _exploding() -> tuple[Setup, Numbers]:
    base = Experiment().chain
    relu_one = replace(base, activation="relu", weight=1.0)
    relu_big = replace(base, activation="relu", weight=1.5, y=1.0)
    sigmoid_big = replace(base, weight=4.0)
    experiment = Experiment(chain=relu_big, chain_lr=0.01)
    run = experiment.chain_run()
    run.forward(1)
    after = Chain(relu_big).trace(run.params)
    later = 100
    run.forward(later)
    return Setup(experiment, focus="chain"), {
        "depth": base.depth,
        "layers_below": base.depth - 1,
        "one": f"{relu_one.weight:g}",
        "relu_one": f"{_chain_numbers(relu_one)['ratio']:.3g}",
        "big": f"{relu_big.weight:g}",
        "relu_big": f"{_chain_numbers(relu_big)['ratio']:.3g}",
        "growth": f"{relu_big.weight ** (base.depth - 1):.3g}",
        "sigmoid_weight": f"{sigmoid_big.weight:g}",
        "sigmoid_big": f"{_chain_numbers(sigmoid_big)['ratio']:.2e}",
        "target": f"{relu_big.y:g}",
        "chain_lr": f"{experiment.chain_lr:g}",
        "dead": int(np.count_nonzero(after.a == 0)),
        "cost_before": f"{run.history.loss[0]:.4g}",
        "cost_after": f"{after.cost:.4g}",
        "later": later,
        "cost_later": f"{run.loss:.4g}",
    }


def _curvature() -> tuple[Setup, Numbers]:
    bowl = Experiment()
    rotated = edit(bowl, "function", "rotated")
    hyper = rotated.hyper
    adagrad_lr = 5.0
    rivals = (
        Rival("adagrad", lr=adagrad_lr),
        Rival("newton_diag", lr=1.0),
        Rival("newton", lr=1.0),
    )
    numbers: Numbers = {
        "kappa": f"{curvature(rotated.plane.objective, rotated.plane.start_point).condition:g}",
        "percent": f"{ARRIVAL_FRACTION:.0%}",
        "lr": f"{hyper.lr:g}",
        "adagrad_lr": f"{adagrad_lr:g}",
    }
    runs = {"gd": Rival("gd"), "adagrad": rivals[0], "diag": rivals[1], "newton": rivals[2]}
    for surface, experiment in (("bowl", bowl), ("rotated", rotated)):
        for name, rival in runs.items():
            arrival = _arrival(experiment, rival.hyper(experiment.hyper))
            numbers[f"{name}_{surface}"] = _steps(arrival)
    return Setup(rotated, rivals=rivals), numbers


def _scaling() -> tuple[Setup, Numbers]:
    raw = edit(Experiment(), "function", "penguins")
    scaled = edit(raw, "standardize", "x")
    objective, start = raw.plane.objective, raw.plane.start_point
    regression = objective.regression
    assert regression is not None and objective.minima
    curv = curvature(objective, start)
    gd = gd_prediction(curv, raw.hyper.lr, start, objective.minima[0], ARRIVAL_FRACTION)
    slope, intercept = regression.scaling.original(*objective.minima[0])
    arrived, bowl = _arrival(scaled, scaled.hyper), Experiment().plane
    mean_x2, mean_x, *_ = regression.moments
    return Setup(raw, theory=True), {
        "rows": regression.rows,
        "mean_x": f"{mean_x:.0f}",
        "mean_x2": f"{mean_x2:.3g}",
        "kappa": f"{curv.condition:.3g}",
        "max_lr": f"{gd.max_stable_lr:.3g}",
        "lr": f"{raw.hyper.lr:g}",
        "factor": f"{max(gd.factors):.9f}",
        "gd_steps": f"{gd.steps_to_fraction:,.0f}",
        "percent": f"{ARRIVAL_FRACTION:.0%}",
        "kappa_scaled": f"{curvature(scaled.plane.objective, start).condition:.3g}",
        "lr_scaled": f"{scaled.hyper.lr:g}",
        "scaled_steps": _steps(arrived),
        "step_word": "step" if arrived == 1 else "steps",
        "kappa_bowl": f"{curvature(bowl.objective, bowl.start_point).condition:.4g}",
        "slope": f"{slope:.4g}",
        "intercept_sign": "−" if intercept < 0 else "+",
        "intercept": f"{abs(intercept):.4g}",
    }


PAGES: list[tuple[str, str, Callable[[], tuple[Setup, Numbers]]]] = [
    ("1-bowl", "a small gradient is not a minimum", _bowl),
    ("2-how-long", "how long gd needs", _how_long),
    ("3-per-coordinate", "per-coordinate step sizes", _per_coordinate),
    ("4-vanishing", "vanishing gradients", _vanishing),
    ("5-exploding", "ReLU and large weights", _exploding),
    ("6-curvature", "rescaling by the curvature: Newton", _curvature),
    ("7-scaling", "real data: an unscaled feature is the bowl", _scaling),
]
"""(template file, title, builder) for each page, in order."""
