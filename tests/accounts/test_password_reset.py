"""Resetting a forgotten password by e-mail: the same answer for every address, a single-use expiring
link through the real SMTP server, rate limits per address and per client, every session ended."""

from sqlalchemy import func, select, update

from app.accounts import verification
from app.accounts.models import EmailLink, EmailLinkRequest
from app.core.audit import AuditEvent
from tests.accounts.support import emailed_path
from tests.conftest import TEST_PASSWORD, extract_csrf

NEW_PASSWORD = "a brand new password"


def _ask(client, email, environ=None):
    token = extract_csrf(client.get("/account/forgot-password").get_data(as_text=True))
    return client.post(
        "/account/forgot-password", data={"email": email, "csrf_token": token}, environ_base=environ or {}
    )


def _choose(client, path, password=NEW_PASSWORD):
    page = client.get(path)
    token = extract_csrf(page.get_data(as_text=True))
    return client.post(path, data={"password": password, "confirm": password, "csrf_token": token})


def _sign_in(client, email, password):
    token = extract_csrf(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def test_the_answer_is_the_same_for_a_registered_and_an_unknown_address(
    client, db, redis, make_user, mailbox, run_worker
):
    make_user("known@outside.example")
    known = _ask(client, "known@outside.example")
    unknown = _ask(client, "nobody@outside.example")
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True).replace("known@", "X@") == unknown.get_data(as_text=True).replace(
        "nobody@", "X@"
    )
    emailed_path(mailbox, "known@outside.example", run_worker)
    assert mailbox.to("nobody@outside.example") == []


def test_a_reset_link_sets_a_new_password_once_and_signs_out_every_device(
    client, db, redis, make_user, login, mailbox, run_worker
):
    make_user("forgetful@outside.example")
    elsewhere = login("forgetful@outside.example")
    assert elsewhere.get("/contributor").status_code == 200
    _ask(client, "forgetful@outside.example")
    path = emailed_path(mailbox, "forgetful@outside.example", run_worker)
    assert path.startswith("/account/reset/")

    response = _choose(client, path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert elsewhere.get("/contributor").status_code == 302  # the other device is signed out
    assert _sign_in(client, "forgetful@outside.example", TEST_PASSWORD).status_code == 403
    assert (
        _sign_in(client.application.test_client(), "forgetful@outside.example", NEW_PASSWORD).status_code
        == 302
    )
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.password_reset"))

    assert "already used" in client.get(path).get_data(as_text=True)
    replay = client.application.test_client()
    token = extract_csrf(replay.get("/account/forgot-password").get_data(as_text=True))
    used = replay.post(
        path, data={"password": "yet another one", "confirm": "yet another one", "csrf_token": token}
    )
    assert used.status_code == 403
    assert "already used" in used.get_data(as_text=True)
    assert _sign_in(replay, "forgetful@outside.example", NEW_PASSWORD).status_code == 302


def test_an_expired_reset_link_changes_nothing(client, db, redis, make_user, mailbox, run_worker):
    make_user("slow@outside.example")
    _ask(client, "slow@outside.example")
    path = emailed_path(mailbox, "slow@outside.example", run_worker)
    db.session.execute(update(EmailLink).values(expires_at=EmailLink.created_at))
    db.session.commit()
    page = client.get(path)
    assert page.status_code == 403
    assert "expired" in page.get_data(as_text=True)
    assert _sign_in(client, "slow@outside.example", TEST_PASSWORD).status_code == 302


def test_a_weak_new_password_is_refused_and_leaves_the_link_usable(
    client, db, redis, make_user, mailbox, run_worker
):
    make_user("weak@outside.example")
    _ask(client, "weak@outside.example")
    path = emailed_path(mailbox, "weak@outside.example", run_worker)
    assert _choose(client, path, "short").status_code == 422
    assert _choose(client, path).status_code == 302


def test_reset_requests_are_rate_limited_per_address_whether_or_not_it_is_registered(
    app, client, db, redis, make_user
):
    make_user("popular@outside.example")
    limit = app.config["EMAIL_LINK_MAX_PER_ADDRESS"]
    for address in ("popular@outside.example", "ghost@outside.example"):
        answers = [_ask(client, address).status_code for _ in range(limit + 1)]
        assert answers == [200] * limit + [429]
    refused = _ask(client, "ghost@outside.example")
    assert verification.TOO_MANY_REQUESTS in refused.get_data(as_text=True)


def test_reset_requests_are_rate_limited_per_client(app, client, db, redis):
    environ = {"REMOTE_ADDR": "203.0.113.9"}
    limit = app.config["EMAIL_LINK_MAX_PER_CLIENT"]
    answers = [_ask(client, f"person{n}@outside.example", environ).status_code for n in range(limit + 1)]
    assert answers == [200] * limit + [429]
    assert _ask(client, "someone@outside.example", {"REMOTE_ADDR": "203.0.113.10"}).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(EmailLinkRequest)) == limit + 1
