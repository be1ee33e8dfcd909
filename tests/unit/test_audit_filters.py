"""The audit log's query-string filters: values kept, bad ones explained, days turned into UTC."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from app.admin.audit_filters import AuditFilters, parse_audit_filters


def test_values_are_trimmed_lowered_and_kept():
    filters = parse_audit_filters(
        {"actor": "  Sam@ACME ", "action": "Challenge.", "subject_type": "Users", "from": "2025-03-01"}
    )
    assert (filters.actor, filters.action, filters.subject_type) == ("sam@acme", "challenge.", "users")
    assert filters.date_from == date(2025, 3, 1) and filters.date_to is None
    assert filters.problems == ()
    assert filters.query_args() == {
        "actor": "sam@acme",
        "action": "challenge.",
        "subject_type": "users",
        "from": "2025-03-01",
    }


def test_a_date_that_is_not_iso_is_dropped_and_explained():
    filters = parse_audit_filters({"from": "31/12/2025", "to": "2025-12-31"})
    assert filters.date_from is None and filters.date_to == date(2025, 12, 31)
    assert len(filters.problems) == 1 and "31/12/2025" in filters.problems[0]


def test_reversed_dates_are_swapped_and_said_so():
    filters = parse_audit_filters({"from": "2025-05-10", "to": "2025-05-01"})
    assert (filters.date_from, filters.date_to) == (date(2025, 5, 1), date(2025, 5, 10))
    assert "swapped" in filters.problems[0]


def test_pages_below_one_or_not_numbers_show_the_first_page():
    assert parse_audit_filters({"page": "3"}).page == 3
    for raw in ("0", "-2", "two"):
        filters = parse_audit_filters({"page": raw})
        assert filters.page == 1 and filters.problems


def test_whole_days_in_the_viewers_zone_become_a_half_open_utc_range():
    filters = AuditFilters(date_from=date(2025, 7, 1), date_to=date(2025, 7, 1))
    start, end = filters.utc_range(ZoneInfo("Europe/Paris"))
    assert start == datetime(2025, 6, 30, 22, 0, tzinfo=UTC)
    assert end == datetime(2025, 7, 1, 22, 0, tzinfo=UTC)
    assert AuditFilters().utc_range(ZoneInfo("UTC")) == (None, None)
