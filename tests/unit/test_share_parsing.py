"""How the posting form reads a prize split typed in percent: what people type is understood as before,
and what is not a number (or one too big to be a share) is refused with a message, never a crash."""

from __future__ import annotations

import pytest

from app.challenges.forms import _percent_to_basis_points
from app.core.errors import ValidationFailed


@pytest.mark.parametrize(
    "typed",
    [
        "50, 30, 20",
        "50%, 30%, 20%",
        "50 %, 30 %, 20 %",  # a space before the sign
        "50\u00a0%; 30\u00a0%; 20\u00a0%",  # the no-break space French and German typing puts there
        "5e1, 3e1, 2e1",
        "50.00, 30.0, 20",
    ],
)
def test_the_ways_people_type_a_split_all_read_the_same(typed):
    assert _percent_to_basis_points(typed) == (5000, 3000, 2000)


@pytest.mark.parametrize(
    "typed",
    [
        "abc",
        "inf",
        "-inf",
        "nan",
        "sNaN",
        "1e999999999",
        "-1e999999999",
        "\x00",
        "\u0665\u0660",  # Arabic-Indic digits: 0-9 only, as for amounts
        "\uff15\uff10",  # full-width digits
    ],
)
def test_what_is_not_a_share_is_refused_as_such(typed):
    with pytest.raises(ValidationFailed, match="is not a percentage"):
        _percent_to_basis_points(f"{typed}, 30, 20")


def test_a_third_decimal_is_refused_with_its_own_reason():
    with pytest.raises(ValidationFailed, match="at most two decimals"):
        _percent_to_basis_points("33.335, 33.335, 33.33")
