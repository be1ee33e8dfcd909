"""Countries a payee can live in: ISO 3166-1 alpha-2 codes with English names, from Babel's CLDR data."""

from __future__ import annotations

from functools import cache

from babel import Locale

# CLDR also names groupings and reserved codes that are not countries anyone lives in.
_NOT_COUNTRIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"}
)


@cache
def countries() -> dict[str, str]:
    """Code → English name, sorted by name."""
    territories = Locale("en").territories
    found = {
        code: name
        for code, name in territories.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    }
    return dict(sorted(found.items(), key=lambda item: item[1]))


def is_country(code: str) -> bool:
    return code in countries()
