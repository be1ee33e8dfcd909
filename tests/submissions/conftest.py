"""Helpers for submission tests: files of known types, and uploads sent the way a browser sends them.
The storage backend under test (``backend``) is a fixture of the whole suite, in tests/conftest.py."""

from __future__ import annotations

import pytest
import requests
from urllib3 import encode_multipart_formdata

PDF = b"%PDF-1.7\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 40 + b"%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def send_post(app, ticket, data: bytes, filename: str = "entry.pdf") -> int:
    """Upload like a browser: a multipart form POST of the presigned fields, then the file."""
    if ticket.url.startswith("http"):
        response = requests.post(ticket.url, data=ticket.fields, files={"file": (filename, data)}, timeout=30)
        return response.status_code
    client = app.test_client()
    from io import BytesIO

    body = {**ticket.fields, "file": (BytesIO(data), filename)}
    return client.post(ticket.url, data=body, content_type="multipart/form-data").status_code


def send_parts(app, ticket, data: bytes) -> list[tuple[int, str]]:
    """PUT each part to its presigned URL and collect the ETags, as the uploader script does."""
    parts = []
    for index, url in enumerate(ticket.part_urls):
        chunk = data[index * ticket.part_size : (index + 1) * ticket.part_size]
        if url.startswith("http"):
            response = requests.put(url, data=chunk, timeout=60)
            assert response.status_code == 200, response.text
            etag = response.headers["ETag"]
        else:
            response = app.test_client().put(url, data=chunk)
            assert response.status_code == 200, response.get_data(as_text=True)
            etag = response.headers["ETag"]
        parts.append((index + 1, etag))
    return parts


def fetch(app, url: str):
    """Follow a presigned download link: (status, body bytes, Content-Disposition)."""
    if url.startswith("http"):
        response = requests.get(url, timeout=30)
        return response.status_code, response.content, response.headers.get("Content-Disposition", "")
    response = app.test_client().get(url)
    return response.status_code, response.get_data(), response.headers.get("Content-Disposition", "")


def browser_body(fields: dict[str, str], file: tuple[str, bytes] | None) -> tuple[bytes, str]:
    """A multipart body encoded as browsers do (urllib3's encoder). Werkzeug's test encoder drops
    the line break before the next boundary after an empty field, which no browser sends."""
    parts: dict[str, object] = dict(fields)
    if file is not None:
        parts["file"] = (file[0], file[1], "application/pdf")
    return encode_multipart_formdata(parts)


def storage_env(app) -> dict[str, str]:
    """The storage settings the ``backend`` fixture gave the app, as a worker process's environment,
    so the verification job reads the same bucket or folder the upload went to."""
    config = app.config
    if config["STORAGE_BACKEND"] == "s3":
        return {
            "STORAGE_BACKEND": "s3",
            "S3_ENDPOINT_URL": config["S3_ENDPOINT_URL"],
            "S3_BUCKET": config["S3_BUCKET"],
            "S3_ADDRESSING_STYLE": config["S3_ADDRESSING_STYLE"],
        }
    return {"STORAGE_BACKEND": "local", "STORAGE_LOCAL_ROOT": str(config["STORAGE_LOCAL_ROOT"])}


@pytest.fixture
def verify_worker(app, run_worker):
    """Run a real RQ worker process until the queues are empty, on the storage under test: it runs
    the verification job a finalize request queued."""

    def run(**env_overrides: str):
        return run_worker(**{**storage_env(app), **env_overrides})

    return run
