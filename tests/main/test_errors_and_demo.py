"""Error pages speak HTML to browsers and problem details to API clients; the demo data works."""

import os

import pytest
from sqlalchemy import func, select

from app import create_app
from app.accounts.models import User
from app.accounts.navigation import home_endpoint
from app.core.access import Role
from app.core.audit import AuditEvent, AuditEventIsAppendOnly
from app.demo import DEMO_PASSWORD, DEMO_PEOPLE, seed_demo
from config import TestingConfig


def test_not_found_is_html_for_browsers_and_problem_json_for_api_clients(client):
    page = client.get("/no/such/page", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert page.mimetype == "text/html"
    assert "<h1>Not Found</h1>" in page.get_data(as_text=True)
    api = client.get("/api/v1/nothing-here")
    assert api.status_code == 404
    assert api.mimetype == "application/problem+json"
    assert api.json["status"] == 404 and api.json["title"] == "Not Found"


def test_forbidden_is_a_page_for_people_and_json_for_clients(login, make_user):
    make_user("plain@outside.example")
    browser = login("plain@outside.example")
    assert browser.get("/admin").status_code == 403
    json_response = browser.get("/admin", headers={"Accept": "application/json"})
    assert json_response.status_code == 403
    assert json_response.json["detail"] == "This page is for the admin role."


def test_anonymous_api_clients_get_401_not_a_redirect(client):
    response = client.get("/admin", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert client.get("/admin").status_code == 302


def test_unexpected_errors_answer_500_without_details(test_env):
    crashing_app = create_app(
        TestingConfig({**os.environ, **test_env, "DATABASE_URL": "sqlite://"}), PROPAGATE_EXCEPTIONS=False
    )

    @crashing_app.get("/__boom_for_test")
    def boom():
        raise RuntimeError("secret internals")

    client = crashing_app.test_client()
    page = client.get("/__boom_for_test")
    api = client.get("/__boom_for_test", headers={"Accept": "application/json"})
    assert page.status_code == 500 and "secret internals" not in page.get_data(as_text=True)
    assert "nothing was changed" in page.get_data(as_text=True)
    assert api.status_code == 500 and api.json["status"] == 500


def test_demo_seed_creates_every_role_once_and_each_lands_on_its_home(db, login):
    created = seed_demo()
    assert len(created) == len(DEMO_PEOPLE)
    assert seed_demo() is None  # a second run changes nothing
    assert db.session.scalar(select(func.count()).select_from(User)) == len(DEMO_PEOPLE)
    from app.accounts import services

    internal = [
        user
        for user in db.session.scalars(select(User))
        if user.has_role("contributor") and services.is_internal(user)
    ]
    assert len(internal) == 3
    for email, _name, _roles in DEMO_PEOPLE:
        browser = login(email, DEMO_PASSWORD)
        user = services.find_user_by_email(email)
        home = browser.get("/", follow_redirects=False)
        assert home.status_code == 302
        landing = browser.get(home.headers["Location"])
        assert landing.status_code == 200, email
        assert home_endpoint(user).startswith("main.")


def test_audit_events_are_append_only(db, make_user):
    make_user("audited@outside.example")
    event = db.session.scalar(select(AuditEvent))
    event.action = "rewritten"
    with pytest.raises(AuditEventIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalar(select(AuditEvent)))
    with pytest.raises(AuditEventIsAppendOnly):
        db.session.commit()


@pytest.mark.parametrize(
    "path",
    [
        "/submissions/2147483648",
        "/judging/entries/99999999999999",
        "/payouts/admin/payouts/0",
        "/inbox/-1/read",
    ],
)
def test_ids_no_row_can_have_are_not_found_rather_than_a_server_error(app, db, login, make_user, path):
    make_user("root@host.example", Role.ADMIN, Role.JUDGE, Role.CONTRIBUTOR)
    browser = login("root@host.example")
    assert browser.get(path).status_code == 404
