"""File storage that hangs or fills up: a 503 (or 507) with Retry-After and a true message, as problem
details for the API and as a page for people; never a 500, never a request held for minutes."""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.accounts import tokens
from app.submissions import services
from app.submissions.models import SubmissionVersion, Upload
from tests.conftest import extract_csrf
from tests.submissions.conftest import PDF, browser_body


class HungEndpoint:
    """A TCP server that accepts connections and never says a word: a store that hangs."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:  # closed by stop()
                return
            self.accepted.append(connection)  # held open, never read, never answered

    def stop(self) -> None:
        self.listener.close()
        for connection in self.accepted:
            connection.close()
        self._thread.join(timeout=5)


@pytest.fixture
def hung_s3(app, db, scene, monkeypatch) -> Iterator[HungEndpoint]:
    """The app's storage pointed at a hung S3 endpoint, with one-second timeouts and two attempts."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    endpoint = HungEndpoint()
    settings = {
        "STORAGE_BACKEND": "s3",
        "S3_ENDPOINT_URL": f"http://127.0.0.1:{endpoint.port}",
        "S3_BUCKET": "hung",
        "S3_ADDRESSING_STYLE": "path",
        "S3_CONNECT_TIMEOUT": 1,
        "S3_READ_TIMEOUT": 1,
        "S3_MAX_ATTEMPTS": 2,
    }
    saved = {key: app.config[key] for key in settings}
    app.config.update(settings)
    app.extensions.pop("podium_storage", None)
    yield endpoint
    app.config.update(saved)
    app.extensions.pop("podium_storage", None)
    endpoint.stop()


def _versions(db) -> int:
    return db.session.scalar(select(func.count()).select_from(SubmissionVersion))


def test_a_hung_store_answers_an_api_client_503_problem_details_after_bounded_attempts(
    app, db, scene, hung_s3
):
    ticket = services.start_upload(
        scene.challenge.id,
        scene.alice,
        filename="entry.pdf",
        size=len(PDF),
        content_type="application/pdf",
        title="Entry",
    )  # a presigned form is signed locally: storage is not asked yet
    secret = tokens.issue_token(scene.alice, "test", scope="read_write").secret

    response = app.test_client().post(
        f"/api/v1/uploads/{ticket.upload_id}/finalize", headers={"Authorization": f"Bearer {secret}"}
    )

    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "60"
    body = response.get_json()
    assert body["status"] == 503 and body["code"] == "storage_unavailable"
    assert body["detail"].startswith("File storage is not answering right now; nothing was lost.")
    assert len(hung_s3.accepted) == 2  # S3_MAX_ATTEMPTS, each cut off by the read timeout
    assert _versions(db) == 0
    assert db.session.get(Upload, ticket.upload_id).status == "pending"  # a retry later may succeed


def test_a_hung_store_answers_a_person_with_a_503_page(app, db, scene, hung_s3, login):
    browser = login("alice@outside.example")
    page = browser.get(f"/submissions/new/{scene.challenge.slug}").get_data(as_text=True)
    body, content_type = browser_body(
        {"csrf_token": extract_csrf(page), "title": "Entry"}, ("entry.pdf", PDF)
    )

    response = browser.post(f"/submissions/new/{scene.challenge.slug}", data=body, content_type=content_type)

    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert response.headers["Retry-After"] == "60"
    html = response.get_data(as_text=True)
    assert "<h1>Service unavailable</h1>" in html
    assert "File storage is not answering right now; nothing was lost." in html
    assert "Go back to the form and send it again." in html
    assert _versions(db) == 0


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs as the local storage folder: writing past it fails with ENOSPC, as a full disk does."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    # A skipped test would prove nothing: without the mount (root, as bin/test runs in CI) this fails.
    assert mounted.returncode == 0, (
        f"a 1 MiB tmpfs could not be mounted (needs root): {mounted.stderr.strip()}"
    )
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


@pytest.fixture
def local_on_full_disk(app, db, scene, full_disk) -> Iterator[Path]:
    saved = {key: app.config[key] for key in ("STORAGE_BACKEND", "STORAGE_LOCAL_ROOT")}
    app.config.update(STORAGE_BACKEND="local", STORAGE_LOCAL_ROOT=str(full_disk))
    app.extensions.pop("podium_storage", None)
    yield full_disk
    app.config.update(saved)
    app.extensions.pop("podium_storage", None)


BIGGER_THAN_THE_DISK = PDF[:-6] + b"0" * (2 * 1024 * 1024) + PDF[-6:]


def test_an_upload_to_a_full_disk_is_a_507_with_a_true_message_and_finalize_does_not_say_wait(
    app, db, scene, local_on_full_disk
):
    ticket = services.start_upload(
        scene.challenge.id,
        scene.alice,
        filename="entry.pdf",
        size=len(BIGGER_THAN_THE_DISK),
        content_type="application/pdf",
        title="Entry",
    )
    form = {**ticket.fields, "file": (BytesIO(BIGGER_THAN_THE_DISK), "entry.pdf")}
    uploaded = app.test_client().post(
        ticket.url, data=form, content_type="multipart/form-data", headers={"Accept": "application/json"}
    )

    assert uploaded.status_code == 507
    assert uploaded.mimetype == "application/problem+json"
    assert uploaded.headers["Retry-After"] == "300"
    assert uploaded.get_json()["code"] == "storage_full"
    assert uploaded.get_json()["detail"] == (
        "The server's disk is full, so what you sent was not saved. Try again later."
    )
    assert [path.name for path in local_on_full_disk.rglob("*") if path.is_file()] == []  # no partial file

    secret = tokens.issue_token(scene.alice, "test", scope="read_write").secret
    finalized = app.test_client().post(
        f"/api/v1/uploads/{ticket.upload_id}/finalize", headers={"Authorization": f"Bearer {secret}"}
    )
    assert finalized.status_code == 409
    assert "its upload has not finished, or it failed" in finalized.get_json()["detail"]
    assert _versions(db) == 0


def test_the_form_upload_to_a_full_disk_is_a_507_page(app, db, scene, local_on_full_disk, login):
    browser = login("alice@outside.example")
    page = browser.get(f"/submissions/new/{scene.challenge.slug}").get_data(as_text=True)
    body, content_type = browser_body(
        {"csrf_token": extract_csrf(page), "title": "Entry"}, ("entry.pdf", BIGGER_THAN_THE_DISK)
    )

    response = browser.post(f"/submissions/new/{scene.challenge.slug}", data=body, content_type=content_type)

    assert response.status_code == 507
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<h1>Insufficient storage</h1>" in html
    assert "The server&#39;s disk is full, so what you sent was not saved. Try again later." in html
    assert _versions(db) == 0
