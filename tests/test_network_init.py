"""Initialisations against torch.nn.init's formulas: a 256×256 draw's mean and std within 2 %
of the formula's std, uniform bounds exact."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tui_gradients.core.errors import SettingError
from tui_gradients.core.network.init import Init
from tui_gradients.core.network.mlp import Architecture

WIDTH = 256


def hidden_weight(init: str, activation: str = "relu", seed: int = 0) -> np.ndarray:
    """The 256×256 W of the second hidden layer."""
    architecture = Architecture(
        inputs=WIDTH, outputs=3, depth=2, width=WIDTH, activation=activation
    )
    params = Init.parse(init).params(architecture, seed)
    return architecture.layout.weight(params, 2)


GAINS = {
    "sigmoid": 1.0,
    "tanh": 5 / 3,
    "relu": math.sqrt(2),
    "linear": 1.0,
    "leaky_relu": math.sqrt(2 / 1.0001),
}
"""torch.nn.init.calculate_gain, written out."""


@pytest.mark.parametrize(
    ("init", "std", "bound"),
    [
        ("normal", 1.0, None),
        ("normal=0.05", 0.05, None),
        ("uniform", 1 / math.sqrt(3), 1.0),
        ("uniform=0.2", 0.2 / math.sqrt(3), 0.2),
        ("xavier_uniform", math.sqrt(2 / 512), math.sqrt(6 / 512)),
        ("xavier_normal", math.sqrt(2 / 512), None),
        ("kaiming_uniform", math.sqrt(2) / 16, math.sqrt(3) * math.sqrt(2) / 16),
        ("kaiming_normal", math.sqrt(2) / 16, None),
        ("orthogonal", 1 / 16, None),
        ("default", 1 / 16 / math.sqrt(3), 1 / 16),
    ],
)
def test_each_scheme_draws_the_formulas_distribution(init, std, bound):
    weight = hidden_weight(init)
    assert abs(weight.mean()) <= 0.02 * std
    assert weight.std() == pytest.approx(std, rel=0.02)
    if bound is not None:
        assert np.max(np.abs(weight)) <= bound
        assert np.max(np.abs(weight)) >= 0.999 * bound


@pytest.mark.parametrize("activation", list(GAINS))
def test_kaiming_takes_the_activations_gain(activation):
    weight = hidden_weight("kaiming_normal", activation)
    assert weight.std() == pytest.approx(GAINS[activation] / 16, rel=0.02)


def test_orthogonal_is_orthogonal_also_when_wide():
    architecture = Architecture(inputs=40, outputs=3, depth=1, width=10)
    params = Init.parse("orthogonal").params(architecture, 1)
    wide = architecture.layout.weight(params, 1)  # (10, 40): its rows are orthonormal
    np.testing.assert_allclose(wide @ wide.T, np.eye(10), atol=1e-12)
    tall = architecture.layout.weight(params, 2)  # (3, 10)
    np.testing.assert_allclose(tall @ tall.T, np.eye(3), atol=1e-12)


def test_biases_and_normalisation_start_as_torchs():
    architecture = Architecture(inputs=5, outputs=2, depth=2, width=8, norm="layer")
    params = Init.parse("xavier_uniform").params(architecture, 0)
    for slot in architecture.layout.slots:
        assert np.all(params[slot.bias] == 0)
        if slot.gamma is not None:
            assert np.all(params[slot.gamma] == 1) and np.all(params[slot.beta] == 0)
    default = Init.parse("default").params(architecture, 0)
    first = architecture.layout.slots[0]
    assert 0 < np.max(np.abs(default[first.bias])) <= 1 / math.sqrt(5)


def test_constant_and_seed():
    assert np.all(hidden_weight("constant=0.3") == 0.3)
    assert not np.array_equal(hidden_weight("normal", seed=1), hidden_weight("normal", seed=2))
    np.testing.assert_array_equal(hidden_weight("normal", seed=3), hidden_weight("normal", seed=3))


@pytest.mark.parametrize(
    "text", ["he", "xavier_normal=2", "normal=abc", "uniform=-1", "normal=1e9"]
)
def test_a_bad_init_is_refused_by_name(text):
    with pytest.raises(SettingError) as refused:
        Init.parse(text)
    assert refused.value.name == "init"
