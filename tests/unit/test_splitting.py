"""Prize splitting: the cases a sponsor could check by hand, bad input, and the invariants of every split."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.splitting import Split, split, split_shares, tier_amounts

FIFTY_THIRTY_TWENTY = (5000, 3000, 2000)


# Place amounts -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total_minor", "tiers_bp", "expected"),
    [
        (100_000, FIFTY_THIRTY_TWENTY, (50_000, 30_000, 20_000)),  # €1,000.00
        (10_001, FIFTY_THIRTY_TWENTY, (5_001, 3_000, 2_000)),  # €100.01: the spare cent to 1st
        (3, FIFTY_THIRTY_TWENTY, (1, 1, 1)),  # 1.5 / 0.9 / 0.6: the two largest remainders are 2nd and 3rd
        (300, (3334, 3333, 3333), (100, 100, 100)),  # 100.02 / 99.99 / 99.99
        (7, (2000, 2000, 2000, 2000, 2000), (2, 2, 1, 1, 1)),  # equal remainders: better place first
        (0, FIFTY_THIRTY_TWENTY, (0, 0, 0)),
    ],
)
def test_place_amounts_round_down_then_give_spare_units_to_the_largest_remainders(
    total_minor, tiers_bp, expected
):
    assert tier_amounts(total_minor, tiers_bp) == expected


# Untied and tied winners ---------------------------------------------------------------------------------


def test_untied_winners_get_their_places_prizes():
    result = split(100_000, FIFTY_THIRTY_TWENTY, [["a"], ["b"], ["c"]])
    assert result.amounts == {"a": 50_000, "b": 30_000, "c": 20_000}
    assert result.returned == 0
    assert result.places == {"a": (1, 1), "b": (2, 2), "c": (3, 3)}


def test_spare_cent_of_an_odd_pot_goes_to_first_place():
    result = split(10_001, FIFTY_THIRTY_TWENTY, [["a"], ["b"], ["c"]])
    assert result.amounts == {"a": 5_001, "b": 3_000, "c": 2_000}


def test_tied_second_place_shares_second_and_third_tiers():
    result = split(100_000, FIFTY_THIRTY_TWENTY, [["a"], ["b", "c"]])
    assert result.amounts == {"a": 50_000, "b": 25_000, "c": 25_000}  # (300.00 + 200.00) / 2 each
    assert result.places["b"] == result.places["c"] == (2, 3)
    assert result.returned == 0


def test_three_way_tie_for_first_shares_the_pot_with_spare_cents_to_the_first_listed():
    result = split(10_000, FIFTY_THIRTY_TWENTY, [["a", "b", "c"]])
    assert result.amounts == {"a": 3_334, "b": 3_333, "c": 3_333}


def test_three_way_tie_for_first_gives_two_spare_cents_to_the_two_first_listed():
    result = split(100_001, FIFTY_THIRTY_TWENTY, [["a", "b", "c"]])
    assert result.amounts == {"a": 33_334, "b": 33_334, "c": 33_333}


def test_spare_cents_of_a_tie_go_to_the_earlier_final_submission():
    result = split(10_000, FIFTY_THIRTY_TWENTY, [["a", "b", "c"]], order_hint={"a": 30, "b": 20, "c": 10})
    assert result.amounts == {"c": 3_334, "b": 3_333, "a": 3_333}


def test_submission_order_only_breaks_ties_and_never_reorders_places():
    hint = {"a": 99, "b": 1, "c": 2}
    assert split(10_001, FIFTY_THIRTY_TWENTY, [["a"], ["b"], ["c"]], order_hint=hint).amounts == {
        "a": 5_001,
        "b": 3_000,
        "c": 2_000,
    }


def test_tie_straddling_the_last_prize_place_shares_only_that_place():
    result = split(100_000, FIFTY_THIRTY_TWENTY, [["a"], ["b"], ["c", "d", "e"]])
    assert result.amounts == {"a": 50_000, "b": 30_000, "c": 6_667, "d": 6_667, "e": 6_666}
    assert result.places["e"] == (3, 5)
    assert result.returned == 0


def test_tie_from_second_past_the_last_prize_place_shares_second_and_third():
    result = split(100_000, FIFTY_THIRTY_TWENTY, [["a"], ["b", "c", "d", "e"]])
    assert result.amounts == {"a": 50_000, "b": 12_500, "c": 12_500, "d": 12_500, "e": 12_500}


def test_entries_below_the_prize_places_get_nothing_and_are_left_out():
    result = split(100_000, FIFTY_THIRTY_TWENTY, [["a"], ["b"], ["c"], ["d"], ["e", "f"]])
    assert set(result.amounts) == {"a", "b", "c"}
    assert result.places["d"] == (4, 4)
    assert result.places["f"] == (5, 6)


def test_an_empty_pot_still_lists_the_prize_winners_with_nothing():
    result = split(0, FIFTY_THIRTY_TWENTY, [["a"], ["b", "c"], ["d"]])
    assert result.amounts == {"a": 0, "b": 0, "c": 0}
    assert result.returned == 0


# Fewer winners than places -------------------------------------------------------------------------------


def test_unfilled_third_place_goes_back_to_the_sponsor():
    result = split(100_000, FIFTY_THIRTY_TWENTY, [["a"], ["b"]], unawarded="return")
    assert result.amounts == {"a": 50_000, "b": 30_000}
    assert result.returned == 20_000


def test_unfilled_third_place_is_shared_pro_rata_between_the_two_winners():
    result = split(100_000, FIFTY_THIRTY_TWENTY, [["a"], ["b"]], unawarded="share")
    assert result.amounts == {"a": 62_500, "b": 37_500}  # 500:300 of the whole 1,000.00
    assert result.returned == 0


def test_shared_unfilled_money_gives_the_spare_cent_to_the_largest_remainder():
    # Places are 501 / 300 / 200; the winners get 1001 x 501/801 = 626.09 and 1001 x 300/801 = 374.91.
    result = split(1_001, FIFTY_THIRTY_TWENTY, [["a"], ["b"]], unawarded="share")
    assert result.amounts == {"a": 626, "b": 375}


def test_two_tied_winners_of_three_places_share_the_whole_pot_when_sharing():
    assert split(100_000, FIFTY_THIRTY_TWENTY, [["a", "b"]], unawarded="share").amounts == {
        "a": 50_000,
        "b": 50_000,
    }
    returned = split(100_000, FIFTY_THIRTY_TWENTY, [["a", "b"]], unawarded="return")
    assert returned.amounts == {"a": 40_000, "b": 40_000}
    assert returned.returned == 20_000


@pytest.mark.parametrize("unawarded", ["return", "share"])
def test_with_no_winners_the_whole_pot_goes_back(unawarded):
    result = split(100_000, FIFTY_THIRTY_TWENTY, [], unawarded=unawarded)
    assert result.amounts == {}
    assert result.returned == 100_000


# Currencies without minor digits -------------------------------------------------------------------------


@pytest.mark.parametrize("currency", ["JPY", "PTS"])
def test_whole_unit_currencies_split_the_same_way(currency):
    # Amounts are plain integers, so ¥10,001 or 10,001 points split exactly like 10,001 cents.
    assert split(10_001, FIFTY_THIRTY_TWENTY, [["a"], ["b"], ["c"]]).amounts == {
        "a": 5_001,
        "b": 3_000,
        "c": 2_000,
    }
    assert split(1_000, FIFTY_THIRTY_TWENTY, [["a", "b", "c"]]).amounts == {"a": 334, "b": 333, "c": 333}


# Team shares ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount_minor", "shares", "expected"),
    [
        (100, {"ann": 1, "bob": 1, "cy": 1}, {"ann": 34, "bob": 33, "cy": 33}),
        (100, {"cy": 1, "bob": 1, "ann": 1}, {"cy": 34, "bob": 33, "ann": 33}),  # first listed, not name
        (101, {"ann": 1, "bob": 2, "cy": 1}, {"ann": 25, "bob": 51, "cy": 25}),  # 25.25 / 50.5 / 25.25
        (100, {"ann": 2, "bob": 1}, {"ann": 67, "bob": 33}),
        (0, {"ann": 1, "bob": 1}, {"ann": 0, "bob": 0}),
        (5_000, {"solo": 7}, {"solo": 5_000}),
    ],
)
def test_team_prize_is_split_by_declared_shares(amount_minor, shares, expected):
    assert split_shares(amount_minor, shares) == expected


# Bad input -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tiers_bp": (5000, 3000, 1000)}, "add up to 10000"),
        ({"tiers_bp": (5000, 5000)}, "3 to 5 places"),
        ({"tiers_bp": (4000, 2000, 1000, 1000, 1000, 1000)}, "3 to 5 places"),
        ({"tiers_bp": (10000, 0, 0)}, "positive share"),
        ({"tiers_bp": (2000, 3000, 5000)}, "better place"),
        ({"total_minor": -1}, "negative"),
        ({"total_minor": 10.5}, "whole number"),
        ({"ranking": [["a"], ["b", "a"]]}, "more than once"),
        ({"ranking": [["a"], []]}, "empty"),
        ({"unawarded": "keep"}, "'return'ed or 'share'd"),
        ({"order_hint": {"a": 1}}, "doesn't cover"),
    ],
)
def test_bad_split_input_is_refused_with_a_reason(kwargs, message):
    arguments = {"total_minor": 100, "tiers_bp": FIFTY_THIRTY_TWENTY, "ranking": [["a"], ["b", "c"]]}
    arguments.update(kwargs)
    order_hint = arguments.pop("order_hint", None)
    unawarded = arguments.pop("unawarded", "return")
    with pytest.raises(ValueError, match=message):
        split(**arguments, unawarded=unawarded, order_hint=order_hint)


@pytest.mark.parametrize(
    ("amount_minor", "shares", "message"),
    [
        (100, {}, "at least one"),
        (100, {"ann": 1, "bob": 0}, "above 0"),
        (100, {"ann": -1}, "above 0"),
        (-5, {"ann": 1}, "negative"),
    ],
)
def test_bad_team_split_is_refused_with_a_reason(amount_minor, shares, message):
    with pytest.raises(ValueError, match=message):
        split_shares(amount_minor, shares)


# Invariants ----------------------------------------------------------------------------------------------


@st.composite
def tiers(draw) -> tuple[int, ...]:
    """3 to 5 positive basis-point shares summing to 10000, best place first."""
    count = draw(st.integers(min_value=3, max_value=5))
    cuts = draw(st.lists(st.integers(1, 9_999), min_size=count - 1, max_size=count - 1, unique=True))
    edges = [0, *sorted(cuts), 10_000]
    return tuple(sorted((high - low for low, high in itertools.pairwise(edges)), reverse=True))


@st.composite
def rankings(draw) -> list[list[int]]:
    sizes = draw(st.lists(st.integers(min_value=1, max_value=4), max_size=8))
    ids = iter(range(sum(sizes)))
    return [[next(ids) for _ in range(size)] for size in sizes]


@st.composite
def cases(draw):
    ranking = draw(rankings())
    entries = [entry for group in ranking for entry in group]
    hint = None
    if draw(st.booleans()):
        hint = dict(zip(entries, draw(st.permutations(range(len(entries)))), strict=True))
    return {
        "total_minor": draw(st.one_of(st.integers(0, 50), st.integers(0, 10**15))),
        "tiers_bp": draw(tiers()),
        "ranking": ranking,
        "unawarded": draw(st.sampled_from(["return", "share"])),
        "order_hint": hint,
    }


def _run(case) -> Split:
    return split(
        case["total_minor"],
        case["tiers_bp"],
        case["ranking"],
        unawarded=case["unawarded"],
        order_hint=case["order_hint"],
    )


@given(cases())
def test_every_split_adds_up_to_the_pot_with_nothing_negative(case):
    result = _run(case)
    assert result.paid + result.returned == case["total_minor"]
    assert all(amount >= 0 for amount in result.amounts.values())
    assert result.returned >= 0
    assert sum(result.place_amounts) == case["total_minor"]


@given(cases())
def test_only_entries_holding_a_prize_place_are_paid(case):
    result = _run(case)
    prize_places = len(case["tiers_bp"])
    holders = {entry for entry, (first, _) in result.places.items() if first <= prize_places}
    assert set(result.amounts) == holders
    assert set(result.places) == {entry for group in case["ranking"] for entry in group}


@given(cases())
def test_a_better_place_never_gets_less_than_a_worse_one(case):
    result = _run(case)
    paid_groups = [
        [result.amounts[entry] for entry in group if entry in result.amounts] for group in case["ranking"]
    ]
    paid_groups = [group for group in paid_groups if group]
    for better, worse in itertools.pairwise(paid_groups):
        assert min(better) >= max(worse)


@given(cases())
def test_tied_entries_differ_by_at_most_one_unit_and_the_earlier_submission_gets_it(case):
    result = _run(case)
    hint = case["order_hint"]
    for group in case["ranking"]:
        if group[0] not in result.amounts:
            continue
        in_submission_order = sorted(
            group, key=lambda entry: (hint[entry] if hint else 0, group.index(entry))
        )
        amounts = [result.amounts[entry] for entry in in_submission_order]
        assert max(amounts) - min(amounts) <= 1
        assert amounts == sorted(amounts, reverse=True)


@given(cases())
def test_place_amounts_are_within_a_unit_of_each_share_and_never_rise(case):
    place_amounts = tier_amounts(case["total_minor"], case["tiers_bp"])
    for amount, share_bp in zip(place_amounts, case["tiers_bp"], strict=True):
        assert amount - case["total_minor"] * share_bp // 10_000 in (0, 1)
    assert list(place_amounts) == sorted(place_amounts, reverse=True)


@given(cases())
def test_unawarded_money_goes_back_only_when_returning_or_when_nobody_won(case):
    result = _run(case)
    filled = sum(len(group) for group in case["ranking"])
    unfilled = sum(result.place_amounts[filled:])
    if filled == 0:
        assert result.returned == case["total_minor"]
    elif case["unawarded"] == "share":
        assert result.returned == 0
    else:
        assert result.returned == unfilled


@given(cases())
def test_shared_unawarded_money_keeps_each_winner_within_two_units_of_exact_pro_rata(case):
    case = {**case, "unawarded": "return"}
    returned = _run(case)
    shared = _run({**case, "unawarded": "share"})
    total, awarded = case["total_minor"], returned.paid
    if awarded == 0:
        return
    for group in case["ranking"]:
        first, last = returned.places[group[0]]
        if first > len(case["tiers_bp"]):
            continue
        group_pot = sum(returned.place_amounts[first - 1 : last])
        for entry in group:
            # exact share = total * group_pot / (len(group) * awarded); compare without dividing
            exact_times = total * group_pot
            scale = len(group) * awarded
            assert abs(shared.amounts[entry] * scale - exact_times) < 2 * scale
            if len(group) == 1:  # untied winners are apportioned directly: within one unit
                assert abs(shared.amounts[entry] * scale - exact_times) < scale


@given(cases())
def test_split_is_deterministic_and_listing_order_is_the_default_submission_order(case):
    assert _run(case) == _run(case)
    entries = [entry for group in case["ranking"] for entry in group]
    listed_order = {entry: index for index, entry in enumerate(entries)}
    assert _run({**case, "order_hint": None}) == _run({**case, "order_hint": listed_order})


@given(
    amount_minor=st.one_of(st.integers(0, 100), st.integers(0, 10**15)),
    weights=st.lists(st.integers(min_value=1, max_value=1_000), min_size=1, max_size=8),
)
def test_team_split_adds_up_and_follows_the_shares(amount_minor, weights):
    shares = {f"member{index}": weight for index, weight in enumerate(weights)}
    parts = split_shares(amount_minor, shares)
    assert list(parts) == list(shares)
    assert sum(parts.values()) == amount_minor
    total_weight = sum(weights)
    for member, weight in shares.items():
        assert parts[member] - amount_minor * weight // total_weight in (0, 1)
    for first, second in itertools.combinations(shares, 2):
        if shares[first] == shares[second]:
            assert parts[first] in (parts[second], parts[second] + 1)  # the first listed never gets less
        elif shares[first] > shares[second]:
            assert parts[first] >= parts[second]
        else:
            assert parts[first] <= parts[second]
