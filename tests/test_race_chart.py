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
    names = ["gd lr 0.5", "adagrad lr 5", "rmsprop lr 0.5"]
    text, ends = legend(names, False, 0)
    assert text == "[● gd lr 0.5]  ◆ adagrad lr 5  ▲ rmsprop lr 0.5"
    assert [text[end - 1] for end in ends] == ["]", "5", "5"] and ends[-1] == len(text)
    assert legend(names, True, 2)[0] == "@ gd lr 0.5  % adagrad lr 5  [^ rmsprop lr 0.5]"


def test_a_legend_of_runs_at_one_lr_says_it_once():
    names = ["gd lr 0.5", "adagrad lr 0.5", "rmsprop lr 0.5"]
    text, ends = legend(names, False, 1)
    assert text == "● gd  [◆ adagrad]  ▲ rmsprop  all at lr 0.5"
    assert text[: ends[1]].endswith("[◆ adagrad]") and ends[2] == text.index("  all")
