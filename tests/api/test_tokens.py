"""Personal API tokens: shown once and stored as a digest, scoped, expiring, revocable at once, and
the only way besides a CSRF-checked session to act through the API."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select

from app.accounts import tokens
from app.accounts.models import ApiToken
from app.core.audit import AuditEvent
from app.core.timeutil import utcnow
from tests.conftest import extract_csrf


def _create_on_page(browser, name="HR sync", scope="read_write", days="30"):
    page = browser.get("/account/tokens")
    assert page.status_code == 200
    return browser.post(
        "/account/tokens",
        data={
            "name": name,
            "scope": scope,
            "lifetime_days": days,
            "csrf_token": extract_csrf(page.get_data(as_text=True)),
        },
    )


def _secret_on(page_html: str) -> str:
    start = page_html.index('<code id="new-token">') + len('<code id="new-token">')
    return page_html[start : page_html.index("</code>", start)]


def test_a_token_is_shown_once_and_stored_only_as_a_digest(db, scene, login, api):
    browser = login("alice@outside.example")
    created = _create_on_page(browser)
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    secret = _secret_on(created.get_data(as_text=True))
    assert secret.startswith("pdm_") and len(secret) > 50

    row = db.session.scalars(select(ApiToken)).one()
    assert row.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    stored = " ".join(str(getattr(row, column.key)) for column in ApiToken.__table__.columns)
    assert secret not in stored and secret.split("_", 2)[2] not in stored
    audit_data = " ".join(str(event.data) for event in db.session.scalars(select(AuditEvent)))
    assert secret not in audit_data

    again = browser.get("/account/tokens").get_data(as_text=True)
    assert secret not in again and row.prefix in again  # listed by its public start only
    me = api(token=secret).get("/api/v1/me")
    assert me.status_code == 200 and me.get_json()["email"] == "alice@outside.example"


def test_a_revoked_token_stops_working_at_once(db, scene, api, token_for):
    secret = token_for(scene.alice)
    alice = api(token=secret)
    assert alice.get("/api/v1/me").status_code == 200
    token_id = alice.get("/api/v1/me/tokens").get_json()["items"][0]["id"]

    revoked = alice.delete(f"/api/v1/me/tokens/{token_id}")
    assert revoked.status_code == 204
    refused = alice.get("/api/v1/me")
    assert refused.status_code == 401
    assert refused.get_json()["code"] == "token_revoked"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoking_on_the_page_stops_the_token_at_once(db, scene, login, api, token_for):
    secret = token_for(scene.alice)
    assert api(token=secret).get("/api/v1/me").status_code == 200
    browser = login("alice@outside.example")
    page = browser.get("/account/tokens").get_data(as_text=True)
    token = db.session.scalars(select(ApiToken)).one()
    response = browser.post(f"/account/tokens/{token.id}/revoke", data={"csrf_token": extract_csrf(page)})
    assert response.status_code == 302
    assert api(token=secret).get("/api/v1/me").get_json()["code"] == "token_revoked"


def test_an_expired_token_is_refused(db, scene, api):
    issued = tokens.issue_token(scene.alice, "old", lifetime_days=1, now=utcnow() - timedelta(days=2))
    response = api(token=issued.secret).get("/api/v1/me")
    assert response.status_code == 401 and response.get_json()["code"] == "token_expired"


def test_a_wrong_or_malformed_token_is_refused_without_saying_more(db, scene, api, token_for):
    secret = token_for(scene.alice)
    prefix, _, rest = secret.rpartition("_")
    tampered = f"{prefix}_{'A' if rest[0] != 'A' else 'B'}{rest[1:]}"
    for sent in (tampered, "pdm_000000000000_nothing", "not-a-token"):
        response = api(token=sent).get("/api/v1/me")
        assert response.status_code == 401
        assert response.get_json()["code"] == "invalid_token"
    basic = api(None).get("/api/v1/me", headers={"Authorization": "Basic YWxpY2U6c2VjcmV0"})
    assert basic.status_code == 401 and basic.get_json()["code"] == "invalid_token"


def test_without_credentials_the_api_answers_401(db, scene, api):
    response = api(None).get("/api/v1/me")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "unauthenticated"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_read_only_token_reads_but_cannot_write(db, scene, api):
    reader = api(scene.sponsor, scope="read")
    assert reader.get("/api/v1/me/challenges").status_code == 200
    refused = reader.post(f"/api/v1/challenges/{scene.challenge.id}/cancel", {"reason": "no"})
    assert refused.status_code == 403 and refused.get_json()["code"] == "insufficient_scope"
    db.session.expire_all()
    assert scene.challenge.status == "open"


def test_last_use_is_recorded(db, scene, api, token_for):
    secret = token_for(scene.alice)
    assert db.session.scalars(select(ApiToken)).one().last_used_at is None
    api(token=secret).get("/api/v1/me")
    db.session.expire_all()
    assert db.session.scalars(select(ApiToken)).one().last_used_at is not None


def test_a_token_cannot_create_tokens_but_a_signed_in_session_can(db, scene, api, login):
    refused = api(scene.alice).post("/api/v1/me/tokens", {"name": "copy", "scope": "read_write"})
    assert refused.status_code == 403 and refused.get_json()["code"] == "token_cannot_issue_tokens"

    browser = login("alice@outside.example")
    csrf = extract_csrf(browser.get("/account").get_data(as_text=True))
    created = browser.post(
        "/api/v1/me/tokens", json={"name": "laptop", "scope": "read"}, headers={"X-CSRFToken": csrf}
    )
    assert created.status_code == 201
    body = created.get_json()
    assert body["token"]["scope"] == "read" and body["secret"].startswith(body["token"]["prefix"] + "_")
    assert api(token=body["secret"]).get("/api/v1/me").status_code == 200


def test_session_writes_through_the_api_need_the_csrf_token(db, scene, login):
    browser = login("alice@outside.example")
    assert browser.get("/api/v1/me").status_code == 200  # reading with the session is fine
    forged = browser.post("/api/v1/me/tokens", json={"name": "forged"})
    assert forged.status_code == 400 and forged.get_json()["code"] == "csrf_failed"
    assert db.session.scalars(select(ApiToken)).all() == []


def test_a_token_acts_as_its_owner_whatever_session_the_browser_has(db, scene, login, token_for):
    browser = login("alice@outside.example")
    bob_token = token_for(scene.bob)
    me = browser.get("/api/v1/me", headers={"Authorization": f"Bearer {bob_token}"})
    assert me.get_json()["email"] == "bob@outside.example"
    assert browser.get("/api/v1/me").get_json()["email"] == "alice@outside.example"  # session untouched


def test_nobody_revokes_or_lists_another_persons_tokens(db, scene, api, token_for):
    token_for(scene.alice)
    alice_token = db.session.scalars(select(ApiToken)).one()
    bob = api(scene.bob)
    assert bob.delete(f"/api/v1/me/tokens/{alice_token.id}").status_code == 404
    assert [row["name"] for row in bob.get("/api/v1/me/tokens").get_json()["items"]] == ["test"]
    db.session.expire_all()
    assert alice_token.revoked_at is None


def test_a_token_page_refuses_bad_input(db, scene, login):
    browser = login("alice@outside.example")
    response = _create_on_page(browser, name="", days="999")
    assert response.status_code == 422
    assert db.session.scalars(select(ApiToken)).all() == []
