"""The chain network: backprop against finite differences and the sigmoid bound."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_gradients.core.chain import ACTIVATIONS, Chain, ChainSettings
from tui_gradients.core.errors import SettingError
from tui_gradients.core.experiment import Experiment


def _finite_difference(chain, params, h=1e-6):
    grad = np.empty_like(params)
    for i in range(len(params)):
        up, down = params.copy(), params.copy()
        up[i] += h
        down[i] -= h
        grad[i] = (chain.cost(up) - chain.cost(down)) / (2 * h)
    return grad


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("depth", [1, 2, 5, 12])
def test_backprop_matches_central_finite_differences(activation, depth):
    chain = Chain(
        ChainSettings(depth=depth, activation=activation, init="normal", seed=depth, x=0.8, y=0.3)
    )
    params = chain.settings.initial_params() * 0.9 + 0.05  # keep ReLU inputs away from the kink
    _, grad = chain.value_and_grad(params)
    np.testing.assert_allclose(grad, _finite_difference(chain, params), rtol=1e-5, atol=1e-9)


def test_trace_follows_the_stated_recurrences():
    chain = Chain(ChainSettings(depth=6, init="normal", seed=3, x=0.5, y=1.0))
    params = chain.settings.initial_params()
    t = chain.trace(params)
    assert t.delta[-1] == pytest.approx((t.a[-1] - 1.0) * t.gprime[-1])
    for layer in range(5):
        assert t.delta[layer] == pytest.approx(
            t.weight[layer + 1] * t.gprime[layer] * t.delta[layer + 1]
        )
    np.testing.assert_allclose(t.grad_weight, t.delta * np.concatenate([[0.5], t.a[:-1]]))
    np.testing.assert_array_equal(t.grad_bias, t.delta)
    np.testing.assert_allclose(t.z, t.weight * t.a_input + t.bias)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(2, 20),
    st.integers(0, 2**31),
    st.floats(-3, 3),
    st.floats(-2, 2),
)
def test_sigmoid_delta_shrinks_by_at_most_a_quarter_of_the_weight(depth, seed, x, y):
    chain = Chain(ChainSettings(depth=depth, init="normal", seed=seed, x=x, y=y))
    t = chain.trace(chain.settings.initial_params())
    assert np.all(t.gprime <= 0.25)
    bound = 0.25 * np.abs(t.weight[1:]) * np.abs(t.delta[1:])
    assert np.all(np.abs(t.delta[:-1]) <= bound * (1 + 1e-12) + 1e-300)


def test_default_deep_sigmoid_chain_vanishes_by_orders_of_magnitude():
    chain = Chain(ChainSettings())
    t = chain.trace(chain.settings.initial_params())
    ratio = abs(t.delta[0]) / abs(t.delta[-1])
    assert ratio < 1e-3


def test_normal_init_is_reproducible_from_the_seed():
    a = ChainSettings(init="normal", seed=42).initial_params()
    b = ChainSettings(init="normal", seed=42).initial_params()
    c = ChainSettings(init="normal", seed=43).initial_params()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_optimiser_trains_the_chain_and_lowers_the_cost():
    experiment = Experiment(chain=ChainSettings(depth=4), chain_lr=0.5)
    run = experiment.chain_run()
    run.advance(200)
    assert run.history.loss[-1] < run.history.loss[0] / 2


def test_huge_weights_with_linear_activation_explode_and_stop():
    settings_ = ChainSettings(depth=40, activation="linear", weight=10.0)
    run = Experiment(chain=settings_, chain_lr=0.5).chain_run()
    run.advance(100)
    assert run.stop is not None and run.stop.kind.value == "diverged"


@pytest.mark.parametrize(
    ("changes", "name"),
    [
        ({"depth": 0}, "depth"),
        ({"depth": 65}, "depth"),
        ({"activation": "softmax"}, "activation"),
        ({"init": "xavier"}, "init"),
        ({"weight": float("nan")}, "weight"),
        ({"x": float("inf")}, "x"),
    ],
)
def test_bad_chain_settings_refused_by_name(changes, name):
    with pytest.raises(SettingError) as caught:
        ChainSettings(**changes)
    assert caught.value.name == name


def test_a_network_that_overflows_at_initialisation_is_refused_by_name():
    settings_ = ChainSettings(depth=30, activation="linear", weight=1e6)  # output ~1e180
    chain = Chain(settings_)
    assert chain.cost(settings_.initial_params()) == float("inf")  # inf, not OverflowError
    with pytest.raises(SettingError) as caught:
        Experiment(chain=settings_).chain_run()
    assert caught.value.name == "weight"
    assert "at initialisation" in caught.value.message


def test_a_network_that_overflows_while_training_stops_as_diverged():
    settings_ = ChainSettings(depth=20, activation="linear", weight=3.0)
    run = Experiment(chain=settings_, chain_lr=1.0).chain_run()
    run.advance(50)
    assert run.stop is not None and run.stop.kind.value == "diverged"
    assert np.all(np.isfinite(run.history.loss))
