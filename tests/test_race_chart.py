"""The race chart's decimation: a long history is drawn from a bounded number of points."""

import numpy as np
import pytest

from tui_gradients.ui.widgets.race_chart import decimate


@pytest.mark.parametrize(("length", "points"), [(1, 10), (10, 10), (1_000_000, 300), (301, 300)])
def test_decimation_keeps_the_ends_and_never_more_than_asked(length, points):
    values = np.arange(length, dtype=float) ** 2
    steps, kept = decimate(values, points)
    assert len(steps) == length if length <= points else len(steps) <= points
    assert steps[0] == 0 and steps[-1] == length - 1
    assert np.all(np.diff(steps) > 0)
    np.testing.assert_array_equal(kept, values[steps])
