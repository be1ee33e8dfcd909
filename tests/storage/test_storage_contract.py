"""The storage contract, run unchanged against the local backend and against S3 over HTTP."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta
from io import BytesIO
from urllib.parse import unquote

import pytest

from app.storage import CHUNK_SIZE, ObjectMissing, Storage, StorageError, new_key
from app.storage.s3 import S3Storage

LINK_LIFETIME = timedelta(minutes=5)


class TricklingStream(BytesIO):
    """A caller's stream like a socket: short reads, and a record of how much each read asked."""

    def __init__(self, data: bytes, *, most_per_read: int = 64 * 1024) -> None:
        super().__init__(data)
        self.most_per_read = most_per_read
        self.requested: list[int | None] = []

    def read(self, size: int | None = -1) -> bytes:
        self.requested.append(size)
        if size is None or size < 0 or size > self.most_per_read:
            size = self.most_per_read
        return super().read(size)


def read_all_in_chunks(storage: Storage, key: str) -> bytes:
    pieces = []
    with storage.open(key) as stream:
        while chunk := stream.read(CHUNK_SIZE):
            pieces.append(chunk)
    return b"".join(pieces)


def attachment_filename(header: str) -> str:
    """The exact name a browser would save under: RFC 5987 ``filename*`` wins over ``filename``."""
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name.lower() == "filename*":
            charset, _, encoded = value.partition("''")
            assert charset.upper() == "UTF-8"
            return unquote(encoded, encoding="utf-8")
    raise AssertionError(f"no filename* in {header!r}")


def test_put_stream_records_sha256_size_and_content_type(storage):
    data = b"round two submission\n" * 100
    key = new_key()

    stored = storage.put_stream(key, BytesIO(data), content_type="text/plain")

    expected_sha256 = hashlib.sha256(data).hexdigest()
    assert stored.size == len(data)
    assert stored.sha256 == expected_sha256
    info = storage.head(key)
    assert info is not None
    assert (info.key, info.size, info.content_type, info.sha256) == (
        key,
        len(data),
        "text/plain",
        expected_sha256,
    )


def test_put_stream_defaults_content_type_to_octet_stream(storage):
    key = new_key()
    storage.put_stream(key, BytesIO(b"\x00\x01"))
    assert storage.head(key).content_type == "application/octet-stream"


def test_open_returns_exactly_the_stored_bytes(storage):
    data = bytes(range(256)) * 3
    key = new_key()
    storage.put_stream(key, BytesIO(data))

    assert read_all_in_chunks(storage, key) == data


def test_multi_chunk_object_round_trips_with_its_sha256(storage):
    data = random.Random(2024).randbytes(CHUNK_SIZE * 7 // 2)
    key = new_key()

    stored = storage.put_stream(key, BytesIO(data), content_type="application/zip")

    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert storage.head(key).size == len(data)
    assert hashlib.sha256(read_all_in_chunks(storage, key)).digest() == hashlib.sha256(data).digest()


def test_put_stream_reads_a_trickling_stream_in_bounded_pieces(storage):
    data = random.Random(7).randbytes(CHUNK_SIZE * 7 // 2)
    stream = TricklingStream(data)
    key = new_key()

    stored = storage.put_stream(key, stream)

    assert stream.requested
    assert all(size is not None and 0 < size <= CHUNK_SIZE for size in stream.requested)
    assert (stored.size, stored.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert read_all_in_chunks(storage, key) == data


def test_put_stream_replaces_an_existing_object(storage):
    key = new_key()
    storage.put_stream(key, BytesIO(b"first draft"), content_type="text/plain")

    storage.put_stream(key, BytesIO(b"final version!"), content_type="text/markdown")

    info = storage.head(key)
    assert (info.size, info.content_type) == (len(b"final version!"), "text/markdown")
    assert info.sha256 == hashlib.sha256(b"final version!").hexdigest()
    assert read_all_in_chunks(storage, key) == b"final version!"


def test_head_of_missing_key_is_none(storage):
    assert storage.head(new_key()) is None


def test_open_of_missing_key_raises_object_missing(storage):
    with pytest.raises(ObjectMissing):
        storage.open(new_key())
    assert issubclass(ObjectMissing, StorageError)


def test_delete_removes_the_object_and_deleting_again_is_fine(storage):
    key = new_key()
    storage.put_stream(key, BytesIO(b"withdrawn entry"))

    storage.delete(key)
    storage.delete(key)

    assert storage.head(key) is None
    with pytest.raises(ObjectMissing):
        storage.open(key)


def test_ensure_ready_can_run_again(storage):
    key = new_key()
    storage.put_stream(key, BytesIO(b"kept"))

    storage.ensure_ready()

    assert read_all_in_chunks(storage, key) == b"kept"


@pytest.mark.parametrize("key", ["../x", "/abs", "a/../b", "a//b", "a/", "", "notes.txt", "a b"])
def test_every_operation_refuses_keys_that_could_escape_or_confuse_paths(storage, key):
    with pytest.raises(StorageError):
        storage.put_stream(key, BytesIO(b"x"))
    for operation in (storage.head, storage.open, storage.delete):
        with pytest.raises(StorageError):
            operation(key)
    with pytest.raises(StorageError):
        storage.presign_upload(key, max_size=10, content_type="text/plain", expires_in=LINK_LIFETIME)
    with pytest.raises(StorageError):
        storage.presign_download(key, filename="x.txt", expires_in=LINK_LIFETIME)


def test_browser_upload_with_presigned_form_stores_the_file(storage, browser):
    data = b"%PDF-1.7 a small entry"
    key = new_key("submissions")

    upload = storage.presign_upload(
        key, max_size=1024, content_type="application/pdf", expires_in=LINK_LIFETIME
    )
    reply = browser.post_form(upload, data, filename="entry.pdf", content_type="application/pdf")

    assert reply.status == 204, reply.body
    info = storage.head(key)
    assert info is not None
    assert (info.size, info.content_type) == (len(data), "application/pdf")
    # The local backend hashes while storing; a direct-to-S3 upload leaves the hash to be computed.
    assert info.sha256 in (None, hashlib.sha256(data).hexdigest())
    assert read_all_in_chunks(storage, key) == data


def test_presigned_upload_expiry_is_reported(storage):
    upload = storage.presign_upload(
        new_key(), max_size=10, content_type="text/plain", expires_in=LINK_LIFETIME
    )
    assert upload.expires_at.tzinfo is not None
    remaining = upload.expires_at - storage_now(storage)
    assert timedelta(minutes=4) < remaining <= LINK_LIFETIME


def test_upload_over_max_size_is_refused_or_left_for_a_size_recheck(storage, browser):
    """Real S3 and the local backend refuse a file over ``max_size`` and store nothing. moto's S3
    server ignores POST policies and stores it: callers must confirm the size with ``head``."""
    key = new_key()
    upload = storage.presign_upload(key, max_size=10, content_type="text/plain", expires_in=LINK_LIFETIME)

    reply = browser.post_form(upload, b"eleven byte", content_type="text/plain")

    info = storage.head(key)
    if 200 <= reply.status < 300:
        assert isinstance(storage, S3Storage), "only the policy-blind S3 test server accepts it"
        assert info is not None and info.size == 11
    else:
        assert 400 <= reply.status < 500
        assert info is None


def test_presigned_download_serves_the_bytes_as_a_named_attachment(storage, browser):
    data = b"judging sheet"
    key = new_key()
    storage.put_stream(key, BytesIO(data), content_type="text/csv")
    filename = 'Résumé "final" 北京 2024.csv'

    url = storage.presign_download(key, filename=filename, expires_in=LINK_LIFETIME)
    reply = browser.get(url)

    assert reply.status == 200
    assert reply.body == data
    disposition = reply.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert attachment_filename(disposition) == filename
    assert disposition.isascii()


def storage_now(storage: Storage) -> datetime:
    clock = getattr(storage, "clock", None)
    return clock() if clock else datetime.now(UTC)
