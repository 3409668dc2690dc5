"""Runs: history, cursor, and how they end."""

import itertools
import math

import numpy as np
import pytest

from tui_gradients.core.errors import SettingError
from tui_gradients.core.objectives.functions import custom, quadratic, rosenbrock, saddle
from tui_gradients.core.optimisation.optimizers import Hyperparameters
from tui_gradients.core.runs.experiment import ESCAPE_FACTOR, Experiment, PlaneSettings
from tui_gradients.core.runs.run import HUGE, Run, StopKind
from tui_gradients.core.runs.settings import edit


def _bowl(lr=0.5, optimizer="gd"):
    return Experiment(hyper=Hyperparameters(optimizer=optimizer, lr=lr)).plane_run()


def test_history_grows_past_its_initial_capacity_and_keeps_every_iterate():
    run = _bowl()
    assert run.advance(5000) == 5000
    assert len(run.history) == 5001
    np.testing.assert_allclose(run.history.params[:, 0], -40 * 0.999 ** np.arange(5001), rtol=1e-12)
    w1 = run.history.params[1:, 0]
    np.testing.assert_allclose(run.history.loss[1:], 0.001 * w1**2, rtol=1e-12)


def test_step_by_step_the_history_doubles_and_keeps_every_iterate():
    run = _bowl()
    for _ in range(3000):
        run.advance(1)
    assert len(run.history) == 3001 and run.history.nbytes == 4096 * 5 * 8
    np.testing.assert_allclose(run.history.params[:, 0], -40 * 0.999 ** np.arange(3001), rtol=1e-12)


def test_a_long_advance_reserves_its_room_at_once():
    """No doubling on the way: peak memory is the history itself, not three times it."""
    objective = quadratic()
    adam = Hyperparameters(optimizer="adam", lr=0.5).build()
    run = Run(objective.value_and_grad, adam, objective.start)
    assert run.advance(100_000) == 100_000
    per_row = 8 * (2 + 1 + 2 + adam.state_size * 2)  # params, loss, grads, optimiser state
    assert run.history.nbytes == 100_001 * per_row


def test_states_are_kept_for_every_step():
    run = _bowl(optimizer="adagrad")
    run.advance(3)
    grads = run.history.grads
    expected = np.cumsum(grads[:3] ** 2, axis=0)  # the accumulator after 1, 2, 3 updates
    np.testing.assert_allclose(run.history.states[1:, 0], expected, rtol=1e-12)


def test_cursor_moves_back_and_forward_without_recomputing():
    run = _bowl()
    run.forward(10)
    assert run.cursor == 10 and run.last_step == 10
    assert run.back(3) == 3 and run.cursor == 7
    assert run.back(100) == 7 and run.cursor == 0
    run.forward(4)
    assert run.last_step == 10  # the kept history was reused
    np.testing.assert_array_equal(run.params, run.history.params[4])
    run.jump(10_000)
    assert run.cursor == 10
    run.jump(-5)
    assert run.cursor == 0


def _escape_step(bound, w2=1.5, factor=2.0):
    """gd at lr 1.5 on the bowl: |w2| doubles each step, so it passes the bound at this step."""
    return math.ceil(math.log(bound / w2) / math.log(factor))


def test_gd_lr_15_on_the_bowl_diverges_with_a_stated_step():
    run = _bowl(lr=1.5)
    run.advance(10_000)
    assert run.stop.kind is StopKind.DIVERGED
    expected = _escape_step(ESCAPE_FACTOR * Experiment().plane.scale)
    assert run.stop.step == expected
    assert run.stop.message.startswith(f"diverged at step {expected}")
    assert np.all(np.isfinite(run.history.params))
    run.forward(5)  # stepping on a stopped run is harmless
    assert run.last_step == expected - 1


def test_without_a_scale_the_bound_is_where_float64_gives_out():
    objective = quadratic()
    run = Run(objective.value_and_grad, Hyperparameters(lr=1.5).build(), [-40.0, 1.5])
    run.advance(10_000)
    assert run.stop.step == _escape_step(HUGE)


def test_lr_10_on_rosenbrock_diverges_and_history_stays_finite():
    objective = rosenbrock()
    run = Run(objective.value_and_grad, Hyperparameters(lr=10).build(), list(objective.start))
    run.advance(100)
    assert run.stop.kind is StopKind.DIVERGED
    assert np.all(np.isfinite(run.history.loss))


def test_gd_on_the_saddle_escapes_along_w2_until_it_diverges():
    objective = saddle()
    run = Run(objective.value_and_grad, Hyperparameters(lr=0.5).build(), [1.5, 0.001])
    run.advance(10_000)
    assert run.history.params[1, 0] == 0.0  # w1 is solved in one step at lr 0.5
    assert run.stop.kind is StopKind.DIVERGED  # |w2| doubles each step


def test_convergence_stops_with_the_reason():
    objective = custom("(w1 - 1)**2 + (w2 + 2)**2")
    run = Run(objective.value_and_grad, Hyperparameters(lr=0.25).build(), [3.0, 3.0], tol=1e-10)
    run.advance(1000)
    assert run.stop.kind is StopKind.CONVERGED
    assert "converged at step" in run.stop.message
    assert np.linalg.norm(run.history.grads[-1]) < 1e-10
    assert np.linalg.norm(run.history.grads[-2]) >= 1e-10


def test_step_limit():
    run = Experiment().plane_run()
    run.max_steps = 7
    run.advance(100)
    assert run.stop.kind is StopKind.LIMIT and run.last_step == 7


def test_non_finite_start_is_refused_as_a_setting():
    objective = custom("log(w1)")
    with pytest.raises(SettingError) as caught:
        Run(objective.value_and_grad, Hyperparameters().build(), [-1.0, 0.0])
    assert caught.value.name == "start"


def test_a_million_steps_live_in_numpy_arrays():
    run = _bowl()
    run.advance(200_000)
    # 2 params + loss + 2 grads, float64, capacity at most double the length.
    assert run.history.nbytes <= 2 * 200_001 * 5 * 8
    assert isinstance(run.history.params, np.ndarray)


def test_start_point_setting_validated():
    with pytest.raises(SettingError) as caught:
        PlaneSettings(start=(float("nan"), 1.0))
    assert caught.value.name == "start"


def test_adam_on_the_saddle_runs_off_and_is_stopped_as_diverged():
    """Adam's steps are bounded by about lr, so it never overflows: the escape bound stops it."""
    experiment = Experiment(
        plane=PlaneSettings(function="saddle"), hyper=Hyperparameters("adam", lr=0.5)
    )
    run = experiment.plane_run()
    run.advance(100_000)
    assert run.stop.kind is StopKind.DIVERGED
    assert abs(run.history.params[-1, 1]) <= ESCAPE_FACTOR * experiment.plane.scale
    assert run.last_step > 1000  # it walked there, at most lr per step


def test_a_series_of_long_jumps_grows_the_history_geometrically():
    run = _bowl(lr=0.0005)  # slow enough not to converge in 200 000 steps
    copies = []
    original = run.history.reserve
    run.history.reserve = lambda capacity: (copies.append(capacity), original(capacity))
    for _ in range(40):
        run.advance(5_000)
    assert len(run.history) == 200_001
    assert len(copies) <= 10  # 40 jumps; a copy of the whole history for each would be 40
    assert all(later >= 1.45 * earlier for earlier, later in itertools.pairwise(copies))


def test_a_thinned_history_keeps_every_kth_step_exactly_and_runs_on_the_same():
    """Thinning keeps rows bit for bit (every 2nd, 4th, … step up to an edge, every step
    after it), the cursor lands on kept steps, and the run goes on as if never thinned, its
    step limit counted in steps, not rows."""
    experiment = edit(edit(Experiment(), "function", "rosenbrock"), "lr", "0.0005")
    thinned, whole = experiment.plane_run(), experiment.plane_run()
    thinned.max_steps = whole.max_steps = 9000
    whole.advance(9000)
    thinned.advance(3001)
    thinned.forward(2999)
    for _ in range(3):
        assert thinned.thin()
        history = thinned.history
        steps = history.steps
        assert np.array_equal(history.params, whole.history.params[steps])
        assert np.array_equal(history.states, whole.history.states[steps])
        assert np.all(np.diff(steps) > 0) and steps[-1] == 3001
        assert thinned.cursor in set(steps.tolist())
    assert history.stride == 8 and history.thinned_to == 3000
    assert thinned.back(1) == 8  # from 2992 to the kept step before
    assert thinned.forward(1) == 8
    thinned.advance(20_000)  # the fast loop, from a thinned history, to the step limit
    assert thinned.last_step == 9000 and thinned.stop is not None
    assert np.array_equal(thinned.history.params[-1], whole.history.params[-1])
