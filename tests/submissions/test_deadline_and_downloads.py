"""The deadline by the server's clock with its grace window, blind-safe downloads, and clean-up."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.challenges import services as challenges
from app.core.errors import NotFound, PermissionDenied, ValidationFailed
from app.storage import get_storage
from app.submissions import services
from app.submissions.models import SubmissionVersion, Upload
from tests.submissions.conftest import PDF, fetch, send_post


def _upload(app, scene, user=None, now=None, **overrides):
    arguments = {
        "filename": "Alice Appleby final.pdf",
        "size": len(PDF),
        "content_type": "application/pdf",
        "title": "T",
    }
    arguments.update(overrides)
    ticket = services.start_upload(scene.challenge.id, user or scene.alice, now=now, **arguments)
    send_post(app, ticket, PDF)
    return ticket


@pytest.mark.parametrize(
    ("started", "finalized", "accepted"),
    [
        (timedelta(minutes=-1), timedelta(minutes=-0.5), True),  # all before the deadline
        (timedelta(minutes=-1), timedelta(minutes=14), True),  # started before, finished in grace
        (timedelta(minutes=-1), timedelta(minutes=16), False),  # finished after the grace window
    ],
)
def test_the_grace_rule_with_a_controlled_clock(app, db, backend, scene, started, finalized, accepted):
    closes = scene.challenge.closes_at
    ticket = _upload(app, scene, now=closes + started)
    if finalized > timedelta(0):
        challenges.close_if_due(scene.challenge.id, now=closes)  # the close job has run meanwhile
    if accepted:
        assert services.finalize_upload(ticket.upload_id, scene.alice, now=closes + finalized).number == 1
    else:
        with pytest.raises(ValidationFailed, match="up to 15 minutes after"):
            services.finalize_upload(ticket.upload_id, scene.alice, now=closes + finalized)
        assert db.session.scalar(select(SubmissionVersion)) is None


def test_an_upload_cannot_start_after_the_deadline(app, db, backend, scene):
    late = scene.challenge.closes_at + timedelta(seconds=1)
    with pytest.raises(PermissionDenied, match="not open"):
        _upload(app, scene, now=late)


def _submitted(app, scene):
    ticket = _upload(app, scene)
    return services.finalize_upload(ticket.upload_id, scene.alice).submission


def test_the_owner_downloads_under_the_original_name(app, db, backend, scene):
    submission = _submitted(app, scene)
    status, body, disposition = fetch(app, services.download_url(submission.id, scene.alice))
    assert status == 200 and body == PDF
    assert "attachment" in disposition and "Alice%20Appleby%20final.pdf" in disposition.replace(" ", "%20")


@pytest.mark.parametrize("who", ["sponsor", "admin"])
def test_sponsors_and_admins_download_by_alias_only(app, db, backend, scene, who):
    submission = _submitted(app, scene)
    url = services.download_url(submission.id, getattr(scene, who))
    assert "alice" not in url.lower() and "appleby" not in url.lower()
    status, body, disposition = fetch(app, url)
    assert status == 200 and body == PDF
    assert f"entry-{submission.alias.lower()}-v1.pdf" in disposition
    assert "Appleby" not in disposition and "attachment" in disposition


def test_other_contributors_cannot_download(app, db, backend, scene):
    submission = _submitted(app, scene)
    with pytest.raises(NotFound):
        services.download_url(submission.id, scene.bob)


def test_download_links_expire(app, db, backend, scene):
    submission = _submitted(app, scene)
    app.config["STORAGE_DOWNLOAD_EXPIRY"] = timedelta(seconds=1)
    try:
        url = services.download_url(submission.id, scene.alice)
    finally:
        app.config["STORAGE_DOWNLOAD_EXPIRY"] = timedelta(minutes=5)
    if backend == "s3":
        # moto's server does not enforce expiry; real S3 does, from the signed X-Amz-Expires.
        assert "X-Amz-Expires=1&" in url or url.endswith("X-Amz-Expires=1")
        return
    time.sleep(2.1)
    status, _body, _ = fetch(app, url)
    assert status == 403


def test_clean_up_closes_stale_uploads_and_deletes_unreferenced_objects(app, db, backend, scene):
    storage = get_storage()
    kept_version = _submitted(app, scene).latest
    stale = services.start_upload(
        scene.challenge.id,
        scene.bob,
        filename="b.pdf",
        size=len(PDF),
        content_type="application/pdf",
        title="B",
    )
    send_post(app, stale, PDF)
    stale_key = db.session.get(Upload, stale.upload_id).storage_key
    storage.put_stream("submissions/stray-object-without-a-row", io.BytesIO(PDF))
    # Nothing is old enough yet: everything stays.
    assert services.clean_up_uploads() == {"expired": 0, "orphans_deleted": 0}
    later = db.session.get(Upload, stale.upload_id).started_at + timedelta(hours=25)
    result = services.clean_up_uploads(now=later)
    assert result == {"expired": 1, "orphans_deleted": 1}
    assert db.session.get(Upload, stale.upload_id).status == "expired"
    assert storage.head(stale_key) is None
    assert storage.head("submissions/stray-object-without-a-row") is None
    assert storage.head(kept_version.storage_key) is not None  # every row still points at its object


def _headers(app, url: str):
    if url.startswith("http"):
        import requests

        response = requests.get(url, timeout=30)
        return response.status_code, response.headers
    response = app.test_client().get(url)
    return response.status_code, dict(response.headers)


def test_a_pdf_preview_is_inline_under_the_alias_with_the_sniffed_type(app, db, backend, scene):
    submission = _submitted(app, scene)
    status, headers = _headers(app, services.download_url(submission.id, scene.sponsor, inline=True))
    assert status == 200
    assert headers["Content-Disposition"].startswith("inline")
    assert f"entry-{submission.alias.lower()}-v1.pdf" in headers["Content-Disposition"]
    assert "Appleby" not in headers["Content-Disposition"]
    assert headers["Content-Type"].startswith("application/pdf")


def test_types_outside_the_preview_list_stay_attachments_even_when_inline_is_asked(app, db, backend, scene):
    csv = b"route,minutes\nA-B,12\nB-C,7\n"
    ticket = _upload(app, scene, filename="times.csv", size=len(csv), content_type="text/csv")
    send_post(app, ticket, csv, filename="times.csv")
    submission = services.finalize_upload(ticket.upload_id, scene.alice).submission
    assert submission.latest.content_type == "text/csv"
    status, headers = _headers(app, services.download_url(submission.id, scene.sponsor, inline=True))
    assert status == 200
    assert headers["Content-Disposition"].startswith("attachment")


def test_the_download_route_passes_the_inline_request_on(app, db, backend, scene, login):
    submission = _submitted(app, scene)
    browser = login(scene.sponsor.email)
    response = browser.get(f"/submissions/{submission.id}/download?disposition=inline")
    assert response.status_code == 302
    status, headers = _headers(app, response.headers["Location"])
    assert status == 200 and headers["Content-Disposition"].startswith("inline")
    response = browser.get(f"/submissions/{submission.id}/download")
    status, headers = _headers(app, response.headers["Location"])
    assert headers["Content-Disposition"].startswith("attachment")
