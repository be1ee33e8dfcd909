"""Judges are compared with each other: leniency is shown against the panel's mean."""

from types import SimpleNamespace

import pytest

from app.judging.progress import leniency_against_panel


def test_a_stricter_judge_is_below_the_panel_and_the_offsets_cancel_out():
    rows = [
        SimpleNamespace(judge_id=1, leniency=7.5),
        SimpleNamespace(judge_id=2, leniency=7.5),
        SimpleNamespace(judge_id=3, leniency=6.0),
    ]
    offsets = leniency_against_panel(rows)
    assert offsets == pytest.approx({1: 0.5, 2: 0.5, 3: -1.0})
    assert sum(offsets.values()) == pytest.approx(0.0)


def test_no_calibration_yet_means_no_offsets():
    assert leniency_against_panel([]) == {}
