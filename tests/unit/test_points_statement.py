"""The points statement: credits grouped by calendar quarter in the reader's timezone, with balances."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.payouts.statements import Credit, by_quarter, quarter_of

BERLIN = ZoneInfo("Europe/Berlin")


def test_credits_are_grouped_by_quarter_oldest_first_with_running_balances():
    credits = [
        Credit(datetime(2026, 5, 2, tzinfo=UTC), 300, "Sprint B"),
        Credit(datetime(2026, 1, 10, tzinfo=UTC), 1_000, "Sprint A"),
        Credit(datetime(2026, 2, 28, tzinfo=UTC), 50, "Sprint A2"),
        Credit(datetime(2027, 1, 1, 12, tzinfo=UTC), 5, "Sprint C"),
    ]
    quarters = by_quarter(credits, UTC)
    assert [(q.label, q.opening, q.total, q.closing) for q in quarters] == [
        ("2026 Q1", 0, 1_050, 1_050),
        ("2026 Q2", 1_050, 300, 1_350),
        ("2027 Q1", 1_350, 5, 1_355),
    ]
    assert [credit.label for credit in quarters[0].credits] == ["Sprint A", "Sprint A2"]


def test_the_quarter_is_read_on_the_readers_calendar():
    late_march_utc = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)  # already 1 April in Berlin
    assert quarter_of(late_march_utc, UTC) == (2026, 1)
    assert quarter_of(late_march_utc, BERLIN) == (2026, 2)


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        quarter_of(datetime(2026, 1, 1), UTC)  # noqa: DTZ001


def test_no_credits_no_quarters():
    assert by_quarter([], UTC) == []


# Hypothesis takes naive bounds and attaches the timezone itself.
moments = st.datetimes(
    min_value=datetime(2020, 1, 1),  # noqa: DTZ001
    max_value=datetime(2035, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)


@given(st.lists(st.tuples(moments, st.integers(min_value=1, max_value=10**9)), max_size=40))
def test_quarters_account_for_every_point_in_order_and_chain_their_balances(items):
    credits = [Credit(moment, points, "x") for moment, points in items]
    quarters = by_quarter(credits, BERLIN)
    assert sum(q.total for q in quarters) == sum(c.points for c in credits)
    assert sum(len(q.credits) for q in quarters) == len(credits)
    assert all(a.closing == b.opening for a, b in itertools.pairwise(quarters))
    assert [(q.year, q.number) for q in quarters] == sorted({(q.year, q.number) for q in quarters})
    for quarter in quarters:
        assert {quarter_of(c.credited_at, BERLIN) for c in quarter.credits} == {
            (quarter.year, quarter.number)
        }
