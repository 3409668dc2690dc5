"""The chain network: backprop against finite differences and the sigmoid bound."""

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_gradients.core.errors import SettingError
from tui_gradients.core.network.chain import ACTIVATIONS, Chain, ChainSettings
from tui_gradients.core.runs.experiment import Experiment


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


_TINY = np.finfo(float).tiny
"""The smallest normal float64: below it a value has lost digits whatever the formula."""


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_activations_and_their_derivatives_are_exact_to_1e_12_wherever_normal(name):
    """Against 50-digit arithmetic, from the far tails (σ(−700) ≈ 1e-304, tanh′(20) ≈ 2e-17)
    through 0: the textbook forms round the tails to 0 or lose their digits."""
    mpmath.mp.dps = 50
    g, g_prime = ACTIVATIONS[name]
    z = np.concatenate([np.linspace(-700.0, 700.0, 2801), [-40.0, -30.0, 20.0, -1e-9, 0.0, 1e-9]])
    if name == "sigmoid":
        # σ′ = e⁻ᶻ/(1 + e⁻ᶻ)²: σ(1 − σ) would cancel even in 50 digits at z = 90
        exps = [mpmath.exp(-mpmath.mpf(v)) for v in z]
        exact = [(1 / (1 + e), e / (1 + e) ** 2) for e in exps]
    else:
        exact = [(mpmath.tanh(mpmath.mpf(v)), mpmath.sech(mpmath.mpf(v)) ** 2) for v in z]
    for computed, truth in ((g(z), [e[0] for e in exact]), (g_prime(z), [e[1] for e in exact])):
        for value, true in zip(computed, truth, strict=True):
            if abs(true) >= _TINY:
                assert abs(mpmath.mpf(float(value)) - true) <= 1e-12 * abs(true), (value, true)


def test_a_saturated_sigmoid_layer_shows_its_tiny_numbers_not_zero():
    """Depth 1, z = −40: a = g′ ≈ 4.25e-18, not the 0.0 that 0.5·(1 + tanh(z/2)) gives."""
    chain = Chain(ChainSettings(depth=1, activation="sigmoid", weight=1.0, bias=-41.0, x=1.0))
    trace = chain.trace(chain.settings.initial_params())
    assert trace.z[0] == -40.0
    assert trace.a[0] == pytest.approx(4.248354255291589e-18, rel=1e-12)
    assert trace.gprime[0] == pytest.approx(4.248354255291589e-18, rel=1e-12)
    assert trace.delta[0] != 0.0
