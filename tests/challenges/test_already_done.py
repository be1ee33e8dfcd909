"""Actions whose result already holds succeed and say so: the sponsor who clicks "open" as the sweep
opens the challenge, a second "close", a second cancel. Nothing is written twice."""

from __future__ import annotations

from sqlalchemy import func, select

from app.challenges import services
from app.core.audit import AuditEvent
from app.core.timeutil import utcnow
from app.ledger.models import LedgerTransaction
from tests.challenges.support import terms_at
from tests.conftest import extract_csrf


def _count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _funded(sponsor):
    sponsor.deposit(5_000_000)
    now = utcnow()
    terms = terms_at(now)
    challenge = services.create_challenge(sponsor.member, terms, now=now)
    services.fund_challenge(challenge.id, sponsor.member, now=now)
    return challenge, terms


def test_open_clicked_as_the_sweep_opens_succeeds_and_says_it_was_already_open(db, sponsor, login):
    challenge, terms = _funded(sponsor)
    browser = login(sponsor.member.email)
    page = browser.get(f"/challenges/{challenge.slug}/manage").get_data(as_text=True)
    assert services.open_if_due(challenge.id, now=terms.opens_at)  # the sweep gets there first

    clicked = browser.post(f"/challenges/{challenge.slug}/open", data={"open-csrf_token": extract_csrf(page)})
    assert clicked.status_code == 302
    shown = browser.get(clicked.location).get_data(as_text=True)
    assert "The challenge was already open for submissions." in shown
    assert _count(db, AuditEvent, AuditEvent.action == "challenge.opened") == 1


def test_the_api_answers_200_with_a_message_when_the_challenge_is_already_open(db, sponsor, app):
    from app.accounts import tokens

    challenge, terms = _funded(sponsor)
    services.open_if_due(challenge.id, now=terms.opens_at)
    secret = tokens.issue_token(sponsor.member, "test", scope="read_write").secret
    response = app.test_client().post(
        f"/api/v1/challenges/{challenge.id}/open", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200
    assert response.get_json() == {
        "code": "already_done",
        "detail": "The challenge was already open for submissions.",
    }
    assert _count(db, AuditEvent, AuditEvent.action == "challenge.opened") == 1


def test_cancelling_twice_refunds_once_and_says_it_was_already_cancelled(db, sponsor, login):
    challenge, _terms = _funded(sponsor)
    browser = login(sponsor.member.email)
    page = browser.get(f"/challenges/{challenge.slug}/manage").get_data(as_text=True)
    token = extract_csrf(page)
    first = browser.post(
        f"/challenges/{challenge.slug}/cancel", data={"cancel-csrf_token": token, "cancel-reason": "Budget"}
    )
    second = browser.post(
        f"/challenges/{challenge.slug}/cancel", data={"cancel-csrf_token": token, "cancel-reason": "Budget"}
    )
    assert first.status_code == second.status_code == 302
    assert "The challenge was already cancelled." in browser.get(second.location).get_data(as_text=True)
    assert _count(db, LedgerTransaction, LedgerTransaction.kind == "refund") == 1
    assert _count(db, AuditEvent, AuditEvent.action == "challenge.cancelled") == 1
