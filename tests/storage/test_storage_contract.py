"""The storage contract, run unchanged against the local backend and against S3 over HTTP."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta
from io import BytesIO
from urllib.parse import unquote

import pytest

from app.storage import CHUNK_SIZE, ObjectChanged, ObjectMissing, Storage, StorageError, new_key
from app.storage.base import MULTIPART_MIN_PART_SIZE
from app.storage.s3 import S3Storage

LINK_LIFETIME = timedelta(minutes=5)
MiB = 1024 * 1024


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
    assert storage.head(new_key(), with_sha256=False) is None


def test_head_for_the_size_alone_answers_the_size(storage):
    """What finalize asks: the size, without the extra call S3 needs for the hash."""
    key = new_key()
    storage.put_stream(key, BytesIO(b"twelve bytes"), content_type="text/plain")
    info = storage.head(key, with_sha256=False)
    assert (info.size, info.content_type) == (12, "text/plain")
    assert info.sha256 in (None, hashlib.sha256(b"twelve bytes").hexdigest())


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
    with pytest.raises(StorageError):
        storage.create_multipart(key, content_type="text/plain")
    with pytest.raises(StorageError):
        storage.presign_part(key, "upload-id-of-some-length", 1, expires_in=LINK_LIFETIME)
    with pytest.raises(StorageError):
        storage.complete_multipart(key, "upload-id-of-some-length", [(1, '"etag"')])
    with pytest.raises(StorageError):
        storage.abort_multipart(key, "upload-id-of-some-length")


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


def md5_etag(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def send_parts(storage, browser, key: str, upload_id: str, pieces: list[bytes]) -> list[tuple[int, str]]:
    """PUT each piece to its presigned part URL, as the browser does; the (number, ETag) list."""
    parts = []
    for number, piece in enumerate(pieces, start=1):
        url = storage.presign_part(key, upload_id, number, expires_in=LINK_LIFETIME)
        reply = browser.put(url, piece)
        assert reply.status == 200, reply.body
        parts.append((number, reply.headers["ETag"]))
    return parts


def test_upload_in_three_parts_over_http_joins_into_exactly_the_sent_bytes(storage, browser):
    rng = random.Random(31)
    pieces = [rng.randbytes(5 * MiB), rng.randbytes(5 * MiB), rng.randbytes(1 * MiB)]
    data = b"".join(pieces)
    key = new_key("submissions")

    upload_id = storage.create_multipart(key, content_type="video/mp4")
    parts = send_parts(storage, browser, key, upload_id, pieces)
    assert storage.head(key) is None  # nothing is an object until the parts are joined
    stored = storage.complete_multipart(key, upload_id, parts)

    assert [etag.strip('"') for _, etag in parts] == [md5_etag(piece) for piece in pieces]
    assert stored.size == len(data)
    # The local backend hashes while joining; S3 joins the parts without the app seeing the bytes.
    assert stored.sha256 in (None, hashlib.sha256(data).hexdigest())
    info = storage.head(key)
    assert (info.size, info.content_type) == (len(data), "video/mp4")
    assert info.sha256 in (None, hashlib.sha256(data).hexdigest())
    assert hashlib.sha256(read_all_in_chunks(storage, key)).digest() == hashlib.sha256(data).digest()


def test_a_single_small_part_is_a_complete_upload(storage, browser):
    key = new_key()
    upload_id = storage.create_multipart(key, content_type="text/plain")
    parts = send_parts(storage, browser, key, upload_id, [b"just one part"])

    storage.complete_multipart(key, upload_id, parts)

    assert read_all_in_chunks(storage, key) == b"just one part"


def test_completing_with_a_wrong_etag_fails_stores_nothing_and_leaves_the_upload_pending(storage, browser):
    key = new_key()
    upload_id = storage.create_multipart(key, content_type="text/plain")
    [(number, etag)] = send_parts(storage, browser, key, upload_id, [b"the real part"])

    with pytest.raises(StorageError):
        storage.complete_multipart(key, upload_id, [(number, f'"{md5_etag(b"another part")}"')])

    assert storage.head(key) is None
    assert list(storage.list_objects("")) == []
    storage.complete_multipart(key, upload_id, [(number, etag)])
    assert read_all_in_chunks(storage, key) == b"the real part"


def test_completing_with_a_part_never_sent_fails(storage, browser):
    key = new_key()
    upload_id = storage.create_multipart(key, content_type="application/zip")
    parts = send_parts(storage, browser, key, upload_id, [random.Random(1).randbytes(5 * MiB)])

    with pytest.raises(StorageError):
        storage.complete_multipart(key, upload_id, [*parts, (2, f'"{md5_etag(b"never sent")}"')])

    assert storage.head(key) is None


def test_a_part_under_five_mib_may_only_be_the_last(storage, browser):
    key = new_key()
    upload_id = storage.create_multipart(key, content_type="application/zip")
    almost = random.Random(5).randbytes(MULTIPART_MIN_PART_SIZE - 1)
    parts = send_parts(storage, browser, key, upload_id, [almost, b"last"])

    with pytest.raises(StorageError):
        storage.complete_multipart(key, upload_id, parts)

    assert storage.head(key) is None


def test_completing_a_foreign_or_unknown_upload_fails(storage, browser):
    key = new_key()
    upload_id = storage.create_multipart(key, content_type="text/plain")
    parts = send_parts(storage, browser, key, upload_id, [b"mine"])

    with pytest.raises(StorageError):
        storage.complete_multipart(new_key(), upload_id, parts)
    with pytest.raises(StorageError):
        storage.complete_multipart(key, "NoSuchUploadIdAtAll0123456789", parts)


def test_abort_discards_the_pending_upload_and_can_be_repeated(storage, browser):
    key = new_key()
    upload_id = storage.create_multipart(key, content_type="text/plain")
    parts = send_parts(storage, browser, key, upload_id, [b"changed my mind"])

    storage.abort_multipart(key, upload_id)
    storage.abort_multipart(key, upload_id)

    with pytest.raises(StorageError):
        storage.complete_multipart(key, upload_id, parts)
    assert storage.head(key) is None
    assert list(storage.list_objects("")) == []


def test_abort_of_an_upload_that_never_existed_is_fine(storage):
    storage.abort_multipart(new_key(), "NoSuchUploadIdAtAll0123456789")


def test_list_objects_lists_stored_objects_with_sizes_in_key_order(storage, browser):
    storage.put_stream("reports/a", BytesIO(b"abc"), content_type="text/plain")
    storage.put_stream("reports/b/c", BytesIO(b"12345"))
    storage.put_stream("reports-old/x", BytesIO(b"xx"))
    storage.put_stream("other/y", BytesIO(b"y"))
    joined = storage.create_multipart("reports/joined", content_type="text/plain")
    storage.complete_multipart(
        "reports/joined", joined, send_parts(storage, browser, "reports/joined", joined, [b"join"])
    )
    pending = storage.create_multipart("reports/pending", content_type="text/plain")
    send_parts(storage, browser, "reports/pending", pending, [b"not yet an object"])

    listed = list(storage.list_objects("reports/"))

    assert [(item.key, item.size) for item in listed] == [
        ("reports/a", 3),
        ("reports/b/c", 5),
        ("reports/joined", 4),
    ]
    now = datetime.now(UTC)
    for item in listed:
        assert item.last_modified.utcoffset() == timedelta(0)
        assert abs(item.last_modified - now) < timedelta(minutes=5)
    assert [item.key for item in storage.list_objects("reports")] == [
        "reports-old/x",
        "reports/a",
        "reports/b/c",
        "reports/joined",
    ]
    everything = [item.key for item in storage.list_objects("")]
    assert everything == sorted(everything)
    assert set(everything) == {"other/y", "reports-old/x", "reports/a", "reports/b/c", "reports/joined"}
    assert list(storage.list_objects("absent/")) == []


def test_list_objects_no_longer_lists_a_deleted_object(storage):
    storage.put_stream("gone/soon", BytesIO(b"x"))
    storage.delete("gone/soon")

    assert list(storage.list_objects("gone/")) == []


@pytest.mark.parametrize("prefix", ["../", "/abs", "a//", "a/../b", "x.meta.json", "a b", ".multipart/"])
def test_list_objects_refuses_prefixes_no_key_could_start_with(storage, prefix):
    with pytest.raises(StorageError):
        storage.list_objects(prefix)


def test_an_inline_download_is_shown_in_the_page_with_the_type_the_caller_checked(storage, browser):
    data = b"%PDF-1.7\n%%EOF\n"
    key = new_key()
    storage.put_stream(key, BytesIO(data), content_type="application/octet-stream")

    url = storage.presign_download(
        key,
        filename="entry-k7qf-v1.pdf",
        expires_in=LINK_LIFETIME,
        disposition="inline",
        content_type="application/pdf",
    )
    reply = browser.get(url)

    assert reply.status == 200 and reply.body == data
    assert reply.headers["Content-Disposition"].startswith("inline")
    assert attachment_filename(reply.headers["Content-Disposition"]) == "entry-k7qf-v1.pdf"
    assert reply.headers["Content-Type"].startswith("application/pdf")


def test_a_download_refuses_a_disposition_other_than_attachment_or_inline(storage):
    with pytest.raises(StorageError):
        storage.presign_download(new_key(), filename="x.pdf", expires_in=LINK_LIFETIME, disposition="render")


def test_copy_makes_an_independent_object_with_the_same_bytes_and_type(storage):
    data = b"verified bytes\n" * 1000
    source, target = new_key(), new_key()
    storage.put_stream(source, BytesIO(data), content_type="application/pdf")

    copied = storage.copy(source, target)

    assert (copied.key, copied.size, copied.content_type) == (target, len(data), "application/pdf")
    assert copied.sha256 in (None, hashlib.sha256(data).hexdigest())
    assert read_all_in_chunks(storage, target) == data
    assert storage.head(target).content_type == "application/pdf"
    # Whatever later happens to the source leaves the copy as it was.
    storage.put_stream(source, BytesIO(b"other bytes"), content_type="application/pdf")
    assert read_all_in_chunks(storage, target) == data
    storage.delete(source)
    assert read_all_in_chunks(storage, target) == data


def test_copy_pinned_to_a_version_refuses_a_source_replaced_since(storage):
    """``if_match`` is the etag a head returned: the version seen then is copied, or nothing is."""
    source, target = new_key(), new_key()
    storage.put_stream(source, BytesIO(b"seen at finalize"), content_type="application/pdf")
    seen = storage.head(source, with_sha256=False)
    assert seen.etag

    assert read_all_in_chunks(storage, storage.copy(source, target, if_match=seen.etag).key) == (
        b"seen at finalize"
    )
    storage.put_stream(source, BytesIO(b"sent afterward!!"), content_type="application/pdf")  # same size
    assert storage.head(source).etag != seen.etag
    late = new_key()
    with pytest.raises(ObjectChanged):
        storage.copy(source, late, if_match=seen.etag)
    assert storage.head(late) is None


def test_copy_of_a_missing_object_raises_object_missing_and_stores_nothing(storage):
    target = new_key()
    with pytest.raises(ObjectMissing):
        storage.copy(new_key(), target)
    assert storage.head(target) is None


@pytest.mark.parametrize("backend", [pytest.param("s3", marks=pytest.mark.services)])
def test_s3_copies_a_big_object_part_by_part(storage):
    """Above S3's single-copy limit (5 GiB, lowered here) the copy goes in ranged part copies."""
    storage.COPY_IN_ONE_UP_TO = 6 * MiB
    storage.COPY_PART_SIZE = 5 * MiB
    data = random.Random(7).randbytes(11 * MiB)
    source, target = new_key(), new_key()
    storage.put_stream(source, BytesIO(data), content_type="video/mp4")

    copied = storage.copy(source, target)

    assert (copied.size, copied.content_type) == (len(data), "video/mp4")
    assert hashlib.sha256(read_all_in_chunks(storage, target)).digest() == hashlib.sha256(data).digest()


@pytest.mark.parametrize("backend", [pytest.param("s3", marks=pytest.mark.services)])
def test_s3_copies_wholly_one_version_when_the_source_is_replaced_mid_copy(storage):
    """A re-post lands between the copy's look at the source and the copy itself (sent by boto3's
    own event hook at exactly that moment, over HTTP). S3 refuses the copy (its ETag condition
    fails); a store that ignores the condition, like moto's server, copies the newer bytes whole.
    Never a mix, and never the old hash over the new bytes: finalize hashes the copy itself."""
    source, target = new_key(), new_key()
    storage.put_stream(source, BytesIO(b"verified bytes"), content_type="application/pdf")

    def repost(**_kwargs):
        storage.client.meta.events.unregister("before-call.s3.CopyObject", repost)
        storage.client.put_object(Bucket=storage.bucket, Key=source, Body=b"swapped bytes")

    storage.client.meta.events.register("before-call.s3.CopyObject", repost)
    try:
        storage.copy(source, target)
    except ObjectChanged:
        assert storage.head(target) is None
    else:
        assert read_all_in_chunks(storage, target) in (b"verified bytes", b"swapped bytes")
