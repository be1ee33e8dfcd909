"""Who reviews what: rules checked by hand, re-runs that move as little as possible, and properties
checked against an independent min-cost max-flow on small random panels."""

from __future__ import annotations

import math
import random
from collections import Counter, deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.judging.assignment import Assignment, AssignmentError, assign

Pair = tuple[int, int]


def _hard_rules_hold(result: Assignment, entries, caps, k, conflicts) -> None:
    conflicts = set(conflicts)
    assert not result.pairs & conflicts, "a conflicted pair was assigned"
    assert {entry for _, entry in result.pairs} <= set(entries)
    assert {judge for judge, _ in result.pairs} <= set(caps)
    per_entry = Counter(entry for _, entry in result.pairs)
    assert all(count <= k for count in per_entry.values()), "an entry has more than k judges"
    for judge, load in result.loads().items():
        assert caps[judge] is None or load <= caps[judge], f"judge {judge} is above their cap"
    assert result.missing == {entry: k - per_entry[entry] for entry in entries if per_entry[entry] < k}


def _reference(entries, caps, k, conflicts) -> tuple[int, list[int]]:
    """Min-cost max-flow by successive shortest paths; the u-th entry of a judge costs 2u + 1, so the cost
    of a load is its square and the cheapest maximum flow is the most even one (Frank and Murota).

    Returns how many reviews a maximum assignment places and its judges' loads, sorted.
    """
    judges = sorted(caps)
    source, sink = 0, 1
    entry_node = {entry: 2 + i for i, entry in enumerate(entries)}
    judge_node = {judge: 2 + len(entries) + i for i, judge in enumerate(judges)}
    graph: list[list[list[int]]] = [[] for _ in range(2 + len(entries) + len(judges))]

    def edge(a: int, b: int, capacity: int, cost: int) -> None:
        graph[a].append([b, capacity, cost, len(graph[b])])
        graph[b].append([a, 0, -cost, len(graph[a]) - 1])

    for entry in entries:
        edge(source, entry_node[entry], k, 0)
        for judge in judges:
            if (judge, entry) not in conflicts:
                edge(entry_node[entry], judge_node[judge], 1, 0)
    for judge in judges:
        cap = len(entries) if caps[judge] is None else min(caps[judge], len(entries))
        for unit in range(cap):
            edge(judge_node[judge], sink, 1, 2 * unit + 1)

    placed = 0
    while True:
        distance = [math.inf] * len(graph)
        came_by: list[tuple[int, int] | None] = [None] * len(graph)
        distance[source] = 0
        queue, queued = deque([source]), {source}
        while queue:
            node = queue.popleft()
            queued.discard(node)
            for index, (other, capacity, cost, _) in enumerate(graph[node]):
                if capacity > 0 and distance[node] + cost < distance[other]:
                    distance[other] = distance[node] + cost
                    came_by[other] = (node, index)
                    if other not in queued:
                        queued.add(other)
                        queue.append(other)
        if distance[sink] == math.inf:
            break
        node = sink
        while node != source:
            previous_node, index = came_by[node]
            forward = graph[previous_node][index]
            forward[1] -= 1
            graph[node][forward[3]][1] += 1
            node = previous_node
        placed += 1
    loads = [sum(1 for arc in graph[judge_node[judge]] if arc[0] == sink and arc[1] == 0) for judge in judges]
    return placed, sorted(loads)


# --- Rules checked by hand ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entries", "caps", "k", "conflicts", "loads", "missing"),
    [
        pytest.param(range(1, 7), {10: None, 11: None, 12: None}, 2, (), [4, 4, 4], {}, id="even-split"),
        pytest.param(range(1, 8), {10: None, 11: None, 12: None}, 2, (), [4, 5, 5], {}, id="one-apart"),
        pytest.param(
            range(1, 5), {10: None, 11: None}, 3, (), [4, 4], {1: 1, 2: 1, 3: 1, 4: 1}, id="too-few-judges"
        ),
        pytest.param(range(1, 4), {}, 2, (), [], {1: 2, 2: 2, 3: 2}, id="no-panel"),
        pytest.param(
            range(1, 7),
            {10: None, 11: None, 12: None},
            3,
            [(12, 4)],
            [5, 6, 6],
            {4: 1},
            id="conflict-leaves-two",
        ),
        pytest.param(range(1, 7), {10: 1, 11: None, 12: None}, 1, (), [1, 2, 3], {}, id="cap-below-others"),
        pytest.param(range(1, 5), {10: 0, 11: None}, 1, (), [0, 4], {}, id="cap-zero"),
        pytest.param(range(1, 4), {10: None}, 0, (), [0], {}, id="k-zero"),
        pytest.param([], {10: None}, 3, (), [0], {}, id="no-entries"),
        pytest.param(
            range(1, 4),
            {10: None, 11: None, 12: None},
            1,
            [(judge, entry) for judge in (10, 11, 12) for entry in (1, 2, 3)],
            [0, 0, 0],
            {1: 1, 2: 1, 3: 1},
            id="everyone-conflicted",
        ),
    ],
)
def test_hand_checked_panels(entries, caps, k, conflicts, loads, missing):
    entries = list(entries)
    result = assign(entries, caps, k, conflicts=conflicts)
    _hard_rules_hold(result, entries, caps, k, conflicts)
    assert sorted(result.loads().values()) == loads
    assert result.missing == missing
    for entry in entries:
        assert len(result.judges_of(entry)) == k - missing.get(entry, 0)


def test_with_caps_no_judge_exceeds_theirs_and_the_uncapped_share_evenly():
    caps = {10: 2, 11: 5, 12: None, 13: None, 14: None}
    result = assign(list(range(1, 21)), caps, 2)
    loads = result.loads()
    assert loads[10] == 2 and loads[11] == 5
    assert sorted(loads[judge] for judge in (12, 13, 14)) == [11, 11, 11]
    assert result.missing == {}


def test_caps_too_low_in_total_leave_exactly_the_shortfall_missing():
    caps = {10: 4, 11: 4, 12: 3}
    result = assign(list(range(1, 9)), caps, 2)
    assert sum(result.missing.values()) == 2 * 8 - sum(caps.values())
    assert result.loads() == caps


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: assign([1], {10: None}, -1), "zero or more"),
        (lambda: assign([1], {10: -2}, 1), "negative"),
        (lambda: assign([1, 1], {10: None}, 1), "twice"),
    ],
)
def test_impossible_inputs_are_refused(call, words):
    with pytest.raises(AssignmentError, match=words):
        call()


def test_unknown_judges_and_entries_in_the_extras_are_ignored():
    result = assign(
        [1, 2],
        {10: None},
        1,
        conflicts=[(99, 1), (10, 99)],
        affinity={(99, 2): 5},
        previous=[(98, 1), (10, 97)],
    )
    assert result.pairs == {(10, 1), (10, 2)}


# --- Affinity -------------------------------------------------------------------------------------------


def test_with_ample_capacity_the_best_matches_are_chosen():
    caps = dict.fromkeys(range(10, 18))
    affinity = {(13, 1): 3.0, (11, 2): 2.0, (16, 3): 1.0, (10, 4): 0.5, (12, 4): 0.4, (17, 1): 0.1}
    result = assign([1, 2, 3, 4], caps, 1, affinity=affinity)
    assert result.pairs == {(13, 1), (11, 2), (16, 3), (10, 4)}


def test_a_contested_judge_goes_where_the_match_is_strongest():
    affinity = {(10, 1): 5.0, (11, 1): 4.0, (10, 2): 6.0}
    result = assign([1, 2], {10: None, 11: None, 12: None}, 1, affinity=affinity)
    assert result.pairs == {(10, 2), (11, 1)}


def test_affinity_never_outweighs_balance():
    affinity = {(10, entry): 9.0 for entry in range(1, 5)}
    result = assign([1, 2, 3, 4], {10: None, 11: None}, 1, affinity=affinity)
    assert sorted(result.loads().values()) == [2, 2]


def test_a_disliked_pair_is_avoided_when_an_equal_load_allows():
    result = assign([1], {10: None, 11: None}, 1, affinity={(10, 1): -1.0})
    assert result.pairs == {(11, 1)}


def test_kept_pairs_outweigh_a_better_match():
    first = assign([1, 2], {10: None, 11: None}, 1)
    flipped = {(judge, 3 - entry): 5.0 for judge, entry in first.pairs}
    again = assign([1, 2], {10: None, 11: None}, 1, affinity=flipped, previous=first.pairs)
    assert again.pairs == first.pairs


# --- Minimal change on a re-run -------------------------------------------------------------------------


def _panel(entries: int, judges: int, seed: int, conflict_share: float = 0.0):
    rng = random.Random(seed)
    entry_ids = list(range(1, entries + 1))
    caps = dict.fromkeys(range(100, 100 + judges))
    conflicts = {(judge, entry) for judge in caps for entry in entry_ids if rng.random() < conflict_share}
    affinity = {(judge, entry): rng.random() for judge in caps for entry in entry_ids if rng.random() < 0.2}
    return entry_ids, caps, conflicts, affinity


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_rerun_with_nothing_changed_changes_nothing(seed):
    entries, caps, conflicts, affinity = _panel(60, 9, seed, 0.05)
    first = assign(entries, caps, 3, conflicts=conflicts, affinity=affinity)
    again = assign(entries, caps, 3, conflicts=conflicts, affinity=affinity, previous=first.pairs)
    assert again == first


def test_a_recusal_by_a_busiest_judge_replaces_exactly_that_pair():
    entries, caps, conflicts, affinity = _panel(7, 3, seed=4)  # 14 reviews: loads 5, 5, 4
    first = assign(entries, caps, 2, conflicts=conflicts, affinity=affinity)
    loads = first.loads()
    busiest = max(loads.values())
    recused = min(
        (judge, entry)
        for judge, entry in first.pairs
        if loads[judge] == busiest
        and any(loads[other] < busiest and other not in first.judges_of(entry) for other in caps)
    )
    after = assign(entries, caps, 2, conflicts=conflicts | {recused}, affinity=affinity, previous=first.pairs)
    assert len(after.pairs ^ first.pairs) == 2
    assert recused in first.pairs - after.pairs
    assert after.missing == {}


def test_a_recusal_when_everyone_is_level_costs_one_extra_hand_over():
    # 6 entries, 2 judges each, 3 judges: everyone reviews 4. The recused judge drops to 3 and the
    # replacement rises to 5, so balance needs one more entry to travel from the replacement to the
    # recused judge: two pairs replaced, the fewest that keep max - min <= 1.
    entries, caps = list(range(1, 7)), {10: None, 11: None, 12: None}
    first = assign(entries, caps, 2)
    recused = min(first.pairs)
    after = assign(entries, caps, 2, conflicts={recused}, previous=first.pairs)
    assert recused not in after.pairs
    assert len(after.pairs ^ first.pairs) == 4
    assert sorted(after.loads().values()) == [4, 4, 4]


@pytest.mark.parametrize(("entries", "judges", "k"), [(12, 4, 2), (200, 20, 3), (301, 17, 3)])
def test_a_new_judge_takes_only_what_balance_requires(entries, judges, k):
    entry_ids, caps, conflicts, affinity = _panel(entries, judges, seed=entries, conflict_share=0.03)
    first = assign(entry_ids, caps, k, conflicts=conflicts, affinity=affinity)
    assert first.missing == {}
    newcomer = max(caps) + 1
    after = assign(
        entry_ids, {**caps, newcomer: None}, k, conflicts=conflicts, affinity=affinity, previous=first.pairs
    )
    loads = after.loads()
    assert max(loads.values()) - min(loads.values()) <= 1
    # The newcomer must reach the lower of the two balanced loads; nobody else needs to change.
    required = (entries * k) // (judges + 1)
    moved_in, moved_out = after.pairs - first.pairs, first.pairs - after.pairs
    assert len(moved_in) == len(moved_out)
    assert required <= len(moved_in) <= required + 1
    assert {judge for judge, _ in moved_in} == {newcomer}


def test_a_judge_leaving_moves_only_their_entries():
    caps = {10: None, 11: None, 12: None}
    previous = {(10, 1), (13, 1), (11, 2), (13, 2), (12, 3), (13, 3), (10, 4), (11, 4), (11, 5), (12, 5)}
    previous |= {(10, 6), (12, 6)}
    after = assign(list(range(1, 7)), caps, 2, previous=previous)
    assert previous - after.pairs == {(13, 1), (13, 2), (13, 3)}
    assert len(after.pairs - previous) == 3
    assert sorted(after.loads().values()) == [4, 4, 4]


def test_a_lowered_cap_keeps_the_best_matched_of_the_judges_entries():
    first = assign([1, 2, 3], {10: None}, 1)
    after = assign([1, 2, 3], {10: 1, 11: None}, 1, affinity={(10, 2): 1.0}, previous=first.pairs)
    assert (10, 2) in after.pairs and after.loads() == {10: 1, 11: 2}


def test_fewer_judges_per_entry_lets_go_of_the_busiest_judges_pairs():
    entries, caps = list(range(1, 31)), dict.fromkeys(range(10, 16))
    first = assign(entries, caps, 3)
    after = assign(entries, caps, 2, previous=first.pairs)
    assert after.pairs <= first.pairs  # only drops: every entry lets go of one judge, nobody new arrives
    assert sorted(after.loads().values()) == [10] * 6


def test_judges_share_entries_with_many_colleagues():
    # Calibration compares judges through the entries they have in common, so the panel must not split
    # into islands of judges who only ever meet each other.
    result = assign(list(range(100)), dict.fromkeys(range(10)), 2)
    linked = {judge: {judge} for judge in range(10)}
    for entry in range(100):
        a, b = sorted(result.judges_of(entry))
        merged = linked[a] | linked[b]
        for judge in merged:
            linked[judge] = merged
    assert linked[0] == set(range(10))


# --- Determinism ----------------------------------------------------------------------------------------


def test_the_same_inputs_in_any_order_give_the_same_assignment():
    entries, caps, conflicts, affinity = _panel(80, 11, seed=7, conflict_share=0.1)
    first = assign(entries, caps, 3, conflicts=conflicts, affinity=affinity)
    rng = random.Random(8)
    shuffled_entries = rng.sample(entries, len(entries))
    shuffled_caps = dict(rng.sample(list(caps.items()), len(caps)))
    shuffled_affinity = dict(rng.sample(list(affinity.items()), len(affinity)))
    again = assign(
        shuffled_entries, shuffled_caps, 3, conflicts=list(conflicts)[::-1], affinity=shuffled_affinity
    )
    assert again == first


def test_string_ids_work_and_are_deterministic():
    caps = {"ana": None, "bo": 2, "cy": None}
    first = assign(["e1", "e2", "e3"], caps, 2, conflicts=[("ana", "e2")])
    assert first == assign(["e3", "e2", "e1"], caps, 2, conflicts=[("ana", "e2")])
    assert first.missing == {}
    assert first.judges_of("e2") == {"bo", "cy"}


# --- Properties on small random panels ------------------------------------------------------------------


@st.composite
def panels(draw):
    entries = list(range(1, draw(st.integers(0, 30)) + 1))
    judges = list(range(100, 100 + draw(st.integers(0, 12))))
    k = draw(st.integers(0, 4))
    caps = {judge: draw(st.none() | st.integers(0, 8)) for judge in judges}
    all_pairs = [(judge, entry) for judge in judges for entry in entries]
    density = draw(st.sampled_from([0.0, 0.1, 0.3, 0.7]))
    rng = random.Random(draw(st.integers(0, 2**32)))
    conflicts = {pair for pair in all_pairs if rng.random() < density}
    affinity = {pair: rng.choice([-1.0, 0.5, 1.0, 2.0]) for pair in all_pairs if rng.random() < 0.3}
    kept_share = draw(st.sampled_from([0.0, 0.2, 0.5]))
    previous = {pair for pair in all_pairs if rng.random() < kept_share}
    return entries, caps, k, conflicts, affinity, previous


@settings(max_examples=150, deadline=None)
@given(panels())
def test_hard_rules_maximum_coverage_and_the_most_even_loads(panel):
    entries, caps, k, conflicts, affinity, previous = panel
    result = assign(entries, caps, k, conflicts=conflicts, affinity=affinity, previous=previous)
    _hard_rules_hold(result, entries, caps, k, conflicts)
    placed, loads = _reference(entries, caps, k, conflicts)
    assert len(result.pairs) == placed, "coverage is not maximal"
    assert sorted(result.loads().values()) == loads, "loads are not as even as the limits allow"


@settings(max_examples=100, deadline=None)
@given(panels())
def test_rerunning_on_its_own_result_changes_nothing(panel):
    entries, caps, k, conflicts, affinity, previous = panel
    first = assign(entries, caps, k, conflicts=conflicts, affinity=affinity, previous=previous)
    assert assign(entries, caps, k, conflicts=conflicts, affinity=affinity, previous=first.pairs) == first


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 30), st.integers(1, 12), st.integers(1, 4))
def test_without_caps_or_conflicts_everyone_is_covered_and_within_one(entries, judges, k):
    result = assign(list(range(entries)), dict.fromkeys(range(judges)), k)
    assert sum(result.missing.values()) == entries * max(0, k - judges)
    loads = result.loads().values()
    assert max(loads) - min(loads) <= 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_affinity_per_judge_gives_the_answer_of_the_same_affinity_on_every_pair(seed):
    rng = random.Random(seed)
    entries = list(range(40))
    caps = {100 + judge: rng.choice([None, None, 9]) for judge in range(12)}
    conflicts = {(judge, entry) for judge in caps for entry in entries if rng.random() < 0.1}
    per_judge = {judge: rng.choice([0, 0, 1, 2]) for judge in caps}
    own = {(101, 3): 5.0, (104, 7): 0.5}  # a pair's own weight replaces its judge's
    previous = {(judge, entry) for judge in caps for entry in entries if rng.random() < 0.05}
    every_pair = {(judge, entry): weight for judge, weight in per_judge.items() for entry in entries}
    expected = assign(
        entries, caps, 3, conflicts=conflicts, affinity={**every_pair, **own}, previous=previous
    )
    result = assign(
        entries, caps, 3, conflicts=conflicts, affinity=own, judge_affinity=per_judge, previous=previous
    )
    assert (result.pairs, result.missing) == (expected.pairs, expected.missing)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 25),
    st.dictionaries(st.integers(100, 107), st.one_of(st.none(), st.integers(0, 8)), min_size=1),
    st.integers(1, 4),
    st.dictionaries(st.integers(100, 107), st.sampled_from([0, 0.5, 1, 2])),
    st.dictionaries(st.tuples(st.integers(100, 107), st.integers(0, 24)), st.sampled_from([0.25, 3])),
    st.sets(st.tuples(st.integers(100, 107), st.integers(0, 24))),
    st.sets(st.tuples(st.integers(100, 107), st.integers(0, 24))),
)
def test_affinity_per_judge_and_per_pair_agree_on_any_panel(
    entries, caps, k, per_judge, own, conflicts, previous
):
    entry_ids = list(range(entries))
    every_pair = {(judge, entry): weight for judge, weight in per_judge.items() for entry in entry_ids}
    expected = assign(
        entry_ids, caps, k, conflicts=conflicts, affinity={**every_pair, **own}, previous=previous
    )
    result = assign(
        entry_ids, caps, k, conflicts=conflicts, affinity=own, judge_affinity=per_judge, previous=previous
    )
    assert (result.pairs, result.missing) == (expected.pairs, expected.missing)
