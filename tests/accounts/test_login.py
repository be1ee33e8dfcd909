"""Signing in and out: role homes, safe redirects, generic failures, rate limits, fresh sessions."""

import pytest
from sqlalchemy import func, select

from app.accounts import services
from app.accounts.models import LoginFailure
from app.accounts.services import INVALID_CREDENTIALS, TOO_MANY_ATTEMPTS
from app.core.access import Role
from tests.conftest import TEST_PASSWORD, extract_csrf


def _post_login(client, email, password, next_url="", environ=None):
    token = extract_csrf(client.get("/login").get_data(as_text=True))
    return client.post(
        "/login",
        data={"email": email, "password": password, "next": next_url, "csrf_token": token},
        environ_base=environ or {},
    )


@pytest.mark.parametrize(
    ("role", "home"),
    [
        (Role.ADMIN, "/admin"),
        (Role.SPONSOR, "/sponsor"),
        (Role.JUDGE, "/judge"),
        (Role.CONTRIBUTOR, "/contributor"),
    ],
)
def test_each_role_lands_on_its_home(client, db, make_user, role, home):
    if role is Role.SPONSOR:
        services.create_organization("Acme", ["acme.example"], is_sponsor=True)
    make_user(f"{role.value}@acme.example", role)
    response = _post_login(client, f"{role.value.upper()}@ACME.example", TEST_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == home
    assert client.get(home).status_code == 200


def test_next_redirects_only_to_local_paths(client, db, make_user):
    make_user("c@outside.example")
    local = _post_login(client, "c@outside.example", TEST_PASSWORD, next_url="/inbox/")
    assert local.headers["Location"] == "/inbox/"
    client.post("/logout", data={"csrf_token": extract_csrf(client.get("/inbox/").get_data(as_text=True))})
    external = _post_login(client, "c@outside.example", TEST_PASSWORD, next_url="//evil.example/")
    assert external.status_code == 302, external.get_data(as_text=True)
    assert external.headers["Location"] == "/contributor"


def test_wrong_password_and_unknown_email_get_the_same_generic_message(client, db, make_user):
    make_user("known@outside.example")
    wrong = _post_login(client, "known@outside.example", "not the password")
    unknown = _post_login(client, "nobody@outside.example", "not the password")
    assert wrong.status_code == unknown.status_code == 403
    assert INVALID_CREDENTIALS in wrong.get_data(as_text=True)
    assert INVALID_CREDENTIALS in unknown.get_data(as_text=True)
    assert "nobody@outside.example" not in unknown.get_data(as_text=True).replace(
        'value="nobody@outside.example"', ""
    )
    assert client.get("/contributor").status_code == 302  # still signed out


def test_failed_logins_are_rate_limited_per_account(app, client, db, make_user):
    make_user("target@outside.example")
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for attempt in range(limit):
        address = {"REMOTE_ADDR": f"10.0.0.{attempt}"}  # spread over addresses: the account limit applies
        assert (
            _post_login(client, "target@outside.example", "wrong password", environ=address).status_code
            == 403
        )
    blocked = _post_login(
        client, "target@outside.example", TEST_PASSWORD, environ={"REMOTE_ADDR": "10.0.1.1"}
    )
    assert blocked.status_code == 429
    assert TOO_MANY_ATTEMPTS in blocked.get_data(as_text=True)


def test_rate_limit_for_an_unknown_email_looks_the_same_as_for_a_known_one(app, client, db):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        _post_login(client, "ghost@outside.example", "wrong password")
    blocked = _post_login(client, "ghost@outside.example", "wrong password")
    assert blocked.status_code == 429
    assert TOO_MANY_ATTEMPTS in blocked.get_data(as_text=True)


def test_failed_logins_are_rate_limited_per_address(app, client, db, make_user):
    make_user("victim@outside.example")
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    for attempt in range(limit):
        _post_login(client, f"guess{attempt}@outside.example", "wrong", environ={"REMOTE_ADDR": "192.0.2.9"})
    blocked = _post_login(
        client, "victim@outside.example", TEST_PASSWORD, environ={"REMOTE_ADDR": "192.0.2.9"}
    )
    assert blocked.status_code == 429
    other_address = _post_login(
        client, "victim@outside.example", TEST_PASSWORD, environ={"REMOTE_ADDR": "192.0.2.10"}
    )
    assert other_address.status_code == 302


def test_successful_login_clears_the_accounts_failures(client, db, make_user):
    make_user("forgetful@outside.example")
    _post_login(client, "forgetful@outside.example", "wrong")
    assert _post_login(client, "forgetful@outside.example", TEST_PASSWORD).status_code == 302
    remaining = db.session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.email == "forgetful@outside.example")
    )
    assert remaining == 0


def test_session_is_renewed_at_login(client, db, make_user):
    make_user("fixated@outside.example")
    with client.session_transaction() as session:
        session["planted_by_attacker"] = "value"
    _post_login(client, "fixated@outside.example", TEST_PASSWORD)
    with client.session_transaction() as session:
        assert "planted_by_attacker" not in session
        assert session["_user_id"].startswith(str(services.find_user_by_email("fixated@outside.example").id))


def test_logout_requires_post_with_csrf_and_ends_the_session(login, db, make_user):
    make_user("leaver@outside.example")
    browser = login("leaver@outside.example")
    assert browser.get("/logout").status_code == 405
    token = extract_csrf(browser.get("/contributor").get_data(as_text=True))
    assert browser.post("/logout", data={"csrf_token": token}).status_code == 302
    assert browser.get("/contributor").status_code == 302


def test_pages_for_other_roles_are_forbidden(login, db, make_user):
    make_user("plain@outside.example")
    browser = login("plain@outside.example")
    response = browser.get("/admin")
    assert response.status_code == 403
    assert "admin role" in response.get_data(as_text=True)
