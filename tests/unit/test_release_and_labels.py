"""A declaration made during judging releases entries without singling out the match; judge letters
follow no order a page shows."""

from __future__ import annotations

from collections import Counter
from random import Random

from hypothesis import given
from hypothesis import strategies as st

from app.judging.conflicts import entries_to_release, release_size
from app.judging.labels import judge_letters

queues = st.lists(st.integers(1, 10_000), min_size=0, max_size=40, unique=True)


@given(queues, st.data(), st.integers(0, 2**32))
def test_every_conflicted_entry_is_released_and_nothing_outside_the_queue(held, data, seed):
    conflicted = data.draw(st.lists(st.sampled_from(held), unique=True) if held else st.just([]))
    released = entries_to_release(held, conflicted, Random(seed))
    assert set(conflicted) <= released <= set(held)


@given(queues, st.data(), st.data(), st.integers(0, 2**32))
def test_how_many_leave_does_not_depend_on_which_or_how_many_matched(held, first, second, seed):
    """Any two declarations matching no more than the base size release the same number of entries."""
    base = release_size(len(held), 0)
    pick = st.lists(st.sampled_from(held), unique=True, max_size=base) if held else st.just([])
    one, other = first.draw(pick), second.draw(pick)
    assert len(entries_to_release(held, one, Random(seed))) == len(
        entries_to_release(held, other, Random(seed))
    )


@given(st.integers(0, 200), st.integers(0, 200))
def test_the_release_never_names_a_single_entry_when_the_judge_holds_two_or_more(held, conflicted):
    size = release_size(held, min(conflicted, held))
    assert size <= held
    if held >= 2:
        assert size >= 2


def test_a_declaration_matching_nothing_still_releases_entries():
    assert len(entries_to_release(range(1, 10), [], Random(1))) == 3
    assert entries_to_release([7], [], Random(1)) == {7}
    assert entries_to_release([], [], Random(1)) == frozenset()


def test_each_released_entry_is_as_likely_as_any_other_to_be_the_match():
    """Over many runs, the matched entry is released always and each decoy about equally often."""
    held, matched = list(range(1, 7)), [4]
    counts: Counter[int] = Counter()
    rng = Random(2026)
    for _ in range(6000):
        counts.update(entries_to_release(held, matched, rng))
    assert counts[4] == 6000
    decoys = [counts[entry] for entry in held if entry != 4]
    assert max(decoys) - min(decoys) < 400  # each near 6000 / 5


def test_many_matches_release_everything():
    assert entries_to_release(range(1, 7), [1, 2, 3], Random(0)) == set(range(1, 7))


@given(st.lists(st.integers(1, 10_000), unique=True, max_size=60), st.text(max_size=10))
def test_letters_are_distinct_and_stable(judge_ids, scope):
    labels = judge_letters(judge_ids, secret=b"k", scope=scope)
    assert set(labels) == set(judge_ids)
    assert len(set(labels.values())) == len(judge_ids)
    assert labels == judge_letters(list(reversed(judge_ids)), secret=b"k", scope=scope)


def test_letters_do_not_follow_the_ids():
    """Across scopes, judge 1 is not always Judge A: the order is the key's, not the ids'."""
    firsts = {judge_letters([1, 2, 3], secret=b"secret", scope=f"entry:{n}")[1] for n in range(40)}
    assert firsts == {"Judge A", "Judge B", "Judge C"}
    assert {"Judge AA", "Judge AB"} <= set(judge_letters(range(28), secret=b"s", scope="x").values())
