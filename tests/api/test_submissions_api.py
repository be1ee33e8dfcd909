"""Uploading through the API as a script would: start, send the file to the presigned request,
finalize (a job verifies the file); then list, read, download and withdraw. Only the maker sees their submission this way."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from io import BytesIO
from urllib.parse import urlsplit

import pytest
import requests

from app.core.timeutil import utcnow
from tests.submissions.conftest import PDF, storage_env


def _send(client, ticket: dict, data: bytes) -> int:
    """POST the presigned fields and the file where the ticket says: to storage, not to the API."""
    url = ticket["url"]
    if urlsplit(url).hostname == "localhost":  # the local backend's own upload route on this app
        body = {**ticket["fields"], "file": (BytesIO(data), "entry.pdf")}
        return client.post(url, data=body, content_type="multipart/form-data").status_code
    response = requests.post(url, data=ticket["fields"], files={"file": ("entry.pdf", data)}, timeout=30)
    return response.status_code


def _upload(alice, challenge_id: int, data: bytes = PDF, **extra) -> dict:
    started = alice.post(
        "/api/v1/uploads",
        {
            "challenge_id": challenge_id,
            "filename": "alice-appleby-routes.pdf",
            "size": len(data),
            "content_type": "application/pdf",
            "title": "Shorter routes",
            **extra,
        },
    )
    assert started.status_code == 201, started.get_json()
    ticket = started.get_json()
    assert ticket["method"] == "post" and ticket["url"].startswith("http")
    assert _send(alice.client, ticket, data) in (200, 201, 204)
    return ticket


@pytest.fixture
def verify_worker(app, run_worker):
    """A real worker on the storage under test, to run the verification job finalize queues."""
    return lambda: run_worker(**storage_env(app))


def _finalized(alice, ticket: dict, verify_worker) -> dict:
    """Finalize (answered at once, "verifying"), let a real worker verify, and read the entry."""
    asked = alice.post(f"/api/v1/uploads/{ticket['upload_id']}/finalize")
    assert asked.status_code == 202, asked.get_json()
    assert asked.get_json()["status"] == "verifying"
    assert asked.headers["Location"].endswith(f"/api/v1/uploads/{ticket['upload_id']}")
    verify_worker()
    upload = alice.get(f"/api/v1/uploads/{ticket['upload_id']}").get_json()
    assert upload["status"] == "finalized", upload
    return alice.get(f"/api/v1/submissions/{upload['submission_id']}").get_json()


def test_a_contributor_uploads_finalizes_and_manages_a_submission(db, backend, scene, api, verify_worker):
    alice = api(scene.alice)
    ticket = _upload(alice, scene.challenge.id)
    submission = _finalized(alice, ticket, verify_worker)
    assert submission["versions"][0]["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert submission["versions"][0]["content_type"] == "application/pdf"
    again = alice.post(f"/api/v1/uploads/{ticket['upload_id']}/finalize")  # a retry: the same entry
    assert again.status_code == 202 and again.get_json()["submission_id"] == submission["id"]
    assert again.get_json()["version"] == 1
    assert len(alice.get(f"/api/v1/submissions/{submission['id']}").get_json()["versions"]) == 1

    mine = alice.get("/api/v1/submissions").get_json()
    assert [item["id"] for item in mine["items"]] == [submission["id"]] and mine["next_cursor"] is None
    assert alice.get(f"/api/v1/submissions/{submission['id']}").get_json()["title"] == "Shorter routes"
    link = alice.get(f"/api/v1/submissions/{submission['id']}/download").get_json()
    assert link["url"].startswith("http") and link["expires_in_seconds"] > 0

    version_two = _upload(alice, scene.challenge.id, submission_id=submission["id"], title=None)
    assert len(_finalized(alice, version_two, verify_worker)["versions"]) == 2

    withdrawn = alice.post(f"/api/v1/submissions/{submission['id']}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert alice.post(f"/api/v1/submissions/{submission['id']}/withdraw").status_code == 409


def test_only_the_maker_sees_a_submission_and_its_file(db, scene, api, verify_worker):
    alice = api(scene.alice)
    ticket = _upload(alice, scene.challenge.id)
    submission = _finalized(alice, ticket, verify_worker)
    bob = api(scene.bob)
    for path in (
        f"/api/v1/submissions/{submission['id']}",
        f"/api/v1/submissions/{submission['id']}/download",
        f"/api/v1/uploads/{ticket['upload_id']}",
    ):
        assert bob.get(path).status_code == 404
    assert bob.post(f"/api/v1/submissions/{submission['id']}/withdraw").status_code == 404
    assert bob.post(f"/api/v1/uploads/{ticket['upload_id']}/finalize").status_code == 404
    assert bob.get("/api/v1/submissions").get_json()["items"] == []
    # The sponsor's team may download, but by alias, never under the maker's file name.
    sponsor_link = (
        api(scene.sponsor).get(f"/api/v1/submissions/{submission['id']}/download").get_json()["url"]
    )
    assert "alice" not in sponsor_link.lower()


def test_people_who_may_not_enter_are_refused_before_any_byte_is_sent(db, scene, api):
    sent = {"challenge_id": scene.challenge.id, "filename": "a.pdf", "size": 100, "title": "Mine"}
    refused = api(scene.sponsor).post("/api/v1/uploads", sent)
    assert refused.status_code == 403
    too_big = api(scene.alice).post("/api/v1/uploads", {**sent, "size": 65 * 1024 * 1024})
    assert too_big.status_code == 422 and too_big.get_json()["field"] == "file"
    missing = api(scene.alice).post("/api/v1/uploads", {**sent, "challenge_id": 999_999})
    assert missing.status_code == 404


def test_a_file_of_the_wrong_type_is_rejected_by_the_verification(db, scene, api, verify_worker):
    alice = api(scene.alice)
    fake = b"MZ\x90\x00" + b"\x00" * 300
    ticket = _upload(alice, scene.challenge.id, data=fake)
    asked = alice.post(f"/api/v1/uploads/{ticket['upload_id']}/finalize")
    assert asked.status_code == 202 and asked.get_json()["status"] == "verifying"
    verify_worker()
    upload = alice.get(f"/api/v1/uploads/{ticket['upload_id']}").get_json()
    assert upload["status"] == "rejected" and "not one of the accepted types" in upload["rejection_reason"]
    assert upload["submission_id"] is None
    assert alice.get("/api/v1/submissions").get_json()["items"] == []


def test_finalize_after_the_deadline_and_grace_is_refused_at_once(app, db, scene, api):
    alice = api(scene.alice)
    ticket = _upload(alice, scene.challenge.id)
    scene.challenge.closes_at = utcnow() - app.config["SUBMISSION_GRACE"] - timedelta(seconds=1)
    db.session.commit()
    refused = alice.post(f"/api/v1/uploads/{ticket['upload_id']}/finalize")
    assert refused.status_code == 422 and refused.get_json()["code"] == "upload_rejected"
    assert "The challenge closed before this upload" in refused.get_json()["detail"]
