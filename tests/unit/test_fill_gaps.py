"""Filling open slots once judging has started: nobody moves, the least-loaded free judge takes each."""

from app.judging.assignment import fill_gaps


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
