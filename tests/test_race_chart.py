"""The race chart: a long history drawn from a bounded number of points, each run in columns
of its own so that runs with the same losses never hide each other."""

import numpy as np
import pytest

from tui_gradients.ui.widgets.race_chart import interleaved_steps, legend


@pytest.mark.parametrize("length", [1, 10, 1_000_000])
def test_each_run_gets_its_own_columns_and_the_last_step(length):
    columns, runs = 70, 6
    seen = []
    for run in range(runs):
        steps = interleaved_steps(length, columns, run, runs)
        assert steps[-1] == length - 1 and np.all(np.diff(steps) > 0)
        assert len(steps) <= columns // runs + 2  # bounded by the width, not the history
        column = np.round(steps / max(length - 1, 1) * (columns - 1)).astype(int)
        seen.append(set(column[:-1].tolist()))
    if length > columns:
        for a in range(runs):  # no two runs share a column, bar the last step's
            for b in range(a + 1, runs):
                assert not (seen[a] & seen[b])


def test_the_legend_names_every_run_with_its_mark():
    names = ["gd", "adagrad", "rmsprop"]
    assert legend(names, ascii_only=False) == "● gd  ◆ adagrad  ▲ rmsprop"
    assert legend(names, ascii_only=True) == "@ gd  % adagrad  ^ rmsprop"
