"""Trajectories against PyTorch's own optimisers.

Always: against reference trajectories that torch.optim computed (tests/data, written by
tests/make_torch_reference.py): every optimiser with torch's defaults, and each with its flags
set, and gd and Adam under each lr schedule, 200 steps on the bowl and on Rosenbrock. Where
torch is installed, also live.

Past about 250 steps on the bowl, w2 is within 1e-20 of 0 and an adaptive optimiser divides
that noise by its own size: a last-bit difference then becomes a step of size lr, so no two
implementations agree there unless they round every operation alike. The checks stop at 200.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from tui_gradients.core.objectives.functions import make_objective
from tui_gradients.core.optimisation.optimizers import TORCH_OPTIMIZERS as OPTIMIZERS
from tui_gradients.core.optimisation.optimizers import Hyperparameters
from tui_gradients.core.optimisation.schedules import KINDS, NAMES, Schedule
from tui_gradients.core.runs.run import Run

STEPS = 200
REFERENCE = json.loads((Path(__file__).parent / "data" / "torch_reference.json").read_text())


def _hyper(case: dict) -> Hyperparameters:
    schedule = Schedule(case["schedule"], tuple(case["schedule_args"].items()))
    return Hyperparameters(
        optimizer=case["optimizer"], lr=case["lr"], schedule=schedule, **case["changes"]
    )


def _our_trajectory(function: str, hyper: Hyperparameters, steps: int) -> np.ndarray:
    objective = make_objective(function)
    optimizer = hyper.build(value_and_grad=objective.value_and_grad)
    run = Run(objective.value_and_grad, optimizer, list(objective.start))
    run.advance(steps)
    return run.history.params


def _case_id(case: dict) -> str:
    changes = ",".join(f"{k}={v}" for k, v in case["changes"].items())
    arguments = ",".join(f"{k}={v:g}" for k, v in case["schedule_args"].items())
    schedule = "" if case["schedule"] == "none" else f"-{case['schedule']}[{arguments}]"
    return f"{case['function']}-{case['optimizer']}{'-' if changes else ''}{changes}{schedule}"


LBFGS_IN_THE_VALLEY = 20
"""LBFGS on Rosenbrock is compared over its first 20 steps, to 1e-8: each of its steps is up to
20 iterations, and with a line search up to 25 evaluations, of a gradient that differs from
autograd's in the last bit; in the curved valley that difference grows about tenfold a step
(measured: 1e-15 at step 40, 3e-5 at step 100 without a line search)."""


@pytest.mark.parametrize("case", REFERENCE["cases"], ids=_case_id)
def test_trajectory_matches_stored_torch_reference(case):
    theirs = np.array(case["params"])
    atol = 1e-12
    if case["optimizer"] == "lbfgs" and case["function"] == "rosenbrock":
        theirs, atol = theirs[: LBFGS_IN_THE_VALLEY + 1], 1e-8
    ours = _our_trajectory(case["function"], _hyper(case), len(theirs) - 1)
    _assert_same_path(ours, theirs, atol)


def test_reference_covers_every_optimizer_with_and_without_its_flags():
    assert {c["optimizer"] for c in REFERENCE["cases"]} == set(OPTIMIZERS)
    flagged = {c["optimizer"] for c in REFERENCE["cases"] if c["changes"]}
    assert flagged == set(OPTIMIZERS) - {"radam", "adamax"}  # they have no flag of their own
    assert all(len(c["params"]) == 201 for c in REFERENCE["cases"])
    assert {c["schedule"] for c in REFERENCE["cases"]} == set(NAMES)


@pytest.mark.parametrize("name", KINDS)
def test_every_schedule_moves_the_lr_within_the_stored_steps(name):
    """A reference that never changed its lr would check nothing of the schedule."""
    for case in (c for c in REFERENCE["cases"] if c["schedule"] == name):
        objective = make_objective(case["function"])
        optimizer = _hyper(case).build(value_and_grad=objective.value_and_grad)
        run = Run(objective.value_and_grad, optimizer, list(objective.start))
        run.advance(STEPS)
        if len(set(run.history.states[:, optimizer.lr_row, 0])) > 1:
            return
    raise AssertionError(f"no stored {name} case changes its lr")


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize(("function", "lr"), [("quadratic", 0.5), ("rosenbrock", 0.001)])
def test_trajectory_matches_live_torch(name, function, lr):
    torch = pytest.importorskip("torch")
    from tests.make_torch_reference import trajectory

    torch.set_default_dtype(torch.float64)
    hyper = Hyperparameters(optimizer=name, lr=lr)
    steps, atol = STEPS, 1e-12
    if name == "lbfgs" and function == "rosenbrock":
        steps, atol = LBFGS_IN_THE_VALLEY, 1e-8
    ours = _our_trajectory(function, hyper, steps)
    _assert_same_path(ours, np.array(trajectory(function, hyper, steps)), atol)


def _assert_same_path(ours: np.ndarray, theirs: np.ndarray, atol: float) -> None:
    """The same iterates to 1e-9; a run that stopped by the optimiser's own rule (LBFGS once its
    step no longer moves) stops where torch's later steps all return where they started."""
    rest = theirs[len(ours) :]
    np.testing.assert_array_equal(rest, np.broadcast_to(theirs[len(ours) - 1], rest.shape))
    np.testing.assert_allclose(ours, theirs[: len(ours)], rtol=1e-9, atol=atol)
