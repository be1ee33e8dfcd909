"""Payout pages: the winner's earnings and payee details, the sponsor's money summary, finance's pages."""

from __future__ import annotations

import io

import pytest

from app.payouts import jobs
from app.payouts import services as payout_services
from tests.conftest import extract_csrf
from tests.payouts.test_payouts import _sent


def _post(browser, page_url, action_url, data, **kwargs):
    token = extract_csrf(browser.get(page_url).get_data(as_text=True))
    return browser.post(action_url, data={"csrf_token": token, **data}, **kwargs)


def test_the_winner_sees_the_prize_and_is_asked_for_payee_details(published, login, payout_of):
    jobs.pay_out_challenge(published.challenge.id)
    alice = login("alice@outside.example")

    page = alice.get("/payouts/earnings").get_data(as_text=True)

    assert "My earnings" in page and 'href="/payouts/earnings"' in page  # and in the navigation
    assert "Complete your payee details to receive your prize" in page
    assert "€5,000.00" in page and "Waiting for your payee details" in page
    inez_page = login("inez@host.example").get("/payouts/earnings").get_data(as_text=True)
    assert "€2,000.00" in inez_page and "With finance for payment" in inez_page
    assert "Complete your payee details" not in inez_page


def test_payee_details_form_refuses_incomplete_details_then_saves_them(published, login, payout_of):
    jobs.pay_out_challenge(published.challenge.id)
    alice = login("alice@outside.example")
    details = {
        "legal_name": "Alice Mary Appleby",
        "country": "DE",
        "payout_method": "bank_transfer",
        "tax_form": "W-8BEN",
    }

    refused = _post(alice, "/payouts/payee", "/payouts/payee", details)  # not certified

    assert refused.status_code == 422
    assert "Confirm that these details are correct." in refused.get_data(as_text=True)
    assert payout_services.payee_details_of(published.alice.id) is None
    saved = _post(alice, "/payouts/payee", "/payouts/payee", {**details, "certified": "y"})
    assert saved.status_code == 302 and saved.location.endswith("/payouts/earnings")
    assert payout_of(published.challenge, published.alice).status == "pending"
    assert "never asks for account or card numbers" in alice.get("/payouts/payee").get_data(as_text=True)


def test_the_sponsor_sees_funded_awarded_paid_and_remaining(published, payout_of, login):
    *_, inez = _sent(published, payout_of)
    payout_services.mark_paid(inez.id, "BANK-C", 200_000, "EUR", actor=published.admin)

    page = (
        login("sam@acme.example").get(f"/challenges/{published.challenge.slug}/manage").get_data(as_text=True)
    )

    section = page[page.index('id="money"') :]
    for label, amount in (
        ("Funded", "€10,000.00"),
        ("Awarded to winners", "€10,000.00"),
        ("Paid to winners", "€2,000.00"),
        ("Remaining to pay", "€8,000.00"),
        ("Still in escrow", "€0.00"),
    ):
        assert f'<th scope="row">{label}</th><td>{amount}</td>' in section


def test_finance_marks_a_payout_paid_once(published, payout_of, login):
    *_, inez = _sent(published, payout_of)
    admin = login("root@host.example")
    url = f"/payouts/admin/payouts/{inez.id}"
    assert inez.reference in admin.get("/payouts/admin/payouts").get_data(as_text=True)

    mismatch = _post(
        admin,
        url,
        f"{url}/paid",
        {"paid-bank_reference": "BANK-1", "paid-amount": "2000.00", "paid-currency": "USD"},
    )
    assert mismatch.status_code == 422 and "is in EUR, not USD" in mismatch.get_data(as_text=True)
    assert payout_of(published.challenge, published.inez).status == "sent"

    paid = _post(
        admin,
        url,
        f"{url}/paid",
        {"paid-bank_reference": "BANK-1", "paid-amount": "2,000.00", "paid-currency": "EUR"},
    )
    assert paid.status_code == 302
    assert payout_of(published.challenge, published.inez).bank_reference == "BANK-1"
    again = admin.post(
        f"{url}/paid",
        data={
            "csrf_token": extract_csrf(admin.get("/payouts/admin/batches").get_data(as_text=True)),
            "paid-bank_reference": "BANK-2",
            "paid-amount": "2000.00",
            "paid-currency": "EUR",
        },
    )
    assert again.status_code == 409 and "already paid" in again.get_data(as_text=True)


def test_finance_downloads_the_batch_as_csv(published, payout_of, login):
    alice, _, inez = _sent(published, payout_of)
    admin = login("root@host.example")
    assert "Download CSV" in admin.get("/payouts/admin/batches").get_data(as_text=True)

    response = admin.get(f"/payouts/admin/batches/{alice.batch_id}.csv")

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f'filename="payout-batch-{alice.batch_id}.csv"' in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "recipient,email,amount,currency,reference,payee_details"
    assert f"Alice Mary Appleby,alice@outside.example,5000.00,EUR,{alice.reference},complete" in lines
    internal = admin.get(f"/payouts/admin/batches/{inez.batch_id}.csv").get_data(as_text=True)
    assert f"Inez Internal,inez@host.example,2000.00,EUR,{inez.reference},not needed (internal)" in internal
    assert admin.get("/payouts/admin/batches/999.csv").status_code == 404


def test_a_confirmations_file_with_a_bad_row_is_reported_and_applies_nothing(published, payout_of, login):
    alice, bob, _ = _sent(published, payout_of)
    admin = login("root@host.example")
    body = (
        "reference,bank_reference,amount,currency\r\n"
        f"{alice.reference},BANK-A,5000.00,EUR\r\n{bob.reference},BANK-B,0,EUR\r\n"
    )

    response = _post(
        admin,
        "/payouts/admin/confirmations",
        "/payouts/admin/confirmations",
        {"file": (io.BytesIO(body.encode()), "confirmations.csv")},
        content_type="multipart/form-data",
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "1 of 2 rows have problems, so nothing in the file was applied" in page
    assert "The amount must be more than zero." in page and "OK" in page
    assert payout_of(published.challenge, published.alice).status == "sent"

    good = body.replace(",0,EUR", ",3000.00,EUR")
    applied = _post(
        admin,
        "/payouts/admin/confirmations",
        "/payouts/admin/confirmations",
        {"file": (io.BytesIO(good.encode("utf-8-sig")), "confirmations.csv")},
        content_type="multipart/form-data",
    )
    assert applied.status_code == 302
    assert payout_of(published.challenge, published.bob).bank_reference == "BANK-B"


def test_the_ledger_check_page_shows_the_verification_result(published, login):
    admin = login("root@host.example")
    assert "The ledger verifies" in admin.get("/payouts/admin/ledger").get_data(as_text=True)


def test_finance_pages_are_for_administrators_and_earnings_for_contributors(published, login):
    sponsor = login("sam@acme.example")
    alice = login("alice@outside.example")
    for url in (
        "/payouts/admin/payouts",
        "/payouts/admin/batches",
        "/payouts/admin/confirmations",
        "/payouts/admin/ledger",
    ):
        assert sponsor.get(url).status_code == 403
        assert alice.get(url).status_code == 403
    assert sponsor.get("/payouts/earnings").status_code == 403


def test_marking_a_payout_paid_twice_with_its_reference_says_so_and_pays_once(db, published, payout_of):
    from sqlalchemy import func, select

    from app.core.audit import AuditEvent
    from app.core.errors import AlreadyDone, Conflict

    *_, inez = _sent(published, payout_of)
    payout_services.mark_paid(inez.id, "BANK-C", 200_000, "EUR", actor=published.admin)
    with pytest.raises(AlreadyDone, match="already marked paid with this bank reference"):
        payout_services.mark_paid(inez.id, "bank-c", 200_000, "EUR", actor=published.admin)
    with pytest.raises(Conflict, match="already paid"):  # another reference is a different claim
        payout_services.mark_paid(inez.id, "BANK-OTHER", 200_000, "EUR", actor=published.admin)
    paid = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "payout.paid")
    )
    assert paid == 1
