"""The quarterly points leaderboard: only people who opt in appear on it, and only they may see it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from app.accounts import services as accounts
from app.core.timeutil import utcnow
from app.extensions import db as database
from app.ledger import posting as ledger
from app.ledger.models import AccountKind, LedgerTransaction
from app.marketplace.quarters import quarter_of


def _award(challenge, user, points: int, key: str, *, days_ago: int = 0):
    escrow = ledger.account(AccountKind.ESCROW, "PTS", challenge_id=challenge.id)
    payable = ledger.account(AccountKind.PAYABLE, "PTS", user_id=user.id)
    transaction = ledger.post(key, "award", [(escrow, -points), (payable, points)], challenge_id=challenge.id)
    if days_ago:
        database.session.execute(
            update(LedgerTransaction)
            .where(LedgerTransaction.id == transaction.id)
            .values(created_at=utcnow() - timedelta(days=days_ago))
        )
    database.session.commit()


def _opt_in(user):
    accounts.update_profile(
        user, display_name=user.display_name, timezone="UTC", skills=[], shows_on_leaderboard=True
    )


def test_only_people_who_opt_in_appear_and_only_they_may_look(db, scene, login):
    _opt_in(scene.alice)
    _opt_in(scene.inez)
    _award(scene.challenge, scene.alice, 300, "a1")
    _award(scene.challenge, scene.inez, 100, "i1")
    _award(scene.challenge, scene.bob, 500, "b1")  # Bob won most but never opted in
    _award(scene.challenge, scene.alice, 999, "a0", days_ago=200)  # two quarters ago
    page = login("alice@outside.example").get("/leaderboard").get_data(as_text=True)
    assert quarter_of(utcnow()).name in page
    assert "Alice Appleby" in page and "Inez Internal" in page and "Bob Brown" not in page
    assert page.index("Alice Appleby") < page.index("Inez Internal")
    assert "300 pts" in page and "999" not in page
    bob = login("bob@outside.example")
    response = bob.get("/leaderboard")
    assert response.status_code == 403 and "opt in on your profile" in response.get_data(as_text=True)
    assert 'href="/leaderboard"' not in bob.get("/submissions/mine").get_data(as_text=True)
    assert login("alice@outside.example").get("/leaderboard?quarter=soon").status_code == 422
