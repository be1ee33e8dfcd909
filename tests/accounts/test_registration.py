"""Registering through the page: organisation by domain, internal vs external, duplicates refused."""

from sqlalchemy import func, select

from app.accounts import services
from app.accounts.models import User
from app.core.access import Role
from app.core.audit import AuditEvent
from tests.conftest import extract_csrf


def _register(client, email, password="a long enough password", confirm=None, name="New Person"):
    token = extract_csrf(client.get("/register").get_data(as_text=True))
    return client.post(
        "/register",
        data={
            "email": email,
            "display_name": name,
            "password": password,
            "confirm": confirm or password,
            "csrf_token": token,
        },
    )


def test_registration_creates_a_contributor_signed_in_and_asked_to_confirm_the_address(client, db, redis):
    response = _register(client, "newcomer@outside.example")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/verify"
    assert "We sent a link to" in client.get("/account/verify").get_data(as_text=True)
    user = services.find_user_by_email("NEWCOMER@outside.example")
    assert user.roles == {Role.CONTRIBUTOR}
    assert user.password_hash.startswith("$argon2id$")
    assert "a long enough password" not in user.password_hash
    home = client.get("/contributor")
    assert "external" in home.get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.registered"))


def test_registration_with_host_domain_is_external_and_in_no_organisation_until_confirmed(client, db, redis):
    services.create_organization("Host Co", ["host.example"], is_host=True)
    _register(client, "Worker@Host.Example")
    user = services.find_user_by_email("worker@host.example")
    assert user.organization_id is None
    assert user.email_verified_at is None
    assert not services.is_internal(user)
    home = client.get("/contributor").get_data(as_text=True)
    assert "external" in home
    assert "Confirm your e-mail address" in home


def test_duplicate_email_in_any_case_is_refused_and_changes_nothing(client, db, make_user):
    make_user("taken@outside.example")
    before = db.session.scalar(select(func.count()).select_from(User))
    response = _register(client, "TAKEN@Outside.Example")
    assert response.status_code == 409
    assert "already exists" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_short_or_mismatched_passwords_are_explained_beside_the_field(client, db):
    short = _register(client, "a@outside.example", password="short")
    assert short.status_code == 422
    assert "at least 10 characters" in short.get_data(as_text=True)
    mismatch = _register(
        client, "b@outside.example", password="a long enough password", confirm="another long one"
    )
    assert mismatch.status_code == 422
    assert "The passwords differ." in mismatch.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_missing_csrf_token_is_refused_and_changes_nothing(client, db):
    response = client.post(
        "/register",
        data={"email": "x@outside.example", "display_name": "X", "password": "p" * 12, "confirm": "p" * 12},
    )
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_tampered_csrf_token_is_refused_and_changes_nothing(client, db):
    token = extract_csrf(client.get("/register").get_data(as_text=True))
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    response = client.post(
        "/register",
        data={
            "email": "x@outside.example",
            "display_name": "X",
            "password": "p" * 12,
            "confirm": "p" * 12,
            "csrf_token": tampered,
        },
    )
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_csrf_failure_answers_problem_details_to_json_clients(client, db):
    response = client.post("/register", data={}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 400
    assert "security token" in response.json["detail"]
