"""The wait between tries to reach a lost service: doubling from short, never past the ceiling, short
again after a success."""

import pytest

from app.core.backoff import Backoff


def test_waits_double_up_to_the_ceiling_and_start_short_after_a_success():
    backoff = Backoff(first=0.5, ceiling=4)
    assert [backoff.failed() for _ in range(6)] == [0.5, 1, 2, 4, 4, 4]
    assert backoff.failures == 6
    backoff.succeeded()
    assert backoff.failed() == 0.5


def test_a_very_long_outage_stays_at_the_ceiling():
    backoff = Backoff(first=1, ceiling=30)
    for _ in range(5000):
        delay = backoff.failed()
    assert delay == 30


@pytest.mark.parametrize("first, ceiling, factor", [(0, 1, 2), (2, 1, 2), (1, 2, 0.5)])
def test_nonsense_settings_are_refused(first, ceiling, factor):
    with pytest.raises(ValueError):
        Backoff(first=first, ceiling=ceiling, factor=factor)
