"""Statement counts of the payout pages: finance's payouts, batches and ledger check, and a winner's
earnings and points statement; and of finance's deposits and points budgets."""

from __future__ import annotations

import pytest

from app.accounts import services as accounts
from app.core.access import Role
from app.payouts.models import Payout
from tests.query_counts import rows
from tests.query_counts.counting import Ask, assert_flat, counts, shows_no_rows

shows_no_rows("payouts.batch_download", "a CSV file, streamed row by row")
shows_no_rows("payouts.confirmations", "the form to upload the bank's confirmations file")
shows_no_rows("payouts.payee_details", "the form for one person's payee details")

STATUSES = ("sent", "failed", "awaiting_details", "pending", "paid")


@pytest.fixture
def admin(db, redis, make_user):
    return make_user("root@host.example", Role.ADMIN)


@pytest.fixture
def admin_browser(admin, login):
    return login("root@host.example")


@pytest.fixture
def acme(db):
    return accounts.create_organization("Acme", ["acme.example"], is_sponsor=True)


def _payouts_in_every_status(challenge_id: int, n: int) -> list[int]:
    """Payouts of one challenge until it has ``n``, in turn in each status; half the winners gave
    their payee details."""
    have = rows.count_of(Payout, Payout.challenge_id == challenge_id)
    winners = rows.users(n - have)
    rows.payee_details(winners[::2])
    award = rows.award(challenge_id, winners)
    made = []
    for index, status in enumerate(STATUSES):
        mine = winners[index :: len(STATUSES)]
        made += rows.payouts(challenge_id, award, mine, status=status, provider="finance_batch")
    return made


@counts("payouts.admin_payouts")
def test_finance_payouts_page_is_flat(admin_browser, acme):
    (challenge_id,) = rows.challenges(acme.id, 1, status="awarded")
    assert_flat(
        lambda: Ask(admin_browser, "/payouts/admin/payouts"),
        lambda n: _payouts_in_every_status(challenge_id, n),
    )


@counts("payouts.admin_payout")
def test_one_payout_page_is_flat_as_payouts_grow(admin_browser, acme):
    (challenge_id,) = rows.challenges(acme.id, 1, status="awarded")
    (payout_id, *_) = _payouts_in_every_status(challenge_id, 1)
    assert_flat(
        lambda: Ask(admin_browser, f"/payouts/admin/payouts/{payout_id}"),
        lambda n: _payouts_in_every_status(challenge_id, n),
    )


@counts("payouts.batches")
def test_batch_list_is_flat(admin_browser, acme):
    winners = rows.users(2)

    def grow(n: int) -> None:
        made = rows.challenges(acme.id, n, status="awarded")
        awards = rows.awards(made, winners)
        batches = rows.batches(made)
        rows.payouts_of(
            [
                (cid, awards[cid], uid, {"batch_id": bid, "provider": "finance_batch"})
                for cid, bid in zip(made, batches, strict=True)
                for uid in winners
            ],
            status="sent",
        )

    assert_flat(lambda: Ask(admin_browser, "/payouts/admin/batches"), grow)


@counts("payouts.ledger_check")
def test_ledger_check_is_flat(admin_browser, acme, admin):
    def grow(n: int) -> None:
        made = rows.challenges(acme.id, n, status="awarded")
        rows.credits(rows.organizations(n), actor_id=admin.id)
        for challenge_id in made[:: max(1, len(made) // 5)]:
            _payouts_in_every_status(challenge_id, 5)

    assert_flat(lambda: Ask(admin_browser, "/payouts/admin/ledger"), grow)


@pytest.fixture
def erin(make_user, login):
    person = make_user("erin@outside.example")
    return person, login("erin@outside.example")


@counts("payouts.earnings")
def test_earnings_page_is_flat(acme, erin):
    person, browser = erin

    def grow(n: int) -> None:
        made = rows.challenges(acme.id, n, status="awarded")
        cash = made[::2]
        points = made[1::2]
        awards = rows.awards(cash, [person.id])
        rows.payouts_of([(cid, awards[cid], person.id, {}) for cid in cash], status="awaiting_details")
        rows.awards(points, [person.id], currency="PTS", amount_minor=100)

    assert_flat(lambda: Ask(browser, "/payouts/earnings"), grow)


@counts("payouts.points_statement")
def test_points_statement_is_flat(acme, erin):
    person, browser = erin

    def grow(n: int) -> None:
        made = rows.challenges(acme.id, n, status="awarded", currency="PTS", bounty_minor=1000)
        rows.awards(made, [person.id], currency="PTS", amount_minor=100)

    assert_flat(lambda: Ask(browser, "/payouts/points"), grow)


# --- finance's credits (the ledger blueprint) -----------------------------------------------------------


@counts("ledger.admin_deposits")
def test_deposits_page_is_flat(admin_browser, admin):
    def grow(n: int) -> None:
        rows.credits(rows.organizations(n), actor_id=admin.id)

    assert_flat(lambda: Ask(admin_browser, "/payouts/admin/deposits"), grow)


@counts("ledger.admin_points")
def test_points_budget_page_is_flat(admin_browser, admin):
    def grow(n: int) -> None:
        rows.credits(rows.organizations(n), kind="points_grant", currency="PTS", actor_id=admin.id)

    assert_flat(lambda: Ask(admin_browser, "/payouts/admin/points"), grow)
