"""Drafts are seen only by the sponsors of their organisation and by admins, on every page and in the API;
anyone else, a member of the organisation without the sponsor role or a sponsor of another one, gets the
same 404 as for a challenge that does not exist."""

import pytest

from app.accounts import services as accounts
from app.accounts import tokens
from app.core.access import Role
from tests.factories import make_challenge

DRAFT_PAGES = [
    "/challenges/{slug}",
    "/challenges/{slug}/manage",
    "/challenges/{slug}/edit",
    "/submissions/new/{slug}",
    "/judging/results/{slug}",
]


@pytest.fixture
def draft_scene(db, redis, make_user):
    acme = accounts.create_organization("Acme", ["acme.example"], is_sponsor=True)
    accounts.create_organization("Rival", ["rival.example"], is_sponsor=True)
    people = {
        "sponsor": make_user("sam@acme.example", Role.SPONSOR),
        "colleague": make_user("cole@acme.example", Role.CONTRIBUTOR),
        "judge": make_user("jude@acme.example", Role.JUDGE),
        "rival": make_user("olga@rival.example", Role.SPONSOR),
        "admin": make_user("root@host.example", Role.ADMIN),
    }
    draft = make_challenge(db, acme, title="Secret project", status="draft")
    return people, draft


@pytest.mark.parametrize("page", DRAFT_PAGES)
@pytest.mark.parametrize("who", ["colleague", "judge", "rival"])
def test_a_draft_page_answers_as_if_it_did_not_exist_for_anyone_but_its_sponsors(
    draft_scene, login, page, who
):
    people, draft = draft_scene
    browser = login(people[who].email)
    response = browser.get(page.format(slug=draft.slug))
    missing = browser.get(page.format(slug="no-such-challenge"))
    # 404, or the 403 a page for another role gives whatever the address.
    assert response.status_code == missing.status_code
    assert response.status_code in (403, 404)
    assert "Secret project" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "page", ["/challenges/{slug}", "/challenges/{slug}/manage", "/challenges/{slug}/edit"]
)
def test_a_sponsor_of_another_organisation_gets_not_found_not_forbidden(draft_scene, login, page):
    people, draft = draft_scene
    assert login(people["rival"].email).get(page.format(slug=draft.slug)).status_code == 404


def test_the_sponsor_and_an_admin_see_the_draft(draft_scene, login):
    people, draft = draft_scene
    for who in ("sponsor", "admin"):
        browser = login(people[who].email)
        assert browser.get(f"/challenges/{draft.slug}").status_code == 200
        assert browser.get(f"/challenges/{draft.slug}/manage").status_code == 200


def test_posting_to_someone_elses_draft_is_not_found(draft_scene, login):
    people, draft = draft_scene
    from tests.conftest import extract_csrf

    browser = login(people["rival"].email)
    token = extract_csrf(browser.get("/sponsor").get_data(as_text=True))
    assert browser.post(f"/challenges/{draft.slug}/cancel", data={"csrf_token": token}).status_code == 404


def test_my_challenges_in_the_api_is_empty_for_members_without_the_sponsor_role(draft_scene, app):
    people, draft = draft_scene

    def mine(user):
        secret = tokens.issue_token(user, "test", scope="read").secret
        response = app.test_client().get(
            "/api/v1/me/challenges", headers={"Authorization": f"Bearer {secret}"}
        )
        assert response.status_code == 200
        return [item["id"] for item in response.get_json()["items"]]

    assert mine(people["sponsor"]) == [draft.id]
    assert mine(people["colleague"]) == []
    assert mine(people["judge"]) == []
    assert mine(people["rival"]) == []
    for who in ("colleague", "judge"):
        secret = tokens.issue_token(people[who], "test", scope="read").secret
        response = app.test_client().get(
            f"/api/v1/challenges/{draft.id}", headers={"Authorization": f"Bearer {secret}"}
        )
        assert response.status_code == 404


def test_a_self_registered_address_at_the_sponsors_domain_sees_no_draft(draft_scene, app, make_user, login):
    _people, draft = draft_scene
    make_user("mallory@acme.example", Role.CONTRIBUTOR, verified=False)
    browser = login("mallory@acme.example")
    assert browser.get(f"/challenges/{draft.slug}").status_code == 404
    assert browser.get("/api/v1/me/challenges").get_json()["items"] == []


def test_cancelling_a_draft_tells_the_sponsors_and_not_the_other_members(draft_scene):
    from app.challenges import services as challenges
    from app.notifications import services as notifications

    people, draft = draft_scene
    challenges.cancel_challenge(draft.id, people["sponsor"], "Not this year.")
    assert [note.subject for note in notifications.inbox(people["sponsor"])] == ["Cancelled: Secret project"]
    assert notifications.inbox(people["colleague"]) == []
    assert notifications.inbox(people["judge"]) == []
