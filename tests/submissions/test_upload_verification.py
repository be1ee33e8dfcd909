"""Finalizing a presigned upload answers at once and a job verifies the file: no web request reads
the bytes, the deadline is judged by when finalize was asked for, the upload is "verifying" until the
job ends, and nothing is judged before it is verified."""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta

import pytest
from rq.job import Job
from sqlalchemy import func, select

from app import jobs
from app.core.timeutil import utcnow
from app.jobs import JobRecord
from app.judging import jobs as judging_jobs
from app.judging.models import Assignment
from app.notifications.models import Notification
from app.storage import get_storage
from app.submissions import services
from app.submissions.models import FINALIZED, REJECTED, VERIFYING, Submission, SubmissionVersion, Upload
from tests.conftest import extract_csrf
from tests.query_counts.counting import counting_statements
from tests.submissions.conftest import EXE, PDF, send_post
from tests.submissions.test_grace_window import _one_judge_panel

VERIFY = services.VERIFY_JOB


def _sent(app, scene, user=None, data=PDF, **overrides):
    arguments = {
        "filename": "plan.pdf",
        "size": len(data),
        "content_type": "application/pdf",
        "title": "Plan",
    }
    arguments.update(overrides)
    ticket = services.start_upload(scene.challenge.id, user or scene.alice, **arguments)
    assert send_post(app, ticket, data) in (200, 201, 204)
    return ticket


def _browser(login, scene):
    browser = login("alice@outside.example")
    page = browser.get(f"/submissions/new/{scene.challenge.slug}")
    return browser, {"X-CSRFToken": extract_csrf(page.get_data(as_text=True)), "Accept": "application/json"}


def _versions(db) -> int:
    return db.session.scalar(select(func.count()).select_from(SubmissionVersion))


def _verify_records(db, upload_id: int) -> list[JobRecord]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(JobRecord).where(
                JobRecord.kind == VERIFY,
                JobRecord.subject_type == "uploads",
                JobRecord.subject_id == str(upload_id),
            )
        )
    )


def test_finalize_answers_before_the_file_is_read_then_the_job_records_it(
    app, db, backend, scene, login, verify_worker
):
    """The request ends with the upload "verifying", no copy made, no version and no submission: the
    bytes were not read (a copy under the version prefix is the first thing reading them makes).
    Then a real worker verifies it."""
    ticket = _sent(app, scene)
    browser, headers = _browser(login, scene)
    answer = browser.post(f"/submissions/uploads/{ticket.upload_id}/finalize", headers=headers)
    assert answer.status_code == 202, answer.get_data(as_text=True)
    assert answer.json["status"] == "verifying" and answer.json["submission_id"] is None
    assert answer.json["location"] == f"/submissions/uploads/{ticket.upload_id}"
    db.session.expire_all()
    upload = db.session.get(Upload, ticket.upload_id)
    assert upload.status == VERIFYING and upload.finalize_requested_at is not None
    assert _versions(db) == 0 and db.session.scalar(select(func.count()).select_from(Submission)) == 0
    assert list(get_storage().list_objects(services.VERSION_PREFIX + "/")) == []
    page = browser.get(answer.json["location"])
    assert "Verifying your file… 0%" in page.get_data(as_text=True)
    # Asked again (a double click, a retry): the same answer, and still one job.
    again = browser.post(f"/submissions/uploads/{ticket.upload_id}/finalize", headers=headers)
    assert again.status_code == 202 and again.json["status"] == "verifying"
    assert len(_verify_records(db, ticket.upload_id)) == 1

    verify_worker()

    db.session.expire_all()
    version = db.session.scalar(select(SubmissionVersion))
    assert version.sha256 == hashlib.sha256(PDF).hexdigest() and version.size_bytes == len(PDF)
    assert db.session.get(Upload, ticket.upload_id).status == FINALIZED
    status = browser.get(f"/submissions/uploads/{ticket.upload_id}/status").json
    assert status["status"] == "finalized" and status["verified_percent"] == 100
    assert status["location"] == f"/submissions/{version.submission_id}"
    landed = browser.get(f"/submissions/uploads/{ticket.upload_id}")
    assert landed.status_code == 302 and landed.headers["Location"].endswith(
        f"/submissions/{version.submission_id}"
    )
    assert [record.status for record in _verify_records(db, ticket.upload_id)] == ["finished"]


def test_a_file_replaced_after_finalize_is_refused_not_verified(
    app, db, backend, scene, verify_worker, mailbox
):
    """The presigned form stays usable until it expires, so the bytes can be replaced after finalize
    was asked for (after the deadline, say) and before the job reads them: the job verifies only the
    version finalize saw, and refuses the upload, telling its contributor, if it changed."""
    ticket = _sent(app, scene)
    services.request_finalize(ticket.upload_id, scene.alice)
    replaced = PDF.replace(b"Catalog", b"Catalox", 1)  # same size, same type: only the bytes differ
    assert send_post(app, ticket, replaced) in (200, 201, 204)

    verify_worker()

    db.session.expire_all()
    upload = db.session.get(Upload, ticket.upload_id)
    assert upload.status == REJECTED and upload.rejection_reason == services.CHANGED_SINCE_FINALIZE
    assert _versions(db) == 0 and db.session.scalar(select(func.count()).select_from(Submission)) == 0
    told = db.session.scalar(select(Notification).where(Notification.user_id == scene.alice.id))
    assert "replaced in storage" in told.body
    assert any("replaced in storage" in message.get_content() for message in mailbox.messages)


@pytest.mark.parametrize("backend", ["s3"], indirect=True)
def test_a_verification_run_twice_records_one_version(app, db, backend, scene, verify_worker):
    ticket = _sent(app, scene)
    services.request_finalize(ticket.upload_id, scene.alice)
    first = services.verify_upload(ticket.upload_id)
    assert first is not None and first.number == 1
    # The queued job runs too, and the same work is queued once more after it: nothing new either time.
    verify_worker()
    jobs.enqueue(VERIFY, ticket.upload_id)
    verify_worker()
    db.session.expire_all()
    assert _versions(db) == 1
    assert services.verify_upload(ticket.upload_id).id == first.id
    kept = [stored.key for stored in get_storage().list_objects(services.VERSION_PREFIX + "/")]
    assert kept == [first.storage_key]


@pytest.mark.parametrize("backend", ["s3"], indirect=True)
def test_a_verification_ending_after_the_deadline_counts_when_finalize_was_asked_in_time(
    app, db, backend, scene, verify_worker
):
    ticket = _sent(app, scene)
    services.request_finalize(ticket.upload_id, scene.alice)
    # The deadline and a one-second grace window pass before any worker runs.
    scene.challenge.closes_at = utcnow() + timedelta(seconds=1)
    db.session.commit()
    time.sleep(2.5)
    from app.challenges import services as challenges

    assert challenges.close_if_due(scene.challenge.id)  # closed before the check ends
    verify_worker(SUBMISSION_GRACE_SECONDS="1")
    db.session.expire_all()
    version = db.session.scalar(select(SubmissionVersion))
    assert version is not None, db.session.get(Upload, ticket.upload_id).rejection_reason
    assert version.created_at > scene.challenge.closes_at + timedelta(seconds=1)


@pytest.mark.parametrize("backend", ["local"], indirect=True)
def test_finalize_asked_after_the_deadline_and_grace_is_refused_with_no_job(app, db, backend, scene):
    grace = app.config["SUBMISSION_GRACE"]
    closes_at = scene.challenge.closes_at
    ticket = _sent(app, scene)
    with pytest.raises(services.UploadRejected, match="The challenge closed before this upload"):
        services.request_finalize(ticket.upload_id, scene.alice, now=closes_at + grace + timedelta(seconds=1))
    assert db.session.get(Upload, ticket.upload_id).status == REJECTED
    assert _verify_records(db, ticket.upload_id) == []
    # Within the grace window, an upload started before the deadline is still taken.
    late = _sent(app, scene, user=scene.bob)
    upload = services.request_finalize(
        late.upload_id, scene.bob, now=closes_at + grace - timedelta(seconds=1)
    )
    assert upload.status == VERIFYING and upload.finalize_requested_at == closes_at + grace - timedelta(
        seconds=1
    )


@pytest.mark.parametrize("backend", ["s3"], indirect=True)
def test_an_entry_still_verifying_is_not_assigned_and_gets_judges_once_verified(
    app, db, backend, scene, make_user, verify_worker
):
    _one_judge_panel(db, scene, make_user)
    verified = _sent(app, scene, user=scene.bob)
    bobs = services.finalize_upload(verified.upload_id, scene.bob).submission_id
    # Alice started and finalized in time; then the deadline and the grace window pass, and judging
    # starts while her file is still being verified (set-up: the times are moved, not waited for).
    deadline = utcnow() - app.config["SUBMISSION_GRACE"] - timedelta(seconds=1)
    verifying = _sent(app, scene, now=deadline - timedelta(seconds=10))
    services.request_finalize(verifying.upload_id, scene.alice, now=deadline - timedelta(seconds=5))
    scene.challenge.closes_at = deadline
    db.session.commit()
    from app.challenges import services as challenges

    assert challenges.close_if_due(scene.challenge.id)
    judging_jobs.assign_after_close(scene.challenge.id)
    db.session.expire_all()
    assert set(db.session.scalars(select(Assignment.submission_id))) == {bobs}
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 1
    assert services.entry_counts([scene.challenge.id]) == {scene.challenge.id: 1}  # the sponsor's count
    # The job records it (judging runs: its finalize was asked for in time) and asks for its judges.
    verify_worker()
    db.session.expire_all()
    alices = db.session.scalar(select(Submission.id).where(Submission.contributor_id == scene.alice.id))
    assert alices is not None
    assert set(db.session.scalars(select(Assignment.submission_id))) == {bobs, alices}


@pytest.mark.parametrize("backend", ["s3"], indirect=True)
def test_judges_keep_the_verified_version_while_a_new_one_is_verified(app, db, backend, scene, login):
    first = services.finalize_upload(_sent(app, scene).upload_id, scene.alice)
    second = _sent(app, scene, submission_id=first.submission_id, title=None)
    services.request_finalize(second.upload_id, scene.alice)
    submission = db.session.get(Submission, first.submission_id)
    db.session.refresh(submission)
    assert submission.latest.number == 1
    link = services.download_url(submission.id, scene.sponsor)  # as a judge's: the latest version
    assert first.storage_key in link
    browser, _ = _browser(login, scene)
    page = browser.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "Verifying a new version… 0%" in page
    assert "judges keep the latest version listed below" in page


def test_a_file_of_another_size_than_declared_is_refused_at_finalize(app, db, backend, scene):
    """The upload started for a file of a stated size (multipart parts and progress are sized by it):
    what arrived with another size is incomplete or another file, and is refused, not verified."""
    ticket = _sent(app, scene, size=len(PDF) + 10)
    with pytest.raises(services.UploadRejected, match="incomplete or not the file you chose"):
        services.request_finalize(ticket.upload_id, scene.alice)
    db.session.expire_all()
    assert db.session.get(Upload, ticket.upload_id).status == REJECTED
    assert _verify_records(db, ticket.upload_id) == [] and _versions(db) == 0


def test_a_version_verified_after_its_entry_was_withdrawn_is_refused(app, db, scene):
    first = services.finalize_upload(_sent(app, scene).upload_id, scene.alice)
    second = _sent(app, scene, submission_id=first.submission_id, title=None)
    services.request_finalize(second.upload_id, scene.alice)
    services.withdraw_submission(first.submission_id, scene.alice)

    assert services.verify_upload(second.upload_id) is None

    db.session.expire_all()
    upload = db.session.get(Upload, second.upload_id)
    assert upload.status == REJECTED and "withdrawn" in upload.rejection_reason
    assert _versions(db) == 1


@pytest.mark.parametrize("backend", ["local"], indirect=True)
def test_progress_shows_on_the_upload_page_and_my_submissions(app, db, backend, scene, login):
    data = PDF + bytes(range(256)) * (4 * 1024 * 20)  # about 20 MiB
    ticket = _sent(app, scene, data=data)
    services.request_finalize(ticket.upload_id, scene.alice)
    browser, _ = _browser(login, scene)
    # Halfway, as the job's progress writer records it while it hashes (see the S3 test below).
    services._ProgressWriter(ticket.upload_id)(len(data) // 2)
    page = browser.get(f"/submissions/uploads/{ticket.upload_id}").get_data(as_text=True)
    assert "Verifying your file… 49%" in page and "Reload this page" in page  # 49.99…%, never rounded up
    assert browser.get(f"/submissions/uploads/{ticket.upload_id}/status").json["verified_percent"] == 49
    mine = browser.get("/submissions/mine").get_data(as_text=True)
    assert "verifying, 49% checked" in mine
    version = services.verify_upload(ticket.upload_id)
    mine = browser.get("/submissions/mine").get_data(as_text=True)
    assert "verifying, " not in mine and f"v{version.number} · {len(data)} bytes" in mine


@pytest.mark.parametrize("backend", ["s3"], indirect=True)
def test_progress_writes_on_s3_come_every_few_mib(app, db, backend, scene):
    """S3's copy does not hash, so the job reads the copy back: a write every 8 MiB, not every chunk."""
    data = PDF + bytes(range(256)) * (4 * 1024 * 20)  # about 20 MiB
    ticket = _sent(app, scene, data=data)
    services.request_finalize(ticket.upload_id, scene.alice)
    with counting_statements() as statements:
        version = services.verify_upload(ticket.upload_id)
    writes = [sql for sql in statements.seen if sql.startswith("UPDATE uploads SET verified_bytes")]
    assert version is not None and version.sha256 == hashlib.sha256(data).hexdigest()
    assert len(writes) == 2


@pytest.mark.parametrize("backend", ["s3"], indirect=True)
def test_a_wrong_type_found_by_the_job_rejects_and_tells_the_contributor(
    app, db, backend, scene, login, verify_worker, mailbox
):
    ticket = _sent(app, scene, data=EXE)  # declared a PDF; HEAD sees only an allowed size
    browser, headers = _browser(login, scene)
    answer = browser.post(f"/submissions/uploads/{ticket.upload_id}/finalize", headers=headers)
    assert answer.status_code == 202
    verify_worker()
    db.session.expire_all()
    upload = db.session.get(Upload, ticket.upload_id)
    assert upload.status == REJECTED and "not one of the accepted types" in upload.rejection_reason
    assert _versions(db) == 0
    assert get_storage().head(upload.storage_key) is None
    assert list(get_storage().list_objects(services.VERSION_PREFIX + "/")) == []
    told = db.session.scalar(select(Notification).where(Notification.user_id == scene.alice.id))
    assert told.subject == "Your file plan.pdf was refused" and "not one of the accepted types" in told.body
    assert any("not one of the accepted types" in message.get_content() for message in mailbox.messages)
    page = browser.get(f"/submissions/uploads/{ticket.upload_id}").get_data(as_text=True)
    assert "Your file was refused" in page and "not one of the accepted types" in page
    status = browser.get(f"/submissions/uploads/{ticket.upload_id}/status").json
    assert status["status"] == "rejected"
    assert [record.status for record in _verify_records(db, ticket.upload_id)] == ["finished"]


@pytest.mark.parametrize("backend", ["local"], indirect=True)
def test_a_lost_verification_is_queued_again_by_the_sweeps(app, db, backend, scene, redis, verify_worker):
    ticket = _sent(app, scene)
    services.request_finalize(ticket.upload_id, scene.alice)
    redis.flushdb()  # Redis lost the job
    later = utcnow() + jobs.STRANDED_AFTER + timedelta(seconds=1)
    assert services.resume_verifications(now=later) == 0  # its record still waits: not doubled
    assert jobs.requeue_stranded(now=later) >= 1
    (record,) = _verify_records(db, ticket.upload_id)
    assert Job.exists(record.rq_job_id, connection=redis)
    # Every attempt then fails for good (a long storage outage), and an hour passes.
    jobs.fail_for_good(record.id, "ServiceUnavailable: storage down")
    redis.flushdb()
    assert services.resume_verifications(now=utcnow() + jobs.FAILED_REPAIR_PAUSE + timedelta(minutes=1)) == 1
    verify_worker()
    db.session.expire_all()
    assert db.session.get(Upload, ticket.upload_id).status == FINALIZED
    assert _versions(db) == 1
    assert [record.status for record in _verify_records(db, ticket.upload_id)] == ["finished"]


def test_an_upload_left_unfinished_can_be_finished_from_its_own_page(app, db, backend, scene, login):
    """The file was sent but the page closed before finalize: the upload's page offers to finish it,
    and a plain form post (no script) does, landing back on that page."""
    ticket = _sent(app, scene)
    browser, _ = _browser(login, scene)
    page = browser.get(f"/submissions/uploads/{ticket.upload_id}").get_data(as_text=True)
    assert "Finish this upload" in page
    answer = browser.post(
        f"/submissions/uploads/{ticket.upload_id}/finalize", data={"csrf_token": extract_csrf(page)}
    )
    assert answer.status_code == 303 and answer.headers["Location"].endswith(
        f"/submissions/uploads/{ticket.upload_id}"
    )
    db.session.expire_all()
    assert db.session.get(Upload, ticket.upload_id).status == VERIFYING
    assert "Verifying your file" in browser.get(answer.headers["Location"]).get_data(as_text=True)


def test_bidi_controls_are_taken_out_of_an_entry_title(app, db, scene):
    """Judges and the sponsor read the title: an override must not reorder what they see."""
    ticket = services.start_upload(
        scene.challenge.id,
        scene.alice,
        filename="plan.pdf",
        size=len(PDF),
        content_type="application/pdf",
        title="RTL \u202e title\u2066",
    )
    assert db.session.get(Upload, ticket.upload_id).title == "RTL title"
