"""The posting rules, as a sponsor would check them by hand, plus properties of the prize-split rule."""

import itertools
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.challenges.rules import (
    DEFAULT_TIERS,
    Criterion,
    Windows,
    changed_fields,
    problems,
    tier_problem,
)
from tests.unit.sample_terms import DAY, GOOD, NOW


def test_good_terms_have_no_problems():
    assert problems(GOOD, now=NOW) == {}


@pytest.mark.parametrize("tiers", list(DEFAULT_TIERS.values()))
def test_the_offered_default_splits_are_valid(tiers):
    assert tier_problem(tiers) is None


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"title": "x"}, "title", "3 to 160"),
        ({"summary": ""}, "summary", "300"),
        ({"eligibility": "friends"}, "eligibility", "who may enter"),
        ({"currency": "ZZZ"}, "currency", "ISO 4217"),
        ({"bounty_minor": 0}, "bounty", "more than zero"),
        ({"tiers_bp": (5000, 5000)}, "tiers", "between 3 and 5"),
        ({"tiers_bp": (2000,) * 5 + (0,)}, "tiers", "between 3 and 5"),
        ({"tiers_bp": (5000, 3000, 1999)}, "tiers", "99.99%"),
        ({"tiers_bp": (5000, 5000, 0)}, "tiers", "above 0%"),
        ({"tiers_bp": (3000, 5000, 2000)}, "tiers", "better place"),
        ({"closes_at": NOW + DAY}, "closes_at", "close after it opens"),
        ({"closes_at": NOW + DAY + DAY / 2}, "closes_at", "at least 1 day"),
        ({"judging_due_at": NOW + 8 * DAY + DAY / 2}, "judging_due_at", "at least 1 day"),
        ({"max_file_bytes": 10}, "max_file_mb", "1 KB"),
        ({"allowed_types": ()}, "allowed_types", "at least one"),
        ({"allowed_types": ("application/x-msdownload",)}, "allowed_types", "listed"),
        ({"submissions_per_contributor": 0}, "submissions_per_contributor", "1 to 20"),
        ({"versions_per_submission": 101}, "versions_per_submission", "1 to 100"),
        ({"judges_per_entry": 11}, "judges_per_entry", "1 to 10"),
        ({"criteria": ()}, "criteria", "1 to 8"),
        ({"criteria": (Criterion("A"),) * 9}, "criteria", "1 to 8"),
        ({"criteria": (Criterion("Speed"), Criterion("speed"))}, "criteria", "same name"),
        ({"criteria": (Criterion("Speed", scale_min=5, scale_max=5),)}, "criteria", "upwards"),
        ({"criteria": (Criterion("Speed", weight=0),)}, "criteria", "weight"),
        ({"requires_manager_approval": True}, "expected_hours_per_week", "hours a week"),
    ],
)
def test_each_rule_names_its_field_and_says_why(changes, field, words):
    found = problems(replace(GOOD, **changes), now=NOW)
    assert field in found
    assert words in found[field]


def test_an_opening_in_the_past_counts_only_the_time_left():
    # Opened yesterday, closes in 12 hours: less than the day contributors need from now.
    late = replace(GOOD, opens_at=NOW - DAY, closes_at=NOW + DAY / 2)
    assert "closes_at" in problems(late, now=NOW)
    assert problems(late, now=NOW, windows=Windows(submission=timedelta(hours=6))) == {}


def test_every_problem_is_reported_at_once():
    bad = replace(GOOD, bounty_minor=-1, tiers_bp=(100,), judges_per_entry=0)
    assert {"bounty", "tiers", "judges_per_entry"} <= set(problems(bad, now=NOW))


def test_changed_fields_lists_only_what_differs():
    assert changed_fields(GOOD, GOOD) == []
    assert changed_fields(GOOD, replace(GOOD, summary="New", tiers_bp=(6000, 2500, 1500))) == [
        "summary",
        "tiers_bp",
    ]


@given(st.lists(st.integers(min_value=1, max_value=10_000), min_size=3, max_size=5))
def test_a_split_is_accepted_exactly_when_it_is_full_positive_and_best_first(shares):
    tiers = tuple(shares)
    acceptable = sum(tiers) == 10_000 and all(a >= b for a, b in itertools.pairwise(tiers))
    assert (tier_problem(tiers) is None) == acceptable


@given(st.integers(min_value=3, max_value=5), st.data())
def test_any_descending_split_of_10000_into_3_to_5_places_is_accepted(places, data):
    cuts = sorted(
        data.draw(st.lists(st.integers(1, 9_999), min_size=places - 1, max_size=places - 1, unique=True))
    )
    shares = [b - a for a, b in zip([0, *cuts], [*cuts, 10_000], strict=True)]
    tiers = tuple(sorted(shares, reverse=True))
    assert tier_problem(tiers) is None
