"""Panels: invitations for people with and without accounts, answers, and declared conflicts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts import services as accounts
from app.core.access import Role
from app.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.judging import panels
from app.judging.models import PanelMember
from app.notifications.models import Notification
from tests.conftest import extract_csrf


def test_inviting_an_existing_user_makes_them_a_judge_and_tells_them(db, scene):
    member = panels.invite_judge(scene.challenge.id, scene.sponsor, "Bob@Outside.example")
    assert member.status == "invited" and member.judge_id == scene.bob.id
    assert scene.bob.has_role(Role.JUDGE)
    note = db.session.scalar(select(Notification).where(Notification.user_id == scene.bob.id))
    assert "Invitation to judge" in note.subject
    with pytest.raises(Conflict, match="already on the panel"):
        panels.invite_judge(scene.challenge.id, scene.sponsor, "bob@outside.example")


def test_inviting_a_new_person_creates_an_account_they_finish_through_the_link(app, db, scene, client):
    panels.invite_judge(scene.challenge.id, scene.sponsor, "newjudge@judges.example", name="Nia New")
    judge = accounts.find_user_by_email("newjudge@judges.example")
    assert judge.roles == {Role.JUDGE}
    note = db.session.scalar(select(Notification).where(Notification.user_id == judge.id))
    assert f"Answer here: {app.config['PUBLIC_URL']}/invitation/" in note.body  # a full address for e-mail
    link = accounts.invitation_link(judge)
    page = client.get(link)
    assert page.status_code == 200
    token = extract_csrf(page.get_data(as_text=True))
    done = client.post(
        link, data={"csrf_token": token, "password": "judge password 1", "confirm": "judge password 1"}
    )
    assert done.status_code == 302 and done.headers["Location"] == "/judge"
    token = extract_csrf(client.get(link).get_data(as_text=True))  # the session was renewed at sign-in
    again = client.post(
        link, data={"csrf_token": token, "password": "other password 2", "confirm": "other password 2"}
    )
    assert again.status_code == 403 and "already used" in again.get_data(as_text=True)


def test_a_tampered_invitation_link_is_refused(client, db, scene):
    page = client.get("/invitation/not-a-real-token")
    token = extract_csrf(page.get_data(as_text=True))
    response = client.post(
        "/invitation/not-a-real-token", data={"csrf_token": token, "password": "x" * 12, "confirm": "x" * 12}
    )
    assert response.status_code == 403 and "not valid" in response.get_data(as_text=True)


def test_only_the_sponsor_team_invites(db, scene):
    with pytest.raises(PermissionDenied):
        panels.invite_judge(scene.challenge.id, scene.alice, "bob@outside.example")
    assert db.session.scalar(select(PanelMember)) is None


def test_judges_accept_with_a_load_or_decline_once(db, scene):
    member = panels.invite_judge(scene.challenge.id, scene.sponsor, "bob@outside.example")
    with pytest.raises(NotFound):
        panels.respond_to_invitation(member.id, scene.alice, accept=True)
    with pytest.raises(ValidationFailed, match="between 1 and 1000"):
        panels.respond_to_invitation(member.id, scene.bob, accept=True, max_load=0)
    panels.respond_to_invitation(member.id, scene.bob, accept=True, max_load=12)
    assert (member.status, member.max_load) == ("accepted", 12)
    with pytest.raises(Conflict, match="already accepted"):
        panels.respond_to_invitation(member.id, scene.bob, accept=False)


def test_declared_conflicts_are_matched_without_telling_the_judge(db, scene):
    accounts.grant_role(scene.bob, Role.JUDGE)
    with pytest.raises(ValidationFailed):
        panels.declare_conflict(scene.bob)
    panels.declare_conflict(scene.bob, email="ALICE@outside.example")
    from app.submissions.models import Submission

    entry = Submission(
        challenge_id=scene.challenge.id, contributor_id=scene.alice.id, alias="ABCD", title="x"
    )
    other = Submission(challenge_id=scene.challenge.id, contributor_id=scene.inez.id, alias="EFGH", title="y")
    db.session.add_all([entry, other])
    db.session.commit()
    assert panels.is_conflicted(scene.bob, entry)
    assert not panels.is_conflicted(scene.bob, other)
