"""Storage fixtures: every contract test runs on local files and on S3 over HTTP (moto's server).

The storage tests need no database, so they build their own small app (SQLite in memory) rather
than the session ``app`` on PostgreSQL; the S3 server is the root conftest's ``s3_endpoint``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.storage import PresignedUpload, Storage, get_storage

TEST_SECRET_KEY = "storage-tests-secret"


@pytest.fixture(scope="session")
def aws_test_credentials() -> Iterator[None]:
    """Pin boto3 to dummy credentials so no real account or profile can ever be used."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        patch.setenv("AWS_CONFIG_FILE", os.devnull)
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        for name in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE"):
            patch.delenv(name, raising=False)
        yield


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.services)], ids=["local", "s3"])
def backend(request: pytest.FixtureRequest) -> str:
    """The backend name; a test module may narrow it with ``parametrize("backend", [...])``."""
    return request.param


def make_storage_app(backend: str, root: Path, s3_endpoint: str | None = None) -> Flask:
    """An app configured for one backend, with a fresh folder or a fresh bucket."""
    overrides: dict[str, object] = {
        "STORAGE_BACKEND": backend,
        "STORAGE_LOCAL_ROOT": str(root),
        "SECRET_KEY": TEST_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
    }
    if backend == "s3":
        overrides |= {
            "S3_ENDPOINT_URL": s3_endpoint,
            "S3_BUCKET": f"podium-test-{uuid.uuid4().hex[:16]}",
            "S3_REGION": "us-east-1",
            "S3_ADDRESSING_STYLE": "path",
            "S3_CREATE_BUCKET": True,
        }
    return create_app("testing", **overrides)


@pytest.fixture
def storage_app(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Flask:
    endpoint = None
    if backend == "s3":
        # Only S3 runs start the server, so `-m "not services"` needs nothing but the disk.
        request.getfixturevalue("aws_test_credentials")
        endpoint = request.getfixturevalue("s3_endpoint")
    return make_storage_app(backend, tmp_path / "storage", endpoint)


@pytest.fixture
def storage(storage_app: Flask) -> Storage:
    """The app's own backend instance (the one its views use), with its bucket or folder ready."""
    with storage_app.app_context():
        backend = get_storage()
    backend.ensure_ready()
    return backend


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes


class Browser:
    """Does what a user's browser does with presigned links: app-relative URLs go to the Flask
    test client (local backend), absolute ones over real HTTP with ``requests`` (the S3 server)."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.http = requests.Session()

    def post_form(
        self,
        upload: PresignedUpload,
        data: bytes,
        *,
        filename: str = "upload.bin",
        content_type: str = "application/octet-stream",
    ) -> Reply:
        """POST every presigned field, then the file last, as multipart/form-data."""
        if upload.url.startswith("/"):
            form: dict[str, object] = dict(upload.fields)
            form["file"] = (BytesIO(data), filename, content_type)
            response = self.client.post(upload.url, data=form, headers={"Accept": "application/json"})
            return Reply(response.status_code, response.headers, response.get_data())
        # requests writes the data fields first and the files after them, as S3 requires.
        reply = self.http.post(
            upload.url, data=upload.fields, files={"file": (filename, data, content_type)}, timeout=60
        )
        return Reply(reply.status_code, reply.headers, reply.content)

    def put(self, url: str, data: bytes) -> Reply:
        """PUT ``data`` as the raw body, as a browser sends one part of an upload in parts."""
        if url.startswith("/"):
            response = self.client.put(url, data=data, headers={"Accept": "application/json"})
            return Reply(response.status_code, response.headers, response.get_data())
        reply = self.http.put(url, data=data, timeout=60)
        return Reply(reply.status_code, reply.headers, reply.content)

    def get(self, url: str) -> Reply:
        if url.startswith("/"):
            response = self.client.get(url, headers={"Accept": "application/json"})
            return Reply(response.status_code, response.headers, response.get_data())
        reply = self.http.get(url, timeout=60)
        return Reply(reply.status_code, reply.headers, reply.content)


@pytest.fixture
def browser(storage_app: Flask) -> Iterator[Browser]:
    browser = Browser(storage_app.test_client())
    yield browser
    browser.http.close()
