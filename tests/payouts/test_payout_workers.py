"""The payout job on two real RQ worker processes at once, against real Redis and PostgreSQL.

The test holds the challenge's row lock while both workers start, and lets go only once both workers'
jobs are waiting on it, so the two jobs really do run at the same moment; then it finds exactly one payout
per award leg and a ledger that verifies.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from rq.job import Job
from sqlalchemy import func, select, text

from app import jobs
from app.challenges.models import Challenge
from app.jobs import FINISHED, JobRecord
from app.ledger.models import LedgerTransaction
from app.payouts import services as payout_services
from app.payouts.models import Payout, PayoutBatch
from app.payouts.verification import verify_ledger
from tests.conftest import PROJECT_ROOT
from tests.payouts.test_payouts import ALICE_DETAILS, BOB_DETAILS

WAIT_SECONDS = 90
WAITING_ON_A_LOCK = text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


def _waiting_on_a_lock(connection) -> int:
    count = connection.scalar(WAITING_ON_A_LOCK)
    connection.rollback()  # pg_stat_activity is a snapshot taken once per transaction
    return count


def _start_worker(test_env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--burst"],
        cwd=PROJECT_ROOT,
        env={**os.environ, **test_env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _race_two_workers(db, test_env, challenge_id: int) -> None:
    """Start two workers while holding the challenge's row; release it once both jobs wait on it."""
    with db.engine.connect() as holder:
        holder.execute(text("SELECT id FROM challenges WHERE id = :id FOR UPDATE"), {"id": challenge_id})
        workers = [_start_worker(test_env), _start_worker(test_env)]
        deadline = time.monotonic() + WAIT_SECONDS
        with db.engine.connect() as watcher:
            while _waiting_on_a_lock(watcher) < 2:
                assert time.monotonic() < deadline, (
                    "the two payout jobs never waited on the challenge together"
                )
                assert all(worker.poll() is None for worker in workers), "a worker exited before its job ran"
                time.sleep(0.05)
        holder.rollback()  # both jobs go at once
    for worker in workers:
        output, _ = worker.communicate(timeout=WAIT_SECONDS)
        assert worker.returncode == 0, output


def _payout_records(db) -> list[JobRecord]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(JobRecord).where(JobRecord.kind == payout_services.PAYOUT_JOB).order_by(JobRecord.id)
        )
    )


def _run_twice(challenge_id: int) -> Job:
    """A second run of the payout job beside the one publication queued. ``enqueue`` never queues the
    same work twice, but RQ may still run a job twice (its worker taken for dead while it ran), so the
    duplicate goes straight to RQ, as such a second run would, without a record of its own."""
    return jobs.get_queue().enqueue(jobs.run_job, None, payout_services.PAYOUT_JOB, challenge_id)


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_payout_job_on_two_workers_at_once_makes_one_payout_per_award(
    app, db, redis, published, test_env
):
    challenge_id = published.challenge.id
    duplicate = _run_twice(challenge_id)  # publication queued one; a duplicate runs beside it

    _race_two_workers(db, test_env, challenge_id)

    [record] = _payout_records(db)
    assert (record.status, record.attempts) == (FINISHED, 1)
    ran_on = {Job.fetch(job_id, connection=redis).worker_name for job_id in (record.rq_job_id, duplicate.id)}
    assert len(ran_on) == 2, "each worker ran one of the two jobs"
    payouts = db.session.scalars(select(Payout).order_by(Payout.recipient_id)).all()
    assert sorted((p.recipient_id, p.amount_minor, p.status) for p in payouts) == sorted(
        [
            (published.alice.id, 500_000, "awaiting_details"),
            (published.bob.id, 300_000, "awaiting_details"),
            (published.inez.id, 200_000, "sent"),
        ]
    )
    assert _count(db, PayoutBatch) == 1
    assert verify_ledger() == []

    # Both external winners give their details: one more job (the second finds the first queued), run
    # twice again, raced; each payout is sent once.
    payout_services.save_payee_details(published.alice, ALICE_DETAILS)
    payout_services.save_payee_details(published.bob, BOB_DETAILS)
    _run_twice(challenge_id)
    _race_two_workers(db, test_env, challenge_id)

    assert [record.status for record in _payout_records(db)] == [FINISHED] * 2
    assert _count(db, Payout) == 3
    assert _count(db, PayoutBatch) == 2
    batches = db.session.execute(select(Payout.batch_id, func.count()).group_by(Payout.batch_id)).all()
    assert sorted(count for _, count in batches) == [1, 2]
    for payout in db.session.scalars(select(Payout)):
        payout_services.mark_paid(
            payout.id, f"BANK-{payout.id}", payout.amount_minor, payout.currency, actor=published.admin
        )
    db.session.expire_all()
    assert db.session.get(Challenge, challenge_id).status == "paid"
    assert (
        db.session.scalar(
            select(func.count()).select_from(LedgerTransaction).where(LedgerTransaction.kind == "payout")
        )
        == 3
    )
    assert verify_ledger() == []
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
