"""Bad input to the pages (trust issue, point 5): every one answered with a message a person can act
on and nothing changed, never a 500. The API's side is in tests/api/test_bad_input.py; the fuzzer
that tries every form and GET route is tests/main/test_form_fuzzer.py."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.challenges.models import Challenge
from app.core.paging import MAX_PAGE
from app.ledger import services as ledger
from app.ledger.models import LedgerTransaction
from tests.challenges.test_manage_pages import _form_data
from tests.conftest import extract_csrf

HUGE = "9223372036854775808"  # one past PostgreSQL's bigint


def _count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _post(browser, path: str, **fields):
    token = extract_csrf(browser.get(path).get_data(as_text=True))
    return browser.post(path, data={"csrf_token": token, **fields})


# --- the 500s the issue observed ------------------------------------------------------------------


def test_a_page_number_past_bigint_shows_the_last_page_of_challenges(client, scene):
    response = client.get(f"/challenges/?status=open&page={HUGE}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"There is no page {HUGE}; showing the last page." in page
    assert scene.challenge.title in page


@pytest.mark.parametrize("raw", ["\u0662", "\uff12", "0"])
def test_a_page_number_in_other_digits_is_not_read_as_one(client, scene, raw):
    page = client.get("/challenges/", query_string={"page": raw}).get_data(as_text=True)
    assert f"“{raw}” is not a page number; showing the first page." in page


@pytest.mark.parametrize("query", ["q=%00", "q=a%00b", "status=%00", "skill=%1b", "%00=x"])
def test_a_control_character_in_the_query_string_is_refused_by_name(client, scene, query):
    response = client.get(f"/challenges/?{query}")
    assert response.status_code == 422
    assert "which no field accepts; nothing was changed." in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/admin/users", "/admin/jobs", "/admin/audit"])
def test_admin_lists_take_huge_pages_and_refuse_nul_searches(db, scene, login, path):
    admin = login(scene.admin.email)
    assert admin.get(f"{path}?page={HUGE}").status_code == 200
    assert admin.get(f"{path}?page={'9' * 5000}").status_code == 200
    assert admin.get(f"{path}?page=-1").status_code == 200
    refused = admin.get(f"{path}?q=%00&actor=%00&status=%00")
    assert refused.status_code == 422 and "U+0000 (NULL)" in refused.get_data(as_text=True)


def test_a_page_past_the_last_admin_page_is_empty_not_an_error(db, scene, login):
    page = login(scene.admin.email).get(f"/admin/users?page={MAX_PAGE}").get_data(as_text=True)
    assert "Alice Appleby" not in page


@pytest.mark.parametrize("path", ["/challenges/%00", "/submissions/new/%00", "/admin/rq/0/data/job/%00.json"])
def test_a_nul_in_the_address_names_nothing(db, scene, login, path):
    response = login(scene.admin.email).get(path)
    assert response.status_code == 404
    assert "nothing has such an address" in response.get_data(as_text=True)


def test_ids_past_the_integer_range_are_not_found(db, scene, login):
    admin = login(scene.admin.email)
    assert admin.get("/submissions/99999999999/download").status_code == 404
    token = extract_csrf(admin.get("/admin/jobs").get_data(as_text=True))
    assert admin.post("/admin/jobs/99999999999/retry", data={"csrf_token": token}).status_code == 404


# --- the class behind them: text that reaches the database from a form ----------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Heat\x00map"),
        ("brief_md", "Use the\x00data"),
        ("summary", "Bell\x07"),
        ("criteria-0-name", "Ins\x00ight"),
        ("tiers", "50\x00, 30, 20"),
    ],
)
def test_a_nul_or_control_character_in_the_posting_form_is_refused_and_nothing_posted(
    db, scene, login, field, value
):
    before = _count(db, Challenge)
    response = _post(login(scene.sponsor.email), "/challenges/new", **_form_data(**{field: value}))
    assert response.status_code == 422
    assert f"The form field “{field}” contains U+00" in response.get_data(as_text=True)
    assert _count(db, Challenge) == before


def test_line_breaks_and_tabs_in_a_brief_are_kept(db, scene, login):
    response = _post(
        login(scene.sponsor.email), "/challenges/new", **_form_data(brief_md="# Brief\r\n\tIndented\r\nEnd")
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    posted = db.session.scalar(select(Challenge).where(Challenge.title == "Warehouse heat map"))
    assert "\tIndented" in posted.brief_md


@pytest.mark.parametrize("currency", ["XAU", "XXX", "XTS"])
def test_a_bounty_in_a_code_that_is_not_a_currency_is_refused_on_the_form(db, scene, login, currency):
    before = _count(db, Challenge)
    response = _post(login(scene.sponsor.email), "/challenges/new", **_form_data(currency=currency))
    assert response.status_code == 422
    assert "is not an ISO 4217 currency code in use" in response.get_data(as_text=True)
    assert _count(db, Challenge) == before


# --- deposits -------------------------------------------------------------------------------------

DEPOSITS = "/payouts/admin/deposits"


@pytest.mark.parametrize(
    ("currency", "amount", "message"),
    [
        ("EUR", "\u0661\u0662\u0663", "is not an amount; write it like 5000 or 5,000.00, in the digits 0-9."),
        ("EUR", "\u0967\u0968\u0969", "in the digits 0-9"),
        ("XAU", "123", "is not an ISO 4217 currency code in use"),
        ("XTS", "123", "is not an ISO 4217 currency code in use"),
    ],
)
def test_a_deposit_in_other_digits_or_in_no_currency_is_refused(db, scene, login, currency, amount, message):
    before = _count(db, LedgerTransaction)
    balances = ledger.organization_balances(scene.org.id)
    response = _post(
        login(scene.admin.email),
        DEPOSITS,
        organization_id=str(scene.org.id),
        currency=currency,
        amount=amount,
        reference="WIRE-ODD",
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(db, LedgerTransaction) == before
    assert ledger.organization_balances(scene.org.id) == balances


# --- names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("\u200b\u200b", "The name has no visible characters; type it with letters or digits."),
        ("\u3164", "The name has no visible characters"),
        ("\u202e\u202c", "The name has no visible characters"),
        ("Ada\x1b[2J", "contains U+001B"),
    ],
)
def test_a_display_name_with_nothing_visible_or_a_control_character_is_refused(
    db, scene, login, name, message
):
    response = _post(login(scene.alice.email), "/account", display_name=name, timezone="UTC")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert scene.alice.display_name == "Alice Appleby"


def test_a_display_name_is_stored_without_bidi_overrides(db, scene, login):
    response = _post(
        login(scene.alice.email), "/account", display_name="Alice \u202eybelppA\u202c", timezone="UTC"
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert scene.alice.display_name == "Alice ybelppA"


def test_a_new_account_with_an_invisible_name_is_refused(db, client):
    from app.accounts.models import User

    before = _count(db, User)
    response = _post(
        client,
        "/register",
        email="ghost@outside.example",
        display_name="\u2800",
        password="correct horse battery staple",
        confirm="correct horse battery staple",
    )
    assert response.status_code == 422
    assert "The name has no visible characters" in response.get_data(as_text=True)
    assert _count(db, User) == before
