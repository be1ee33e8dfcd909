"""Turning the calibrated ranking's tie groups into places, by the rule the challenge stated at posting.

"share": tied entries share one place (and later the prizes of the places they span). "earlier
submission": the entry whose judged version arrived first places higher. "first criterion": the
higher mean score on the rubric's first criterion places higher; entries equal on that too still share.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby


@dataclass(frozen=True)
class Tied:
    entry_id: Hashable
    rank: int  # from the ranking: equal within a tie group
    tie_group: int
    judged_version_at: datetime
    first_criterion_mean: float


def places(ranked: Sequence[Tied], rule: str) -> dict[Hashable, int]:
    """Each entry's place; entries left equal by the rule share the best place of their group."""
    result: dict[Hashable, int] = {}
    ordered = sorted(ranked, key=lambda entry: (entry.rank, entry.tie_group))
    for _group, members_iter in groupby(ordered, key=lambda entry: entry.tie_group):
        members = list(members_iter)
        start = min(member.rank for member in members)
        if rule == "earlier_submission":
            keyed = sorted(members, key=lambda member: member.judged_version_at)
            key = lambda member: member.judged_version_at  # noqa: E731 - a sort key, named for groupby
        elif rule == "first_criterion":
            keyed = sorted(members, key=lambda member: -member.first_criterion_mean)
            key = lambda member: member.first_criterion_mean  # noqa: E731
        else:
            for member in members:
                result[member.entry_id] = start
            continue
        position = start
        for _value, same_iter in groupby(keyed, key=key):
            same = list(same_iter)
            for member in same:
                result[member.entry_id] = position
            position += len(same)
    return result
