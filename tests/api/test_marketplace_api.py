"""The marketplace through tokens: "For you" with its reasons, asking one's manager for time, and the
manager deciding, through the marketplace pages' services; refusals answer with stable codes and
change nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.accounts import services as accounts
from app.accounts.models import TokenScope
from app.extensions import db
from app.marketplace import services
from app.marketplace.models import ApprovalRequest
from tests.factories import make_challenge
from tests.marketplace.support import with_manager
from tests.marketplace.test_approvals import _second_challenge, _snapshot

API = "/api/v1"


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == code, body
    return body


def _status_of(request_id: int) -> str:
    db.session.expire_all()
    return db.session.get(ApprovalRequest, request_id).status


def test_recommendations_rank_open_challenges_with_their_reasons_and_time_left(db, scene, api):
    accounts.update_profile(
        scene.alice,
        display_name="Alice",
        timezone="UTC",
        skills=["Python: expert", "SQL"],
        hours_available_per_week=3,
    )
    forecast = make_challenge(
        db, scene.org, title="Forecast demand", skills=["Python", "SQL"], expected_hours_per_week=2
    )
    make_challenge(db, scene.org, title="Staff only", eligibility="internal", skills=["Python"])
    make_challenge(db, scene.org, title="Logo", skills=["Design"])

    response = api(scene.alice, scope=TokenScope.READ.value).get(f"{API}/me/recommendations")
    assert response.status_code == 200, response.get_data(as_text=True)
    items = response.get_json()["items"]
    titles = [item["challenge"]["title"] for item in items]
    assert titles[0] == "Forecast demand" and "Logo" in titles
    assert "Staff only" not in titles  # alice is external: the same ranking as the page
    top = items[0]
    assert top["challenge"] == {"id": forecast.id, "slug": forecast.slug, "title": "Forecast demand"}
    assert "Matches 2 of your skills: Python, SQL." in top["reasons"]
    assert "Takes about 2 hours a week; fits the 3 hours you have." in top["reasons"]
    assert top["matched_skills"] == ["Python", "SQL"] and 0 < top["score"] <= 100
    assert top["expected_hours_per_week"] == 2 and top["requires_manager_approval"] is False
    closes_at = datetime.fromisoformat(top["closes_at"])
    assert closes_at.utcoffset() == timedelta(0) and closes_at == forecast.closes_at
    assert top["time_left"].startswith("P") and "D" in top["time_left"]  # an ISO 8601 duration
    logo = next(item for item in items if item["challenge"]["title"] == "Logo")
    assert "Requires Design, which you have not listed." in logo["reasons"]


def test_recommendations_are_for_contributors(scene, api):
    _problem(api(scene.sponsor).get(f"{API}/me/recommendations"), 403, "forbidden")
    _problem(api(None).get(f"{API}/me/recommendations"), 401, "unauthenticated")


def test_a_request_is_approved_by_the_manager_and_both_sides_see_it(db, scene, make_user, api):
    mia = with_manager(scene, make_user, hours=4)
    inez, manager = api(scene.inez), api(mia)

    asked = inez.post(
        f"{API}/challenges/{scene.challenge.id}/approval-requests",
        json={"hours_per_week": 4, "manager_email": "MIA@host.example", "note": "Good for my growth"},
    )
    assert asked.status_code == 201, asked.get_data(as_text=True)
    request = asked.get_json()
    assert request["status"] == "pending" and request["hours_per_week"] == 4
    assert request["manager"]["email"] == "mia@host.example"
    assert request["challenge"]["id"] == scene.challenge.id
    assert [row["id"] for row in inez.get(f"{API}/me/approval-requests").get_json()["items"]] == [
        request["id"]
    ]

    queue = manager.get(f"{API}/approvals").get_json()
    assert queue["cap_hours_per_week"] == services.approval_cap_hours()
    assert [(row["id"], row["status"], row["held_hours_per_week"]) for row in queue["items"]] == [
        (request["id"], "pending", 0)
    ]
    assert queue["items"][0]["request_note"] == "Good for my growth"

    decided = manager.post(
        f"{API}/approvals/{request['id']}/decision", json={"decision": "approve", "note": "Enjoy"}
    )
    assert decided.status_code == 200, decided.get_data(as_text=True)
    assert decided.get_json()["status"] == "approved" and decided.get_json()["decided_at"]
    assert _status_of(request["id"]) == "approved"
    mine = inez.get(f"{API}/me/approval-requests").get_json()["items"]
    assert [(row["status"], row["decision_note"]) for row in mine] == [("approved", "Enjoy")]
    assert services.has_approval(scene.inez, scene.challenge)
    _problem(
        manager.post(f"{API}/approvals/{request['id']}/decision", json={"decision": "decline"}),
        409,
        "conflict",
    )


def test_only_the_manager_decides_and_never_on_their_own_request(db, scene, make_user, api):
    with_manager(scene, make_user)
    request = services.request_approval(scene.challenge.id, scene.inez, hours_per_week=4)
    stranger, inez = api(make_user("other@host.example", name="Otto Other")), api(scene.inez)
    before = _snapshot(db)  # tokens are issued, and audited, before it

    _problem(
        stranger.post(f"{API}/approvals/{request.id}/decision", json={"decision": "approve"}),
        404,
        "not_found",
    )
    assert stranger.get(f"{API}/approvals").get_json()["items"] == []
    _problem(
        inez.post(f"{API}/approvals/{request.id}/decision", json={"decision": "approve"}),
        403,
        "forbidden",
    )
    assert _snapshot(db) == before
    assert _status_of(request.id) == "pending"


def test_hours_over_the_cap_are_refused_with_a_stable_code_when_asked_and_when_approved(
    db, scene, make_user, api
):
    mia = with_manager(scene, make_user)
    cap = services.approval_cap_hours()
    other = _second_challenge(db, scene)
    first = services.request_approval(other.id, scene.inez, hours_per_week=cap - 2)
    second = services.request_approval(scene.challenge.id, scene.inez, hours_per_week=3)
    services.decide_approval(first.id, mia, approve=True)
    manager, inez = api(mia), api(scene.inez)
    before = _snapshot(db)

    body = _problem(
        manager.post(f"{API}/approvals/{second.id}/decision", json={"decision": "approve"}),
        422,
        "approval_cap_exceeded",
    )
    assert f"the limit is {cap}" in body["detail"]
    assert _status_of(second.id) == "pending"
    assert _snapshot(db) == before

    services.decide_approval(second.id, mia, approve=False)
    before = _snapshot(db)
    body = _problem(
        inez.post(f"{API}/challenges/{scene.challenge.id}/approval-requests", json={"hours_per_week": 3}),
        422,
        "approval_cap_exceeded",
    )
    assert body["field"] == "hours_per_week"
    assert _snapshot(db) == before


def test_the_wrong_manager_is_named_on_the_apis_own_field(db, scene, make_user, api):
    with_manager(scene, make_user)
    make_user("other@host.example", name="Otto Other")
    inez = api(scene.inez)
    before = _snapshot(db)
    body = _problem(
        inez.post(
            f"{API}/challenges/{scene.challenge.id}/approval-requests",
            json={"hours_per_week": 4, "manager_email": "other@host.example"},
        ),
        422,
        "validation_failed",
    )
    assert body["field"] == "manager_email" and "Mia Manager" in body["detail"]
    assert _snapshot(db) == before


def test_a_read_only_token_cannot_ask_or_decide(db, scene, make_user, api):
    mia = with_manager(scene, make_user)
    request = services.request_approval(scene.challenge.id, scene.inez, hours_per_week=4)
    asker, reader = api(scene.inez, scope=TokenScope.READ.value), api(mia, scope=TokenScope.READ.value)
    before = _snapshot(db)
    _problem(
        asker.post(f"{API}/challenges/{scene.challenge.id}/approval-requests", json={"hours_per_week": 2}),
        403,
        "insufficient_scope",
    )
    _problem(
        reader.post(f"{API}/approvals/{request.id}/decision", json={"decision": "approve"}),
        403,
        "insufficient_scope",
    )
    assert [row["id"] for row in reader.get(f"{API}/approvals").get_json()["items"]] == [request.id]
    assert _snapshot(db) == before
    assert _status_of(request.id) == "pending"
