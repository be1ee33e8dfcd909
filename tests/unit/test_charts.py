"""The chart shaping: every value lands in exactly one bin, and bars scale to the largest."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.charts import counted_histogram, histogram, scaled


def test_values_fall_into_equal_bins_with_the_top_edge_in_the_last():
    bins = histogram([1, 2.9, 3, 5.5, 10, 10], low=1, high=10, bins=3)
    assert [(b.low, b.high, b.count) for b in bins] == [(1, 4, 3), (4, 7, 1), (7, 10, 2)]


def test_values_outside_the_range_are_clipped_into_the_end_bins():
    assert [b.count for b in histogram([-5, 0.5, 11, 99], low=1, high=10, bins=3)] == [2, 0, 2]


@given(st.lists(st.floats(min_value=-50, max_value=50), max_size=60), st.integers(min_value=1, max_value=12))
def test_every_value_is_counted_exactly_once(values, bins):
    assert sum(b.count for b in histogram(values, low=1, high=10, bins=bins)) == len(values)


@given(
    st.lists(
        st.tuples(st.floats(min_value=-50, max_value=50), st.integers(min_value=0, max_value=5)), max_size=30
    ),
    st.integers(min_value=1, max_value=12),
)
def test_counted_values_fall_where_the_same_values_one_by_one_would(counted, bins):
    one_by_one = [value for value, times in counted for _ in range(times)]
    assert counted_histogram(counted, low=1, high=10, bins=bins) == histogram(
        one_by_one, low=1, high=10, bins=bins
    )


@pytest.mark.parametrize(("bins", "low", "high"), [(0, 1, 10), (3, 5, 5), (3, 6, 5)])
def test_a_histogram_needs_bins_and_a_range(bins, low, high):
    with pytest.raises(ValueError):
        histogram([1], low=low, high=high, bins=bins)


def test_bars_scale_to_the_largest_and_nothing_scales_to_zero():
    assert scaled(5, 10, 200) == 100.0
    assert scaled(12, 10, 200) == 200.0
    assert scaled(3, 0, 200) == 0.0
