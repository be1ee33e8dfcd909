"""Challenges through tokens: the public list and page, and the sponsor's lifecycle actions."""

from __future__ import annotations

from datetime import timedelta

from app.accounts import services as accounts
from app.challenges import services as challenges
from app.core.access import Role
from app.core.timeutil import utcnow
from app.ledger.services import organization_balances
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
    assert again.status_code == 200 and again.get_json()["code"] == "already_done"  # nothing taken twice


def _post(api_client, **changes):
    response = api_client.post("/api/v1/challenges", challenge_body(utcnow(), **changes))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_drafts_are_private_to_their_organisation_and_not_listed(db, scene, api, make_user):
    accounts.create_organization("Rival", ["rival.example"], is_sponsor=True)
    rival = make_user("olga@rival.example", Role.SPONSOR)
    draft = _post(api(scene.sponsor), title="Secret project")

    assert api(scene.sponsor).get(f"/api/v1/challenges/{draft['id']}").status_code == 200
    for outsider in (api(rival), api(scene.alice), api(None)):
        response = outsider.get(f"/api/v1/challenges/{draft['id']}")
        assert response.status_code == 404
        assert "Secret" not in response.get_data(as_text=True)
    # Acting on someone else's draft does not reveal it exists either: 404, not 403.
    assert api(rival).post(f"/api/v1/challenges/{draft['id']}/fund").status_code == 404
    assert api(rival).patch(f"/api/v1/challenges/{draft['id']}", {"title": "Mine now"}).status_code == 404
    listed = api(None).get("/api/v1/challenges?status=upcoming&status=open").get_json()["items"]
    assert [item["id"] for item in listed] == [scene.challenge.id]
    mine = api(scene.sponsor).get("/api/v1/me/challenges").get_json()["items"]
    assert {item["id"] for item in mine} == {scene.challenge.id, draft["id"]}
    assert api(rival).get("/api/v1/me/challenges").get_json()["items"] == []


def test_only_the_sponsors_team_manages_a_public_challenge(db, scene, api, make_user):
    accounts.create_organization("Rival", ["rival.example"], is_sponsor=True)
    rival = make_user("olga@rival.example", Role.SPONSOR)
    path = f"/api/v1/challenges/{scene.challenge.id}"
    refused = api(rival).post(path + "/cancel", {"reason": "because"})
    assert refused.status_code == 403 and refused.get_json()["code"] == "forbidden"
    assert api(scene.alice).patch(path, {"title": "Hijacked"}).status_code == 403
    assert api(scene.alice).post("/api/v1/challenges", challenge_body(utcnow())).status_code == 403
    db.session.expire_all()
    assert challenges.get_challenge(scene.challenge.id).title != "Hijacked"


def test_a_draft_is_patched_and_fixed_terms_are_refused_once_open(db, scene, api):
    sponsor = api(scene.sponsor)
    draft = _post(sponsor)
    patched = sponsor.patch(
        f"/api/v1/challenges/{draft['id']}", {"title": "Route optimiser II", "skills": []}
    )
    assert patched.status_code == 200
    assert patched.get_json()["title"] == "Route optimiser II" and patched.get_json()["skills"] == []
    assert patched.get_json()["bounty"] == draft["bounty"]

    frozen = sponsor.patch(
        f"/api/v1/challenges/{scene.challenge.id}", {"bounty": {"amount_minor": 1, "currency": "EUR"}}
    )
    assert frozen.status_code == 422 and "bounty" in frozen.get_json()["detail"]


def test_preferred_skills_are_posted_patched_and_given_back_like_the_required_ones(db, scene, api):
    sponsor = api(scene.sponsor)
    draft = _post(sponsor, skills=["Python"], preferred_skills=["SQL", "Statistics"])
    assert (draft["skills"], draft["preferred_skills"]) == (["Python"], ["SQL", "Statistics"])
    assert sponsor.get(f"/api/v1/challenges/{draft['id']}").get_json()["preferred_skills"] == [
        "SQL",
        "Statistics",
    ]

    patched = sponsor.patch(f"/api/v1/challenges/{draft['id']}", {"preferred_skills": ["Design"]})
    assert patched.status_code == 200
    assert (patched.get_json()["skills"], patched.get_json()["preferred_skills"]) == (["Python"], ["Design"])
    untouched = sponsor.patch(f"/api/v1/challenges/{draft['id']}", {"title": "Route optimiser II"})
    assert untouched.get_json()["preferred_skills"] == ["Design"]

    both = sponsor.patch(f"/api/v1/challenges/{draft['id']}", {"preferred_skills": ["python"]})
    assert both.status_code == 422 and both.get_json()["code"] == "validation_failed"
    assert "as required or as preferred, not both" in both.get_json()["errors"]["preferred_skills"]
    too_many = sponsor.patch(
        f"/api/v1/challenges/{draft['id']}", {"preferred_skills": [f"Skill {n}" for n in range(31)]}
    )
    assert too_many.status_code == 422 and too_many.get_json()["code"] == "invalid_body"


def test_open_now_and_cancel_refund_through_the_api(db, scene, api):
    sponsor = api(scene.sponsor)
    now = utcnow()
    draft = _post(sponsor, opens_at=(now + timedelta(days=3)).isoformat())
    before = organization_balances(scene.org.id)["EUR"]
    assert sponsor.post(f"/api/v1/challenges/{draft['id']}/fund").status_code == 200
    opened = sponsor.post(f"/api/v1/challenges/{draft['id']}/open")
    assert opened.status_code == 200 and opened.get_json()["status"] == "open"
    assert organization_balances(scene.org.id)["EUR"] == before - 1_000_000

    no_reason = sponsor.post(f"/api/v1/challenges/{draft['id']}/cancel", {})
    assert no_reason.status_code == 422
    cancelled = sponsor.post(f"/api/v1/challenges/{draft['id']}/cancel", {"reason": "Budget cut"})
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert organization_balances(scene.org.id)["EUR"] == before


def test_the_list_pages_by_cursor_without_repeats_or_gaps(db, scene, api):
    sponsor = api(scene.sponsor)
    for index in range(4):
        draft = _post(sponsor, title=f"Challenge number {index}")
        sponsor.post(f"/api/v1/challenges/{draft['id']}/fund")
    seen, cursor = [], None
    while True:
        url = "/api/v1/challenges?limit=2&sort=bounty" + (f"&cursor={cursor}" if cursor else "")
        page = api(None).get(url).get_json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 5
    other_filters = api(None).get(f"/api/v1/challenges?limit=2&sort=newest&cursor={_first_cursor(api)}")
    assert other_filters.status_code == 400 and other_filters.get_json()["code"] == "invalid_cursor"


def _first_cursor(api) -> str:
    return api(None).get("/api/v1/challenges?limit=2&sort=bounty").get_json()["next_cursor"]


def test_filters_narrow_the_list(db, scene, api):
    anyone = api(None)
    assert anyone.get("/api/v1/challenges?status=finished").get_json()["items"] == []
    assert len(anyone.get("/api/v1/challenges?q=route&reward=cash").get_json()["items"]) == 1
    assert anyone.get("/api/v1/challenges?reward=points").get_json()["items"] == []
    assert anyone.get("/api/v1/challenges?skill=cobol").get_json()["items"] == []
