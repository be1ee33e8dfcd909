"""The contributor's pages: the uploader's JSON steps, the no-JavaScript form, and My submissions."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from sqlalchemy import select
from urllib3 import encode_multipart_formdata

from app.submissions.models import Submission, Upload
from app.submissions.streamed_form import READ_CHUNK
from tests.conftest import extract_csrf
from tests.submissions.conftest import EXE, PDF, browser_body

pytestmark = pytest.mark.parametrize("backend", ["local"], indirect=True)


def _browser(login, scene):
    browser = login("alice@outside.example")
    page = browser.get(f"/submissions/new/{scene.challenge.slug}")
    assert page.status_code == 200
    return browser, extract_csrf(page.get_data(as_text=True))


def test_the_uploader_steps_start_send_and_finalize(app, db, backend, scene, login, verify_worker):
    browser, token = _browser(login, scene)
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    start = browser.post(
        "/submissions/uploads",
        json={"challenge": scene.challenge.slug, "filename": "e.pdf", "size": len(PDF), "title": "Mine"},
        headers=headers,
    )
    assert start.status_code == 201, start.get_data(as_text=True)
    ticket = start.json
    sent = browser.post(ticket["url"], data={**ticket["fields"], "file": (io.BytesIO(PDF), "e.pdf")})
    assert sent.status_code == 204
    done = browser.post(f"/submissions/uploads/{ticket['upload_id']}/finalize", headers=headers)
    assert done.status_code == 202 and done.json["status"] == "verifying"
    verify_worker()
    status = browser.get(done.json["status_url"]).json
    assert status["status"] == "finalized" and status["version"] == 1
    again = browser.post(f"/submissions/uploads/{ticket['upload_id']}/finalize", headers=headers)
    # A retry after a dropped answer: the same version again, nothing recorded twice.
    assert again.status_code == 202 and again.json["version"] == 1
    assert again.json["submission_id"] == status["submission_id"]
    assert again.json["location"] == f"/submissions/{status['submission_id']}"


def test_json_steps_need_the_csrf_token(app, db, backend, scene, login):
    browser, _ = _browser(login, scene)
    response = browser.post(
        "/submissions/uploads",
        json={"challenge": scene.challenge.slug},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    assert db.session.scalar(select(Upload)) is None


def test_bad_start_requests_get_problem_details(app, db, backend, scene, login):
    browser, token = _browser(login, scene)
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    too_big = browser.post(
        "/submissions/uploads",
        json={"challenge": scene.challenge.slug, "filename": "e.pdf", "size": 10**12, "title": "Huge"},
        headers=headers,
    )
    assert too_big.status_code == 422 and "accepts files up to" in too_big.json["detail"]
    nonsense = browser.post(
        "/submissions/uploads", json={"challenge": scene.challenge.slug, "size": "lots"}, headers=headers
    )
    assert nonsense.status_code == 422
    unknown = browser.post("/submissions/uploads", json={"challenge": "nope", "size": 10}, headers=headers)
    assert unknown.status_code == 404


def test_the_form_without_javascript_streams_through_the_app(app, db, backend, scene, login):
    browser, token = _browser(login, scene)
    body, content_type = browser_body(
        {"csrf_token": token, "submission_id": "", "title": "Form entry", "description_md": ""},
        ("f.pdf", PDF),
    )
    response = browser.post(f"/submissions/new/{scene.challenge.slug}", data=body, content_type=content_type)
    assert response.status_code == 302, response.get_data(as_text=True)
    submission = db.session.scalar(select(Submission))
    assert response.headers["Location"] == f"/submissions/{submission.id}"
    assert submission.title == "Form entry"
    assert submission.latest.size_bytes == len(PDF)
    assert submission.latest.sha256 == hashlib.sha256(PDF).hexdigest()


def test_the_form_refuses_fields_sent_after_a_big_file(app, db, backend, scene, login):
    """The token must arrive before the file starts streaming to storage (small bodies are read at once)."""
    browser, token = _browser(login, scene)
    body, content_type = encode_multipart_formdata(
        [("file", ("f.pdf", PDF + b" " * 2 * READ_CHUNK, "application/pdf")), ("csrf_token", token)]
    )
    response = browser.post(f"/submissions/new/{scene.challenge.slug}", data=body, content_type=content_type)
    assert response.status_code == 422
    assert db.session.scalar(select(Upload)) is None


def test_the_form_without_a_chosen_file_says_so(app, db, backend, scene, login):
    browser, token = _browser(login, scene)
    body, content_type = browser_body({"csrf_token": token, "title": "No file"}, ("", b""))
    response = browser.post(f"/submissions/new/{scene.challenge.slug}", data=body, content_type=content_type)
    assert response.status_code == 422
    assert "Choose the file to submit." in response.get_data(as_text=True)
    assert db.session.scalar(select(Upload)) is None


def test_the_form_explains_a_refused_file(app, db, backend, scene, login):
    browser, token = _browser(login, scene)
    response = browser.post(
        f"/submissions/new/{scene.challenge.slug}",
        data={"csrf_token": token, "title": "Sneaky", "file": (io.BytesIO(EXE), "cv.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "executable" in response.get_data(as_text=True)
    assert db.session.scalar(select(Submission)) is None


def test_the_form_refuses_a_missing_token(app, db, backend, scene, login):
    browser, _ = _browser(login, scene)
    response = browser.post(
        f"/submissions/new/{scene.challenge.slug}",
        data={"title": "No token", "file": (io.BytesIO(PDF), "f.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert db.session.scalar(select(Submission)) is None


def test_my_submissions_shows_status_versions_and_next_steps(app, db, backend, scene, login):
    browser, token = _browser(login, scene)
    browser.post(
        f"/submissions/new/{scene.challenge.slug}",
        data={"csrf_token": token, "title": "Listed entry", "file": (io.BytesIO(PDF), "f.pdf")},
        content_type="multipart/form-data",
    )
    page = browser.get("/submissions/mine").get_data(as_text=True)
    submission = db.session.scalar(select(Submission))
    assert "Listed entry" in page and "active" in page
    assert f"{len(PDF)} bytes" in page and submission.latest.sha256[:12] in page
    assert "the latest one is judged" in page
    detail = browser.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert submission.latest.sha256 in detail and f"Entry {submission.alias}" in detail
    download = browser.get(f"/submissions/{submission.id}/download")
    assert download.status_code == 302 and re.search(
        r"/storage/local/download/", download.headers["Location"]
    )


def test_other_people_cannot_see_or_download_a_submission(app, db, backend, scene, login):
    owner, token = _browser(login, scene)
    owner.post(
        f"/submissions/new/{scene.challenge.slug}",
        data={"csrf_token": token, "title": "Private", "file": (io.BytesIO(PDF), "f.pdf")},
        content_type="multipart/form-data",
    )
    submission = db.session.scalar(select(Submission))
    other = login("bob@outside.example")
    assert other.get(f"/submissions/{submission.id}").status_code == 404
    assert other.get(f"/submissions/{submission.id}/download").status_code == 404
    assert app.test_client().get(f"/submissions/{submission.id}/download").status_code == 302  # to sign in
