"""Hooks let a lower layer ask the layers above it without importing them, and fail loudly when nobody listens."""

from __future__ import annotations

import gc

import pytest

from app.core.hooks import Hook, HookNotConnected


def test_every_listener_answers_in_the_order_it_connected():
    hook = Hook("test.answers")
    hook.connect(lambda sender, *, extra: (sender, extra, 1))
    hook.connect(lambda sender, *, extra: (sender, extra, 2))
    assert hook.answers("s", extra="x") == [("s", "x", 1), ("s", "x", 2)]


def test_merged_gathers_every_listeners_variables():
    hook = Hook("test.merged")
    hook.connect(lambda sender: {"a": 1})
    hook.connect(lambda sender: {"b": sender})
    assert hook.merged(2) == {"a": 1, "b": 2}


def test_a_required_hook_with_nobody_listening_refuses_instead_of_answering_nothing():
    with pytest.raises(HookNotConnected, match=r"test\.lonely"):
        Hook("test.lonely").answers("anything")


def test_an_optional_hook_with_nobody_listening_answers_nothing():
    assert Hook("test.optional", required=False).answers("anything") == []


def test_listeners_connected_inline_stay_connected():
    hook = Hook("test.strong")

    def make_listener():
        return lambda sender: "still here"

    hook.connect(make_listener())  # no other reference to the listener is kept

    gc.collect()
    assert hook.answers(None) == ["still here"]
