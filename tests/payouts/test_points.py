"""Points challenges: the award credits each winner's points balance, the payout job settles it at once
(no provider, no bank, no payee details), and each person has a statement by quarter."""

from __future__ import annotations

from datetime import UTC

from sqlalchemy import func, select

from app.challenges import services as challenges
from app.core.access import Role
from app.core.timeutil import utcnow
from app.payouts import jobs, queries
from app.payouts.models import Payout, PayoutBatch
from app.payouts.statements import quarter_of
from app.payouts.verification import verify_ledger
from tests.payouts.support import points_challenge, publish_with_winners


def test_points_are_credited_at_once_and_the_challenge_is_paid(db, redis, scene, make_user, payout_of, login):
    ivan = make_user("ivan@host.example", Role.CONTRIBUTOR, name="Ivan Internal")
    jo = make_user("jo@host.example", Role.CONTRIBUTOR, name="Jo Internal")
    challenge = points_challenge(scene.org, scene.sponsor, scene.admin)
    publish_with_winners(challenge, scene.sponsor, [scene.inez, ivan, jo], make_user)
    assert queries.points_balance(scene.inez.id) == 1_500  # credited by the award itself

    assert jobs.pay_out_challenge(challenge.id) == "3 payouts made, 3 sent"

    payouts = [payout_of(challenge, person) for person in (scene.inez, ivan, jo)]
    assert [(p.amount_minor, p.currency, p.status, p.bank_reference) for p in payouts] == [
        (1_500, "PTS", "paid", None),
        (900, "PTS", "paid", None),
        (600, "PTS", "paid", None),
    ]
    assert db.session.scalar(select(func.count()).select_from(PayoutBatch)) == 0
    assert challenges.get_challenge(challenge.id).status == "paid"
    assert queries.points_balance(scene.inez.id) == 1_500  # paying out moves points within her accounts
    assert verify_ledger() == []
    page = login("inez@host.example").get("/payouts/points").get_data(as_text=True)
    year, quarter = quarter_of(utcnow(), UTC)  # Inez reads in UTC
    assert f"{year} Q{quarter}" in page and "Internal tooling sprint" in page and "+1,500 pts" in page
    earnings = login("inez@host.example").get("/payouts/earnings").get_data(as_text=True)
    assert "Credited to your points balance" in earnings and "Complete your payee details" not in earnings


def test_an_external_winner_of_points_needs_no_payee_details(db, redis, scene, make_user, payout_of):
    challenge = points_challenge(scene.org, scene.sponsor, scene.admin)
    publish_with_winners(challenge, scene.sponsor, [scene.alice, scene.inez, scene.bob], make_user)
    jobs.pay_out_challenge(challenge.id)
    statuses = db.session.scalars(select(Payout.status).where(Payout.challenge_id == challenge.id)).all()
    assert statuses == ["paid", "paid", "paid"]
