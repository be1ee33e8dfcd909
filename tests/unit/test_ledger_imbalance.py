"""A transaction balances when its legs cancel in every currency; one currency never offsets another."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.ledger.posting import imbalance


@pytest.mark.parametrize(
    ("legs", "expected"),
    [
        pytest.param([], {}, id="no-legs"),
        pytest.param([("EUR", 500), ("EUR", -500)], {}, id="two-legs-cancel"),
        pytest.param([("EUR", -1_000), ("EUR", 600), ("EUR", 400)], {}, id="split-legs-cancel"),
        pytest.param([("EUR", 500), ("EUR", -400)], {"EUR": 100}, id="one-euro-short"),
        pytest.param([("EUR", 500)], {"EUR": 500}, id="single-leg"),
        pytest.param([("EUR", 5), ("USD", -5)], {"EUR": 5, "USD": -5}, id="currencies-do-not-offset"),
        pytest.param(
            [("EUR", 5), ("JPY", 300), ("EUR", -5), ("JPY", -300)], {}, id="each-currency-cancels-alone"
        ),
        pytest.param(
            [("EUR", 5), ("EUR", -5), ("PTS", 10), ("PTS", -9)], {"PTS": 1}, id="only-the-failing-currency"
        ),
    ],
)
def test_imbalance_names_what_each_currency_fails_to_cancel(legs, expected):
    assert imbalance(legs) == expected


def test_imbalance_accepts_any_iterable_of_legs():
    assert imbalance(leg for leg in [("EUR", 1), ("EUR", -1)]) == {}


currencies = st.sampled_from(["EUR", "USD", "JPY", "KWD", "PTS"])
amounts = st.integers(min_value=-(10**15), max_value=10**15)


@st.composite
def balanced_legs(draw) -> list[tuple[str, int]]:
    """Legs built to cancel: per currency, some amounts and one leg that takes back their sum."""
    legs: list[tuple[str, int]] = []
    for currency in draw(st.sets(currencies, min_size=1)):
        parts = draw(st.lists(amounts, min_size=1, max_size=6))
        legs += [(currency, amount) for amount in parts] + [(currency, -sum(parts))]
    return draw(st.permutations(legs))


@given(legs=balanced_legs())
def test_legs_built_to_cancel_have_no_imbalance(legs):
    assert imbalance(legs) == {}


@given(
    legs=balanced_legs(),
    index=st.integers(min_value=0),
    nudge=amounts.filter(lambda value: value != 0),
)
def test_nudging_one_leg_leaves_exactly_that_nudge_in_its_currency(legs, index, nudge):
    position = index % len(legs)
    currency, amount = legs[position]
    nudged = [*legs[:position], (currency, amount + nudge), *legs[position + 1 :]]
    assert imbalance(nudged) == {currency: nudge}
