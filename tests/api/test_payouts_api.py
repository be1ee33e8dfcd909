"""Payouts through tokens: finance lists payouts and batches, downloads the batch file, marks payouts paid
or failed and imports the bank's confirmations, all through the finance pages' services; nobody else
reaches any of it; and winners see how far each prize's payout has got."""

from __future__ import annotations

import csv
import io

import pytest

from app.challenges import services as challenges
from app.core.access import Role
from app.extensions import db
from app.payouts import jobs
from app.payouts import services as payout_services
from app.payouts.services import PayeeInput
from app.payouts.verification import verify_ledger
from tests.payouts.support import confirmation_csv
from tests.payouts.test_payouts import _sent

API = "/api/v1"
INEZ_PRIZE = {"amount_minor": 200_000, "currency": "EUR"}


@pytest.fixture
def sent(published, payout_of):
    """Alice's, Bob's and Inez's payouts sent to finance in one batch."""
    return _sent(published, payout_of)


@pytest.fixture
def finance(published, api):
    return api(published.admin)


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == code, body
    return body


def _paid(payout, bank_reference: str = "BANK-API-1", **amount) -> dict:
    return {
        "amount": {"amount_minor": payout.amount_minor, "currency": payout.currency, **amount},
        "bank_reference": bank_reference,
    }


def _csv_text(*rows: tuple[str, ...]) -> str:
    return "".join(confirmation_csv(*rows))


# --- listing and exporting ------------------------------------------------------------------------------------


def test_finance_lists_payouts_by_status_a_page_at_a_time(published, sent, finance):
    alice, bob, inez = sent
    first = finance.get(f"{API}/payouts?status=sent&status=failed&limit=2").get_json()
    assert [item["id"] for item in first["items"]] == [alice.id, bob.id]  # oldest first
    assert first["next_cursor"]
    second = finance.get(f"{API}/payouts?status=sent&status=failed&limit=2&cursor={first['next_cursor']}")
    assert [item["id"] for item in second.get_json()["items"]] == [inez.id]
    assert second.get_json()["next_cursor"] is None

    item = first["items"][0]
    assert item["reference"] == alice.reference and item["status"] == "sent"
    assert item["amount"] == {"amount_minor": 500_000, "currency": "EUR"}
    assert item["recipient"] == {
        "id": published.alice.id,
        "display_name": "Alice Appleby",
        "email": "alice@outside.example",
    }
    assert item["challenge"]["id"] == published.challenge.id
    assert (item["provider"], item["batch_id"], item["payee_details"]) == (
        "finance_batch",
        alice.batch_id,
        "complete",
    )
    by_id = {row["id"]: row for row in first["items"] + second.get_json()["items"]}
    assert by_id[inez.id]["payee_details"] == "not_needed"  # an employee, paid through payroll

    assert finance.get(f"{API}/payouts?status=paid").get_json() == {"items": [], "next_cursor": None}
    in_batch = finance.get(f"{API}/payouts?batch_id={inez.batch_id}").get_json()["items"]
    assert {row["id"] for row in in_batch} == {
        payout.id for payout in sent if payout.batch_id == inez.batch_id
    }
    # A cursor belongs to its filters: reused with others it is refused, not misread.
    _problem(finance.get(f"{API}/payouts?status=paid&cursor={first['next_cursor']}"), 400, "invalid_cursor")
    _problem(finance.get(f"{API}/payouts?status=lost"), 422, "invalid_query")


def test_finance_lists_batches_and_downloads_one_as_streamed_csv(published, sent, finance, login):
    alice, bob, _ = sent
    batches = finance.get(f"{API}/payout-batches").get_json()
    assert batches["next_cursor"] is None
    newest = batches["items"][0]
    assert newest["id"] == alice.batch_id == bob.batch_id  # Alice and Bob went once their details came
    assert (newest["payout_count"], newest["paid_count"]) == (2, 0)
    assert newest["totals"] == [{"amount_minor": 800_000, "currency": "EUR"}]
    assert newest["challenge"]["id"] == published.challenge.id
    assert finance.get(f"{API}/payout-batches/{newest['id']}").get_json() == newest

    download = finance.get(newest["file_url"])
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert (
        download.headers["Content-Disposition"] == f'attachment; filename="payout-batch-{newest["id"]}.csv"'
    )
    assert "Content-Length" not in download.headers  # written as it is read, never whole in memory
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    assert rows == [
        ["recipient", "email", "amount", "currency", "reference", "payee_details"],
        ["Alice Mary Appleby", "alice@outside.example", "5000.00", "EUR", alice.reference, "complete"],
        ["Robert Brown", "bob@outside.example", "3000.00", "EUR", bob.reference, "complete"],
    ]
    page = login(published.admin.email).get(f"/payouts/admin/batches/{newest['id']}.csv")
    assert download.get_data() == page.get_data()  # the same file as the finance page's

    _problem(finance.get(f"{API}/payout-batches/{newest['id'] + 100}/csv"), 404, "not_found")
    _problem(finance.get(f"{API}/payout-batches/{newest['id'] + 100}"), 404, "not_found")


# --- who may --------------------------------------------------------------------------------------------------

FINANCE_CALLS = [
    ("GET", "/payouts", None),
    ("GET", "/payouts/{payout}", None),
    ("POST", "/payouts/{payout}/paid", "paid"),
    ("POST", "/payouts/{payout}/failed", {"reason": "Bounced"}),
    ("POST", "/payouts/{payout}/resend", None),
    ("GET", "/payout-batches", None),
    ("GET", "/payout-batches/{batch}", None),
    ("GET", "/payout-batches/{batch}/csv", None),
]


@pytest.mark.parametrize("who", ["alice", "sponsor"])
@pytest.mark.parametrize(("method", "path", "body"), FINANCE_CALLS)
def test_contributor_and_sponsor_tokens_reach_no_finance_operation(
    published,
    sent,
    api,
    payout_counts,
    who,
    method,
    path,
    body,
):
    inez = sent[2]
    caller = api(getattr(published, who))
    before = payout_counts()
    json = _paid(inez) if body == "paid" else body
    for payout_id, batch_id in ((inez.id, inez.batch_id), (inez.id + 100, inez.batch_id + 100)):
        sent_path = API + path.format(payout=payout_id, batch=batch_id)
        # Refused by role before anything is looked up: a missing payout answers the same as a real one.
        body_seen = _problem(caller.request(method, sent_path, json=json), 403, "forbidden")
        assert "administrator" in body_seen["detail"]
    assert payout_counts() == before


def test_contributor_and_sponsor_tokens_cannot_import_confirmations(published, sent, api, payout_counts):
    callers = [api(published.alice), api(published.sponsor)]
    before = payout_counts()
    text = _csv_text((sent[2].reference, "BANK-C", "2000.00", "EUR"))
    for caller in callers:
        response = caller.post(f"{API}/payout-confirmations", data=text, content_type="text/csv")
        _problem(response, 403, "forbidden")
    assert payout_counts() == before


def test_a_read_only_admin_token_reads_payouts_but_cannot_mark_one_paid(published, sent, api, payout_counts):
    inez = sent[2]
    reader = api(published.admin, scope="read")
    assert reader.get(f"{API}/payouts/{inez.id}").get_json()["status"] == "sent"
    assert reader.get(f"{API}/payout-batches/{inez.batch_id}/csv").status_code == 200
    before = payout_counts()
    _problem(reader.post(f"{API}/payouts/{inez.id}/paid", _paid(inez)), 403, "insufficient_scope")
    text = _csv_text((inez.reference, "BANK-C", "2000.00", "EUR"))
    refused = reader.post(f"{API}/payout-confirmations", data=text, content_type="text/csv")
    _problem(refused, 403, "insufficient_scope")
    assert payout_counts() == before


def test_without_a_token_finance_answers_401(published, sent, api):
    _problem(api(None).get(f"{API}/payouts"), 401, "unauthenticated")


# --- marking paid ---------------------------------------------------------------------------------------------


def test_finance_marks_a_payout_paid_once_and_a_second_time_is_a_409(published, sent, finance, payout_counts):
    inez = sent[2]
    answer = finance.post(f"{API}/payouts/{inez.id}/paid", _paid(inez, "  BANK-API-1 "))
    assert answer.status_code == 200, answer.get_json()
    paid = answer.get_json()
    assert (paid["status"], paid["bank_reference"], paid["amount"]) == ("paid", "BANK-API-1", INEZ_PRIZE)
    assert paid["paid_at"] is not None
    db.session.expire_all()  # the API's requests changed rows this session still holds
    assert verify_ledger() == []

    before = payout_counts()
    again = _problem(
        finance.post(f"{API}/payouts/{inez.id}/paid", _paid(inez, "BANK-API-2")), 409, "conflict"
    )
    assert "already paid" in again["detail"]
    assert payout_counts() == before


def test_a_bank_reference_that_already_paid_another_payout_is_refused(
    published, sent, finance, payout_counts
):
    _, bob, inez = sent
    assert finance.post(f"{API}/payouts/{inez.id}/paid", _paid(inez, "BANK-SHARED")).status_code == 200
    before = payout_counts()
    refused = _problem(
        finance.post(f"{API}/payouts/{bob.id}/paid", _paid(bob, "bank-shared")), 409, "conflict"
    )
    assert refused["field"] == "bank_reference" and f"payout #{inez.id}" in refused["detail"]
    assert payout_counts() == before


@pytest.mark.parametrize(
    ("amount", "field", "says"),
    [
        ({"currency": "USD"}, "amount.currency", "is in EUR, not USD"),
        ({"amount_minor": 199_999}, "amount.amount_minor", "is for €2,000.00"),
        ({"amount_minor": 0}, "amount.amount_minor", "more than zero"),
    ],
)
def test_an_amount_or_currency_other_than_the_payouts_is_a_422(
    published,
    sent,
    finance,
    payout_counts,
    amount,
    field,
    says,
):
    inez = sent[2]
    before = payout_counts()
    refused = _problem(
        finance.post(f"{API}/payouts/{inez.id}/paid", _paid(inez, **amount)), 422, "validation_failed"
    )
    assert refused["field"] == field and says in refused["detail"]
    assert payout_counts() == before


def test_a_payout_not_yet_sent_cannot_be_marked_paid(published, finance, payout_of, payout_counts):
    jobs.pay_out_challenge(published.challenge.id)  # Alice has no payee details yet: she waits
    alice = payout_of(published.challenge, published.alice)
    before = payout_counts()
    refused = _problem(finance.post(f"{API}/payouts/{alice.id}/paid", _paid(alice)), 409, "conflict")
    assert "awaiting details" in refused["detail"]
    _problem(finance.post(f"{API}/payouts/{alice.id + 100}/paid", _paid(alice)), 404, "not_found")
    assert payout_counts() == before


def test_mark_paid_bodies_are_strict(published, sent, finance):
    inez = sent[2]
    body = _paid(inez)
    body["amount"]["amount_minor"] = "200000"
    _problem(finance.post(f"{API}/payouts/{inez.id}/paid", body), 422, "invalid_body")
    _problem(
        finance.post(f"{API}/payouts/{inez.id}/paid", {**_paid(inez), "paid_by": 1}), 422, "invalid_body"
    )
    _problem(finance.post(f"{API}/payouts/{inez.id}/paid", _paid(inez, "BANK\x00X")), 422, "invalid_body")


def test_finance_reports_a_failed_payment_and_sends_it_again(published, sent, finance):
    inez = sent[2]
    failed = finance.post(f"{API}/payouts/{inez.id}/failed", {"reason": "Account closed"}).get_json()
    assert (failed["status"], failed["failure_reason"]) == ("failed", "Account closed")
    _problem(finance.post(f"{API}/payouts/{inez.id}/paid", _paid(inez)), 409, "conflict")
    resent = finance.post(f"{API}/payouts/{inez.id}/resend").get_json()
    assert (resent["status"], resent["batch_id"]) == ("pending", None)
    _problem(finance.post(f"{API}/payouts/{inez.id}/resend"), 409, "conflict")


# --- the confirmations file -----------------------------------------------------------------------------------


def test_a_clean_confirmations_file_sent_as_text_csv_pays_every_payout_in_it(published, sent, finance):
    alice, bob, inez = sent
    text = _csv_text(
        (alice.reference, "BANK-A", "5,000.00", "EUR"),
        (bob.reference, "BANK-B", "3000", "EUR"),
        (inez.reference, "BANK-C", "2000.00", "EUR"),
    )
    answer = finance.post(f"{API}/payout-confirmations", data=text, content_type="text/csv")
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {
        "applied": 3,
        "rows": [
            {"line": 2, "reference": alice.reference, "problem": None},
            {"line": 3, "reference": bob.reference, "problem": None},
            {"line": 4, "reference": inez.reference, "problem": None},
        ],
    }
    statuses = finance.get(f"{API}/payouts?challenge_id={published.challenge.id}").get_json()["items"]
    assert [(row["status"], row["bank_reference"]) for row in statuses] == [
        ("paid", "BANK-A"),
        ("paid", "BANK-B"),
        ("paid", "BANK-C"),
    ]
    assert challenges.get_challenge(published.challenge.id).status == "paid"
    db.session.expire_all()  # the API's requests changed rows this session still holds
    assert verify_ledger() == []


def test_a_malformed_confirmations_file_reports_every_row_and_applies_nothing(
    published,
    sent,
    finance,
    payout_counts,
):
    alice, bob, inez = sent
    before = payout_counts()
    text = _csv_text(
        (alice.reference, "BANK-A", "5000.00", "EUR"),  # fine on its own
        (bob.reference, "BANK-B", "3000.00", "USD"),  # currency mismatch
        ("INV-7", "BANK-X", "1.00", "EUR"),  # not a payout reference
        ("PODIUM-P99999999999999", "BANK-Y", "1.00", "EUR"),  # larger than any payout id
        (inez.reference, "BANK\x01C", "2000.00", "EUR"),  # a control character
        (inez.reference, "BANK-D"),  # cut short
    )
    answer = finance.post(
        f"{API}/payout-confirmations",
        data={"file": (io.BytesIO(text.encode()), "confirmations.csv", "text/csv")},
        content_type="multipart/form-data",
    )
    problem = _problem(answer, 422, "confirmations_rejected")
    assert problem["field"] == "file"
    assert "5 of 6 rows have problems, so nothing in the file was applied" in problem["detail"]
    rows = {row["line"]: row for row in problem["rows"]}
    assert rows[2] == {"line": 2, "reference": alice.reference, "problem": None}
    assert "is in EUR, not USD" in rows[3]["problem"]
    assert "not a Podium payout reference" in rows[4]["problem"]
    assert "not a Podium payout reference" in rows[5]["problem"]  # past any id: never looked up
    assert rows[6]["problem"] == "The bank reference contains a control character."
    assert rows[7]["problem"] == "The row stops before its amount, currency."
    assert payout_counts() == before


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "The file is empty."),
        (b"reference,amount\r\nPODIUM-P000001,1\r\n", "it lacks bank_reference"),
        (b"reference,bank_reference,amount,currency\r\n\xff\xfe\x00", "not UTF-8"),
        (b'reference,bank_reference,amount,currency\r\n"PODIUM-P000001,B,1,EUR\r\n', "not valid CSV"),
    ],
)
def test_a_confirmations_file_that_cannot_be_read_is_refused_whole(
    published,
    sent,
    finance,
    payout_counts,
    data,
    says,
):
    before = payout_counts()
    answer = finance.post(f"{API}/payout-confirmations", data=data, content_type="text/csv")
    problem = _problem(answer, 422, "confirmations_rejected")
    assert says in problem["detail"] and problem["rows"] == []
    assert payout_counts() == before


def test_the_confirmations_upload_wants_csv_or_a_form_with_the_file(published, sent, finance, payout_counts):
    before = payout_counts()
    _problem(finance.post(f"{API}/payout-confirmations", {"rows": []}), 415, "unsupported_media_type")
    no_file = finance.post(
        f"{API}/payout-confirmations", data={"other": "x"}, content_type="multipart/form-data"
    )
    assert _problem(no_file, 422, "invalid_body")["field"] == "file"
    too_big = finance.post(
        f"{API}/payout-confirmations", data=b"x" * (1024 * 1024 + 1), content_type="text/csv"
    )
    _problem(too_big, 413, "payload_too_large")
    assert payout_counts() == before


# --- the winner's side ----------------------------------------------------------------------------------------


def test_my_awards_show_each_payouts_status_and_ask_for_payee_details_while_one_waits(
    published,
    payout_of,
    api,
):
    alice = api(published.alice)
    before_job = alice.get(f"{API}/me/awards").get_json()
    assert before_job["items"][0]["payout"] is None  # published; the job has not made it yet
    assert before_job["payee_details_prompt"] is None

    jobs.pay_out_challenge(published.challenge.id)
    waiting = alice.get(f"{API}/me/awards").get_json()
    payout = waiting["items"][0]["payout"]
    assert payout["status"] == "awaiting_details"
    assert payout["status_label"] == "Waiting for your payee details"
    assert payout["reference"] == payout_of(published.challenge, published.alice).reference
    assert waiting["payee_details_prompt"]["url"] == "/payouts/payee"
    assert "payee details" in waiting["payee_details_prompt"]["message"]
    inez = api(published.inez).get(f"{API}/me/awards").get_json()
    assert inez["items"][0]["payout"]["status"] == "sent" and inez["payee_details_prompt"] is None

    payout_services.save_payee_details(
        published.alice, PayeeInput("Alice Mary Appleby", "DE", "bank_transfer", "W-8BEN", True)
    )
    jobs.pay_out_challenge(published.challenge.id)
    sent_now = alice.get(f"{API}/me/awards").get_json()
    assert sent_now["items"][0]["payout"]["status"] == "sent" and sent_now["payee_details_prompt"] is None

    mine = payout_of(published.challenge, published.alice)
    payout_services.mark_paid(mine.id, "BANK-A", 500_000, "EUR", actor=published.admin)
    paid = alice.get(f"{API}/me/awards").get_json()
    assert paid["items"][0]["payout"]["status"] == "paid"
    assert paid["items"][0]["payout"]["bank_reference"] == "BANK-A"
    assert paid["payable"] == [{"amount_minor": 0, "currency": "EUR"}]


def test_my_awards_never_show_another_winners_payout(published, sent, api, make_user):
    outsider = make_user("olga@outside.example", Role.CONTRIBUTOR)
    assert api(outsider).get(f"{API}/me/awards").get_json() == {
        "items": [],
        "payable": [],
        "payee_details_prompt": None,
        "next_cursor": None,
    }
