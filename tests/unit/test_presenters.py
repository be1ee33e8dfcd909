"""What a challenge's page says: prizes to the cent, who may enter, dates and how far away they are."""

from datetime import UTC, datetime, timedelta

import pytest

from app.challenges.models import Challenge, RubricCriterion
from app.challenges.presenters import (
    describe_eligibility,
    human_bytes,
    ordinal,
    percent,
    prize_table,
    tie_rule_explanation,
    time_left,
    timeline,
    unawarded_rule_explanation,
)
from app.core.timefmt import humanize_delta

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _challenge(**fields) -> Challenge:
    """An unsaved challenge; presenters only read its attributes."""
    values = {
        "status": "open",
        "currency": "EUR",
        "bounty_minor": 1_000_000,
        "tiers_bp": [5000, 3000, 2000],
        "tie_rule": "share",
        "unawarded_rule": "return",
        "opens_at": NOW - timedelta(days=1),
        "closes_at": NOW + timedelta(days=3),
        "judging_due_at": NOW + timedelta(days=10),
        **fields,
    }
    return Challenge(**values)


# Prizes ---------------------------------------------------------------------------------------------


def test_prize_table_lists_place_share_and_amount():
    challenge = _challenge(bounty_minor=100_001)
    assert prize_table(challenge) == [(1, 5000, 50_001), (2, 3000, 30_000), (3, 2000, 20_000)]


@pytest.mark.parametrize(
    ("number", "text"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (21, "21st")],
)
def test_places_read_as_ordinals(number, text):
    assert ordinal(number) == text


@pytest.mark.parametrize(
    ("share_bp", "text"), [(5000, "50%"), (3333, "33.33%"), (1250, "12.5%"), (5, "0.05%")]
)
def test_shares_read_as_percentages_without_trailing_zeros(share_bp, text):
    assert percent(share_bp) == text


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (1, "1 byte"),
        (900, "900 bytes"),
        (1024, "1 KiB"),
        (1536, "1.5 KiB"),
        (50 * 1024**2, "50 MiB"),
        (5 * 1024**3, "5 GiB"),
    ],
)
def test_file_sizes_read_in_binary_units(size, text):
    assert human_bytes(size) == text


# Eligibility ----------------------------------------------------------------------------------------


def test_open_challenge_is_explained_as_open_to_everyone():
    text = describe_eligibility("open", "Acme")
    assert text == "Open to everyone: employees of Acme and people from outside may enter."


@pytest.mark.parametrize(
    ("eligibility", "viewer_is_internal", "ending"),
    [
        ("internal", True, "— you are internal, so you can enter."),
        ("internal", False, "— you are external, so you can't enter this one."),
        ("external", True, "— you are internal, so you can't enter this one."),
        ("external", False, "— you are external, so you can enter."),
        ("open", False, "— you are external, so you can enter."),
    ],
)
def test_signed_in_viewer_is_told_whether_they_can_enter(eligibility, viewer_is_internal, ending):
    text = describe_eligibility(eligibility, "Acme", viewer_is_internal=viewer_is_internal)
    assert text.endswith(ending)


def test_internal_challenge_names_the_host_organisation():
    text = describe_eligibility("internal", "Acme")
    assert text == "Only employees of Acme (internal contributors) may enter."


def test_manager_approval_note_says_the_expected_hours():
    text = describe_eligibility("internal", "Acme", requires_manager_approval=True, expected_hours_per_week=4)
    assert text.endswith(
        "Internal contributors need their manager's approval to take part, for about 4 hours a week."
    )


def test_external_only_challenge_has_no_manager_approval_note():
    text = describe_eligibility("external", "Acme", requires_manager_approval=True, expected_hours_per_week=1)
    assert "approval" not in text
    assert text.endswith("Expect about 1 hour a week.")


# Rules in plain words -------------------------------------------------------------------------------


def test_tie_rule_by_first_criterion_names_that_criterion():
    challenge = _challenge(
        tie_rule="first_criterion", criteria=[RubricCriterion(name="Accuracy", position=0)]
    )
    text = tie_rule_explanation(challenge)
    assert text.startswith("If entries finish with equal scores: the entry with the higher score")
    assert text.endswith("The first criterion is “Accuracy”.")


def test_shared_ties_and_returned_money_are_explained():
    challenge = _challenge()
    assert "share the prizes of the places they span" in tie_rule_explanation(challenge)
    assert unawarded_rule_explanation(challenge) == (
        "If fewer entries win than there are prize places: "
        "prize money for places nobody wins goes back to the sponsor."
    )


def test_unknown_rule_values_are_left_unexplained_rather_than_failing():
    challenge = _challenge(tie_rule="coin_toss", unawarded_rule="burn")
    assert tie_rule_explanation(challenge) == ""
    assert unawarded_rule_explanation(challenge) == ""


# Dates ----------------------------------------------------------------------------------------------


def test_timeline_marks_what_has_passed_and_uses_the_right_tense():
    challenge = _challenge()
    assert timeline(challenge, NOW) == [
        ("Opened", NOW - timedelta(days=1), True),
        ("Closes", NOW + timedelta(days=3), False),
        ("Judging due", NOW + timedelta(days=10), False),
    ]


@pytest.mark.parametrize(
    ("status", "opens_in", "closes_in", "text"),
    [
        ("funded", timedelta(days=2), timedelta(days=9), "opens in 2 days"),
        ("funded", -timedelta(minutes=5), timedelta(days=9), "opening now"),
        ("open", -timedelta(days=1), timedelta(hours=5), "closes in 5 hours"),
        ("open", -timedelta(days=1), -timedelta(minutes=1), "closing now"),
        ("judging", -timedelta(days=9), -timedelta(days=3), "closed 3 days ago"),
        ("cancelled", -timedelta(days=9), timedelta(days=3), ""),
        ("draft", timedelta(days=9), timedelta(days=19), ""),
    ],
)
def test_card_says_how_long_until_the_next_deadline(status, opens_in, closes_in, text):
    challenge = _challenge(status=status, opens_at=NOW + opens_in, closes_at=NOW + closes_in)
    assert time_left(challenge, NOW) == text


@pytest.mark.parametrize(
    ("offset", "text"),
    [
        (timedelta(0), "less than a minute ago"),
        (timedelta(seconds=30), "in less than a minute"),
        (-timedelta(seconds=59), "less than a minute ago"),
        (timedelta(minutes=1), "in 1 minute"),
        (timedelta(minutes=59, seconds=59), "in 59 minutes"),
        (-timedelta(minutes=5), "5 minutes ago"),
        (timedelta(hours=1), "in 1 hour"),
        (timedelta(hours=5, minutes=59), "in 5 hours"),
        (timedelta(hours=47, minutes=59), "in 47 hours"),
        (timedelta(days=2), "in 2 days"),
        (timedelta(days=3, hours=23), "in 3 days"),
        (-timedelta(days=2, hours=1), "2 days ago"),
        (timedelta(days=59), "in 59 days"),
        (timedelta(days=60), "in 2 months"),
        (-timedelta(days=400), "13 months ago"),
        (timedelta(days=730), "in 2 years"),
    ],
)
def test_humanize_delta_rounds_down_in_the_largest_sensible_unit(offset, text):
    assert humanize_delta(NOW + offset, NOW) == text
