"""Jobs that recover: records that tell the truth, abandoned jobs retried within seconds of their
worker's death, failures for good alerted to admins, and a scheduler and workers that outlive Redis."""

from __future__ import annotations

import socket
import time
from contextlib import closing
from datetime import timedelta

import pytest
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry
from sqlalchemy import select

from app import cron, jobs
from app.core.access import Role
from app.core.audit import AuditEvent
from app.core.timeutil import utcnow
from app.job_recovery import recover_jobs
from app.jobs import FAILED, FINISHED, QUEUED, RETRYING, STARTED, JobRecord
from app.notifications.models import Notification, OutboxMessage
from tests.conftest import extract_csrf
from tests.jobs import processes
from tests.services import free_port

MAIL_JOB = "app.notifications.jobs:deliver_email"


@pytest.fixture
def silent_smtp():
    """A port that accepts connections and never says a word: an SMTP send there hangs, so the job
    is still running when the test kills its worker."""
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


def _hanging_mail_job(db, address: str) -> JobRecord:
    """An e-mail job on the default queue (the worker under test listens only there, so the admins'
    alert e-mails, on the mail queue, wait for a worker with a working SMTP server)."""
    message = OutboxMessage(to_address=address, subject="Winner notice", body_text="You won.")
    db.session.add(message)
    db.session.commit()
    return jobs.enqueue(MAIL_JOB, message.id, queue="default")


def _status(db, record_id: int) -> str:
    db.session.expire_all()
    return db.session.get(JobRecord, record_id).status


def _start_worker_on_it(db, record, test_env, tmp_path, smtp_port):
    worker = processes.start_flask(
        ["worker", "--queue", "default"],
        {**test_env, "MAIL_PORT": str(smtp_port), "MAIL_TIMEOUT": "120", "JOB_HEARTBEAT_SECONDS": "1"},
        tmp_path / "worker.log",
    )
    try:
        processes.wait_for(lambda: _status(db, record.id) == STARTED, within=90, what="the job to start")
    except AssertionError:
        processes.kill_and_reap(worker)
        raise
    return worker


def test_a_job_whose_process_is_killed_with_no_retries_left_fails_for_good_and_alerts_admins(
    app, db, redis, make_user, run_worker, mailbox, login, test_env, tmp_path, silent_smtp, monkeypatch
):
    admin = make_user("ops@podium.example", Role.ADMIN)
    monkeypatch.setitem(app.config, "JOB_RETRIES", 0)
    record = _hanging_mail_job(db, "winner@outside.example")
    worker = _start_worker_on_it(db, record, test_env, tmp_path, silent_smtp)
    try:
        horse = processes.wait_for(lambda: processes.work_horse(worker.pid), within=10, what="the horse")
        processes.kill(horse)
        processes.wait_for(lambda: _status(db, record.id) == FAILED, within=30, what="the record to fail")
    finally:
        processes.kill_and_reap(worker)

    failed = db.session.get(JobRecord, record.id)
    assert failed.attempts == 1 and "died" in failed.error
    alert = db.session.scalar(select(Notification).where(Notification.user_id == admin.id))
    assert alert.subject == f"Background job #{record.id} failed for good"
    assert alert.link == "/admin/jobs?status=failed"
    audited = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "job.failed")).all()
    assert [(event.subject_id, event.actor_id) for event in audited] == [(str(record.id), None)]

    run_worker()  # delivers the alert; the failed job itself stays failed
    [mail] = mailbox.to("ops@podium.example")
    assert mail["Subject"] == alert.subject
    assert "will not be retried automatically" in mail.get_content()
    assert "/admin/jobs?status=failed" in mail.get_content()
    assert _status(db, record.id) == FAILED and mailbox.to("winner@outside.example") == []

    browser = login(admin.email)
    home = browser.get("/admin").get_data(as_text=True)
    assert "1 job failed for good." in home and 'href="/admin/jobs?status=failed"' in home
    page = browser.get("/admin/jobs").get_data(as_text=True)
    assert "1 job failed for good." in page and "failed for good</span>" in page
    browser.post(f"/admin/jobs/{record.id}/retry", data={"csrf_token": extract_csrf(page)})
    assert _status(db, record.id) == QUEUED
    run_worker()
    assert _status(db, record.id) == FINISHED
    assert [m["Subject"] for m in mailbox.to("winner@outside.example")] == ["Winner notice"]


def test_a_job_whose_whole_worker_dies_is_found_within_seconds_and_retried(
    app, db, redis, run_worker, mailbox, test_env, tmp_path, silent_smtp
):
    record = _hanging_mail_job(db, "payee@outside.example")
    worker = _start_worker_on_it(db, record, test_env, tmp_path, silent_smtp)
    processes.kill_and_reap(worker)  # the worker and its work horse, SIGKILL: nobody records anything
    assert _status(db, record.id) == STARTED

    # Two missed heartbeats (of one second here) and the sweep gives the job back to RQ.
    processes.wait_for(lambda: recover_jobs().get("retrying"), within=30, what="the job to be recovered")
    assert _status(db, record.id) == RETRYING
    assert Job.fetch(record.rq_job_id, connection=redis).get_status() == JobStatus.QUEUED
    assert recover_jobs() == {}  # nothing more to do

    run_worker()
    db.session.expire_all()
    done = db.session.get(JobRecord, record.id)
    assert (done.status, done.attempts) == (FINISHED, 2)
    assert [m["Subject"] for m in mailbox.to("payee@outside.example")] == ["Winner notice"]


def test_a_worker_killed_alone_takes_its_work_horse_with_it_so_the_job_runs_once_more_not_twice(
    app, db, redis, run_worker, mailbox, test_env, tmp_path, silent_smtp
):
    """SIGKILL to the worker's own process only (as an OOM killer or a careless operator does): its work
    horse used to carry on and finish the job while the sweep had another worker run it again."""
    record = _hanging_mail_job(db, "once@outside.example")
    worker = _start_worker_on_it(db, record, test_env, tmp_path, silent_smtp)
    forked: list[int] = []
    try:
        horse = processes.wait_for(lambda: processes.work_horse(worker.pid), within=10, what="the horse")
        forked = processes.children(worker.pid)  # the horse, and RQ's scheduler process
        processes.kill(worker.pid)
        worker.wait(timeout=10)
        processes.wait_for(lambda: not processes.alive(horse), within=10, what="the horse to die with it")
    finally:
        processes.kill_and_reap(worker)
        for child in forked:  # RQ's scheduler process outlives its worker: this test leaves none behind
            processes.kill(child)
    processes.wait_for(lambda: recover_jobs().get("retrying"), within=30, what="the job to be recovered")
    run_worker()
    db.session.expire_all()
    assert db.session.get(JobRecord, record.id).status == FINISHED
    assert [m["Subject"] for m in mailbox.to("once@outside.example")] == ["Winner notice"]


def test_a_failed_attempt_with_retries_left_shows_retrying_not_failed(
    app, db, redis, run_worker, monkeypatch
):
    monkeypatch.setitem(app.config, "JOB_RETRY_INTERVALS", (3600,))
    record = _hanging_mail_job(db, "later@outside.example")
    run_worker(MAIL_PORT=str(free_port()))  # refused; RQ will try again in an hour
    db.session.expire_all()
    record = db.session.get(JobRecord, record.id)
    assert record.status == RETRYING and "ConnectionRefusedError" in record.error
    assert record.status_label == "retrying"
    assert Job.fetch(record.rq_job_id, connection=redis).get_status() == JobStatus.SCHEDULED


def test_a_job_rq_failed_while_its_record_said_running_is_failed_for_good_by_the_sweep(db, redis, make_user):
    admin = make_user("ops@podium.example", Role.ADMIN)
    record = _hanging_mail_job(db, "lost@outside.example")
    record.status = STARTED  # a worker started it, then died before it could say how it ended
    db.session.commit()
    job = Job.fetch(record.rq_job_id, connection=redis)
    Queue("default", connection=redis).remove(job)
    job.set_status(JobStatus.FAILED)
    with redis.lock("podium:recover-jobs", timeout=5):
        assert recover_jobs() == {}  # another sweep is at work: this one leaves it to that
    assert recover_jobs() == {"failed": 1}
    assert recover_jobs() == {}  # once
    assert _status(db, record.id) == FAILED
    [alert] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == admin.email))
    assert alert.subject == f"Background job #{record.id} failed for good"

    # If the alert's own e-mail fails for good, the next alert is in the inbox only: no endless chain.
    delivery = db.session.scalar(select(JobRecord).where(JobRecord.subject_id == str(alert.id)))
    assert jobs.fail_for_good(delivery.id, "SMTP down")
    subjects = db.session.scalars(select(Notification.subject).where(Notification.user_id == admin.id)).all()
    assert sorted(subjects) == sorted([alert.subject, f"Background job #{delivery.id} failed for good"])
    assert (
        len(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == admin.email)).all())
        == 1
    )


def test_a_job_rq_failed_before_its_record_could_be_written_is_failed_for_good_by_the_sweep(db, redis):
    record = _hanging_mail_job(db, "unwritten@outside.example")
    record.created_at = utcnow() - timedelta(minutes=3)  # queued three minutes ago
    db.session.commit()
    job = Job.fetch(record.rq_job_id, connection=redis)
    Queue("default", connection=redis).remove(job)
    job.ended_at = (utcnow() - timedelta(minutes=2)).replace(tzinfo=None)  # RQ keeps naive UTC
    job.set_status(JobStatus.FAILED)
    job.save()
    assert recover_jobs() == {}  # RQ ended it, but the job is not in its failed registry (a retry's moment)
    FailedJobRegistry("default", connection=redis).add(job, exc_string="OperationalError")
    assert recover_jobs() == {"failed": 1}
    db.session.expire_all()
    failed = db.session.get(JobRecord, record.id)
    assert failed.status == FAILED and "before it could be recorded" in failed.error


def test_the_same_work_is_not_queued_again_while_queued_running_or_failed_for_good(db, redis):
    first = jobs.enqueue("app.challenges.jobs:sweep", queue="scheduled")
    again = jobs.enqueue("app.challenges.jobs:sweep", queue="scheduled")
    assert again.id == first.id
    assert Queue("scheduled", connection=redis).job_ids == [first.rq_job_id]

    for status in (STARTED, RETRYING):
        first.status = status
        db.session.commit()
        assert jobs.enqueue("app.challenges.jobs:sweep", queue="scheduled").id == first.id
    assert jobs.fail_for_good(first.id, "boom")
    assert not jobs.fail_for_good(first.id, "boom")  # failing twice alerts once
    assert jobs.enqueue("app.challenges.jobs:sweep", queue="scheduled").id == first.id
    assert Queue("scheduled", connection=redis).job_ids == [first.rq_job_id]

    first.status = FINISHED
    db.session.commit()
    fresh = jobs.enqueue("app.challenges.jobs:sweep", queue="scheduled")
    assert fresh.id != first.id and fresh.status == QUEUED
    # Different ids or a different time are different work.
    assert jobs.enqueue(MAIL_JOB, 1, queue="mail").id != jobs.enqueue(MAIL_JOB, 2, queue="mail").id


def test_two_schedulers_enqueue_each_periodic_run_once_and_never_pile_runs_up(app, db, redis, monkeypatch):
    interval = 1000
    for setting in ("SWEEP_INTERVAL_SECONDS", "RECOVERY_INTERVAL_SECONDS", "CLEANUP_INTERVAL_SECONDS"):
        monkeypatch.setitem(app.config, setting, interval)
    now = time.time() // interval * interval  # the start of this slot
    first, second = {}, {}
    kinds = {kind for kind, _queue, _interval in jobs.periodic_jobs(app)}
    assert set(cron.enqueue_due(first, now=now, owner="cron-a")) == kinds
    assert cron.enqueue_due(second, now=now + 0.5, owner="cron-b") == []
    assert cron.enqueue_due(first, now=now + 1, owner="cron-a") == []
    queues = [Queue(name, connection=redis) for name in app.config["RQ_QUEUES"]]
    assert sum(queue.count for queue in queues) == len(kinds)

    # A slot later, with no worker to take the first runs: nothing more is queued behind them.
    later = now + interval
    assert cron.enqueue_due(second, now=later, owner="cron-b") == []
    for queue in queues:  # workers take them
        for job in queue.jobs:
            job.delete()
    after = later + interval
    assert set(cron.enqueue_due(first, now=after, owner="cron-a")) == kinds
    assert cron.enqueue_due(second, now=after + 0.7, owner="cron-b") == []


def test_work_asked_for_while_it_runs_runs_once_more_after(db, redis, run_worker):
    record = jobs.enqueue("app.challenges.jobs:sweep", queue="scheduled")
    first_rq_id = record.rq_job_id
    Queue("scheduled", connection=redis).empty()
    record.status = STARTED  # a worker is running it
    db.session.commit()
    assert jobs.enqueue("app.challenges.jobs:sweep", queue="scheduled").id == record.id
    assert Queue("scheduled", connection=redis).job_ids == []  # not beside the running one

    jobs._finish(record.id)  # the run ends
    db.session.expire_all()
    record = db.session.get(JobRecord, record.id)
    assert record.status == QUEUED and not record.rerun_requested and record.rq_job_id != first_rq_id
    assert Queue("scheduled", connection=redis).job_ids == [record.rq_job_id]
    run_worker()
    assert _status(db, record.id) == FINISHED
    assert db.session.get(JobRecord, record.id).attempts == 1


def test_cron_and_workers_carry_on_after_redis_restarts(db, test_env, tmp_path):
    port = free_port()
    env = {
        **test_env,
        "REDIS_URL": f"redis://127.0.0.1:{port}/0",
        "RECOVERY_INTERVAL_SECONDS": "1",
        "RECONNECT_MAX_SECONDS": "1",
    }
    from redis import Redis

    redis = Redis(port=port)
    finished = lambda: Queue("default", connection=redis).finished_job_registry.get_job_ids()  # noqa: E731
    server = processes.start_redis(port, tmp_path)
    scheduler = processes.start_flask(["cron"], env, tmp_path / "cron.log")
    worker = processes.start_flask(["worker"], env, tmp_path / "worker.log")
    try:
        processes.wait_for(finished, within=90, what="a periodic job to run")
        processes.kill(server.pid)
        server.wait(timeout=10)
        processes.wait_for(
            lambda: b"Redis unreachable" in (tmp_path / "cron.log").read_bytes(), within=30, what="the outage"
        )
        server = processes.start_redis(port, tmp_path)  # back, and empty
        assert finished() == []
        processes.wait_for(finished, within=60, what="periodic jobs to run again")
        assert scheduler.poll() is None and worker.poll() is None
    finally:
        for process in (scheduler, worker):
            process.terminate()
        for process in (scheduler, worker):
            try:
                process.wait(timeout=10)
            except Exception:
                processes.kill_and_reap(process)
        processes.kill(server.pid)
        server.wait(timeout=10)
