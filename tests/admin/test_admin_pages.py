"""The admin pages: people and organisations, the filtered audit log, jobs with a retry that runs a
failed job once more through a real worker, and the RQ dashboard that only administrators reach."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from rq import Queue
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.core.timeutil import utcnow
from app.jobs import FAILED, FINISHED, QUEUED, JobRecord
from app.notifications import services as notifications
from tests.conftest import PROJECT_ROOT, extract_csrf
from tests.services import free_port

ADMIN_PAGES = ("/admin/users", "/admin/organizations", "/admin/audit", "/admin/jobs")


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_are_for_admins_only(db, scene, login, path):
    assert login(scene.admin.email).get(path).status_code == 200
    assert login(scene.sponsor.email).get(path).status_code == 403
    assert login(scene.alice.email).get(path).status_code == 403


def test_the_users_page_searches_by_name_or_email_and_filters_by_role(db, scene, login):
    browser = login(scene.admin.email)
    everyone = browser.get("/admin/users").get_data(as_text=True)
    assert "Alice Appleby" in everyone and "Bob Brown" in everyone and "sam@acme.example" in everyone
    found = browser.get("/admin/users?q=applebY").get_data(as_text=True)
    assert "Alice Appleby" in found and "Bob Brown" not in found
    by_mail = browser.get("/admin/users?q=outside.example").get_data(as_text=True)
    assert "Alice Appleby" in by_mail and "Bob Brown" in by_mail and "Inez Internal" not in by_mail
    sponsors = browser.get("/admin/users?role=sponsor").get_data(as_text=True)
    assert "sam@acme.example" in sponsors and "Alice Appleby" not in sponsors
    assert "No user matches" in browser.get("/admin/users?q=nobody-at-all").get_data(as_text=True)


def test_the_users_page_is_paginated(db, scene, login, make_user):
    for index in range(52):
        make_user(f"crowd{index:02d}@outside.example", name=f"Crowd {index:02d}")
    browser = login(scene.admin.email)
    first = browser.get("/admin/users?q=crowd").get_data(as_text=True)
    assert "52 users" in first and "Crowd 00" in first and "Crowd 51" not in first
    assert 'href="/admin/users?q=crowd&amp;page=2"' in first
    second = browser.get("/admin/users?q=crowd&page=2").get_data(as_text=True)
    assert "Crowd 51" in second and "Crowd 00" not in second


def test_the_organisations_page_lists_members_and_challenges(db, scene, login):
    html = login(scene.admin.email).get("/admin/organizations").get_data(as_text=True)
    assert "Acme" in html and "acme.example" in html and "Host" in html and "host.example" in html


def test_the_audit_log_filters_by_actor_action_subject_and_days(db, scene, login):
    browser = login(scene.admin.email)
    everything = browser.get("/admin/audit").get_data(as_text=True)
    assert "challenge.funded" in everything and "deposit" in everything.lower()

    by_sponsor = browser.get("/admin/audit?actor=sam@acme").get_data(as_text=True)
    assert "challenge.funded" in by_sponsor and "alice@outside.example" not in by_sponsor
    by_action = browser.get("/admin/audit?action=challenge.").get_data(as_text=True)
    assert "challenge.funded" in by_action and "<code>user." not in by_action
    on_users = browser.get("/admin/audit?subject_type=users").get_data(as_text=True)
    assert "<code>challenge." not in on_users and "<code>user." in on_users

    today = utcnow().date()
    assert "challenge.funded" in browser.get(f"/admin/audit?from={today}&to={today}").get_data(as_text=True)
    tomorrow = today + timedelta(days=1)
    assert "No event matches" in browser.get(f"/admin/audit?from={tomorrow}").get_data(as_text=True)
    yesterday = today - timedelta(days=1)
    assert "No event matches" in browser.get(f"/admin/audit?to={yesterday}").get_data(as_text=True)

    bad = browser.get("/admin/audit?from=31/12/2025")
    assert bad.status_code == 200 and "is not a date like" in bad.get_data(as_text=True)


def test_the_audit_log_is_paginated_newest_first(db, scene, login):
    from app.core import audit

    for index in range(60):
        audit.record("test.marker", subject_type="marker", subject_id=index, index=index)
    db.session.commit()
    browser = login(scene.admin.email)
    first = browser.get("/admin/audit?subject_type=marker").get_data(as_text=True)
    assert "60 events, page 1 of 2" in first
    assert "marker #59" in first and "marker #0<" not in first
    second = browser.get("/admin/audit?subject_type=marker&page=2").get_data(as_text=True)
    assert "marker #0<" in second and "marker #59" not in second


def _failed_mail_job(db, make_user, run_worker):
    user = make_user("unlucky@outside.example")
    notifications.notify(user, "Second chance", "SMTP was down")
    run_worker(MAIL_PORT=str(free_port()), JOB_RETRIES="0")
    db.session.expire_all()
    # The first delivery job; the failure also alerted the admins, whose alert e-mail failed as well.
    record = db.session.scalar(
        select(JobRecord)
        .where(JobRecord.kind == "app.notifications.jobs:deliver_email")
        .order_by(JobRecord.id)
    )
    assert record.status == FAILED
    return record


def test_retrying_a_failed_job_runs_it_once_more_and_a_second_click_is_refused(
    db, redis, scene, login, make_user, run_worker, mailbox
):
    record = _failed_mail_job(db, make_user, run_worker)
    browser = login(scene.admin.email)
    page = browser.get("/admin/jobs?status=failed").get_data(as_text=True)
    assert "ConnectionRefusedError" in page and f"/admin/jobs/{record.id}/retry" in page
    token = extract_csrf(page)

    assert browser.post(f"/admin/jobs/{record.id}/retry", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(JobRecord, record.id).status == QUEUED
    queue = Queue("mail", connection=redis)
    assert queue.job_ids == [record.rq_job_id]
    assert record.rq_job_id not in queue.failed_job_registry.get_job_ids()
    again = browser.post(f"/admin/jobs/{record.id}/retry", data={"csrf_token": token}, follow_redirects=True)
    assert "Only failed jobs can be retried" in again.get_data(as_text=True)
    assert queue.job_ids == [record.rq_job_id]  # not pushed twice

    run_worker()
    db.session.expire_all()
    assert db.session.get(JobRecord, record.id).status == FINISHED
    assert [message["Subject"] for message in mailbox.to("unlucky@outside.example")] == ["Second chance"]
    retried = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "job.retried")).all()
    assert [(event.actor_id, event.subject_id) for event in retried] == [(scene.admin.id, str(record.id))]


def test_only_admins_may_retry_a_job(db, redis, scene, login, make_user, run_worker):
    record = _failed_mail_job(db, make_user, run_worker)
    sponsor = login(scene.sponsor.email)
    token = extract_csrf(sponsor.get("/sponsor").get_data(as_text=True))
    assert sponsor.post(f"/admin/jobs/{record.id}/retry", data={"csrf_token": token}).status_code == 403
    db.session.expire_all()
    assert db.session.get(JobRecord, record.id).status == FAILED


def test_admins_see_the_queues_and_workers_and_nothing_there_changes_state(db, redis, scene, login, client):
    admin = login(scene.admin.email)
    page = admin.get("/admin/jobs/queues")
    html = page.get_data(as_text=True)
    # the scene scheduled the challenge's closing: the page reads our Redis
    assert page.status_code == 200 and "<code>scheduled</code>" in html
    assert "No worker is running" in html
    assert "<form" not in html.split("</nav>", 1)[1]  # a read-only page: the only action is a job's Retry
    for browser in (login(scene.sponsor.email), login(scene.alice.email)):
        assert browser.get("/admin/jobs/queues").status_code == 403
    assert client.get("/admin/jobs/queues").status_code == 302  # to the sign-in page
    # The dashboard we once mounted re-ran every failed job on a plain GET; it is gone.
    assert admin.get("/admin/rq/").status_code == 404
    assert admin.get("/admin/rq/requeue/default").status_code == 404
    assert admin.get("/admin/rq/0/data/job/%00.json").status_code == 404


def test_a_running_worker_is_listed_with_its_queues(db, redis, scene, login, test_env):
    admin = login(scene.admin.email)
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker"],
        cwd=PROJECT_ROOT,
        env={**os.environ, **test_env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while "No worker is running" in (html := admin.get("/admin/jobs/queues").get_data(as_text=True)):
            assert time.monotonic() < deadline, "the worker never registered with Redis"
            time.sleep(0.5)
        assert "default, mail, scheduled" in html
        assert "<td>idle</td>" in html or "<td>busy</td>" in html
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def test_an_admins_page_links_every_admin_tool(db, scene, login):
    html = login(scene.admin.email).get("/admin").get_data(as_text=True)
    for path in (*ADMIN_PAGES, "/admin/jobs/queues", "/payouts/admin/deposits"):
        assert f'href="{path}"' in html, path
