"""Trajectories against PyTorch's own optimisers.

Always: against reference trajectories that torch.optim computed (tests/data, written by
tests/make_torch_reference.py). Where torch is installed, also live, for more steps.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from tui_gradients.core.functions import make_objective
from tui_gradients.core.optimizers import OPTIMIZERS, Hyperparameters
from tui_gradients.core.run import Run

REFERENCE = json.loads((Path(__file__).parent / "data" / "torch_reference.json").read_text())


def _our_trajectory(function: str, lr: float, name: str, steps: int) -> np.ndarray:
    objective = make_objective(function)
    run = Run(
        objective.value_and_grad,
        Hyperparameters(optimizer=name, lr=lr).build(),
        list(objective.start),
    )
    run.advance(steps)
    return run.history.params


@pytest.mark.parametrize(
    "case", REFERENCE["cases"], ids=lambda c: f"{c['function']}-{c['optimizer']}"
)
def test_trajectory_matches_stored_torch_reference(case):
    theirs = np.array(case["params"])
    ours = _our_trajectory(case["function"], case["lr"], case["optimizer"], len(theirs) - 1)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_reference_covers_every_optimizer():
    assert {c["optimizer"] for c in REFERENCE["cases"]} == set(OPTIMIZERS)


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize(("function", "lr"), [("quadratic", 0.5), ("rosenbrock", 0.001)])
def test_trajectory_matches_live_torch(name, function, lr):
    torch = pytest.importorskip("torch")
    from tests.make_torch_reference import torch_optimizer

    objective = make_objective(function)
    hyper = Hyperparameters(optimizer=name, lr=lr)
    ours = _our_trajectory(function, lr, name, 500)
    params = torch.tensor(objective.start, dtype=torch.float64, requires_grad=True)
    optimizer = torch_optimizer(hyper, params)
    for step in range(1, 501):
        optimizer.zero_grad()
        objective.value(params[0], params[1]).backward()
        optimizer.step()
        np.testing.assert_allclose(ours[step], params.detach().numpy(), rtol=1e-9, atol=1e-12)
