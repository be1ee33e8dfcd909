"""Conflicts of interest as plain data: which (judge, entry) pairs must never meet.

A judge never reviews an entry they made, one by their manager or a direct report, one by a member of
their own organisation when the challenge says so, one by a person or organisation they declared,
one whose contributor named them, or one they recused from.

A declaration made while the judge is reviewing must not tie an alias to a name: it takes effect at the
next replacement run, which releases the matching entries together with decoys picked at random.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from random import Random

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
    """The rule for one judge and one maker; ``conflicted_pairs`` answers the same through indexes."""
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


@dataclass
class _MakerIndex:
    """The entries by each fact a maker brings, so a judge's conflicts are looked up, not searched for."""

    by_user: dict[int, set[int]] = field(default_factory=dict)
    by_manager: dict[int, set[int]] = field(default_factory=dict)
    by_organization: dict[int, set[int]] = field(default_factory=dict)
    by_email: dict[str, set[int]] = field(default_factory=dict)
    by_organization_name: dict[str, set[int]] = field(default_factory=dict)  # lower-cased

    def add(self, entry_id: int, maker: Person) -> None:
        self.by_user.setdefault(maker.user_id, set()).add(entry_id)
        if maker.manager_id is not None:
            self.by_manager.setdefault(maker.manager_id, set()).add(entry_id)
        if maker.organization_id is not None:
            self.by_organization.setdefault(maker.organization_id, set()).add(entry_id)
        self.by_email.setdefault(maker.email_key, set()).add(entry_id)
        if maker.organization_name:
            self.by_organization_name.setdefault(maker.organization_name.lower(), set()).add(entry_id)

    def clashing(self, judge: JudgeFacts, same_organization: bool) -> set[int]:
        """The entries with a maker that ``_clash`` finds in conflict with this judge."""
        me = judge.person
        found = set(self.by_user.get(me.user_id, ())) | self.by_manager.get(me.user_id, set())
        if me.manager_id is not None:
            found |= self.by_user.get(me.manager_id, set())
        if same_organization and me.organization_id is not None:
            found |= self.by_organization.get(me.organization_id, set())
        for email in judge.declared_emails:
            found |= self.by_email.get(email, set())
        for name in judge.declared_organizations:
            found |= self.by_organization_name.get(name, set())
        return found


def conflicted_pairs(
    judges: Iterable[JudgeFacts], entries: Iterable[EntryFacts], rules: ConflictRules = ConflictRules()
) -> frozenset[Pair]:
    """Every (judge, entry) pair that the rules above forbid.

    The makers are indexed by each fact once, so each judge costs the entries they clash with, not
    every entry: 500 judges and 10,000 entries are a few lookups each, not five million comparisons.
    """
    index = _MakerIndex()
    for entry in entries:
        for maker in entry.makers:
            index.add(entry.entry_id, maker)
    forbidden = set(rules.named_by_contributors) | set(rules.recusals)
    for judge in judges:
        user_id = judge.person.user_id
        forbidden.update((user_id, entry_id) for entry_id in index.clashing(judge, rules.same_organization))
    return frozenset(forbidden)


def release_size(held: int, conflicted: int) -> int:
    """How many of a judge's entries on one challenge a declaration made during judging releases.

    A third of what they hold, rounded up, and at least two (or all, if they hold fewer), whether or
    not any entry matches; only when more entries match than that is everything released. So the
    number tells the judge at most whether "many" entries matched, never which ones.
    """
    if held <= 0:
        return 0
    base = min(held, max(2, -(-held // 3)))
    return base if conflicted <= base else held


def entries_to_release(held: Iterable[int], conflicted: Iterable[int], rng: Random) -> frozenset[int]:
    """The entries a judge steps off when a declaration made during judging takes effect.

    Every held entry that conflicts, and decoys drawn at random from the rest up to ``release_size``:
    seen from the judge, each entry released is as likely as any other to be the one that matched.
    """
    held_set = sorted(set(held))
    matched = sorted(set(conflicted) & set(held_set))
    size = release_size(len(held_set), len(matched))
    others = [entry for entry in held_set if entry not in set(matched)]
    return frozenset(matched) | frozenset(rng.sample(others, size - len(matched)))
