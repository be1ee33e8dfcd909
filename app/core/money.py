"""Money as integer minor units plus a currency code: parsing, validating and formatting it.

No float ever holds an amount: text is parsed with Decimal and checked against the currency's
number of decimal places (2 for EUR, 0 for JPY, 3 for KWD). Points are the currency ``PTS``.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import cache

from babel.numbers import format_currency, format_decimal, get_currency_precision, list_currencies

POINTS = "PTS"
MAX_AMOUNT_MINOR = 10**15  # far above any prize; keeps amounts inside a 64-bit column


class MoneyError(ValueError):
    """An amount or currency that cannot be used; the message says why."""


@cache
def _iso_codes() -> frozenset[str]:
    return frozenset(list_currencies())


def is_known_currency(code: str) -> bool:
    return code == POINTS or code in _iso_codes()


def normalise_currency(code: str) -> str:
    """The upper-case code, or MoneyError for anything that is not ISO 4217 or PTS."""
    cleaned = (code or "").strip().upper()
    if not is_known_currency(cleaned):
        raise MoneyError(f"{code!r} is not an ISO 4217 currency code (such as EUR or USD) or PTS.")
    return cleaned


def minor_digits(currency: str) -> int:
    """How many decimal places the currency's minor unit has (points have none)."""
    if currency == POINTS:
        return 0
    return get_currency_precision(currency)


# Plain digits, or digits grouped by thousands with commas; an optional sign and decimal part.
_AMOUNT = re.compile(r"^-?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")


def parse_amount(text: str, currency: str) -> int:
    """Turn what a person typed ("5,000.50") into minor units (500050), refusing sub-unit amounts.

    Only plain or thousands-grouped numbers are read: "1,2,3" and "1e3" are refused, not guessed at.
    """
    cleaned = (text or "").strip().replace(" ", "")
    if not _AMOUNT.match(cleaned):
        raise MoneyError(f"{text!r} is not an amount; write it like 5000 or 5,000.00.")
    try:
        value = Decimal(cleaned.replace(",", ""))
    except InvalidOperation:
        raise MoneyError(f"{text!r} is not an amount.") from None
    digits = minor_digits(currency)
    minor = value.scaleb(digits)
    if minor != minor.to_integral_value():
        raise MoneyError(f"{currency} amounts have at most {digits} decimal places.")
    amount = int(minor)
    if abs(amount) > MAX_AMOUNT_MINOR:
        raise MoneyError("That amount is too large.")
    return amount


def to_decimal(amount_minor: int, currency: str) -> Decimal:
    return Decimal(amount_minor).scaleb(-minor_digits(currency))


def format_money(amount_minor: int, currency: str, locale: str = "en") -> str:
    """A human-readable amount: "€1,234.50", "¥1,200", "1,500 pts"."""
    if currency == POINTS:
        return f"{format_decimal(amount_minor, locale=locale)} pts"
    return format_currency(to_decimal(amount_minor, currency), currency, locale=locale)


def format_plain(amount_minor: int, currency: str) -> str:
    """The amount as a plain number with the currency's decimals, for form fields: "5000.00"."""
    digits = minor_digits(currency)
    return f"{to_decimal(amount_minor, currency):.{digits}f}"
