"""Adding an optimiser costs one definition: Lion (Chen et al. 2023), defined and registered in
this file alone, runs through every loop — numpy's, the straight-line one in plain Python and
numba's — and each gives its closed form."""

from typing import NamedTuple

import numpy as np
import pytest

from tui_gradients.core import fast
from tui_gradients.core.optimisation.optimizers import REGISTRY, Hyperparameters
from tui_gradients.core.optimisation.rules import RULES, Rule, register
from tui_gradients.core.optimisation.updates import sign
from tui_gradients.core.runs.experiment import Experiment, PlaneSettings
from tui_gradients.core.runs.run import Run

LR, BETA1, BETA2 = 0.1, 0.9, 0.99
START = (-40.0, 1.5)
STEPS = fast.COMPILED_MIN_STEPS + 44
"""Long enough for the fast loops to take the advance; w2 reaches 0 after 15 steps of lr and then
rocks about it, which the closed form below follows step by step."""


class LionState(NamedTuple):
    mu: float


def lion(hp, g, w, s):
    """Lion: the sign of an interpolation of the momentum and g; the momentum moves with β2."""
    direction = sign(hp.beta1 * s.mu + (1 - hp.beta1) * g) + hp.weight_decay * w
    return direction, LionState(hp.beta2 * s.mu + (1 - hp.beta2) * g)


@pytest.fixture(scope="module", autouse=True)
def registered():
    register(Rule("lion", lion, LionState, ("lr", "beta1", "beta2", "weight_decay")))
    yield
    del RULES["lion"], REGISTRY["lion"]


def _run(loop: str, monkeypatch):
    """The seed's bowl stepped by Lion, by one loop."""
    if loop == "numba":
        pytest.importorskip("numba")
        assert fast.warm_up()
    else:
        monkeypatch.setattr(fast, "_loaded", None)
    hyper = Hyperparameters(optimizer="lion", lr=LR, beta1=BETA1, beta2=BETA2)
    run = Experiment(plane=PlaneSettings(start=START), hyper=hyper).plane_run()
    run.tol = 0.0
    if loop == "numpy":  # advances too short for a fast loop
        while run.last_step < STEPS:
            run.advance(min(fast.COMPILED_MIN_STEPS - 1, STEPS - run.last_step))
        return run
    handed = []  # steps the fast loop left to numpy: none, or it did not run the rule itself
    python_loop = Run._advance_python
    monkeypatch.setattr(
        Run, "_advance_python", lambda run, n: handed.append(n) or python_loop(run, n)
    )
    assert run.advance(STEPS) == STEPS
    assert handed == []
    return run


def _closed_form(steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Lion on 0.001·w1² + w2², written out: each coordinate moves by exactly lr against the
    sign of β1·m + (1 − β1)·g."""
    w, mu = np.array(START), np.zeros(2)
    params, moments = [w], [mu]
    for _ in range(steps):
        g = np.array([0.002, 2.0]) * w
        w = w - LR * np.sign(BETA1 * mu + (1 - BETA1) * g)
        mu = BETA2 * mu + (1 - BETA2) * g
        params.append(w)
        moments.append(mu)
    return np.array(params), np.array(moments)


@pytest.mark.parametrize("loop", ["numpy", "straight", "numba"])
def test_an_optimiser_defined_in_a_test_runs_in_every_loop_to_its_closed_form(loop, monkeypatch):
    run = _run(loop, monkeypatch)
    params, moments = _closed_form(STEPS)
    np.testing.assert_allclose(run.history.params, params, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(run.history.states[:, 0, :], moments, rtol=1e-12, atol=1e-15)
    # w1 climbs by lr a step all the way; w2 is at 0 after 15 steps (to rounding) and rocks
    np.testing.assert_allclose(params[:, 0], START[0] + LR * np.arange(STEPS + 1), atol=1e-9)
    assert abs(params[15, 1]) < 1e-12


def test_it_reads_its_settings_and_takes_weight_decay_by_name():
    hyper = Hyperparameters(optimizer="lion", lr=LR, weight_decay=0.5)
    assert hyper.describe() == "lion lr=0.1 beta1=0.9 beta2=0.999 weight_decay=0.5"
    optimizer = hyper.build()
    params = np.array([2.0, -1.0])
    stepped, state = optimizer.step(np.array([1.0, 1.0]), optimizer.init(params), params)
    np.testing.assert_allclose(stepped, params - LR * (np.sign([1.0, 1.0]) + 0.5 * params))
    assert len(state) == optimizer.state_size == 1
