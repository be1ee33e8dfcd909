"""Challenges through tokens: the public list and page, and the sponsor's lifecycle actions."""

from __future__ import annotations

from app.accounts.models import Role
from app.challenges import services as challenges
from app.timeutil import utcnow
from tests.api.conftest import challenge_body


def test_a_sponsor_posts_funds_and_opens_a_challenge_through_the_api(db, scene, api):
    sponsor = api(scene.sponsor)
    created = sponsor.post("/api/v1/challenges", challenge_body(utcnow()))
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["status"] == "draft"
    assert body["bounty"] == {"amount_minor": 1_000_000, "currency": "EUR"}
    assert [prize["amount"]["amount_minor"] for prize in body["prizes"]] == [500_000, 300_000, 200_000]
    assert created.headers["Location"].endswith(f"/api/v1/challenges/{body['id']}")
    assert body["opens_at"].endswith("Z")

    funded = sponsor.post(f"/api/v1/challenges/{body['id']}/fund")
    assert funded.status_code == 200 and funded.get_json()["status"] == "funded"
    again = sponsor.post(f"/api/v1/challenges/{body['id']}/fund")
    assert again.status_code == 409 and again.get_json()["code"] == "invalid_state"
