"""The upload flow on both storage backends: presigned POST, multipart, finalize as the only guard."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from app.core.errors import Conflict, NotFound, PermissionDenied, ServiceUnavailable, ValidationFailed
from app.storage import get_storage
from app.submissions import services
from app.submissions.models import Submission, SubmissionVersion, Upload
from tests.submissions.conftest import EXE, PDF, send_parts, send_post


def _start(scene, user=None, data=PDF, **overrides):
    arguments = {
        "filename": "my design.pdf",
        "size": len(data),
        "content_type": "application/pdf",
        "title": "Shorter routes",
        "description_md": "A **greedy** start, then 2-opt.",
    }
    arguments.update(overrides)
    return services.start_upload(scene.challenge.id, user or scene.alice, **arguments)


def _counts(db):
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Submission, SubmissionVersion)
    )


def test_a_direct_upload_is_verified_and_recorded(app, db, backend, scene):
    ticket = _start(scene)
    assert ticket.method == "post"
    upload = db.session.get(Upload, ticket.upload_id)
    assert re.fullmatch(r"submissions/[A-Za-z0-9_-]{20,}", upload.storage_key)  # random, no names
    assert "alice" not in upload.storage_key.lower() and "design" not in upload.storage_key
    assert send_post(app, ticket, PDF) in (200, 201, 204)
    version = services.finalize_upload(ticket.upload_id, scene.alice)
    assert (version.number, version.size_bytes, version.content_type) == (1, len(PDF), "application/pdf")
    assert version.sha256 == hashlib.sha256(PDF).hexdigest()
    assert version.original_filename == "my design.pdf"
    submission = version.submission
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{4}", submission.alias)
    assert submission.label == f"Entry {submission.alias}"
    assert submission.title == "Shorter routes"


def test_a_multipart_upload_is_joined_verified_and_recorded(app, db, backend, scene):
    app.config.update(
        STORAGE_MULTIPART_THRESHOLD=6 * 1024 * 1024, STORAGE_MULTIPART_PART_SIZE=5 * 1024 * 1024
    )
    try:
        data = PDF + bytes(range(256)) * (11 * 1024 * 4)  # about 11 MiB: three parts
        ticket = _start(scene, data=data)
        assert ticket.method == "multipart" and len(ticket.part_urls) == 3
        parts = send_parts(app, ticket, data)
        services.complete_multipart(ticket.upload_id, scene.alice, parts)
        version = services.finalize_upload(ticket.upload_id, scene.alice)
    finally:
        app.config.update(
            STORAGE_MULTIPART_THRESHOLD=100 * 1024 * 1024, STORAGE_MULTIPART_PART_SIZE=64 * 1024 * 1024
        )
    assert version.size_bytes == len(data)
    assert version.sha256 == hashlib.sha256(data).hexdigest()


def test_part_links_of_a_5_gb_upload_outlast_a_slow_line(app, db, backend, scene):
    """A 5 GB file at 128 KB/s takes about 11 hours; one-hour part links would expire mid-upload."""
    scene.challenge.max_file_bytes = 5 * 1024**3
    db.session.commit()
    ticket = _start(scene, size=5 * 1024**3)
    assert ticket.method == "multipart" and len(ticket.part_urls) == 80
    lifetime = 5 * 1024**3 / (128 * 1024)
    if backend == "s3":
        lifetimes = {int(re.search(r"X-Amz-Expires=(\d+)", url).group(1)) for url in ticket.part_urls}
    else:  # the local link's token is signed, not encrypted: its payload is readable
        started = db.session.get(Upload, ticket.upload_id).started_at.timestamp()
        payloads = [
            URLSafeTimedSerializer("any").loads_unsafe(url.split("token=")[1])[1] for url in ticket.part_urls
        ]
        lifetimes = {round(payload["expires"] - started) for payload in payloads}
    assert lifetimes <= {int(lifetime) - 1, int(lifetime), int(lifetime) + 1}  # whole seconds


def test_a_disguised_executable_is_deleted_and_explained(app, db, backend, scene):
    ticket = _start(scene, data=EXE, filename="invoice.pdf")
    send_post(app, ticket, EXE, "invoice.pdf")
    key = db.session.get(Upload, ticket.upload_id).storage_key
    with pytest.raises(ValidationFailed, match="executable") as refusal:
        services.finalize_upload(ticket.upload_id, scene.alice)
    assert "PDF document" in refusal.value.message
    assert get_storage().head(key) is None
    upload = db.session.get(Upload, ticket.upload_id)
    assert upload.status == "rejected" and "executable" in upload.rejection_reason
    assert _counts(db) == (0, 0)


def test_a_file_over_the_limit_never_becomes_a_version(app, db, backend, scene):
    scene.challenge.max_file_bytes = 2048
    db.session.commit()
    big = PDF + b"x" * 4096
    ticket = _start(scene, data=PDF, size=1000)  # the browser claims a small file
    status = send_post(app, ticket, big)
    key = db.session.get(Upload, ticket.upload_id).storage_key
    if backend == "s3":
        assert status == 204  # moto's server does not enforce the POST policy: the app must
        with pytest.raises(ValidationFailed, match="accepts files up to"):
            services.finalize_upload(ticket.upload_id, scene.alice)
    else:
        assert status == 422  # the local endpoint refuses it outright
        with pytest.raises(Conflict, match="not arrived"):
            services.finalize_upload(ticket.upload_id, scene.alice)
    assert get_storage().head(key) is None
    assert _counts(db) == (0, 0)


def test_empty_files_are_refused_at_start_and_at_finalize(app, db, backend, scene):
    with pytest.raises(ValidationFailed, match="empty"):
        _start(scene, data=b"")
    ticket = _start(scene, size=100)
    upload = db.session.get(Upload, ticket.upload_id)
    get_storage().put_stream(upload.storage_key, __import__("io").BytesIO(b""))  # an empty object arrives
    with pytest.raises(ValidationFailed, match="empty"):
        services.finalize_upload(ticket.upload_id, scene.alice)
    assert _counts(db) == (0, 0)


def test_finalizing_someone_elses_upload_is_not_found_and_changes_nothing(app, db, backend, scene):
    ticket = _start(scene)
    send_post(app, ticket, PDF)
    with pytest.raises(NotFound):
        services.finalize_upload(ticket.upload_id, scene.bob)
    assert db.session.get(Upload, ticket.upload_id).status == "pending"
    services.finalize_upload(ticket.upload_id, scene.alice)  # the owner still can


def test_finalizing_twice_answers_the_same_version_and_records_nothing_more(app, db, backend, scene):
    ticket = _start(scene)
    send_post(app, ticket, PDF)
    first = services.finalize_upload(ticket.upload_id, scene.alice)
    again = services.finalize_upload(ticket.upload_id, scene.alice)  # a retry after a dropped answer
    assert (again.id, again.number, again.sha256) == (first.id, 1, first.sha256)
    assert _counts(db) == (1, 1)


def test_tampered_presigned_fields_never_record_anything(app, db, backend, scene):
    ticket = _start(scene)
    if backend == "s3":
        fields = {**ticket.fields, "key": "submissions/somebody-elses-key"}
        send_post(app, ticket.__class__(**{**ticket.__dict__, "fields": fields}), PDF)
        with pytest.raises(Conflict, match="not arrived"):
            services.finalize_upload(ticket.upload_id, scene.alice)
    else:
        tampered = ticket.url[:-3] + ("abc" if not ticket.url.endswith("abc") else "xyz")
        status = send_post(app, ticket.__class__(**{**ticket.__dict__, "url": tampered}), PDF)
        assert status == 403
        with pytest.raises(Conflict, match="not arrived"):
            services.finalize_upload(ticket.upload_id, scene.alice)
    assert _counts(db) == (0, 0)


def test_a_storage_outage_during_finalize_is_a_503_and_a_retry_succeeds(app, db, backend, scene):
    from tests.services import free_port

    ticket = _start(scene)
    send_post(app, ticket, PDF)
    saved = (
        app.config["S3_ENDPOINT_URL"],
        app.config["STORAGE_LOCAL_ROOT"],
        app.config["STORAGE_BACKEND"],
        app.config["S3_BUCKET"],
    )
    # Point the app at a store that does not answer: nothing listens on this port.
    app.config.update(
        STORAGE_BACKEND="s3", S3_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}", S3_BUCKET="gone"
    )
    app.extensions.pop("podium_storage", None)
    try:
        with pytest.raises(ServiceUnavailable, match="nothing was lost"):
            services.finalize_upload(ticket.upload_id, scene.alice)
    finally:
        app.config.update(
            S3_ENDPOINT_URL=saved[0],
            STORAGE_LOCAL_ROOT=saved[1],
            STORAGE_BACKEND=saved[2],
            S3_BUCKET=saved[3],
        )
        app.extensions.pop("podium_storage", None)
    assert _counts(db) == (0, 0)
    assert db.session.get(Upload, ticket.upload_id).status == "pending"
    assert services.finalize_upload(ticket.upload_id, scene.alice).number == 1  # the retry succeeds


def test_eligibility_is_checked_at_start(app, db, backend, scene):
    scene.challenge.eligibility = "internal"
    db.session.commit()
    with pytest.raises(PermissionDenied, match="internal contributors"):
        _start(scene)
    ticket = _start(scene, user=scene.inez)
    assert ticket.upload_id
    scene.challenge.requires_manager_approval = True
    scene.challenge.expected_hours_per_week = 2
    db.session.commit()
    with pytest.raises(PermissionDenied, match="manager's approval"):
        _start(scene, user=scene.inez)


def test_eligibility_is_checked_again_at_finalize(app, db, backend, scene):
    ticket = _start(scene)
    send_post(app, ticket, PDF)
    scene.challenge.eligibility = "internal"  # the terms moved under the upload
    db.session.commit()
    with pytest.raises(ValidationFailed, match="internal contributors"):
        services.finalize_upload(ticket.upload_id, scene.alice)
    assert _counts(db) == (0, 0)


def test_the_per_contributor_limit_holds(app, db, backend, scene):
    ticket = _start(scene)
    send_post(app, ticket, PDF)
    services.finalize_upload(ticket.upload_id, scene.alice)
    with pytest.raises(PermissionDenied, match="the most allowed"):
        _start(scene, title="A second entry")


def test_resubmitting_adds_versions_and_the_latest_is_judged(app, db, backend, scene):
    first = _start(scene)
    send_post(app, first, PDF)
    submission = services.finalize_upload(first.upload_id, scene.alice).submission
    second_bytes = PDF + b"% revised\n"
    second = _start(scene, data=second_bytes, submission_id=submission.id, title=None, filename="v2.pdf")
    send_post(app, second, second_bytes)
    services.finalize_upload(second.upload_id, scene.alice)
    db.session.refresh(submission)
    assert [v.number for v in submission.versions] == [1, 2]
    assert submission.latest.sha256 == hashlib.sha256(second_bytes).hexdigest()
    assert submission.alias == db.session.get(Submission, submission.id).alias  # the alias is stable
    third = _start(scene, submission_id=submission.id, title=None)
    send_post(app, third, PDF)
    services.finalize_upload(third.upload_id, scene.alice)
    with pytest.raises(Conflict, match="3 versions"):
        _start(scene, submission_id=submission.id, title=None)
    with pytest.raises(NotFound):
        _start(scene, user=scene.bob, submission_id=submission.id, title=None)


def test_withdrawing_before_the_deadline_and_not_after(app, db, backend, scene):
    ticket = _start(scene)
    send_post(app, ticket, PDF)
    submission = services.finalize_upload(ticket.upload_id, scene.alice).submission
    late = scene.challenge.closes_at + timedelta(minutes=1)
    with pytest.raises(Conflict, match="deadline has passed"):
        services.withdraw_submission(submission.id, scene.alice, now=late)
    services.withdraw_submission(submission.id, scene.alice)
    assert submission.status == "withdrawn"
    assert len(submission.versions) == 1  # history is kept
    with pytest.raises(Conflict, match="already withdrawn"):
        services.withdraw_submission(submission.id, scene.alice)
    assert _start(scene, title="A fresh entry")  # a withdrawn entry frees the place
