"""Theory beside practice: the Hessian against finite differences, gd's predictions against
real runs."""

import math

import numpy as np
import pytest

from tui_gradients.core.objectives.functions import custom, make_objective, quadratic
from tui_gradients.core.objectives.theory import curvature, gd_prediction, steps_until_fraction
from tui_gradients.core.optimisation.optimizers import Hyperparameters
from tui_gradients.core.runs.experiment import Experiment, PlaneSettings


@pytest.mark.parametrize(("a", "b"), [(0.001, 1.0), (0.5, 2.0), (3.0, 0.01)])
def test_the_bowls_curvatures_are_2a_and_2b(a, b):
    objective = quadratic(a, b)
    curv = curvature(objective, (7.0, -3.0))
    assert curv.constant
    np.testing.assert_allclose(curv.eigenvalues, sorted((2 * a, 2 * b)), rtol=1e-12)
    assert curv.condition == pytest.approx(max(a, b) / min(a, b), rel=1e-12)
    lr = 0.3
    prediction = gd_prediction(curv, lr, objective.start, objective.minima[0])
    expected = sorted((2 * a, 2 * b))
    np.testing.assert_allclose(prediction.factors, [abs(1 - lr * v) for v in expected])
    assert prediction.max_stable_lr == pytest.approx(1 / max(a, b))


@pytest.mark.parametrize(
    ("name", "point"),
    [("rosenbrock", (-1.2, 1.0)), ("himmelblau", (0.5, -2.0)), ("beale", (1.0, 0.3))],
)
def test_hessian_matches_finite_differences_of_the_gradient(name, point):
    objective = make_objective(name)
    curv = curvature(objective, point)
    assert not curv.constant
    h = 1e-6
    columns = []
    for axis in range(2):
        step = np.eye(2)[axis] * h
        plus = np.array(objective.gradient(*(np.array(point) + step)), dtype=float)
        minus = np.array(objective.gradient(*(np.array(point) - step)), dtype=float)
        columns.append((plus - minus) / (2 * h))
    np.testing.assert_allclose(curv.hessian, np.array(columns).T, rtol=1e-5, atol=1e-6)


def test_a_typed_formula_gets_its_hessian_too():
    curv = curvature(custom("w1**2*w2 + exp(w2)"), (2.0, 0.0))
    np.testing.assert_allclose(curv.hessian, [[0.0, 4.0], [4.0, 1.0]], atol=1e-12)


def test_a_saddle_has_no_condition_number():
    curv = curvature(make_objective("saddle"), (0.0, 0.0))
    assert curv.eigenvalues[0] < 0 < curv.eigenvalues[1]
    assert math.isnan(curv.condition)


@pytest.mark.parametrize("function", ["quadratic", "rotated"])
def test_predicted_steps_to_one_percent_are_the_steps_a_real_run_takes(function):
    """The seed's numbers: factor 0.999 along the flat direction, about 4603 steps from -40."""
    experiment = Experiment(
        plane=PlaneSettings(function=function), hyper=Hyperparameters(optimizer="gd", lr=0.5)
    )
    objective = experiment.plane.objective
    start, minimum = experiment.plane.start_point, objective.minima[0]
    prediction = gd_prediction(curvature(objective, start), 0.5, start, minimum)
    assert max(prediction.factors) == pytest.approx(0.999, abs=1e-12)
    run = experiment.plane_run()
    run.advance(6000)
    measured = steps_until_fraction(run.history.params, [minimum])
    assert measured is not None
    assert measured == prediction.steps_to_fraction  # exact: gd on a quadratic is linear
    if function == "quadratic":
        assert math.ceil(prediction.steps_to_fraction) == 4603


def test_above_the_stable_rate_the_prediction_is_never():
    objective = quadratic()
    curv = curvature(objective, objective.start)
    prediction = gd_prediction(curv, 1.5, objective.start, objective.minima[0])
    assert prediction.max_stable_lr == pytest.approx(1.0)
    assert math.isinf(prediction.steps_to_fraction)


def test_a_path_that_has_not_arrived_has_no_measured_count():
    path = np.array([[-40.0, 1.5], [-39.0, 0.0]])
    assert steps_until_fraction(path, [(0.0, 0.0)]) is None


@pytest.mark.parametrize("function", ["quadratic", "rotated"])
@pytest.mark.parametrize(
    "start, lr", [((1.0, 30.0), 0.3), ((-20.0, 10.0), 0.9), ((5.0, -5.0), 0.7)]
)
def test_the_prediction_weighs_every_eigen_direction_of_the_start(function, start, lr):
    """A start mostly along the steep direction arrives long before the slowest factor alone
    says (ln 0.01 / ln f_max is only a bound): the prediction is the run's own count."""
    plane = PlaneSettings(function=function, start=start)
    experiment = Experiment(plane=plane, hyper=Hyperparameters(optimizer="gd", lr=lr))
    objective, minimum = experiment.plane.objective, experiment.plane.objective.minima[0]
    prediction = gd_prediction(curvature(objective, start), lr, start, minimum)
    run = experiment.plane_run()
    run.advance(20_000)
    assert steps_until_fraction(run.history.params, [minimum]) == prediction.steps_to_fraction
    bound = math.log(0.01) / math.log(max(prediction.factors))
    assert prediction.steps_to_fraction <= math.ceil(bound)
