"""Confirming an e-mail address: until then a person is an outside contributor in no organisation; the
link comes through the real outbox and SMTP, works once, expires, and asking for it is rate-limited."""

from datetime import timedelta

from sqlalchemy import select, update

from app.accounts import services, verification
from app.accounts.models import EmailLink
from app.core.audit import AuditEvent
from app.core.timeutil import utcnow
from tests.accounts.support import emailed_path, emailed_paths
from tests.conftest import extract_csrf


def _register(client, email, name="New Person", password="a long enough password"):
    token = extract_csrf(client.get("/register").get_data(as_text=True))
    return client.post(
        "/register",
        data={
            "email": email,
            "display_name": name,
            "password": password,
            "confirm": password,
            "csrf_token": token,
        },
    )


def _confirm(client, path):
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    assert "Confirm my address" in page.get_data(as_text=True)
    return client.post(path, data={"csrf_token": extract_csrf(page.get_data(as_text=True))})


def test_a_sponsors_domain_grants_no_membership_and_no_drafts_until_the_address_is_confirmed(
    client, db, redis, mailbox, run_worker
):
    host = services.create_organization("Host Co", ["host.example"], is_host=True)
    acme = services.create_organization("Acme", ["acme.example"], is_sponsor=True)
    _register(client, "Mallory@Acme.Example")
    _register(client.application.test_client(), "worker@host.example")
    mallory = services.find_user_by_email("mallory@acme.example")
    worker = services.find_user_by_email("worker@host.example")
    assert mallory.organization_id is None and worker.organization_id is None
    assert not services.is_internal(worker)

    path = emailed_path(mailbox, "Mallory@Acme.Example", run_worker)
    assert path.startswith("/account/verify/")
    # Opening the link changes nothing; only the button does.
    client.get(path)
    db.session.expire_all()
    assert services.find_user_by_email("mallory@acme.example").email_verified_at is None

    response = _confirm(client, path)
    assert response.status_code == 302
    db.session.expire_all()
    mallory = services.find_user_by_email("mallory@acme.example")
    assert mallory.email_verified_at is not None
    assert mallory.organization_id == acme.id
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.email_verified"))

    other = client.application.test_client()
    _confirm(other, emailed_path(mailbox, "worker@host.example", run_worker))
    db.session.expire_all()
    worker = services.find_user_by_email("worker@host.example")
    assert worker.organization_id == host.id
    assert services.is_internal(worker)


def test_a_verification_link_works_once(client, db, redis, mailbox, run_worker):
    _register(client, "once@outside.example")
    path = emailed_path(mailbox, "once@outside.example", run_worker)
    assert _confirm(client, path).status_code == 302
    again = client.get(path)
    assert again.status_code == 403
    assert "already used" in again.get_data(as_text=True)


def test_an_expired_or_tampered_verification_link_is_refused_and_confirms_nothing(
    client, db, redis, mailbox, run_worker
):
    _register(client, "late@outside.example")
    path = emailed_path(mailbox, "late@outside.example", run_worker)
    tampered = client.get(path[:-3] + "xyz")
    assert tampered.status_code == 403
    assert "not valid" in tampered.get_data(as_text=True)
    db.session.execute(update(EmailLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    expired = client.get(path)
    assert expired.status_code == 403
    assert "expired" in expired.get_data(as_text=True)
    assert services.find_user_by_email("late@outside.example").email_verified_at is None


def test_sending_the_link_again_replaces_the_old_one(client, db, redis, mailbox, run_worker):
    _register(client, "again@outside.example")
    first = emailed_path(mailbox, "again@outside.example", run_worker)
    page = client.get("/account/verify").get_data(as_text=True)
    assert "Send the link again" in page
    response = client.post("/account/verify", data={"csrf_token": extract_csrf(page)})
    assert response.status_code == 302
    paths = emailed_paths(mailbox, "again@outside.example", run_worker)
    assert len(paths) == 2 and paths[-1] != first
    assert client.get(first).status_code == 403
    assert _confirm(client, paths[-1]).status_code == 302


def test_asking_for_links_is_rate_limited_per_address(app, client, db, redis):
    _register(client, "flood@outside.example")
    page = client.get("/account/verify").get_data(as_text=True)
    statuses = [
        client.post("/account/verify", data={"csrf_token": extract_csrf(page)}).status_code
        for _ in range(app.config["EMAIL_LINK_MAX_PER_ADDRESS"])
    ]
    # The sign-up's own e-mail counts: the last request is one too many.
    assert statuses[:-1] == [302] * (len(statuses) - 1)
    assert statuses[-1] == 429
    assert verification.TOO_MANY_REQUESTS in client.post(
        "/account/verify", data={"csrf_token": extract_csrf(page)}
    ).get_data(as_text=True)


def test_an_unconfirmed_address_at_the_hosts_domain_is_not_treated_as_an_employee_by_finance(db, make_user):
    from app.payouts.queries import payee_status

    services.create_organization("Host Co", ["host.example"], is_host=True)
    squatter = make_user("payroll@host.example", verified=False)
    assert not services.is_internal(squatter)
    domains = services.host_domains()
    assert payee_status(squatter.email, None, domains, email_verified=False) == "missing"
    assert payee_status(squatter.email, None, domains, email_verified=True) == "not needed (internal)"
