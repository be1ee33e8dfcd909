"""Statement counts of the JSON API's lists and of the single objects that embed collections.

Each list is asked with the largest page (?limit=100), so at 500 rows it answers a full page and at
5 rows all of them; embedded collections (a challenge's skills and criteria, a submission's
versions...) grow along with the items.
"""

from __future__ import annotations

import pytest

from app.accounts import services as accounts
from app.accounts import tokens
from app.core.access import Role
from tests.query_counts import support
from tests.query_counts.counting import LARGE, Ask, assert_flat, counts, shows_no_rows

PAGE = "limit=100"

shows_no_rows("api.docs", "the API's operations, read from the code: no rows")
shows_no_rows("api.openapi_json", "the OpenAPI document, generated from the code: no rows")
shows_no_rows("api.download_entry", "answers one short-lived link to one file")
shows_no_rows("api.download_submission", "answers one short-lived link to one file")


def bearer(user) -> dict[str, str]:
    return {"Authorization": "Bearer " + tokens.issue_token(user, "counting", scope="read").secret}


@pytest.fixture
def sponsor(db, make_user):
    org = accounts.create_organization("Acme", ["acme.example"], is_sponsor=True)
    user = make_user("sam@acme.example", Role.SPONSOR)
    return org, user


def _embedded(n: int) -> tuple[list[str], int]:
    """How many skills and criteria each item carries: more as the scene grows."""
    return (["Python"], 1) if n <= 5 else (["Python", "SQL", "Statistics", "Writing"], 4)


@counts("api.list_challenges")
def test_challenge_list_is_flat(client, sponsor):
    org, user = sponsor

    def grow(n: int) -> None:
        names, criteria = _embedded(n)
        support.challenges(org.id, n, skill_names=names, criteria=criteria)
        support.widen_challenges(support.challenge_ids(org.id), names, criteria)

    assert_flat(lambda: Ask(client, f"/api/v1/challenges?{PAGE}"), grow)


@counts("api.my_challenges")
def test_my_challenges_is_flat(client, sponsor):
    org, user = sponsor
    headers = bearer(user)

    def grow(n: int) -> None:
        names, criteria = _embedded(n)
        support.challenges(org.id, n, status="draft", skill_names=names, criteria=criteria)
        support.widen_challenges(support.challenge_ids(org.id), names, criteria)

    assert_flat(lambda: Ask(client, f"/api/v1/me/challenges?{PAGE}", headers=headers), grow)


@counts("api.get_challenge")
def test_one_challenge_is_flat_in_its_skills_and_criteria(client, sponsor):
    org, user = sponsor
    (challenge_id,) = support.challenges(org.id, 1)

    def grow(n: int) -> None:
        support.widen_challenges([challenge_id], [f"Skill {i}" for i in range(n)], n)

    assert_flat(lambda: Ask(client, f"/api/v1/challenges/{challenge_id}"), grow)
