"""Filling open slots once judging has started: nobody moves, the least-loaded free judge takes each;
reviews that are still allowed stay, the others are dropped and replaced."""

from hypothesis import given
from hypothesis import strategies as st

from app.judging.assignment import fill_gaps, keep_and_fill


def test_each_gap_goes_to_the_least_loaded_free_judge():
    result = fill_gaps(
        {"e1": 1, "e2": 2},
        {"a": 3, "b": 1, "c": 1},
        {"a": None, "b": None, "c": None},
        on_entry={"e1": frozenset({"b"}), "e2": frozenset({"a"})},
    )
    assert result.pairs == {("c", "e1"), ("b", "e2"), ("c", "e2")}
    assert result.missing == {}


def test_conflicts_caps_and_judges_already_on_the_entry_are_respected():
    result = fill_gaps(
        {"e1": 2},
        {"a": 0, "b": 5, "c": 0},
        {"a": None, "b": 5, "c": None},
        on_entry={"e1": frozenset({"a"})},
        conflicts=[("c", "e1")],
    )
    assert result.pairs == frozenset()  # a is on it already, b is full, c is conflicted
    assert result.missing == {"e1": 2}


def test_nothing_to_fill_changes_nothing():
    result = fill_gaps({}, {"a": 2}, {"a": None}, on_entry={})
    assert result.pairs == frozenset() and result.missing == {}


# --- keeping what judging already handed out --------------------------------------------------------


def test_valid_reviews_stay_and_only_the_open_slots_are_filled():
    result = keep_and_fill(
        ["e1", "e2"], {"a": None, "b": None, "c": None}, 2, active=[("a", "e1"), ("b", "e1"), ("a", "e2")]
    )
    assert {("a", "e1"), ("b", "e1"), ("a", "e2")} <= result.pairs
    assert result.pairs - {("a", "e1"), ("b", "e1"), ("a", "e2")} == {("c", "e2")}  # c holds none yet
    assert result.missing == {}


def test_pairs_that_became_invalid_are_dropped_and_replaced():
    result = keep_and_fill(
        ["e1", "e2"],
        {"a": None, "c": None},  # b left the panel
        1,
        active=[("b", "e1"), ("a", "e2"), ("a", "gone")],  # "gone" was withdrawn
        conflicts=[("a", "e2")],  # a declared a conflict after being assigned
    )
    assert ("b", "e1") not in result.pairs and ("a", "e2") not in result.pairs
    assert all(entry in {"e1", "e2"} for _, entry in result.pairs)
    assert result.pairs == {("a", "e1"), ("c", "e2")}
    assert result.missing == {}


def test_what_nobody_can_take_is_reported_missing():
    result = keep_and_fill(["e1"], {"a": None}, 3, active=[("a", "e1")])
    assert result.pairs == {("a", "e1")}
    assert result.missing == {"e1": 2}


judge_ids = st.sampled_from(["a", "b", "c", "d", "e"])
entry_ids = st.sampled_from([1, 2, 3, 4, 5, 6])


@given(
    entries=st.sets(entry_ids),
    caps=st.dictionaries(judge_ids, st.one_of(st.none(), st.integers(0, 4))),
    k=st.integers(0, 4),
    active=st.sets(st.tuples(judge_ids, entry_ids)),
    conflicts=st.sets(st.tuples(judge_ids, entry_ids)),
)
def test_kept_and_new_reviews_obey_every_rule(entries, caps, k, active, conflicts):
    result = keep_and_fill(sorted(entries), caps, k, active=active, conflicts=conflicts)
    still_allowed = {(j, e) for j, e in active if j in caps and e in entries and (j, e) not in conflicts}
    assert still_allowed <= result.pairs  # nobody who may keep a review loses it
    assert not result.pairs & conflicts
    assert all(judge in caps and entry in entries for judge, entry in result.pairs)
    new = result.pairs - still_allowed
    for entry in entries:
        on_entry = sum(1 for _, e in result.pairs if e == entry)
        kept_on_entry = sum(1 for _, e in still_allowed if e == entry)
        assert on_entry + result.missing.get(entry, 0) == max(k, kept_on_entry)
    for judge, cap in caps.items():
        gained = sum(1 for j, _ in new if j == judge)
        held = sum(1 for j, _ in still_allowed if j == judge)
        if cap is not None and gained:
            assert held + gained <= cap  # new reviews never push a judge past their cap


def _fill_gaps_by_scanning(needs, loads, judge_caps, *, on_entry, conflicts):
    """The first ``fill_gaps``, which scanned every judge for every slot: the answer the heap must give."""
    current = {judge: loads.get(judge, 0) for judge in sorted(judge_caps)}
    pairs, missing = set(), {}
    for entry in sorted(needs):
        taken = set(on_entry.get(entry, frozenset()))
        for _ in range(needs[entry]):
            eligible = [
                judge
                for judge in current
                if judge not in taken
                and (judge, entry) not in conflicts
                and (judge_caps[judge] is None or current[judge] < judge_caps[judge])
            ]
            if not eligible:
                missing[entry] = missing.get(entry, 0) + 1
                continue
            chosen = min(eligible, key=lambda judge: current[judge])
            pairs.add((chosen, entry))
            taken.add(chosen)
            current[chosen] += 1
    return pairs, missing


@given(
    needs=st.dictionaries(entry_ids, st.integers(0, 4)),
    loads=st.dictionaries(judge_ids, st.integers(0, 5)),
    caps=st.dictionaries(judge_ids, st.one_of(st.none(), st.integers(0, 6))),
    on_entry=st.dictionaries(entry_ids, st.frozensets(judge_ids)),
    conflicts=st.sets(st.tuples(judge_ids, entry_ids)),
)
def test_fill_gaps_gives_the_answer_of_a_scan_of_every_judge(needs, loads, caps, on_entry, conflicts):
    result = fill_gaps(needs, loads, caps, on_entry=on_entry, conflicts=conflicts)
    pairs, missing = _fill_gaps_by_scanning(needs, loads, caps, on_entry=on_entry, conflicts=conflicts)
    assert (result.pairs, result.missing) == (pairs, missing)
