"""Fixtures for the payouts tests: an admin, sponsor organisations, row counts, and a two-thread race."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

RACE_TIMEOUT_SECONDS = 20


@pytest.fixture
def admin(make_user):
    from app.core.access import Role

    return make_user("admin@podium.example", Role.ADMIN, name="Ada Admin")


@pytest.fixture
def sponsor_org(db):
    from app.accounts import services as account_services

    return account_services.create_organization("Acme Robotics", ["acme.example"], is_sponsor=True)


@pytest.fixture
def other_sponsor_org(db):
    from app.accounts import services as account_services

    return account_services.create_organization("Borealis Labs", ["borealis.example"], is_sponsor=True)


@pytest.fixture
def row_counts(db) -> Callable[[], dict[str, int]]:
    """How many ledger and audit rows exist, to show that a refused request changed nothing."""
    from app.core.audit import AuditEvent
    from app.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction

    def count() -> dict[str, int]:
        db.session.expire_all()
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (LedgerTransaction, LedgerEntry, LedgerAccount, AuditEvent)
        }

    return count


def _wait_until_blocked_or_done(session, pid: int, done: threading.Event) -> None:
    """Wait until the backend ``pid`` is waiting for a lock, or its thread's work has finished."""
    deadline = time.monotonic() + RACE_TIMEOUT_SECONDS
    waiting = text("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = :pid AND NOT granted)")
    while time.monotonic() < deadline:
        if done.is_set() or session.scalar(waiting, {"pid": pid}):
            return
        time.sleep(0.01)
    raise TimeoutError("the other thread neither blocked nor finished")


@pytest.fixture
def race(app: Flask, db) -> Callable[[Callable[[], Any]], list[Any]]:
    """Run ``work`` in two threads, each with its own app context (so its own session and connection).

    Both start together at a barrier. A thread whose work succeeds holds its transaction open until
    the other thread's work is blocked on a lock or has finished, and only then commits: so neither
    thread can see the other's rows before doing its own work, which is the worst case for a race.
    Returns each thread's result, or the exception it raised.
    """
    from app.extensions import db as database

    def run(work: Callable[[], Any]) -> list[Any]:
        barrier = threading.Barrier(2, timeout=RACE_TIMEOUT_SECONDS)
        pids: list[int | None] = [None, None]
        worked = [threading.Event(), threading.Event()]  # set once a thread's work returned or raised
        outcomes: list[Any] = [None, None]

        def attempt(me: int) -> None:
            other = 1 - me
            with app.app_context():
                try:
                    pids[me] = database.session.scalar(text("SELECT pg_backend_pid()"))
                    barrier.wait()
                    try:
                        result = work()
                    finally:
                        worked[me].set()
                    _wait_until_blocked_or_done(database.session, pids[other], worked[other])
                    database.session.commit()
                    outcomes[me] = result
                except Exception as error:
                    database.session.rollback()
                    outcomes[me] = error
                finally:
                    worked[me].set()
                    database.session.remove()

        threads = [threading.Thread(target=attempt, args=(index,)) for index in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=RACE_TIMEOUT_SECONDS * 2)
        assert not any(thread.is_alive() for thread in threads), "a racing thread never finished"
        db.session.expire_all()
        return outcomes

    return run


@pytest.fixture
def published(db, redis, scene, make_user):
    """The scene's €10,000.00 challenge (50/30/20) published: Alice 1st, Bob 2nd (both external, no payee
    details yet), Inez 3rd (internal), Dan 4th and out of the prizes. The payout job is queued, not run."""
    from tests.payouts.support import publish_with_winners

    dan = make_user("dan@outside.example", name="Dan Fourth")
    publish_with_winners(scene.challenge, scene.sponsor, [scene.alice, scene.bob, scene.inez, dan], make_user)
    return scene


@pytest.fixture
def payout_of(db):
    """The payout of a user in a challenge, read fresh."""
    from app.payouts.models import Payout

    def find(challenge, user):
        db.session.expire_all()
        return db.session.scalar(
            select(Payout).where(Payout.challenge_id == challenge.id, Payout.recipient_id == user.id)
        )

    return find


@pytest.fixture
def payout_counts(db) -> Callable[[], dict[str, int]]:
    """How many payout, batch, ledger and audit rows exist: a refusal leaves them all as they were."""
    from app.core.audit import AuditEvent
    from app.ledger.models import LedgerEntry, LedgerTransaction
    from app.payouts.models import PayeeDetails, Payout, PayoutBatch

    def count() -> dict[str, int]:
        db.session.expire_all()
        counts = {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Payout, PayoutBatch, PayeeDetails, LedgerTransaction, LedgerEntry, AuditEvent)
        }
        counts["statuses"] = sorted(db.session.scalars(select(Payout.status)).all())
        return counts

    return count
