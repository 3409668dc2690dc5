"""The app's network run: stepping back gives the numbers of the straight run, bit for bit,
from checkpoints thinned within their budget; the charts' series are the table's numbers."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from tui_gradients.core.network.experiment import NetSettings
from tui_gradients.core.network.init import Init
from tui_gradients.core.network.run import RECENT, NetworkRun
from tui_gradients.core.network.training import train
from tui_gradients.core.optimisation.optimizers import Hyperparameters


def setup(batch_size: int = 0, budget: int | None = None):
    settings = NetSettings(depth=3, width=6, batch_size=batch_size)
    network = settings.network()
    params = settings.initial_params(network.architecture)
    optimizer = Hyperparameters(optimizer="adam", lr=0.01).build()
    kwargs = {} if budget is None else {"budget": budget}
    run = NetworkRun(network, optimizer, params, settings.batches(network.samples), **kwargs)
    straight = list(
        itertools.islice(train(network, optimizer, params, settings.batches(network.samples)), 61)
    )
    return network, run, straight


@pytest.mark.parametrize("batch_size", [0, 50])
def test_any_step_equals_the_straight_run_even_from_thinned_checkpoints(batch_size):
    _, run, straight = setup(batch_size, budget=1)  # room for the fewest checkpoints
    run.go_to(60)
    assert run.last_step == 60
    assert len(run._checkpoints) < 40
    for step in (59, 0, 33, 17, 60, 1):
        run.go_to(step)
        np.testing.assert_array_equal(run.current.params, straight[step].params)
        assert run.current.loss == straight[step].loss
        assert run.replay_cost(step) >= 0


def test_the_table_shows_the_update_the_next_step_makes():
    network, run, straight = setup()
    run.go_to(10)
    rows = run.table()
    expected = straight[10].health(network, straight[11].params)
    assert rows == expected
    run.go_to(5)
    assert run.table() == straight[5].health(network, straight[6].params)


def test_the_summary_is_every_steps_numbers():
    network, run, straight = setup()
    run.go_to(20)
    summary = run.summary()
    assert summary.steps.tolist() == list(range(21))
    assert summary.loss.tolist() == [s.loss for s in straight[:21]]
    for step in (0, 7, 19):
        rows = straight[step].health(network, straight[step + 1].params)
        assert summary.grad_w_norm[step].tolist() == pytest.approx(
            [r.grad_w_norm for r in rows], rel=1e-15
        )
        assert summary.update_data[step].tolist() == pytest.approx(
            [r.update_data for r in rows], rel=1e-12
        )
    assert math.isnan(summary.update_data[20][0])  # the update from the last step is not made
    assert 0 < summary.accuracy[20] <= 1
    assert run.summary(upto=5).steps.tolist() == list(range(6))


def test_a_diverging_run_stops_with_a_reason_and_keeps_its_last_finite_step():
    settings = NetSettings(init=Init.parse("normal=30"), activation="relu")
    network = settings.network()
    optimizer = Hyperparameters(optimizer="gd", lr=1e5).build()
    run = NetworkRun(network, optimizer, settings.initial_params(network.architecture))
    made = run.advance(200)
    assert made < 200 and "diverged at step" in run.stop
    assert np.isfinite(run.summary(upto=run.last_step).loss).all()


def test_the_checkpoints_stay_within_their_budget():
    _, run, _ = setup(budget=200_000)
    step_bytes = run.checkpoint_bytes // len(run._checkpoints)
    run.advance(400)
    assert run.checkpoint_bytes <= max(200_000, (RECENT + 2) * step_bytes)
    assert run.last_step in run._checkpoints and 0 in run._checkpoints


def test_six_runs_of_the_deepest_network_fit_the_apps_history_budget():
    from tui_gradients.core.network.run import CHECKPOINT_BUDGET, SUMMARY_ROWS
    from tui_gradients.core.runs.session import HISTORY_BUDGET

    layers = 65
    summary = SUMMARY_ROWS * (2 + 2 * layers) * 8 * 2  # doubled while it grows
    assert 6 * (CHECKPOINT_BUDGET + summary) <= HISTORY_BUDGET


def test_the_summary_is_thinned_past_its_rows(monkeypatch):
    import tui_gradients.core.network.run as module

    monkeypatch.setattr(module, "SUMMARY_ROWS", 64)
    _, run, _ = setup()
    run.advance(300)
    run.go_to(300)
    summary = run.summary()
    assert len(summary.steps) <= 64 and summary.steps[0] == 0
    assert np.all(np.diff(summary.steps) > 0) and summary.steps[-1] >= 300 - 8


def test_a_step_after_the_table_reuses_the_update_the_table_computed(monkeypatch):
    _, run, straight = setup()
    made = []
    real = NetworkRun._next
    monkeypatch.setattr(NetworkRun, "_next", lambda self, step: made.append(1) or real(self, step))
    for step in range(1, 6):  # as the app's step key does: a step, then its table
        run.go_to(step)
        run.table()
    # the five steps and the update the last table shows: one training step per key, not two
    assert len(made) == 6
    np.testing.assert_array_equal(run.current.params, straight[5].params)
