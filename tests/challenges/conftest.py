"""Fixtures for the challenge tests."""

import pytest

from tests.challenges.support import Sponsor


@pytest.fixture
def sponsor(db, make_user) -> Sponsor:
    """Acme (a sponsor with member sam@acme.example), Rival (olga@rival.example) and an admin."""
    return Sponsor(make_user)
