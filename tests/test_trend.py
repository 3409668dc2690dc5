"""The trend lines' scaling: log₁₀ with a floor, and bucketing that keeps each run's peak."""

import numpy as np

from tui_gradients.ui.widgets.trend import DECADES, bucket_max, log_scale


def test_log_scale_floors_tiny_values_and_drops_non_finite_ones():
    logs = log_scale(np.array([100.0, 1e-300, 0.0, np.inf, np.nan, -10.0]))
    np.testing.assert_allclose(logs, [2.0, 2.0 - DECADES, 2.0 - DECADES, 1.0])


def test_buckets_keep_the_largest_value_of_each_run():
    values = np.zeros(100_000)
    values[12_345] = 5.0
    buckets = bucket_max(values, 200)
    assert len(buckets) == 200 and buckets.max() == 5.0 and np.count_nonzero(buckets) == 1
    short = np.arange(10.0)
    np.testing.assert_array_equal(bucket_max(short, 200), short)
