"""Optimisers against closed forms, hand-computed first steps, and their own contracts."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tui_gradients.core.errors import SettingError
from tui_gradients.core.objectives.functions import quadratic
from tui_gradients.core.optimisation.optimizers import (
    HYPERPARAMETERS,
    OPTIMIZERS,
    REGISTRY,
    Hyperparameters,
)
from tui_gradients.core.optimisation.rules import RULES
from tui_gradients.core.optimisation.transforms import (
    GradientTransformation,
    apply_updates,
    chain,
    from_rule,
    scale_by_learning_rate,
)
from tui_gradients.core.runs.experiment import Experiment, PlaneSettings
from tui_gradients.core.runs.settings import edit

FROM_THE_GRADIENT = tuple(name for name in OPTIMIZERS if not REGISTRY[name].evaluates)
"""Those whose update reads the gradient alone (not LBFGS, which evaluates f itself)."""


def _seed_run(optimizer="gd", lr=0.5, **extra):
    hyper = Hyperparameters(optimizer=optimizer, lr=lr, **extra)
    return Experiment(plane=PlaneSettings(start=(-40.0, 1.5)), hyper=hyper).plane_run()


def test_gd_kills_w2_in_one_step_and_shrinks_w1_by_0999():
    run = _seed_run()
    run.advance(1000)
    params = run.history.params
    assert params[1, 1] == 0.0  # exactly: 1.5 − 0.5·2·1.5
    k = np.arange(len(params))
    np.testing.assert_allclose(params[:, 0], -40.0 * 0.999**k, rtol=1e-12)
    assert np.all(params[1:, 1] == 0.0)


def test_gd_factor_per_step_is_one_minus_lr_times_curvature():
    a, lr = 0.003, 0.2
    run = Experiment(
        plane=PlaneSettings(a=a, start=(10.0, 0.0)), hyper=Hyperparameters(lr=lr)
    ).plane_run()
    run.advance(50)
    w1 = run.history.params[:, 0]
    np.testing.assert_allclose(w1[1:] / w1[:-1], 1 - lr * 2 * a, rtol=1e-12)


@pytest.mark.parametrize("lr", [0.5, 5.0, 0.01])
def test_adagrad_first_step_moves_every_coordinate_by_lr(lr):
    run = _seed_run("adagrad", lr)
    run.advance(1)
    start, first = run.history.params[0], run.history.params[1]
    grads = run.history.grads[0]
    np.testing.assert_allclose(first - start, -lr * np.sign(grads), atol=lr * 1e-9)


def test_momentum_first_two_steps_by_hand():
    run = _seed_run("momentum", 0.1, momentum=0.9)
    run.advance(2)
    g0 = np.array([2 * 0.001 * -40.0, 2 * 1.5])
    p1 = np.array([-40.0, 1.5]) - 0.1 * g0
    g1 = np.array([2 * 0.001 * p1[0], 2 * p1[1]])
    b1 = 0.9 * g0 + g1
    p2 = p1 - 0.1 * b1
    np.testing.assert_allclose(run.history.params[1], p1, rtol=1e-15)
    np.testing.assert_allclose(run.history.params[2], p2, rtol=1e-15)


def test_nesterov_first_step_by_hand():
    run = _seed_run("nesterov", 0.1, momentum=0.9)
    run.advance(1)
    g0 = np.array([-0.08, 3.0])
    expected = np.array([-40.0, 1.5]) - 0.1 * (g0 + 0.9 * g0)
    np.testing.assert_allclose(run.history.params[1], expected, rtol=1e-15)


def test_rmsprop_first_step_by_hand():
    run = _seed_run("rmsprop", 0.01)
    run.advance(1)
    g0 = np.array([-0.08, 3.0])
    v = 0.01 * g0**2
    expected = np.array([-40.0, 1.5]) - 0.01 * g0 / (np.sqrt(v) + 1e-8)
    np.testing.assert_allclose(run.history.params[1], expected, rtol=1e-15)
    # One step of rmsprop moves each coordinate by lr/√(1−α) = 10·lr, whatever its gradient.
    np.testing.assert_allclose(
        np.abs(run.history.params[1] - run.history.params[0]), 0.1, rtol=1e-5
    )


def test_adam_first_two_steps_by_hand():
    run = _seed_run("adam", 0.1)
    run.advance(2)
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.1
    p = np.array([-40.0, 1.5])
    m = v = np.zeros(2)
    for t in (1, 2):
        g = np.array([2 * 0.001 * p[0], 2 * p[1]])
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        p = p - (lr / (1 - b1**t)) * m / (np.sqrt(v) / math.sqrt(1 - b2**t) + eps)
        np.testing.assert_allclose(run.history.params[t], p, rtol=1e-14)


CURVED = lambda params: np.array([[2.0, 0.5], [0.5, 3.0]])  # noqa: E731
"""A positive-definite Hessian for Newton's two."""


@pytest.mark.parametrize("name", FROM_THE_GRADIENT)
def test_update_is_pure(name):
    optimizer = Hyperparameters(optimizer=name, lr=0.1).build(hessian=CURVED)
    params = np.array([1.0, -2.0])
    grads = np.array([0.5, 0.25])
    state = optimizer.init(params)
    before = (params.copy(), grads.copy(), [s.copy() for s in state])
    first = optimizer.step(grads, state, params)
    second = optimizer.step(grads, state, params)
    np.testing.assert_array_equal(params, before[0])
    np.testing.assert_array_equal(grads, before[1])
    for s, s0 in zip(state, before[2], strict=True):
        np.testing.assert_array_equal(s, s0)
    np.testing.assert_array_equal(first[0], second[0])
    assert len(first[1]) == optimizer.state_size


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["adagrad", "rmsprop", "adam"]),
    st.floats(1e-4, 10),
    st.lists(st.floats(-1e3, 1e3).filter(lambda g: abs(g) > 1e-3), min_size=1, max_size=6),
)
def test_adaptive_first_step_size_does_not_depend_on_gradient_scale(name, lr, grads):
    """The per-coordinate scaling the seed points at: step one moves each coordinate the same."""
    optimizer = Hyperparameters(optimizer=name, lr=lr).build()
    params = np.zeros(len(grads))
    new, _ = optimizer.step(np.array(grads), optimizer.init(params), params)
    sizes = np.abs(new)
    # eps is added to √v ≥ 0.1·|g| (rmsprop's smallest factor), so with |g| > 1e-3 it can move a
    # step by at most eps / 1e-4 = 1e-4 relative.
    np.testing.assert_allclose(sizes, sizes[0], rtol=1e-4)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(OPTIMIZERS), st.floats(1e-3, 0.4), st.floats(-50, 50), st.floats(-5, 5))
def test_every_optimizer_decreases_a_convex_bowl_eventually(name, lr, w1, w2):
    """From at least lr·10 away: an adaptive step is about lr long whatever the gradient, so
    nearer than that NAdam, for one, circles the minimum at a loss above its start's."""
    assume(math.hypot(w1, w2) >= 10 * lr)
    objective = quadratic(1.0, 1.0)
    hyper = Hyperparameters(optimizer=name, lr=lr)
    run = Experiment(plane=PlaneSettings(a=1.0, b=1.0, start=(w1, w2)), hyper=hyper).plane_run()
    run.advance(300)
    assert run.history.loss[-1] <= objective.value(w1, w2) + 1e-12


@pytest.mark.parametrize(
    ("changes", "name"),
    [
        ({"lr": 0.0}, "lr"),
        ({"lr": -1.0}, "lr"),
        ({"lr": float("nan")}, "lr"),
        ({"lr": float("inf")}, "lr"),
        ({"momentum": 1.0}, "momentum"),
        ({"momentum": -0.1}, "momentum"),
        ({"alpha": 1.5}, "alpha"),
        ({"beta1": 1.0}, "beta1"),
        ({"beta2": -0.5}, "beta2"),
        ({"eps": 0.0}, "eps"),
        ({"optimizer": "sgdx"}, "optimizer"),
    ],
)
def test_bad_hyperparameters_are_refused_by_name(changes, name):
    with pytest.raises(SettingError) as caught:
        Hyperparameters().with_changes(**changes)
    assert caught.value.name == name


def test_eps_defaults_follow_torch():
    assert Hyperparameters(optimizer="adagrad").resolved_eps == 1e-10
    assert Hyperparameters(optimizer="rmsprop").resolved_eps == 1e-8
    assert Hyperparameters(optimizer="adam").resolved_eps == 1e-8


@pytest.mark.parametrize("name", FROM_THE_GRADIENT)
def test_update_returns_updates_that_apply_to_the_step(name):
    """optax's contract: the transformation gives updates, `apply_updates` adds them."""
    optimizer = Hyperparameters(optimizer=name, lr=0.3).build(hessian=CURVED)
    params, grads = np.array([1.0, -2.0]), np.array([0.5, -0.25])
    state = optimizer.init(params)
    updates, _ = optimizer.transform.update(grads, state, params)
    stepped, _ = optimizer.step(grads, state, params)
    np.testing.assert_array_equal(apply_updates(params, updates), stepped)
    assert np.all(np.sign(updates) == -np.sign(grads))  # every first step goes downhill


@pytest.mark.parametrize("name", FROM_THE_GRADIENT)
def test_the_learning_rate_is_a_final_scale(name):
    """Doubling lr doubles the first update exactly: nothing before the last scale reads lr."""
    params, grads = np.array([3.0, -1.0]), np.array([0.1, 4.0])
    first = []
    for lr in (0.25, 0.5):
        optimizer = Hyperparameters(optimizer=name, lr=lr).build(hessian=CURVED)
        first.append(optimizer.transform.update(grads, optimizer.init(params), params)[0])
    np.testing.assert_array_equal(2 * first[0], first[1])


def test_chain_applies_in_order_and_keeps_each_state():
    doubled = GradientTransformation(lambda p: (), lambda u, s, p: (2 * u, ()))
    momentum = from_rule(RULES["momentum"], Hyperparameters(momentum=0.5).vector())
    combined = chain(momentum, doubled, scale_by_learning_rate(1.0))
    params = np.zeros(2)
    state = combined.init(params)
    assert len(state) == 2  # the momentum's step count and buffer
    updates, state = combined.update(np.ones(2), state, params)
    np.testing.assert_array_equal(updates, [-2.0, -2.0])
    updates, state = combined.update(np.ones(2), state, params)
    np.testing.assert_array_equal(state[1], [1.5, 1.5])  # 0.5·1 + 1
    np.testing.assert_array_equal(updates, [-3.0, -3.0])


def test_the_vector_follows_the_named_order():
    hyper = Hyperparameters(optimizer="adam", lr=0.1, momentum=0.8, alpha=0.7, beta1=0.6)
    vector = dict(zip(HYPERPARAMETERS, hyper.vector(), strict=True))
    assert vector == {
        "lr": 0.1,
        "momentum": 0.8,
        "alpha": 0.7,
        "beta1": 0.6,
        "beta2": 0.999,
        "eps": 1e-8,
        "weight_decay": 0.0,
        "dampening": 0.0,
        "amsgrad": 0.0,
        "rho": 0.9,
        "eta_minus": 0.5,
        "eta_plus": 1.2,
        "step_min": 1e-6,
        "step_max": 50.0,
        "lambd": 1e-4,
        "momentum_decay": 4e-3,
        "history_size": 100.0,
        "max_iter": 20.0,
        "line_search": 0.0,
    }
    assert hyper.build().vector == hyper.vector()


@pytest.mark.parametrize(
    ("optimizer", "name", "value"),
    [
        ("adagrad", "eps", 1e-10),
        ("adadelta", "eps", 1e-6),
        ("adamax", "eps", 1e-8),
        ("rmsprop", "alpha", 0.99),
        ("asgd", "alpha", 0.75),
        ("adamw", "weight_decay", 1e-2),
        ("adam", "weight_decay", 0.0),
    ],
)
def test_settings_shared_by_name_take_each_optimisers_own_torch_default(optimizer, name, value):
    assert Hyperparameters(optimizer=optimizer).resolved(name) == value
    assert Hyperparameters(optimizer=optimizer, **{name: 0.5}).resolved(name) == 0.5


@pytest.mark.parametrize(
    ("changes", "name"),
    [
        ({"optimizer": "nesterov", "dampening": 0.1}, "dampening"),
        ({"eta_minus": 1.0}, "eta_minus"),
        ({"eta_plus": 0.9}, "eta_plus"),
        ({"step_min": 60.0}, "step_min"),
        ({"rho": 1.0}, "rho"),
        ({"weight_decay": -0.1}, "weight_decay"),
        ({"amsgrad": 1}, "amsgrad"),
    ],
)
def test_torchs_own_limits_are_refused_by_name(changes, name):
    with pytest.raises(SettingError) as caught:
        Hyperparameters(**changes)
    assert caught.value.name == name


def test_rprop_grows_a_step_while_the_sign_holds_and_skips_one_that_flips():
    """Closed form on f = w²/2 from w = 10 with lr 1: steps of 1.2ᵏ while the gradient keeps
    its sign (w passes 0 at the 7th); at the flip the step shrinks by eta− and w stays put;
    then it moves back by that smaller step."""
    optimizer = Hyperparameters(optimizer="rprop", lr=1.0).build()
    w = np.array([10.0])
    state, moves = optimizer.init(w), []
    for _ in range(9):
        stepped, state = optimizer.step(w.copy(), state, w)  # ∇(w²/2) = w
        moves.append(float(w[0] - stepped[0]))
        w = stepped
        if len(moves) == 8:
            assert state[1][0] == pytest.approx(1.2**6 * 0.5)
    np.testing.assert_allclose(moves[:7], 1.2 ** np.arange(7))
    assert moves[7] == 0.0 and moves[8] == pytest.approx(-(1.2**6) * 0.5)


def test_asgd_decays_its_step_size_by_the_documented_power():
    hyper = Hyperparameters(optimizer="asgd", lr=0.1, lambd=0.5, alpha=0.75)
    optimizer = hyper.build()
    params = np.array([0.0])
    state = optimizer.init(params)
    for t in range(1, 5):  # g = 1 at p = 0: the step is −η_t exactly, once p is reset to 0
        updates, state = optimizer.transform.update(np.ones(1), state, params)
        assert updates[0] == pytest.approx(-0.1 / (1 + 0.5 * 0.1 * (t - 1)) ** 0.75)


@pytest.mark.parametrize("function", ["quadratic", "rotated"])
def test_newton_reaches_a_quadratics_minimum_in_one_step(function):
    """H⁻¹∇f is the whole way to the minimum of a quadratic, however it is stretched or turned:
    the fix for ill-conditioning that per-coordinate scaling gives only along the axes."""
    experiment = edit(
        edit(edit(Experiment(), "function", function), "optimizer", "newton"), "lr", "1"
    )
    run = experiment.plane_run()
    run.advance(5)
    assert run.stop is not None and run.stop.step == 1
    # to rounding: solving with κ = 1000 from |w| = 40 leaves about κ·ε·40 ≈ 1e-11
    np.testing.assert_allclose(run.history.params[1], [0.0, 0.0], atol=1e-10)


@pytest.mark.parametrize("lr", [0.5, 0.25])
def test_damped_newton_shrinks_the_distance_by_one_minus_lr(lr):
    experiment = edit(edit(Experiment(), "optimizer", "newton"), "lr", str(lr))
    run = experiment.plane_run()
    run.advance(6)
    start = np.array([-40.0, 1.5])
    expected = [start * (1 - lr) ** k for k in range(7)]
    np.testing.assert_allclose(run.history.params, expected, rtol=1e-12)


def test_the_diagonal_preconditioner_fixes_the_bowl_but_not_the_rotated_bowl():
    def steps(function: str) -> int | None:
        chosen = edit(edit(Experiment(), "function", function), "optimizer", "newton_diag")
        run = edit(chosen, "lr", "1").plane_run()
        run.advance(200)
        return None if run.stop is None else run.stop.step

    assert steps("quadratic") == 1
    assert steps("rotated") is None  # g / diag(H) overshoots across the turned valley


@pytest.mark.parametrize(
    ("function", "optimizer", "fragment"),
    [
        ("saddle", "newton", "H is indefinite here (λ = -2, 2): Newton's step heads for a saddle"),
        ("himmelblau", "newton", "H is negative definite here"),
        ("saddle", "newton_diag", "a curvature on the diagonal of H is not positive (2, -2)"),
    ],
)
def test_newton_refuses_a_step_that_would_not_go_downhill_and_says_why(
    function, optimizer, fragment
):
    run = edit(edit(Experiment(), "function", function), "optimizer", optimizer).plane_run()
    run.advance(3)
    assert run.stop is not None and run.stop.step == 1 and fragment in run.stop.message
    assert len(run.history) == 1  # nothing was taken


def test_the_chain_steps_with_gd_under_newton_and_says_so():
    experiment = edit(Experiment(), "optimizer", "newton")
    assert experiment.chain_run().optimizer.name == "gd"
    with pytest.raises(SettingError, match="needs a Hessian"):
        Hyperparameters(optimizer="newton").build()


def test_lbfgs_with_a_line_search_solves_the_bowl_and_then_stops_by_torchs_own_rule():
    experiment = edit(edit(Experiment(), "optimizer", "lbfgs"), "line_search", "strong_wolfe")
    run = experiment.plane_run()
    run.advance(10)
    assert run.stop is not None and run.stop.kind.value == "converged"
    assert "tolerance_change 1e-09" in run.stop.message  # torch's next step would not move
    assert math.hypot(*run.history.params[-1]) < 1e-3  # from 40 away, in two steps
    assert run.stop.step == 2 and len(run.history) == 3


def test_lbfgs_keeps_its_memory_in_the_state_so_stepping_on_from_a_row_is_the_same():
    """Its pairs (s, y), direction and step live in state rows: a run that steps on from a
    history row takes the same next step as one that never stopped."""
    experiment = edit(edit(Experiment(), "optimizer", "lbfgs"), "max_iter", "1")
    whole, halves = experiment.plane_run(), experiment.plane_run()
    whole.advance(12)
    halves.advance(6)
    halves.jump(6)
    halves.advance(6)
    np.testing.assert_array_equal(whole.history.params, halves.history.params)
    assert whole.optimizer.state_size == 6 + 2 + 3 * 100  # scalars, d and ∇, the pairs' ring


@pytest.mark.parametrize(("name", "value"), [("history_size", 0), ("max_iter", 2.5)])
def test_lbfgs_settings_are_whole_numbers(name, value):
    with pytest.raises(SettingError) as caught:
        Hyperparameters(optimizer="lbfgs", **{name: value})
    assert caught.value.name == name


def test_an_lbfgs_step_whose_arithmetic_breaks_down_is_refused_in_words():
    """A pair with yᵀs just over 1e-10 but yᵀy below the smallest float: H's scale yᵀs / yᵀy
    divides by zero on Python floats (numpy would give inf, then nan). The step is refused
    with a reason, not a traceback."""
    from tui_gradients.core.errors import StepRefused
    from tui_gradients.core.optimisation import lbfgs

    params, grad = np.array([1.0, 1.0]), np.array([2e-200, 2.0])
    rows = np.zeros((lbfgs.state_rows(5), 2))
    rows[lbfgs.N_ITER], rows[lbfgs.T] = 1.0, 1e191  # one iteration taken, with a huge step
    rows[lbfgs.D] = [1.0, 0.0]
    rows[lbfgs.PREV_GRAD] = [1e-200, 2.0]  # y = (1e-200, 0): yᵀs = 1e-9, yᵀy = 0
    with pytest.raises(StepRefused, match="its line search broke down"):
        lbfgs.step(
            lambda p: (float(p @ p), 2 * p), params, 2.0, grad, tuple(rows), 1.0, 20, 5, False
        )
