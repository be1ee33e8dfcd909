"""Letters for judges shown without their names ("Judge A", "Judge B"), in an order nobody can derive.

Letters follow a keyed hash of each judge's id within one scope (a challenge, an entry), not the order
judges were invited, assigned or listed, so a page that also lists the panel does not decode them.
"""

from __future__ import annotations

import hashlib
import hmac
import string
from collections.abc import Iterable


def _letter(index: int) -> str:
    letters = string.ascii_uppercase
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, len(letters))
        name = letters[rest] + name
    return name


def judge_letters(judge_ids: Iterable[int], *, secret: bytes, scope: str) -> dict[int, str]:
    """Each judge id's label ("Judge A"…, then "Judge AA"), stable for one secret and scope."""

    def key(judge_id: int) -> bytes:
        return hmac.new(secret, f"{scope}:{judge_id}".encode(), hashlib.sha256).digest()

    ordered = sorted(set(judge_ids), key=key)
    return {judge_id: f"Judge {_letter(index)}" for index, judge_id in enumerate(ordered)}
