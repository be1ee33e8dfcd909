"""Money as integer minor units plus a currency code: parsing, validating and formatting it.

No float ever holds an amount: text is parsed with Decimal and checked against the currency's
number of decimal places (2 for EUR, 0 for JPY, 3 for KWD). Points are the currency ``PTS``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache

from babel.core import get_global
from babel.numbers import (
    format_currency,
    format_decimal,
    get_currency_precision,
    get_territory_currencies,
    list_currencies,
)

POINTS = "PTS"
MAX_AMOUNT_MINOR = 10**15  # far above any prize; keeps amounts inside a 64-bit column


class MoneyError(ValueError):
    """An amount or currency that cannot be used; the message says why."""


@cache
def _tender_codes() -> frozenset[str]:
    """The ISO 4217 codes that some country or territory takes as legal tender today (by the CLDR
    data Babel ships). Left out: codes that are not money anyone is paid in, such as "no currency"
    (XXX), testing (XTS), precious metals (XAU, XAG, XPT, XPD), special drawing rights (XDR), funds
    (CHE, USN, CLF) and withdrawn currencies (DEM, HRK)."""
    today = datetime.now(UTC).date()
    territories: Iterable[str] = get_global("territory_currencies").keys()
    return frozenset(
        code
        for territory in territories
        for code in get_territory_currencies(territory, start_date=today, tender=True, non_tender=False)
    ) & frozenset(list_currencies())


def is_known_currency(code: str) -> bool:
    """Whether ``code`` is a currency a bounty, deposit or payout may be in: PTS, or a currency in use."""
    return code == POINTS or code in _tender_codes()


def normalise_currency(code: str) -> str:
    """The upper-case code, or MoneyError for anything that is not a currency in use or PTS.

    The one check of a currency code: the posting form, the finance forms, the API's bodies (through
    the services) and the confirmations import all call it.
    """
    cleaned = (code or "").strip().upper()
    if not is_known_currency(cleaned):
        raise MoneyError(
            f"{_quoted(code)} is not an ISO 4217 currency code in use (such as EUR or USD), nor PTS."
        )
    return cleaned


def _quoted(text: str) -> str:
    """What was typed, cut short, for a message."""
    text = (text or "").strip()
    return repr(text if len(text) <= 20 else text[:20] + "…")


def minor_digits(currency: str) -> int:
    """How many decimal places the currency's minor unit has (points have none)."""
    if currency == POINTS:
        return 0
    return get_currency_precision(currency)


# Plain digits, or digits grouped by thousands with commas; an optional sign and decimal part. ASCII
# digits only: Python's \d and Decimal also read "١٢٣" (Arabic-Indic) as 123, which nobody types as an amount.
_AMOUNT = re.compile(r"^-?([0-9]+|[0-9]{1,3}(,[0-9]{3})+)(\.[0-9]+)?$")


def parse_amount(text: str, currency: str) -> int:
    """Turn what a person typed ("5,000.50") into minor units (500050), refusing sub-unit amounts.

    Only plain or thousands-grouped numbers in the digits 0-9 are read: "1,2,3", "1e3" and "١٢٣" are
    refused, not guessed at.
    """
    cleaned = (text or "").strip().replace(" ", "")
    if not _AMOUNT.match(cleaned):
        raise MoneyError(
            f"{_quoted(text)} is not an amount; write it like 5000 or 5,000.00, in the digits 0-9."
        )
    try:
        value = Decimal(cleaned.replace(",", ""))
    except InvalidOperation:
        raise MoneyError(f"{_quoted(text)} is not an amount.") from None
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
    return _formatted(amount_minor, currency, locale)


# Remembered per process: the text depends on nothing but the arguments, and Babel takes about 0.1 ms
# to build it, which a list of cards and a prize table would pay on every row of every request.
# (format_money stays a plain function so that its callers' types are still checked.)
@lru_cache(maxsize=4096)
def _formatted(amount_minor: int, currency: str, locale: str) -> str:
    if currency == POINTS:
        return f"{format_decimal(amount_minor, locale=locale)} pts"
    return format_currency(to_decimal(amount_minor, currency), currency, locale=locale)


def format_plain(amount_minor: int, currency: str) -> str:
    """The amount as a plain number with the currency's decimals, for form fields: "5000.00"."""
    digits = minor_digits(currency)
    return f"{to_decimal(amount_minor, currency):.{digits}f}"
