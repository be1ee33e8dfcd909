"""The sponsor's history of a challenge names each event in words, never as a raw action code."""

from __future__ import annotations

import pytest

from app.challenges.presenters import history_label


@pytest.mark.parametrize(
    ("action", "shown"),
    [
        ("challenge.bounty_raised", "bounty raised"),
        ("challenge.opened", "opened"),
        ("judging.assigned", "judges assigned"),
        ("judging.aggregated", "results calculated"),
        ("plain", "plain"),
    ],
)
def test_history_labels(action, shown):
    assert history_label(action) == shown
