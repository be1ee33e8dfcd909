"""Money typed by people becomes exact minor units, or a refusal that says why; no float is involved."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.money import (
    MAX_AMOUNT_MINOR,
    MoneyError,
    format_money,
    format_plain,
    minor_digits,
    normalise_currency,
    parse_amount,
    to_decimal,
)

SAMPLE_CURRENCIES = ["EUR", "JPY", "KWD", "USD", "PTS"]


@pytest.mark.parametrize(
    ("text", "currency", "expected"),
    [
        ("5,000.50", "EUR", 500_050),
        ("5000.5", "EUR", 500_050),
        ("5000", "EUR", 500_000),
        ("  12.30 ", "EUR", 1_230),
        ("0.01", "EUR", 1),
        ("1 000 000", "USD", 100_000_000),
        ("1200", "JPY", 1_200),
        ("1,200", "JPY", 1_200),
        ("1200.0", "JPY", 1_200),  # trailing zeros are not a sub-unit amount
        ("1.234", "KWD", 1_234),
        ("0.001", "KWD", 1),
        ("12.5", "KWD", 12_500),
        ("1,500", "PTS", 1_500),
        ("-5.00", "EUR", -500),  # the sign is kept; services refuse amounts that are not positive
    ],
)
def test_parse_amount_reads_what_people_type_into_minor_units(text, currency, expected):
    assert parse_amount(text, currency) == expected


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("12.5", "JPY", "JPY amounts have at most 0 decimal places."),
        ("0.5", "PTS", "PTS amounts have at most 0 decimal places."),
        ("12.345", "EUR", "EUR amounts have at most 2 decimal places."),
        ("1.2345", "KWD", "KWD amounts have at most 3 decimal places."),
        # Notations people don't type for prizes are refused rather than guessed at.
        ("1e3", "EUR", "is not an amount"),
        ("1E-2", "EUR", "is not an amount"),
        ("1_000", "USD", "is not an amount"),
        ("1,2,3", "EUR", "is not an amount"),
        ("12,34.5", "EUR", "is not an amount"),
        # Continental notation is refused rather than silently read as five euros.
        ("5.000,50", "EUR", "is not an amount"),
        ("abc", "EUR", "'abc' is not an amount"),
        ("", "EUR", "'' is not an amount"),
        ("   ", "EUR", "is not an amount"),
        ("€5", "EUR", "is not an amount"),
        ("NaN", "EUR", "'NaN' is not an amount"),
        ("sNaN", "EUR", "is not an amount"),
        ("Infinity", "EUR", "'Infinity' is not an amount"),
        ("-inf", "EUR", "is not an amount"),
        ("1" + "0" * 30, "EUR", "That amount is too large."),
        (str(MAX_AMOUNT_MINOR + 1), "JPY", "That amount is too large."),
    ],
)
def test_parse_amount_refuses_text_that_is_not_an_exact_amount(text, currency, message):
    with pytest.raises(MoneyError) as refused:
        parse_amount(text, currency)
    assert message in str(refused.value)


def test_parse_amount_accepts_the_largest_allowed_amount_exactly():
    assert parse_amount(str(MAX_AMOUNT_MINOR), "JPY") == MAX_AMOUNT_MINOR
    assert parse_amount(f"-{MAX_AMOUNT_MINOR}", "JPY") == -MAX_AMOUNT_MINOR


@pytest.mark.parametrize(
    ("amount_minor", "currency", "expected"),
    [
        (500_050, "EUR", "€5,000.50"),
        (5, "EUR", "€0.05"),
        (-500, "EUR", "-€5.00"),
        (1_200, "JPY", "¥1,200"),
        (123_456, "USD", "$1,234.56"),
        (1_500, "PTS", "1,500 pts"),
        (0, "PTS", "0 pts"),
    ],
)
def test_format_money_shows_amounts_as_people_read_them(amount_minor, currency, expected):
    assert format_money(amount_minor, currency) == expected


def test_format_money_shows_all_three_kuwaiti_decimals():
    assert format_money(1_234, "KWD").endswith("1.234")


@pytest.mark.parametrize(
    ("amount_minor", "currency", "expected"),
    [(500_000, "EUR", "5000.00"), (1_200, "JPY", "1200"), (1, "KWD", "0.001"), (1_500, "PTS", "1500")],
)
def test_format_plain_is_a_bare_number_with_the_currencys_decimals(amount_minor, currency, expected):
    assert format_plain(amount_minor, currency) == expected


@pytest.mark.parametrize(
    ("code", "expected"), [("EUR", "EUR"), ("eur", "EUR"), (" usd ", "USD"), ("PTS", "PTS"), ("pts", "PTS")]
)
def test_normalise_currency_accepts_iso_codes_and_points_in_any_case(code, expected):
    assert normalise_currency(code) == expected


@pytest.mark.parametrize("code", ["XYZ", "", "EURO", "€", "E U R", None])
def test_normalise_currency_refuses_what_is_not_a_currency(code):
    with pytest.raises(MoneyError, match="is not an ISO 4217 currency code in use"):
        normalise_currency(code)


@pytest.mark.parametrize(("currency", "digits"), [("EUR", 2), ("JPY", 0), ("KWD", 3), ("PTS", 0)])
def test_minor_digits_follow_the_currency(currency, digits):
    assert minor_digits(currency) == digits


amounts = st.integers(min_value=-MAX_AMOUNT_MINOR, max_value=MAX_AMOUNT_MINOR)
currencies = st.sampled_from(SAMPLE_CURRENCIES)


@given(amount_minor=amounts, currency=currencies)
def test_a_formatted_amount_parses_back_to_itself(amount_minor, currency):
    assert parse_amount(format_plain(amount_minor, currency), currency) == amount_minor


@given(amount_minor=amounts, currency=currencies)
def test_an_amount_with_thousands_separators_parses_back_to_itself(amount_minor, currency):
    grouped = f"{to_decimal(amount_minor, currency):,.{minor_digits(currency)}f}"
    assert parse_amount(grouped, currency) == amount_minor


@given(
    amount_minor=st.integers(min_value=-(10**9), max_value=10**9),
    currency=st.sampled_from(["EUR", "USD", "KWD"]),
)
def test_one_digit_more_than_the_currency_allows_is_refused(amount_minor, currency):
    typed = f"{format_plain(amount_minor, currency)}1"
    with pytest.raises(MoneyError, match="decimal places"):
        parse_amount(typed, currency)


@pytest.mark.parametrize(
    "text",
    [
        "\u0661\u0662\u0663",  # Arabic-Indic 123
        "\u06f1\u06f2\u06f3",  # Extended Arabic-Indic (Persian) 123
        "\u0967\u0968\u0969",  # Devanagari 123
        "\uff11\uff12\uff13",  # full-width 123
        "1\u0662,000.00",  # one foreign digit among ASCII ones
        "12.\u0665\u0660",
    ],
)
def test_amounts_in_digits_other_than_ascii_are_refused_not_read(text):
    with pytest.raises(MoneyError, match="in the digits 0-9"):
        parse_amount(text, "EUR")


@pytest.mark.parametrize(
    "code",
    ["XXX", "XTS", "XAU", "XAG", "XPT", "XPD", "XDR", "XBA", "XSU", "XUA", "CHE", "USN", "CLF", "DEM", "xau"],
)
def test_codes_that_are_not_money_anyone_is_paid_in_are_refused(code):
    with pytest.raises(MoneyError, match="is not an ISO 4217 currency code in use"):
        normalise_currency(code)


@pytest.mark.parametrize(
    "code", ["EUR", "usd", "JPY", "KWD", "CHF", "GBP", "XOF", "XAF", "XCD", "XPF", "PTS"]
)
def test_currencies_in_use_are_accepted_including_the_regional_x_codes(code):
    assert normalise_currency(code) == code.upper()
