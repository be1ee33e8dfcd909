"""Background jobs: recorded, pushed only after commit, run by a real RQ worker process, retried on
failure, and visible through their JobRecord."""

from datetime import timedelta

import pytest
from rq import Queue
from rq.registry import ScheduledJobRegistry
from sqlalchemy import func, select

from app import jobs
from app.core.timeutil import utcnow
from app.jobs import FAILED, FINISHED, QUEUED, JobRecord
from app.notifications import services as notifications
from app.notifications.models import OutboxMessage
from tests.services import free_port


def _queued_ids(redis, name):
    return Queue(name, connection=redis).job_ids


def test_enqueue_commits_the_record_then_pushes_to_redis(db, redis, make_user):
    user = make_user("someone@outside.example")
    record = jobs.enqueue("app.notifications.jobs:deliver_email", 12345, queue="mail", started_by=user)
    assert record.status == QUEUED
    assert record.started_by_id == user.id
    assert _queued_ids(redis, "mail") == [record.rq_job_id]
    db.session.expire_all()
    assert db.session.get(JobRecord, record.id).args == [12345]


def test_a_job_enqueued_inside_a_transaction_waits_for_its_commit(db, redis, make_user):
    user = make_user("waiter@outside.example")
    notifications.notify(user, "Hello", "Body", commit=False)
    assert _queued_ids(redis, "mail") == []
    db.session.commit()
    record = db.session.scalar(select(JobRecord))
    assert _queued_ids(redis, "mail") == [record.rq_job_id]


def test_a_rolled_back_transaction_enqueues_nothing(db, redis, make_user):
    user = make_user("ghost@outside.example")
    notifications.notify(user, "Never sent", "Body", commit=False)
    db.session.rollback()
    assert _queued_ids(redis, "mail") == []
    assert db.session.scalar(select(func.count()).select_from(JobRecord)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_real_worker_runs_the_job_and_marks_it_finished(db, redis, make_user, run_worker, mailbox):
    user = make_user("reader@outside.example")
    notifications.notify(user, "Your challenge opened", "It is live now.")
    run_worker()
    db.session.expire_all()
    record = db.session.scalar(select(JobRecord))
    assert (record.status, record.progress, record.attempts) == (FINISHED, 100, 1)
    assert record.started_at is not None and record.finished_at >= record.started_at
    assert [message["Subject"] for message in mailbox.to("reader@outside.example")] == [
        "Your challenge opened"
    ]


def test_a_failing_job_raises_so_rq_retries_it_and_the_record_shows_why(
    db, redis, make_user, run_worker, app
):
    user = make_user("unlucky@outside.example")
    notifications.notify(user, "Will fail", "SMTP is down")
    run_worker(MAIL_PORT=str(free_port()))  # nothing listens there: every attempt raises
    db.session.expire_all()
    record = db.session.scalar(select(JobRecord))
    assert record.status == FAILED
    assert record.attempts == app.config["JOB_RETRIES"] + 1
    assert "ConnectionRefusedError" in record.error
    message = db.session.scalar(select(OutboxMessage))
    assert message.status == "failed" and message.attempts == record.attempts
    failed = Queue("mail", connection=redis).failed_job_registry
    assert record.rq_job_id in failed.get_job_ids()


def test_delivering_the_same_message_twice_sends_one_email(db, redis, make_user, run_worker, mailbox):
    user = make_user("once@outside.example")
    notification = notifications.notify(user, "Exactly once", "Body")
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.notification_id == notification.id))
    run_worker()
    jobs.enqueue("app.notifications.jobs:deliver_email", message.id, queue="mail")  # done, so run again
    run_worker()
    assert len(mailbox.to("once@outside.example")) == 1
    db.session.expire_all()
    statuses = db.session.scalars(select(JobRecord.status)).all()
    assert statuses == [FINISHED, FINISHED]


def test_scheduled_jobs_run_through_the_workers_scheduler(db, redis, make_user, run_worker, mailbox):
    user = make_user("later@outside.example")
    notification = notifications.notify(user, "First", "Body")
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.notification_id == notification.id))
    run_worker()
    mailbox.clear()
    # Mark the message unsent again so the scheduled job has something to do.
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message.id)
    assert message.status == "sent"
    message.status = "pending"
    db.session.commit()
    record = jobs.enqueue(
        "app.notifications.jobs:deliver_email", message.id, queue="mail", at=utcnow() - timedelta(seconds=1)
    )
    assert record.rq_job_id in ScheduledJobRegistry("mail", connection=redis).get_job_ids()
    assert _queued_ids(redis, "mail") == []
    run_worker()
    assert [m["Subject"] for m in mailbox.to("later@outside.example")] == ["First"]


def test_naive_schedule_times_and_unknown_queues_are_refused(db, redis):
    with pytest.raises(ValueError, match="timezone-aware"):
        jobs.enqueue("app.notifications.jobs:deliver_email", 1, at=utcnow().replace(tzinfo=None))
    with pytest.raises(ValueError, match="unknown queue"):
        jobs.enqueue("app.notifications.jobs:deliver_email", 1, queue="nope")
    assert db.session.scalar(select(func.count()).select_from(JobRecord)) == 0


def test_only_functions_inside_the_app_package_can_be_run():
    with pytest.raises(ValueError, match="inside the app package"):
        jobs._resolve("os:system")


def test_schedule_times_are_rounded_up_to_the_whole_second_rq_keeps(db, redis):
    moment = utcnow().replace(microsecond=250_000) + timedelta(minutes=5)
    record = jobs.enqueue("app.notifications.jobs:deliver_email", 1, queue="mail", at=moment)
    assert record.scheduled_for == moment.replace(microsecond=0) + timedelta(seconds=1)
    scheduled = ScheduledJobRegistry("mail", connection=redis).get_scheduled_time(record.rq_job_id)
    assert scheduled.timestamp() >= moment.timestamp()  # never before the time asked for


def test_a_job_that_never_reached_redis_is_pushed_by_the_periodic_requeue(
    app, db, redis, make_user, run_worker, mailbox
):
    user = make_user("stranded@outside.example")
    notifications.notify(user, "Lost in transit", "Body", commit=False)
    # Commit while the push is lost, as if Redis had been down at that moment.
    from app.extensions import db as database

    database.session.info.pop(jobs._PENDING_KEY)
    database.session.commit()
    record = db.session.scalar(select(JobRecord))
    assert _queued_ids(redis, "mail") == []
    assert jobs.requeue_stranded() == 0  # too recent: it may still be on its way
    assert jobs.requeue_stranded(now=record.created_at + timedelta(minutes=3)) == 1
    assert jobs.requeue_stranded(now=record.created_at + timedelta(minutes=3)) == 0  # now in Redis
    run_worker()
    assert [m["Subject"] for m in mailbox.to("stranded@outside.example")] == ["Lost in transit"]
    assert (
        "app.jobs:requeue_stranded",
        "default",
        app.config["SWEEP_INTERVAL_SECONDS"],
    ) in jobs.periodic_jobs(app)
