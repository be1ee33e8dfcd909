"""The panel through the pages: the sponsor invites, the judge answers and declares a conflict."""

from __future__ import annotations

from sqlalchemy import select

from app.judging.models import DeclaredConflict, PanelMember
from tests.conftest import extract_csrf


def test_sponsor_invites_and_judge_accepts_with_a_load(db, scene, login):
    sponsor = login("sam@acme.example")
    page = sponsor.get(f"/challenges/{scene.challenge.slug}/manage").get_data(as_text=True)
    assert "No judges yet" in page
    response = sponsor.post(
        f"/judging/panel/{scene.challenge.slug}/invite",
        data={"invite-csrf_token": extract_csrf(page), "invite-email": "bob@outside.example"},
    )
    assert response.status_code == 302
    assert "Bob Brown" in sponsor.get(f"/challenges/{scene.challenge.slug}/manage").get_data(as_text=True)

    judge = login("bob@outside.example")
    invitations = judge.get("/judging/invitations").get_data(as_text=True)
    assert scene.challenge.title in invitations
    member = db.session.scalar(select(PanelMember))
    judge.post(
        f"/judging/invitations/{member.id}/accept",
        data={"csrf_token": extract_csrf(invitations), "max_load": "8"},
    )
    db.session.expire_all()
    assert (member.status, member.max_load) == ("accepted", 8)


def test_a_bad_invitation_is_explained_and_changes_nothing(db, scene, login):
    sponsor = login("sam@acme.example")
    page = sponsor.get(f"/challenges/{scene.challenge.slug}/manage").get_data(as_text=True)
    response = sponsor.post(
        f"/judging/panel/{scene.challenge.slug}/invite",
        data={"invite-csrf_token": extract_csrf(page), "invite-email": "not-an-address"},
        follow_redirects=True,
    )
    assert "e-mail" in response.get_data(as_text=True).lower()
    assert db.session.scalar(select(PanelMember)) is None


def test_a_judge_declares_a_conflict_from_the_page(db, scene, login, make_user):
    from app.core.access import Role

    make_user("jude@judges.example", Role.JUDGE)
    judge = login("jude@judges.example")
    page = judge.get("/judging/invitations").get_data(as_text=True)
    judge.post("/judging/conflicts", data={"csrf_token": extract_csrf(page), "organization": "Acme"})
    conflict = db.session.scalar(select(DeclaredConflict))
    assert conflict.organization_name == "acme"
    assert "acme" in judge.get("/judging/invitations").get_data(as_text=True)


def test_contributors_cannot_open_judge_pages(db, scene, login):
    assert login("alice@outside.example").get("/judging/invitations").status_code == 403
