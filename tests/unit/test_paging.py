"""The page a query string asks for: ASCII digits only, and never one whose offset overflows a query."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.numbers import MAX_ID, read_id
from app.core.paging import MAX_PAGE, read_page


@pytest.mark.parametrize(("raw", "number"), [(None, 1), ("", 1), ("1", 1), (" 7 ", 7), ("007", 7)])
def test_plain_page_numbers_are_read(raw, number):
    asked = read_page(raw)
    assert asked.number == number and asked.problem is None and not asked.beyond_the_last


@pytest.mark.parametrize("raw", ["abc", "0", "000", "-1", "1.5", "\u0661\u0662", "\uff13", "1e3"])
def test_what_is_not_a_page_number_shows_the_first_page_and_says_so(raw):
    asked = read_page(raw)
    assert asked.number == 1
    assert asked.problem == f"“{raw}” is not a page number; showing the first page."


@pytest.mark.parametrize("raw", ["9223372036854775808", str(MAX_PAGE + 1), "9" * 5000])
def test_a_page_past_any_list_asks_for_the_last_page(raw):
    asked = read_page(raw)
    assert asked.number == MAX_PAGE and asked.beyond_the_last and asked.problem is None


@given(st.text())
def test_any_text_reads_as_a_page_a_query_can_offset_to(raw):
    assert 1 <= read_page(raw).number <= MAX_PAGE


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42", 42),
        (42, 42),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        (MAX_ID + 1, None),
        ("0", None),
        (-3, None),
        ("\u0664\u0662", None),
        ("9" * 5000, None),
        (True, None),
        (None, None),
        (4.0, None),
    ],
)
def test_an_id_from_outside_is_a_row_id_postgresql_can_hold_or_none(raw, expected):
    assert read_id(raw) == expected
