"""The trend lines' scaling: log₁₀ with a floor, and bucketing that keeps each run's peak."""

import numpy as np
from textual.app import App, ComposeResult

from tui_gradients.ui.widgets.trend import (
    BLOCKS,
    DECADES,
    GAP,
    Trends,
    bucket_magnitudes,
    bucket_max,
    log_scale,
)


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


def test_bucket_magnitudes_match_the_plain_way_with_an_offset_and_bad_values():
    rng = np.random.default_rng(5)
    values = rng.normal(size=100_003) * np.logspace(0, -12, 100_003) + 2.5
    for buckets in (1, 7, 200, 200_000):
        expected = bucket_max(np.abs(values - 2.5), buckets)
        np.testing.assert_array_equal(bucket_magnitudes(values, 2.5, buckets), expected)
    spoiled = values.copy()
    spoiled[[10, 50_000]] = [np.nan, np.inf]
    finite = spoiled[np.isfinite(spoiled)]
    np.testing.assert_array_equal(
        bucket_magnitudes(spoiled, 2.5, 200), bucket_max(np.abs(finite - 2.5), 200)
    )


async def test_quantities_sit_side_by_side_each_cut_to_its_own_column():
    class Host(App):
        def compose(self) -> ComposeResult:
            yield Trends()

    app = Host()
    async with app.run_test(size=(60, 5)) as pilot:
        trends = app.query_one(Trends)
        first_title = "a first quantity with a long title"
        trends.show(
            [
                (first_title, np.logspace(0, -6, 1000), 0.0),
                ("second", np.logspace(-3, 0, 5) + 2.0, 2.0),
            ]
        )
        await pilot.pause()
        captions, bars = trends.text.splitlines()
        column = (60 - 2 - GAP) // 2  # the widget's padding takes a column each side
        assert captions[:column] == "a first quantity with a long title"[:column]
        assert captions[column : column + GAP] == " " * GAP
        assert captions[column + GAP :].startswith("second: log₁₀ -3.0 … 0.0")
        first, second = trends.heights
        assert len(first) == column and len(second) == 5  # a bar per bucket, or per step
        assert first[0] > first[-1] and second[0] < second[-1]
        assert bars[:column] == "".join(BLOCKS[int(h)] for h in first)
        assert bars[column + GAP :].rstrip() == "".join(BLOCKS[int(h)] for h in second)
