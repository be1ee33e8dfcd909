"""Tie rules: shared places, earlier submission, first criterion, and what stays tied."""

from datetime import UTC, datetime, timedelta

from app.judging.ties import Tied, places

T0 = datetime(2030, 1, 1, tzinfo=UTC)


def _ranked():
    return [
        Tied("a", 1, 1, T0 + timedelta(hours=3), 8.0),
        Tied("b", 2, 2, T0 + timedelta(hours=2), 7.0),
        Tied("c", 2, 2, T0 + timedelta(hours=1), 9.0),
        Tied("d", 4, 3, T0 + timedelta(hours=4), 6.0),
    ]


def test_share_keeps_tied_entries_on_one_place():
    assert places(_ranked(), "share") == {"a": 1, "b": 2, "c": 2, "d": 4}


def test_earlier_submission_breaks_the_tie():
    assert places(_ranked(), "earlier_submission") == {"a": 1, "c": 2, "b": 3, "d": 4}


def test_first_criterion_breaks_the_tie():
    assert places(_ranked(), "first_criterion") == {"a": 1, "c": 2, "b": 3, "d": 4}


def test_entries_equal_under_the_rule_still_share():
    ranked = [Tied("x", 1, 1, T0, 5.0), Tied("y", 1, 1, T0 + timedelta(1), 5.0)]
    assert places(ranked, "first_criterion") == {"x": 1, "y": 1}
