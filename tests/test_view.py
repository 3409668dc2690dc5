"""The view model: first views frame the start and the minimum with the minimum inside,
following keeps every current point in sight, pan and fit do what they say."""

import math

import numpy as np
import pytest

from tui_gradients.core.objectives.functions import PRESETS, custom, make_objective, quadratic
from tui_gradients.core.objectives.view import (
    EDGE,
    SETTLE,
    contains,
    fit_view,
    follow,
    natural_radius,
    pan,
    usable,
)
from tui_gradients.core.optimisation.optimizers import Hyperparameters
from tui_gradients.core.runs.experiment import Experiment, PlaneSettings
from tui_gradients.core.runs.session import Session


@pytest.mark.parametrize("name", list(PRESETS))
def test_first_view_holds_the_start_and_keeps_the_minimum_off_the_edges(name):
    objective = make_objective(name)
    view = fit_view(objective, objective.start)
    assert contains(view, objective.start, EDGE)
    nearest = objective.nearest_minimum(objective.start)
    if nearest is not None:
        assert contains(view, nearest, SETTLE * 0.99)


def test_the_bowls_view_has_room_below_the_minimum():
    """The seed's bowl once opened with w2 from −0.22: the minimum sat on the bottom edge."""
    x0, x1, y0, y1 = fit_view(quadratic(), (-40.0, 1.5))
    assert y0 <= -0.2 * (y1 - y0) * 0.99
    assert x1 >= 0.2 * (x1 - x0) * 0.99


def test_a_formula_gets_a_view_scaled_from_its_own_shape():
    """The README's formula once opened on a ±5·10⁻⁵ box; its run ends at (1.31, 3.14)."""
    objective = custom("sin(w1)*cos(w2) + 0.1*w1**2", (1.0, 2.0))
    x0, x1, y0, y1 = fit_view(objective, (1.0, 2.0))
    assert 0.5 < x1 - x0 < 20 and 0.5 < y1 - y0 < 20
    assert natural_radius(custom("w1**2 + w2**2"), (0.0, 0.0)) == pytest.approx(1 / np.sqrt(2))


def _momentum_path(steps):
    session = Session(Experiment(hyper=Hyperparameters(optimizer="momentum")))
    session.forward(steps)
    return session.path(session.plane)


def test_following_keeps_every_current_point_in_sight_step_by_step():
    path = _momentum_path(60)
    view = fit_view(quadratic(), (-40.0, 1.5))
    changes = 0
    for k in range(1, len(path)):
        current = [tuple(path[k])]
        new = follow(view, current, [tuple(p) for p in path[max(k - 5, 0) : k]])
        changes += new != view
        view = new
        assert contains(view, current[0])
    assert 0 < changes < 10  # the zig-zag widens the view once or twice, not on every step


def test_following_pans_at_the_same_zoom_when_the_points_fit():
    view = (0.0, 10.0, 0.0, 10.0)
    moved = follow(view, [(11.0, 5.0)])
    assert moved[1] - moved[0] == pytest.approx(10.0) and moved[3] - moved[2] == 10.0
    assert contains(moved, (11.0, 5.0), SETTLE * 0.99)
    assert follow(view, [(5.0, 5.0)]) == view  # nothing leaving: nothing moves


def test_following_widens_when_the_points_no_longer_fit():
    view = (0.0, 10.0, 0.0, 10.0)
    wide = follow(view, [(5.0, 5.0), (40.0, -30.0)])
    assert contains(wide, (40.0, -30.0), EDGE) and contains(wide, (5.0, 5.0), EDGE)
    assert wide[0] <= 0.0 and wide[3] >= 10.0  # grown, never shrunk


def test_a_diverging_run_stays_in_sight():
    session = Session(Experiment(hyper=Hyperparameters(lr=1.5)))
    view = fit_view(quadratic(), (-40.0, 1.5))
    for _ in range(30):
        session.forward(1)
        point = tuple(float(v) for v in session.plane.params)
        view = follow(view, [point])
        assert contains(view, point)


def test_pan_moves_by_a_fraction_and_fit_view_holds_every_path():
    assert pan((0.0, 4.0, 0.0, 2.0), 0.25, -0.5) == (1.0, 5.0, -1.0, 1.0)
    objective = quadratic()
    far = np.array([[-40.0, 1.5], [60.0, -3.0]])
    view = fit_view(objective, (-40.0, 1.5), [far, _momentum_path(10)])
    assert all(contains(view, tuple(p)) for p in far)
    assert contains(view, (0.0, 0.0), EDGE)


def test_a_custom_start_is_framed_too():
    plane = PlaneSettings(start=(3.0, -2.0))
    view = fit_view(plane.objective, plane.start_point)
    assert contains(view, (3.0, -2.0), EDGE) and contains(view, (0.0, 0.0), SETTLE * 0.99)


FITTED = (-46.0, 6.0, -0.225, 1.725)


@pytest.mark.parametrize(
    ("window", "reason"),
    [
        ((-40.0, -40.0, 1.5, 1.5), "zoomed in"),  # 54 presses of z, rounded to nothing
        ((0.0, 5e-324, 0.0, 5e-324), "zoomed in"),
        ((-1e308, 1e308, -1.0, 1.0), "within ±"),
        ((-math.inf, 0.0, 0.0, 1.0), "within ±"),
        ((0.0, math.nan, 0.0, 1.0), "within ±"),
        ((-5e8, 5e8, -1.0, 1.0), "zoomed out"),
        ((1e12, 1e12 + 1e-3, 0.0, 1.0), "zoomed in"),  # a span the doubles there cannot split
    ],
)
def test_a_view_past_what_can_be_drawn_says_why(window, reason):
    refused = usable(window, FITTED)
    assert refused is not None and reason in refused


@pytest.mark.parametrize(
    "window", [FITTED, (-40.0 - 1e-4, -40.0 + 1e-4, 1.0, 1.0 + 1e-5), (-2e7, 2e7, -1e5, 1e5)]
)
def test_a_view_within_reach_of_the_fitted_one_is_usable(window):
    assert usable(window, FITTED) is None
