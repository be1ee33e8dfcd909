"""The no-JavaScript form read as it arrives: exact bytes across read chunks, and the size limit
enforced while streaming, on both storage backends."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from app.storage import get_storage
from app.submissions.models import Submission, Upload
from app.submissions.streamed_form import READ_CHUNK
from tests.conftest import extract_csrf
from tests.submissions.conftest import PDF, browser_body


def _browser(login, scene):
    browser = login("alice@outside.example")
    return browser, extract_csrf(
        browser.get(f"/submissions/new/{scene.challenge.slug}").get_data(as_text=True)
    )


def test_the_form_reads_a_file_larger_than_one_read_chunk_exactly(app, db, backend, scene, login):
    browser, token = _browser(login, scene)
    big = PDF[:-6] + bytes(range(256)) * (3 * READ_CHUNK // 256 + 77) + PDF[-6:]
    body, content_type = browser_body({"csrf_token": token, "title": "Big entry"}, ("big.pdf", big))
    response = browser.post(f"/submissions/new/{scene.challenge.slug}", data=body, content_type=content_type)
    assert response.status_code == 302, response.get_data(as_text=True)
    version = db.session.scalar(select(Submission)).latest
    assert (version.size_bytes, version.sha256) == (len(big), hashlib.sha256(big).hexdigest())


def test_the_form_cuts_off_a_file_over_the_limit_and_stores_nothing(app, db, backend, scene, login):
    scene.challenge.max_file_bytes = 4096  # the body may still be up to 1 MiB longer than that
    db.session.commit()
    browser, token = _browser(login, scene)
    big = PDF + b"0" * 8192
    body, content_type = browser_body({"csrf_token": token, "title": "Too big"}, ("big.pdf", big))
    response = browser.post(f"/submissions/new/{scene.challenge.slug}", data=body, content_type=content_type)
    assert response.status_code == 422
    assert "accepts files up to 4.0 KB" in response.get_data(as_text=True)
    assert db.session.scalar(select(Submission)) is None
    upload = db.session.scalar(select(Upload))
    assert upload.status == "rejected" and "accepts files up to" in upload.rejection_reason
    assert get_storage().head(upload.storage_key) is None
