"""Conflicts of interest as plain data: which (judge, entry) pairs must never meet.

A judge never reviews an entry they made, one by their manager or a direct report, one by a member of
their own organisation when the challenge says so, one by a person or organisation they declared,
one whose contributor named them, or one they recused from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

Pair = tuple[int, int]  # (judge_id, entry_id)


@dataclass(frozen=True)
class Person:
    user_id: int
    email_key: str
    organization_id: int | None = None
    organization_name: str | None = None
    manager_id: int | None = None


@dataclass(frozen=True)
class JudgeFacts:
    person: Person
    declared_emails: frozenset[str] = frozenset()
    declared_organizations: frozenset[str] = frozenset()  # lower-cased names


@dataclass(frozen=True)
class EntryFacts:
    entry_id: int
    makers: tuple[Person, ...]  # the contributor, and team members once teams exist


@dataclass(frozen=True)
class ConflictRules:
    same_organization: bool = False
    named_by_contributors: frozenset[Pair] = field(default_factory=frozenset)
    recusals: frozenset[Pair] = field(default_factory=frozenset)


def _clash(judge: JudgeFacts, maker: Person, same_organization: bool) -> bool:
    me = judge.person
    if maker.user_id == me.user_id:
        return True
    if maker.manager_id == me.user_id or me.manager_id == maker.user_id:
        return True
    if same_organization and me.organization_id is not None and maker.organization_id == me.organization_id:
        return True
    if maker.email_key in judge.declared_emails:
        return True
    return bool(maker.organization_name and maker.organization_name.lower() in judge.declared_organizations)


def conflicted_pairs(
    judges: Iterable[JudgeFacts], entries: Iterable[EntryFacts], rules: ConflictRules = ConflictRules()
) -> frozenset[Pair]:
    """Every (judge, entry) pair that the rules above forbid."""
    entry_list = list(entries)
    forbidden = set(rules.named_by_contributors) | set(rules.recusals)
    for judge in judges:
        for entry in entry_list:
            if any(_clash(judge, maker, rules.same_organization) for maker in entry.makers):
                forbidden.add((judge.person.user_id, entry.entry_id))
    return frozenset(forbidden)
