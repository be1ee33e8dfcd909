"""A finalized version's bytes never change: the contributor's presigned form and part links reach
only the upload key, finalize verifies a copy under a version key of its own, and judges download
that copy, on both storage backends over HTTP, before and after the deadline."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from app.challenges import services as challenges
from app.core.access import Role
from app.core.errors import Conflict
from app.judging import assigning, panels
from app.storage import get_storage
from app.submissions import services
from app.submissions.models import SubmissionVersion, Upload
from tests.submissions.conftest import PDF, fetch, send_parts, send_post

OTHER_PDF = b"%PDF-1.7\n" + b"2 0 obj << /Type /Page /Swapped true >> endobj\n" * 60 + b"%%EOF\n"


def _start(scene, data=PDF, now=None):
    return services.start_upload(
        scene.challenge.id,
        scene.alice,
        filename="entry.pdf",
        size=len(data),
        content_type="application/pdf",
        title="Shorter routes",
        now=now,
    )


def _judges(scene, make_user, count=3):
    judges = []
    for index in range(count):
        judge = make_user(f"judge{index}@judges.example", Role.JUDGE, name=f"Judge {index}")
        member = panels.invite_judge(scene.challenge.id, scene.sponsor, judge.email)
        panels.respond_to_invitation(member.id, judge, accept=True)
        judges.append(judge)
    return judges


def _judge_downloads(app, scene, make_user, submission_id):
    """Close the challenge, assign the panel and follow one judge's download link."""
    judges = _judges(scene, make_user)
    challenges.close_if_due(scene.challenge.id, now=scene.challenge.closes_at)
    assigning.assign_judges(scene.challenge.id)
    status, body, _ = fetch(app, services.download_url(submission_id, judges[0]))
    assert status == 200
    return body


def test_a_reposted_form_after_finalize_never_reaches_the_judged_bytes(app, db, backend, scene, make_user):
    ticket = _start(scene)
    assert send_post(app, ticket, PDF) in (200, 201, 204)
    version = services.finalize_upload(ticket.upload_id, scene.alice)
    upload_key = db.session.get(Upload, ticket.upload_id).storage_key
    assert re.fullmatch(r"versions/[A-Za-z0-9_-]{20,}", version.storage_key)
    assert version.storage_key != upload_key
    assert get_storage().head(upload_key) is None  # the upload key is emptied at finalize

    # The attack: the same presigned form, posted again with other bytes. Storage takes it...
    assert send_post(app, ticket, OTHER_PDF) in (200, 201, 204)
    assert get_storage().head(upload_key).size == len(OTHER_PDF)

    # ...but the judged file is still exactly the verified one, as the entry says.
    body = _judge_downloads(app, scene, make_user, version.submission_id)
    assert body == PDF
    assert hashlib.sha256(body).hexdigest() == version.sha256 and len(body) == version.size_bytes
    _, owner_body, _ = fetch(app, services.download_url(version.submission_id, scene.alice))
    assert owner_body == PDF


def test_a_reposted_form_after_the_deadline_never_reaches_the_judged_bytes(
    app, db, backend, scene, make_user
):
    closes = scene.challenge.closes_at
    ticket = _start(scene, now=closes - timedelta(minutes=10))
    send_post(app, ticket, PDF)
    version = services.finalize_upload(ticket.upload_id, scene.alice, now=closes - timedelta(minutes=5))
    challenges.close_if_due(scene.challenge.id, now=closes)
    assert challenges.get_challenge(scene.challenge.id).status == "closed"

    assert send_post(app, ticket, OTHER_PDF) in (200, 201, 204)  # the form has not expired yet

    assert _judge_downloads(app, scene, make_user, version.submission_id) == PDF
    db.session.refresh(version)
    assert version.sha256 == hashlib.sha256(PDF).hexdigest()


@pytest.mark.parametrize("backend", ["s3"], indirect=True)
def test_a_repost_racing_finalize_never_leaves_a_hash_over_other_bytes(app, db, backend, scene, make_user):
    """The contributor re-posts the form at the worst moment: after finalize looked at the upload,
    just before storage copies it (boto3's event hook sends the re-post then, over HTTP). Either the
    copy is refused and nothing is accepted, or what is recorded is exactly what the judge gets."""
    ticket = _start(scene)
    send_post(app, ticket, PDF)
    client = get_storage().client

    def repost(**_kwargs):
        client.meta.events.unregister("before-call.s3.CopyObject", repost)
        assert send_post(app, ticket, OTHER_PDF) in (200, 201, 204)

    client.meta.events.register("before-call.s3.CopyObject", repost)
    try:
        version = services.finalize_upload(ticket.upload_id, scene.alice)
    except Conflict as refusal:  # S3 itself: the copy's ETag condition failed
        assert "changed while it was being checked" in refusal.message
        assert db.session.get(Upload, ticket.upload_id).status == "pending"
        assert db.session.scalar(select(SubmissionVersion)) is None
        return
    finally:
        client.meta.events.unregister("before-call.s3.CopyObject", repost)
    body = _judge_downloads(app, scene, make_user, version.submission_id)
    assert body in (PDF, OTHER_PDF)  # moto's server ignores the condition and copies the re-post
    assert (hashlib.sha256(body).hexdigest(), len(body)) == (version.sha256, version.size_bytes)


def test_part_links_after_finalize_never_reach_the_judged_bytes(app, db, backend, scene, make_user):
    app.config.update(
        STORAGE_MULTIPART_THRESHOLD=6 * 1024 * 1024, STORAGE_MULTIPART_PART_SIZE=5 * 1024 * 1024
    )
    try:
        data = PDF + bytes(range(256)) * (11 * 1024 * 4)  # about 11 MiB: three parts
        ticket = _start(scene, data=data)
        services.complete_multipart(ticket.upload_id, scene.alice, send_parts(app, ticket, data))
        version = services.finalize_upload(ticket.upload_id, scene.alice)
    finally:
        app.config.update(
            STORAGE_MULTIPART_THRESHOLD=100 * 1024 * 1024, STORAGE_MULTIPART_PART_SIZE=64 * 1024 * 1024
        )
    assert version.storage_key.startswith("versions/")
    # Sending a part again after finalize is refused: the upload in parts is over.
    for url in ticket.part_urls:
        if url.startswith("http"):
            status = requests.put(url, data=b"x" * 1024, timeout=30).status_code
        else:
            status = app.test_client().put(url, data=b"x" * 1024).status_code
        assert status >= 400  # 404 on S3 and locally; moto's server answers 500
    body = _judge_downloads(app, scene, make_user, version.submission_id)
    assert hashlib.sha256(body).hexdigest() == hashlib.sha256(data).hexdigest() == version.sha256


def test_the_form_without_javascript_stores_the_version_under_its_own_key(app, db, backend, scene):
    version = services.submit_through_app(
        scene.challenge.id,
        scene.alice,
        io.BytesIO(PDF),
        filename="entry.pdf",
        size_at_most=len(PDF) + 1024,
        content_type="application/pdf",
        title="No script",
    )
    upload = db.session.scalar(select(Upload))
    assert version.storage_key.startswith("versions/") and version.storage_key != upload.storage_key
    assert get_storage().head(upload.storage_key) is None
    _, body, _ = fetch(app, services.download_url(version.submission_id, scene.sponsor))
    assert body == PDF and version.sha256 == hashlib.sha256(PDF).hexdigest()


def test_a_rejected_file_leaves_neither_the_upload_nor_its_copy(app, db, backend, scene):
    exe = b"MZ\x90\x00" + b"\x00" * 400
    ticket = _start(scene, data=exe)
    send_post(app, ticket, exe)
    try:
        services.finalize_upload(ticket.upload_id, scene.alice)
    except services.UploadRejected:
        pass
    else:
        raise AssertionError("an executable was accepted")
    storage = get_storage()
    assert list(storage.list_objects("versions/")) == []
    assert storage.head(db.session.get(Upload, ticket.upload_id).storage_key) is None


def test_clean_up_deletes_upload_keys_refilled_after_finalize(app, db, backend, scene):
    ticket = _start(scene)
    send_post(app, ticket, PDF)
    version = services.finalize_upload(ticket.upload_id, scene.alice)
    upload_key = db.session.get(Upload, ticket.upload_id).storage_key
    send_post(app, ticket, OTHER_PDF)  # refills the upload key, which no row needs any more

    assert services.clean_up_uploads() == {"expired": 0, "orphans_deleted": 0}  # not old enough
    later = version.created_at + timedelta(hours=25)
    assert services.clean_up_uploads(now=later) == {"expired": 0, "orphans_deleted": 1}
    storage = get_storage()
    assert storage.head(upload_key) is None
    assert storage.head(version.storage_key).size == len(PDF)
