"""Deposits and points budgets: the services move money external → sponsor once per reference, and the
admin pages record them through a form that refuses bad input without changing anything.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.access import Role
from app.core.audit import AuditEvent
from app.core.errors import NotFound, PermissionDenied, ValidationFailed
from app.ledger import posting as ledger
from app.ledger import services
from app.ledger.models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction
from tests.conftest import extract_csrf

DEPOSITS = "/payouts/admin/deposits"
POINTS = "/payouts/admin/points"


def _entries_of(db, transaction_id: int) -> list[tuple[str, int | None, str, int]]:
    rows = db.session.execute(
        select(
            LedgerAccount.kind, LedgerAccount.organization_id, LedgerEntry.currency, LedgerEntry.amount_minor
        )
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerEntry.transaction_id == transaction_id)
    )
    return sorted(tuple(row) for row in rows)


# --- services -----------------------------------------------------------------------------------


def test_deposit_credits_exactly_the_sponsor_account_and_debits_external(db, admin, sponsor_org):
    transaction = services.record_deposit(sponsor_org.id, "eur", 500_000, " WIRE-2026-001 ", actor=admin)

    db.session.expire_all()
    assert _entries_of(db, transaction.id) == [
        ("external", None, "EUR", -500_000),
        ("sponsor", sponsor_org.id, "EUR", 500_000),
    ]
    stored = db.session.get(LedgerTransaction, transaction.id)
    assert (stored.kind, stored.reference, stored.created_by_id) == ("deposit", "WIRE-2026-001", admin.id)


def test_balances_are_derived_per_currency_and_per_organisation(db, admin, sponsor_org, other_sponsor_org):
    services.record_deposit(sponsor_org.id, "EUR", 100_000, "W-1", actor=admin)
    services.record_deposit(sponsor_org.id, "EUR", 25_050, "W-2", actor=admin)
    services.record_deposit(sponsor_org.id, "JPY", 120_000, "W-3", actor=admin)
    services.record_deposit(other_sponsor_org.id, "EUR", 7_00, "W-4", actor=admin)

    assert services.organization_balances(sponsor_org.id) == {"EUR": 125_050, "JPY": 120_000}
    assert services.organization_balances(other_sponsor_org.id) == {"EUR": 7_00}
    assert ledger.balance(ledger.account(AccountKind.EXTERNAL, "EUR")) == -(125_050 + 7_00)


def test_organisation_without_deposits_has_no_balances(db, sponsor_org):
    assert services.organization_balances(sponsor_org.id) == {}


@pytest.mark.parametrize("second_reference", ["WIRE-7", "wire-7", "  WIRE-7  "])
def test_same_reference_twice_is_a_409_and_records_one_transaction(
    db, admin, sponsor_org, row_counts, second_reference
):
    services.record_deposit(sponsor_org.id, "EUR", 10_000, "WIRE-7", actor=admin)
    before = row_counts()

    with pytest.raises(ledger.DuplicateTransaction) as refused:
        services.record_deposit(sponsor_org.id, "EUR", 10_000, second_reference, actor=admin)

    assert refused.value.status == 409
    assert row_counts() == before
    assert before["LedgerTransaction"] == 1
    assert services.organization_balances(sponsor_org.id) == {"EUR": 10_000}


def test_points_grant_credits_the_points_budget(db, admin, sponsor_org):
    transaction = services.grant_points(sponsor_org.id, 1_500, "GRANT-Q3", actor=admin)

    db.session.expire_all()
    assert db.session.get(LedgerTransaction, transaction.id).kind == "points_grant"
    assert _entries_of(db, transaction.id) == [
        ("external", None, "PTS", -1_500),
        ("sponsor", sponsor_org.id, "PTS", 1_500),
    ]
    assert services.organization_balances(sponsor_org.id) == {"PTS": 1_500}


def test_points_grant_and_deposit_may_share_a_reference(db, admin, sponsor_org):
    services.record_deposit(sponsor_org.id, "EUR", 100, "2026-Q1", actor=admin)
    services.grant_points(sponsor_org.id, 100, "2026-Q1", actor=admin)
    assert services.organization_balances(sponsor_org.id) == {"EUR": 100, "PTS": 100}


def test_each_deposit_writes_one_audit_event_with_the_facts(db, admin, sponsor_org):
    first = services.record_deposit(sponsor_org.id, "EUR", 500, "A-1", actor=admin)
    services.grant_points(sponsor_org.id, 40, "A-2", actor=admin)

    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("ledger.%")).order_by(AuditEvent.id)
    ).all()
    assert [(event.action, event.actor_id, event.subject_type) for event in events] == [
        ("ledger.deposit", admin.id, "organizations"),
        ("ledger.points_grant", admin.id, "organizations"),
    ]
    assert events[0].subject_id == str(sponsor_org.id)
    assert events[0].data == {
        "currency": "EUR",
        "amount_minor": 500,
        "reference": "A-1",
        "transaction_id": first.id,
    }


@pytest.mark.parametrize(
    ("currency", "amount_minor", "reference", "field", "message"),
    [
        pytest.param("XYZ", 100, "R-1", "currency", "not an ISO 4217", id="unknown-currency"),
        pytest.param("PTS", 100, "R-1", "currency", "granted as a budget", id="points-deposited"),
        pytest.param("EUR", 0, "R-1", "amount", "more than zero", id="zero"),
        pytest.param("EUR", -500, "R-1", "amount", "more than zero", id="negative"),
        pytest.param("EUR", 10**16, "R-1", "amount", "too large", id="too-large"),
        pytest.param("EUR", 100, "   ", "reference", "Give the wire", id="blank-reference"),
        pytest.param("EUR", 100, "R" * 121, "reference", "under 120", id="long-reference"),
    ],
)
def test_deposit_service_refuses_bad_input_and_changes_nothing(
    db, admin, sponsor_org, row_counts, currency, amount_minor, reference, field, message
):
    before = row_counts()
    with pytest.raises(ValidationFailed, match=message) as refused:
        services.record_deposit(sponsor_org.id, currency, amount_minor, reference, actor=admin)
    assert refused.value.field == field
    assert row_counts() == before


def test_deposit_to_an_unknown_organisation_is_not_found(db, admin, row_counts):
    before = row_counts()
    with pytest.raises(NotFound):
        services.record_deposit(9999, "EUR", 100, "R-1", actor=admin)
    assert row_counts() == before


@pytest.mark.parametrize("role", [Role.SPONSOR, Role.CONTRIBUTOR, Role.JUDGE])
def test_only_an_admin_may_record_deposits_or_grant_points(db, make_user, sponsor_org, row_counts, role):
    someone = make_user(f"{role.value}@acme.example", role)
    before = row_counts()
    with pytest.raises(PermissionDenied):
        services.record_deposit(sponsor_org.id, "EUR", 100, "R-1", actor=someone)
    with pytest.raises(PermissionDenied):
        services.grant_points(sponsor_org.id, 100, "R-2", actor=someone)
    assert row_counts() == before


# --- pages --------------------------------------------------------------------------------------


def _post(browser, path: str, **fields):
    token = extract_csrf(browser.get(path).get_data(as_text=True))
    return browser.post(path, data={"csrf_token": token, **fields})


@pytest.fixture
def admin_browser(login, admin):
    return login(admin.email)


def test_admin_records_a_deposit_typed_as_on_the_statement(db, admin_browser, sponsor_org, row_counts):
    response = _post(
        admin_browser,
        DEPOSITS,
        organization_id=str(sponsor_org.id),
        currency="eur",
        amount="5,000.50",
        reference="WIRE-88",
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith(DEPOSITS)
    assert services.organization_balances(sponsor_org.id) == {"EUR": 500_050}
    assert row_counts()["AuditEvent"] >= 1
    page = admin_browser.get(DEPOSITS).get_data(as_text=True)
    assert "Recorded a deposit of €5,000.50 from Acme Robotics (reference WIRE-88)." in page
    assert "WIRE-88" in page
    assert "Ada Admin" in page


def test_deposits_page_lists_recent_credits_newest_first_with_balances(
    db, admin, admin_browser, sponsor_org, other_sponsor_org
):
    services.record_deposit(sponsor_org.id, "EUR", 100_000, "OLDER-WIRE", actor=admin)
    services.grant_points(other_sponsor_org.id, 2_500, "NEWER-GRANT", actor=admin)

    page = admin_browser.get(DEPOSITS).get_data(as_text=True)

    assert page.index("NEWER-GRANT") < page.index("OLDER-WIRE")
    assert "€1,000.00" in page
    assert "2,500 pts" in page
    assert "points grant" in page
    balances = page[page.index("Sponsor balances") :]
    assert "Acme Robotics" in balances
    assert "Borealis Labs" in balances


def test_deposit_form_offers_only_sponsor_organisations(db, admin_browser, sponsor_org):
    from app.accounts import services as account_services

    account_services.create_organization("Quiet Co", ["quiet.example"])
    page = admin_browser.get(DEPOSITS).get_data(as_text=True)
    assert f'<option value="{sponsor_org.id}">Acme Robotics</option>' in page
    assert "Quiet Co" not in page


def test_deposit_for_a_non_sponsor_organisation_is_refused_by_the_form(db, admin_browser, row_counts):
    from app.accounts import services as account_services

    quiet = account_services.create_organization("Quiet Co", ["quiet.example"])
    before = row_counts()
    response = _post(
        admin_browser, DEPOSITS, organization_id=str(quiet.id), currency="EUR", amount="10", reference="R"
    )
    assert response.status_code == 422
    assert row_counts() == before


def test_duplicate_reference_on_the_form_says_so_and_changes_nothing(
    db, admin_browser, sponsor_org, row_counts
):
    fields = {"organization_id": str(sponsor_org.id), "currency": "EUR", "amount": "100", "reference": "W-9"}
    assert _post(admin_browser, DEPOSITS, **fields).status_code == 302
    before = row_counts()

    response = _post(admin_browser, DEPOSITS, **{**fields, "reference": "w-9"})

    assert response.status_code == 409
    assert "This money movement was already recorded." in response.get_data(as_text=True)
    assert row_counts() == before
    assert services.organization_balances(sponsor_org.id) == {"EUR": 10_000}


@pytest.mark.parametrize(
    ("currency", "amount", "reference", "message"),
    [
        pytest.param("XYZ", "100", "R-1", "is not an ISO 4217 currency code", id="unknown-currency"),
        pytest.param("", "100", "R-1", "Enter the currency code", id="missing-currency"),
        pytest.param("PTS", "100", "R-1", "Points are granted as a budget, not deposited.", id="points"),
        pytest.param("EUR", "0", "R-1", "The amount must be more than zero.", id="zero"),
        pytest.param("EUR", "0.00", "R-1", "The amount must be more than zero.", id="zero-cents"),
        pytest.param("EUR", "-5.00", "R-1", "The amount must be more than zero.", id="negative"),
        pytest.param("EUR", "abc", "R-1", "is not an amount", id="not-a-number"),
        pytest.param("EUR", "NaN", "R-1", "is not an amount", id="nan"),
        pytest.param("EUR", "12.345", "R-1", "EUR amounts have at most 2 decimal places.", id="sub-cent"),
        pytest.param("JPY", "12.5", "R-1", "JPY amounts have at most 0 decimal places.", id="sub-yen"),
        pytest.param("EUR", "", "R-1", "Enter the amount received", id="missing-amount"),
        pytest.param("EUR", "100", "", "Give the wire, invoice or grant reference.", id="missing-reference"),
    ],
)
def test_deposit_form_refuses_bad_input_beside_the_field_and_changes_nothing(
    db, admin_browser, sponsor_org, row_counts, currency, amount, reference, message
):
    before = row_counts()
    response = _post(
        admin_browser,
        DEPOSITS,
        organization_id=str(sponsor_org.id),
        currency=currency,
        amount=amount,
        reference=reference,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert 'class="error"' in page  # beside its field, not only at the top
    assert row_counts() == before


def test_admin_grants_points_typed_with_a_thousands_separator(db, admin_browser, sponsor_org):
    response = _post(
        admin_browser, POINTS, organization_id=str(sponsor_org.id), amount="1,500", reference="GRANT-1"
    )
    assert response.status_code == 302
    assert services.organization_balances(sponsor_org.id) == {"PTS": 1_500}
    assert "Granted 1,500 pts to Acme Robotics (reference GRANT-1)." in admin_browser.get(POINTS).get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("amount", "reference", "message", "status"),
    [
        pytest.param("12.5", "G-1", "Enter a whole number of points, such as 1,500.", 422, id="fraction"),
        pytest.param("lots", "G-1", "Enter a whole number of points, such as 1,500.", 422, id="words"),
        pytest.param("0", "G-1", "The amount must be more than zero.", 422, id="zero"),
        pytest.param("-10", "G-1", "The amount must be more than zero.", 422, id="negative"),
        pytest.param("100", " ", "Give the wire, invoice or grant reference.", 422, id="missing-reference"),
    ],
)
def test_points_form_refuses_bad_input_and_changes_nothing(
    db, admin_browser, sponsor_org, row_counts, amount, reference, message, status
):
    before = row_counts()
    response = _post(
        admin_browser, POINTS, organization_id=str(sponsor_org.id), amount=amount, reference=reference
    )
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert row_counts() == before


def test_duplicate_points_grant_on_the_form_is_a_409(db, admin_browser, sponsor_org, row_counts):
    fields = {"organization_id": str(sponsor_org.id), "amount": "10", "reference": "G-5"}
    assert _post(admin_browser, POINTS, **fields).status_code == 302
    before = row_counts()
    response = _post(admin_browser, POINTS, **fields)
    assert response.status_code == 409
    assert "already recorded" in response.get_data(as_text=True)
    assert row_counts() == before


@pytest.mark.parametrize("path", [DEPOSITS, POINTS])
@pytest.mark.parametrize("role", [Role.SPONSOR, Role.CONTRIBUTOR, Role.JUDGE])
def test_non_admins_get_403_and_change_nothing(db, login, make_user, sponsor_org, row_counts, path, role):
    make_user(f"{role.value}@acme.example", role)
    browser = login(f"{role.value}@acme.example")
    token = extract_csrf(browser.get("/account").get_data(as_text=True))
    before = row_counts()

    assert browser.get(path).status_code == 403
    response = browser.post(
        path,
        data={
            "csrf_token": token,
            "organization_id": str(sponsor_org.id),
            "currency": "EUR",
            "amount": "100",
            "reference": "SNEAKY",
        },
    )

    assert response.status_code == 403
    assert row_counts() == before


@pytest.mark.parametrize("path", [DEPOSITS, POINTS])
def test_signed_out_visitors_are_sent_to_sign_in(db, client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_deposit_without_a_csrf_token_is_refused_and_changes_nothing(
    db, admin_browser, sponsor_org, row_counts
):
    before = row_counts()
    response = admin_browser.post(
        DEPOSITS,
        data={"organization_id": str(sponsor_org.id), "currency": "EUR", "amount": "100", "reference": "R-1"},
    )
    assert response.status_code == 400
    assert row_counts() == before


def test_pages_say_what_to_do_when_there_are_no_sponsors_or_credits(db, admin_browser):
    for path in (DEPOSITS, POINTS):
        page = admin_browser.get(path).get_data(as_text=True)
        assert "No sponsor organisations yet." in page
        assert "give one of its people the" in page
        assert "Nothing recorded yet." in page
        assert '<form method="post" novalidate>' not in page


def test_admin_home_links_to_the_finance_pages(db, admin_browser):
    page = admin_browser.get("/admin").get_data(as_text=True)
    assert f'href="{DEPOSITS}"' in page
    assert f'href="{POINTS}"' in page
