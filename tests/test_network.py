"""The network's passes and training against torch's stored numbers, finite differences, and
the chain (its width-1 case)."""

from __future__ import annotations

import itertools
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from tui_gradients.core.network.chain import Chain, ChainSettings
from tui_gradients.core.network.init import Init
from tui_gradients.core.network.mlp import Architecture
from tui_gradients.core.network.model import Network
from tui_gradients.core.network.training import train

from .network_cases import TRAINED

REFERENCE = Path(__file__).parent / "data" / "network_reference.npz"
STORED = np.load(REFERENCE)


def close(ours: np.ndarray, theirs: np.ndarray, scale: float | None = None) -> None:
    """Equal to 1e-9 relative to the array's largest value, or to `scale`: a quantity that is 0
    but for rounding, like ∂C/∂b before a normalisation, is compared at its layer's scale."""
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    scale = scale or max(float(np.max(np.abs(theirs))), 1e-300)
    assert ours.shape == theirs.shape
    assert np.max(np.abs(ours - theirs)) <= 1e-9 * scale, np.max(np.abs(ours - theirs)) / scale


CASES = sorted({key.split("/")[0] for key in STORED.files})


def test_the_trained_settings_are_the_scripts():
    torch = pytest.importorskip("torch")
    del torch
    sys.path.insert(0, str(Path(__file__).parent))
    import make_network_reference

    assert make_network_reference.OPTIMIZERS == TRAINED
    assert sorted(make_network_reference.CASES) == CASES


def case_network(name: str) -> tuple[Network, np.ndarray]:
    """The case as the reference script stored it: its architecture, data and start."""
    architecture = Architecture(**json.loads(str(STORED[f"{name}/architecture"])))
    x, target = STORED[f"{name}/x"], STORED[f"{name}/target"]
    loss = "cross_entropy" if name.endswith("classify") else "mse"
    return Network(architecture, x, target, loss), STORED[f"{name}/start"]


def test_the_stored_start_is_the_seeded_xavier_draw():
    """The script's starts came from this project's own init, the same draw as today's."""
    for name in CASES:
        network, params = case_network(name)
        np.testing.assert_array_equal(
            params, Init.parse("xavier_normal").params(network.architecture, seed=7)
        )


@pytest.mark.parametrize("name", CASES)
def test_every_activation_delta_and_gradient_equals_torch(name):
    network, params = case_network(name)
    done = network.evaluate(params)
    assert math.isclose(done.loss, float(STORED[f"{name}/loss"]), rel_tol=1e-12)
    for layer, kept in enumerate(done.layers, start=1):
        close(kept.z, STORED[f"{name}/z{layer}"])
        close(kept.a, STORED[f"{name}/a{layer}"])
        close(done.deltas[layer - 1], STORED[f"{name}/delta{layer}"])
    layout = network.architecture.layout
    theirs = STORED[f"{name}/grads"]
    for slot in layout.slots:
        layer_scale = float(
            np.max(np.abs(theirs[slot.weight.start : (slot.beta or slot.bias).stop]))
        )
        for part in (slot.weight, slot.bias, slot.gamma, slot.beta):
            if part is not None:
                close(done.grads[part], theirs[part], layer_scale)


@pytest.mark.parametrize(
    ("name", "optimizer"),
    list(itertools.product(CASES, TRAINED)),
)
def test_a_hundred_training_steps_equal_torch(name, optimizer):
    hyper = TRAINED[optimizer]
    network, params = case_network(name)
    steps = list(itertools.islice(train(network, hyper.build(), params), 101))
    losses = np.array([step.loss for step in steps[:100]])
    close(losses, STORED[f"{name}/{optimizer}/losses"])
    kept = np.array([step.params for step in steps[::10]])
    stored = STORED[f"{name}/{optimizer}/params"]
    idle = network.architecture.layout.idle(network.architecture.norm)
    for ours, theirs in zip(kept, stored, strict=True):
        close(ours[~idle], theirs[~idle])
        assert np.max(np.abs(ours[idle] - params[idle]), initial=0) < 1e-7
        assert np.max(np.abs(theirs[idle] - params[idle]), initial=0) < 1e-7


@pytest.mark.parametrize("name", CASES)
def test_the_gradient_agrees_with_finite_differences(name):
    network, params = case_network(name)
    grads = network.evaluate(params).grads
    rng = np.random.default_rng(3)
    for _ in range(5):
        direction = rng.normal(size=params.size)
        h = 1e-6
        slope = (
            network.loss_at(params + h * direction) - network.loss_at(params - h * direction)
        ) / (2 * h)
        assert slope == pytest.approx(grads @ direction, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "gelu"])
def test_the_chain_is_the_width_one_network_on_one_sample(activation):
    """The chain's pass (its own loop, which numba compiles) gives the numbers of the general
    pass at width 1, one sample, the last neuron activated and C = ½(a − y)²."""
    settings = ChainSettings(depth=7, activation=activation, init="normal", seed=4, x=0.8, y=0.3)
    trace = Chain(settings).trace(settings.initial_params())
    architecture = Architecture(
        inputs=1, outputs=1, depth=6, width=1, activation=activation, activated_output=True
    )
    network = Network(architecture, np.array([[0.8]]), np.array([[0.3]]), "half_squared")
    params = np.empty(architecture.layout.size)
    for layer, slot in enumerate(architecture.layout.slots):
        params[slot.weight], params[slot.bias] = trace.weight[layer], trace.bias[layer]
    done = network.evaluate(params)
    np.testing.assert_allclose([k.z[0, 0] for k in done.layers], trace.z, rtol=1e-14)
    np.testing.assert_allclose([k.a[0, 0] for k in done.layers], trace.a, rtol=1e-14)
    np.testing.assert_allclose([d[0, 0] for d in done.deltas], trace.delta, rtol=1e-12, atol=1e-300)
    assert done.loss == pytest.approx(trace.cost, rel=1e-14)


def test_the_stored_numbers_are_what_torch_computes_today():
    pytest.importorskip("torch")
    sys.path.insert(0, str(Path(__file__).parent))
    import make_network_reference

    for name in CASES:
        fresh = make_network_reference.one_pass(name)
        for key, value in fresh.items():
            np.testing.assert_allclose(value, STORED[f"{name}/{key}"], rtol=1e-12, atol=1e-15)
