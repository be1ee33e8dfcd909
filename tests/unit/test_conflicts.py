"""Conflict rules, each checked by hand, and the indexed search against the rule pair by pair."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.judging.conflicts import (
    ConflictRules,
    EntryFacts,
    JudgeFacts,
    Person,
    _clash,
    conflicted_pairs,
)

JUDGE = Person(
    user_id=1, email_key="jo@acme.example", organization_id=10, organization_name="Acme", manager_id=5
)


def _pairs(maker: Person, judge: JudgeFacts | None = None, rules: ConflictRules | None = None):
    return conflicted_pairs(
        [judge or JudgeFacts(JUDGE)], [EntryFacts(100, (maker,))], rules or ConflictRules()
    )


@pytest.mark.parametrize(
    ("maker", "why"),
    [
        (Person(1, "jo@acme.example", 10, "Acme"), "their own entry"),
        (Person(5, "boss@acme.example", 10, "Acme"), "their manager"),
        (Person(7, "report@acme.example", 10, "Acme", manager_id=1), "a direct report"),
    ],
)
def test_automatic_conflicts(maker, why):
    assert _pairs(maker) == {(1, 100)}, why


def test_colleagues_conflict_only_when_the_challenge_says_so():
    colleague = Person(8, "pat@acme.example", 10, "Acme")
    assert _pairs(colleague) == frozenset()
    assert _pairs(colleague, rules=ConflictRules(same_organization=True)) == {(1, 100)}


def test_declared_people_and_organisations():
    stranger = Person(9, "kim@other.example", 20, "Other Co")
    assert _pairs(stranger) == frozenset()
    by_email = JudgeFacts(JUDGE, declared_emails=frozenset({"kim@other.example"}))
    by_org = JudgeFacts(JUDGE, declared_organizations=frozenset({"other co"}))
    assert _pairs(stranger, by_email) == {(1, 100)}
    assert _pairs(stranger, by_org) == {(1, 100)}


def test_named_by_contributors_and_recusals_are_kept():
    stranger = Person(9, "kim@other.example", 20, "Other Co")
    rules = ConflictRules(named_by_contributors=frozenset({(1, 100)}), recusals=frozenset({(2, 100)}))
    assert _pairs(stranger, rules=rules) == {(1, 100), (2, 100)}


def test_unrelated_people_do_not_conflict():
    assert _pairs(Person(9, "kim@other.example", None, None)) == frozenset()


_ids = st.integers(min_value=1, max_value=6)
_people = st.builds(
    Person,
    user_id=_ids,
    email_key=st.sampled_from(["a@x.example", "b@x.example", "c@y.example"]),
    organization_id=st.none() | st.integers(min_value=10, max_value=12),
    organization_name=st.none() | st.sampled_from(["", "Acme", "ACME", "Other Co"]),
    manager_id=st.none() | _ids,
)


@given(
    judges=st.lists(
        st.builds(
            JudgeFacts,
            person=_people,
            declared_emails=st.frozensets(st.sampled_from(["a@x.example", "c@y.example", "z@z.example"])),
            declared_organizations=st.frozensets(st.sampled_from(["acme", "other co", "none"])),
        ),
        max_size=4,
        unique_by=lambda judge: judge.person.user_id,
    ),
    makers=st.lists(st.lists(_people, min_size=1, max_size=3), max_size=5),
    same_organization=st.booleans(),
)
def test_the_indexed_search_finds_exactly_the_pairs_the_rule_forbids(judges, makers, same_organization):
    entries = [EntryFacts(100 + number, tuple(people)) for number, people in enumerate(makers)]
    by_the_rule = {
        (judge.person.user_id, entry.entry_id)
        for judge in judges
        for entry in entries
        if any(_clash(judge, maker, same_organization) for maker in entry.makers)
    }
    assert (
        conflicted_pairs(judges, entries, ConflictRules(same_organization=same_organization)) == by_the_rule
    )
