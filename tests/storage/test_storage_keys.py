"""Keys, filenames and backend selection: the rules every backend relies on."""

from __future__ import annotations

import re

import pytest

from app.storage import StorageError, get_storage, new_key, validate_key
from app.storage.base import content_disposition
from app.storage.local import LocalStorage
from app.storage.s3 import S3Storage
from tests.storage.conftest import make_storage_app


def test_new_keys_are_unique_url_safe_and_carry_only_the_prefix():
    keys = {new_key("submissions") for _ in range(1000)}

    assert len(keys) == 1000
    for key in keys:
        prefix, _, name = key.partition("/")
        assert prefix == "submissions"
        assert re.fullmatch(r"[A-Za-z0-9_-]{32}", name)


@pytest.mark.parametrize(
    "key", ["../x", "/abs", "a/../b", "a//b", "a/", "", "x.meta.json", "a b", "ü", "a\\b"]
)
def test_keys_that_could_escape_or_collide_are_refused(key):
    with pytest.raises(StorageError):
        validate_key(key)


@pytest.mark.parametrize("key", ["objects/abc", "a", "a/b/c", "A-b_c/9"])
def test_plain_keys_are_accepted(key):
    assert validate_key(key) == key


@pytest.mark.parametrize(
    ("filename", "fallback", "encoded"),
    [
        ("report.pdf", "report.pdf", "report.pdf"),
        ("Résumé.pdf", "Resume.pdf", "R%C3%A9sum%C3%A9.pdf"),
        ('say "hi".txt', "say 'hi'.txt", "say%20%22hi%22.txt"),
        ("北京.txt", ".txt", "%E5%8C%97%E4%BA%AC.txt"),
        ("evil\r\nSet-Cookie: x.txt", "evilSet-Cookie: x.txt", "evilSet-Cookie%3A%20x.txt"),
        ("../../etc/passwd", ".._.._etc_passwd", ".._.._etc_passwd"),
        ("", "download", "download"),
    ],
)
def test_content_disposition_gives_an_ascii_fallback_and_the_exact_utf8_name(filename, fallback, encoded):
    header = content_disposition(filename)

    assert header == f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
    assert header.isascii()


@pytest.mark.parametrize(("backend", "kind"), [("local", LocalStorage), ("s3", S3Storage)])
def test_get_storage_builds_the_configured_backend_once_without_touching_it(backend, kind, tmp_path):
    app = make_storage_app(backend, tmp_path / "never-created", "http://127.0.0.1:9")

    with app.app_context():
        first = get_storage()
        second = get_storage()

    assert isinstance(first, kind)
    assert first is second
    assert not (tmp_path / "never-created").exists()
    assert "client" not in vars(first)  # no boto3 client (and no credential lookup) yet


def test_local_storage_needs_a_secret_key(tmp_path):
    with pytest.raises(StorageError, match="SECRET_KEY"):
        LocalStorage(tmp_path, "")


def test_local_routes_do_not_exist_when_s3_is_configured(tmp_path):
    s3_app = make_storage_app("s3", tmp_path, "http://127.0.0.1:9")
    client = s3_app.test_client()

    assert (
        client.post("/storage/local/upload?token=x", headers={"Accept": "application/json"}).status_code
        == 404
    )
    assert client.get("/storage/local/download/x", headers={"Accept": "application/json"}).status_code == 404
    assert (
        client.put("/storage/local/part?token=x", headers={"Accept": "application/json"}).status_code == 404
    )
