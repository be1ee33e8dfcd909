"""The local backend: objects as files under one folder, with links the app itself serves."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, BinaryIO

from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.core.timeutil import utcnow
from app.storage.base import (
    ATTACHMENT,
    CHUNK_SIZE,
    MULTIPART_MAX_PART_SIZE,
    MULTIPART_MIN_PART_SIZE,
    ObjectChanged,
    ObjectInfo,
    ObjectMissing,
    PresignedUpload,
    Storage,
    StorageError,
    StoredObject,
    validate_disposition,
    validate_key,
    validate_part_number,
    validate_parts,
    validate_prefix,
)

UPLOAD_SALT = "podium-storage-upload"
WRITEBACK_EVERY = 64 * 1024 * 1024
DOWNLOAD_SALT = "podium-storage-download"
PART_SALT = "podium-storage-part"
META_SUFFIX = ".meta.json"
# Pending uploads in parts live in root/.multipart/<upload id>/ as one file per part number plus
# the upload's record; keys never contain '.', so no key can reach this folder.
STAGING_FOLDER = ".multipart"
UPLOAD_RECORD = "upload.json"

_UPLOAD_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
_KEY_SEGMENT_PATTERN = re.compile(r"[A-Za-z0-9_-]+")


class LinkInvalid(StorageError):
    """A signed link was altered, was signed with another key or is for another purpose."""


class LinkExpired(StorageError):
    """A signed link was genuine but its expiry time has passed."""


class UploadNotPending(StorageError):
    """No upload in parts with this id is in progress for this key: it never started, or was
    completed or aborted since."""


class PartTooLarge(StorageError):
    """A part held more bytes than one part may (S3's limit is 5 GiB)."""


@dataclass(frozen=True)
class UploadGrant:
    """What a verified upload link allows: one object, of one type, up to ``max_size`` bytes."""

    key: str
    max_size: int
    content_type: str


@dataclass(frozen=True)
class PartGrant:
    """What a verified part link allows: the bytes of one part of one pending upload."""

    key: str
    upload_id: str
    part_number: int


@dataclass(frozen=True)
class DownloadGrant:
    """What a verified download link allows: one object, saved (or shown) under ``filename``."""

    key: str
    filename: str
    disposition: str = ATTACHMENT
    content_type: str | None = None


class LocalStorage(Storage):
    """Files at ``root/<key>`` with a ``<key>.meta.json`` sidecar holding type and SHA-256.

    Keys never contain '.', so no key can name a sidecar or a temporary file. Presigned links are
    relative URLs under ``base_url_path`` (served by ``app.storage.local_views``) rather than
    ``url_for`` results, so presigning needs no request context; it assumes the app is mounted at
    the site root. Each link carries its own expiry, checked against ``clock``. Uploads in parts
    collect their parts under ``root/.multipart/<upload id>/`` until they are completed or aborted.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        secret_key: str,
        *,
        base_url_path: str = "/storage/local",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if not secret_key:
            raise StorageError("Local storage signs its links with SECRET_KEY, which is not set")
        self.root = Path(root)
        self.base_url_path = base_url_path.rstrip("/")
        self.clock = clock or utcnow
        self._upload_signer = URLSafeTimedSerializer(secret_key, salt=UPLOAD_SALT)
        self._download_signer = URLSafeTimedSerializer(secret_key, salt=DOWNLOAD_SALT)
        self._part_signer = URLSafeTimedSerializer(secret_key, salt=PART_SALT)

    def ensure_ready(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    def path_for(self, key: str) -> Path:
        """The file holding ``key``; the key rules keep it inside ``root``."""
        return self.root / validate_key(key)

    def put_stream(
        self, key: str, stream: BinaryIO, *, content_type: str = "application/octet-stream"
    ) -> ObjectInfo:
        return self._store(key, iter(lambda: stream.read(CHUNK_SIZE), b""), content_type)

    def _store(self, key: str, chunks: Iterable[bytes], content_type: str) -> ObjectInfo:
        """Write to temporary files beside the target, then swap them in with ``os.replace``.

        The old sidecar is removed before the data is replaced, so a crash part-way leaves the
        hash unknown rather than describing other bytes. If ``chunks`` raises, nothing changes.
        """
        path = self.path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        sha256 = hashlib.sha256()
        with _temporary_beside(path) as data_file, _temporary_beside(path) as meta_file:
            size = _write_hashing(data_file, chunks, sha256)
            os.fsync(data_file.fileno())
            data_file.close()
            info = ObjectInfo(key=key, size=size, content_type=content_type, sha256=sha256.hexdigest())
            meta_file.write(json.dumps({"content_type": content_type, "sha256": info.sha256}).encode())
            meta_file.close()
            _meta_path(path).unlink(missing_ok=True)
            os.replace(data_file.name, path)
            os.replace(meta_file.name, _meta_path(path))
        return info

    def open(self, key: str) -> AbstractContextManager[BinaryIO]:
        try:
            return self.path_for(key).open("rb", buffering=CHUNK_SIZE)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as error:
            raise ObjectMissing(key) from error

    def head(self, key: str, *, with_sha256: bool = True) -> ObjectInfo | None:
        path = self.path_for(key)
        try:
            status = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not stat.S_ISREG(status.st_mode):
            return None  # a folder made by longer keys such as "<key>/more" is not an object
        size = status.st_size
        meta = _read_meta(path)
        return ObjectInfo(
            key=key,
            size=size,
            content_type=meta.get("content_type"),
            sha256=meta.get("sha256"),
            etag=_version_tag(status),
        )

    def copy(self, source_key: str, target_key: str, *, if_match: str | None = None) -> ObjectInfo:
        """Stream the source into the target (atomically, as ``put_stream`` does), hashing it.

        The source is read through one open handle, so a source replaced meanwhile (uploads swap
        files in with ``os.replace``) is still copied wholly as it was when the copy began.
        """
        validate_key(target_key)
        source = self.path_for(source_key)
        content_type = str(_read_meta(source).get("content_type") or "application/octet-stream")
        try:
            handle = source.open("rb", buffering=CHUNK_SIZE)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as error:
            raise ObjectMissing(source_key) from error
        with handle:
            if if_match is not None and _version_tag(os.fstat(handle.fileno())) != if_match:
                raise ObjectChanged(f"{source_key!r} was replaced since it was inspected")
            return self._store(target_key, iter(lambda: handle.read(CHUNK_SIZE), b""), content_type)

    def delete(self, key: str) -> None:
        path = self.path_for(key)
        _meta_path(path).unlink(missing_ok=True)
        with contextlib.suppress(NotADirectoryError, IsADirectoryError):
            path.unlink(missing_ok=True)

    def presign_upload(
        self, key: str, *, max_size: int, content_type: str, expires_in: timedelta
    ) -> PresignedUpload:
        """Sign the key, size limit and type into a token the upload view checks.

        The token travels in the URL's query string (not only in the form) so the view can read
        the size limit before it parses the body, and refuse an oversized body unread.
        """
        validate_key(key)
        if max_size < 1:
            raise StorageError("max_size must be at least one byte")
        expires_at = self._expiry(expires_in)
        token = self._upload_signer.dumps(
            {
                "key": key,
                "max_size": max_size,
                "content_type": content_type,
                "expires": int(expires_at.timestamp()),
            }
        )
        return PresignedUpload(
            url=f"{self.base_url_path}/upload?token={token}", fields={}, expires_at=expires_at
        )

    def presign_download(
        self,
        key: str,
        *,
        filename: str,
        expires_in: timedelta,
        disposition: str = ATTACHMENT,
        content_type: str | None = None,
    ) -> str:
        validate_key(key)
        validate_disposition(disposition)
        expires_at = self._expiry(expires_in)
        token = self._download_signer.dumps(
            {
                "key": key,
                "filename": filename,
                "disposition": disposition,
                "content_type": content_type,
                "expires": int(expires_at.timestamp()),
            }
        )
        return f"{self.base_url_path}/download/{token}"

    def create_multipart(self, key: str, *, content_type: str) -> str:
        validate_key(key)
        upload_id = secrets.token_urlsafe(24)
        staging = self._staging(upload_id)
        staging.mkdir(parents=True)
        (staging / UPLOAD_RECORD).write_text(json.dumps({"key": key, "content_type": content_type}))
        return upload_id

    def presign_part(self, key: str, upload_id: str, part_number: int, *, expires_in: timedelta) -> str:
        """Sign the key, upload id and part number into a token the part view checks.

        Like S3's presigning this needs no storage access, so it does not check the upload exists;
        the part view does, when the bytes arrive.
        """
        validate_key(key)
        validate_part_number(part_number)
        self._staging(upload_id)
        expires_at = self._expiry(expires_in)
        token = self._part_signer.dumps(
            {
                "key": key,
                "upload_id": upload_id,
                "part_number": part_number,
                "expires": int(expires_at.timestamp()),
            }
        )
        return f"{self.base_url_path}/part?token={token}"

    def put_part(
        self,
        key: str,
        upload_id: str,
        part_number: int,
        stream: BinaryIO,
        *,
        max_size: int = MULTIPART_MAX_PART_SIZE,
    ) -> str:
        """Store one part from ``stream`` (read in chunks) and return its ETag, the quoted MD5 hex
        of its bytes as S3 gives it; a part sent again replaces the earlier one.

        ``PartTooLarge`` once more than ``max_size`` bytes arrive, ``UploadNotPending`` if the
        upload is unknown, completed or aborted; either way no part is stored.
        """
        validate_key(key)
        validate_part_number(part_number)
        staging, _ = self._pending(key, upload_id)
        target = staging / str(part_number)
        md5 = hashlib.md5(usedforsecurity=False)
        size = 0
        try:
            with _temporary_beside(target) as part_file:
                while chunk := stream.read(CHUNK_SIZE):
                    size += len(chunk)
                    if size > max_size:
                        raise PartTooLarge(f"A part may hold at most {max_size} bytes")
                    md5.update(chunk)
                    part_file.write(chunk)
                part_file.close()
                os.replace(part_file.name, target)
        except FileNotFoundError as error:  # the staging folder went: aborted while the part arrived
            raise UploadNotPending(f"The upload in parts of {key!r} is no longer in progress") from error
        return f'"{md5.hexdigest()}"'

    def complete_multipart(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> ObjectInfo:
        """Stream the parts in order into the object (atomically, as ``put_stream`` does), checking
        each against its ETag and hashing the whole; the parts are removed once it is in place."""
        validate_key(key)
        validate_parts(parts)
        staging, record = self._pending(key, upload_id)
        content_type = str(record.get("content_type") or "application/octet-stream")
        info = self._store(key, _joined_parts(staging, parts), content_type)
        shutil.rmtree(staging, ignore_errors=True)
        return info

    def abort_multipart(self, key: str, upload_id: str) -> None:
        validate_key(key)
        try:
            staging, _ = self._pending(key, upload_id)
        except UploadNotPending:
            return
        shutil.rmtree(staging, ignore_errors=True)

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        """Walk the folders the prefix can reach, in key order; sidecars, temporary files and the
        staging folder all have a '.' in their names, which no key has, so they are skipped."""
        # Checked now, not when the first item is asked for.
        return self._walk(self.root, "", validate_prefix(prefix))

    def _walk(self, folder: Path, folder_key: str, prefix: str) -> Iterator[StoredObject]:
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            return
        # A folder sorts as "name/", so visiting in this order lists the full keys in string order.
        reachable: list[tuple[str, os.DirEntry[str]]] = []
        for entry in entries:
            if not _KEY_SEGMENT_PATTERN.fullmatch(entry.name):
                continue
            key = folder_key + entry.name
            if entry.is_dir(follow_symlinks=False):
                key += "/"
                if key.startswith(prefix) or prefix.startswith(key):
                    reachable.append((key, entry))
            elif entry.is_file(follow_symlinks=False) and key.startswith(prefix):
                reachable.append((key, entry))
        for key, entry in sorted(reachable, key=lambda pair: pair[0]):
            if key.endswith("/"):
                yield from self._walk(Path(entry.path), key, prefix)
                continue
            try:
                status = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # deleted since the folder was read
            yield StoredObject(
                key=key, size=status.st_size, last_modified=datetime.fromtimestamp(status.st_mtime, UTC)
            )

    def _staging(self, upload_id: str) -> Path:
        """The folder of a pending upload; ids are only ever our own random tokens."""
        if not isinstance(upload_id, str) or not _UPLOAD_ID_PATTERN.fullmatch(upload_id):
            raise UploadNotPending(f"Upload id {upload_id!r} is not one this storage issued")
        return self.root / STAGING_FOLDER / upload_id

    def _pending(self, key: str, upload_id: str) -> tuple[Path, dict[str, Any]]:
        """The staging folder and record of the upload, which must be in progress for ``key``."""
        staging = self._staging(upload_id)
        try:
            record = json.loads((staging / UPLOAD_RECORD).read_text())
        except (FileNotFoundError, NotADirectoryError, ValueError):
            record = None
        if not isinstance(record, dict) or record.get("key") != key:
            raise UploadNotPending(f"No upload in parts of {key!r} with this id is in progress")
        return staging, record

    def read_upload_token(self, token: str) -> UploadGrant:
        """The grant inside a genuine, unexpired upload token; ``LinkInvalid``/``LinkExpired``."""
        payload = self._verify(self._upload_signer, token)
        try:
            return UploadGrant(
                key=validate_key(payload["key"]),
                max_size=int(payload["max_size"]),
                content_type=str(payload["content_type"]),
            )
        except (KeyError, TypeError, ValueError, StorageError) as error:
            raise LinkInvalid("upload token payload is malformed") from error

    def read_part_token(self, token: str) -> PartGrant:
        """The grant inside a genuine, unexpired part token; ``LinkInvalid``/``LinkExpired``."""
        payload = self._verify(self._part_signer, token)
        try:
            return PartGrant(
                key=validate_key(payload["key"]),
                upload_id=str(payload["upload_id"]),
                part_number=validate_part_number(payload["part_number"]),
            )
        except (KeyError, TypeError, StorageError) as error:
            raise LinkInvalid("part token payload is malformed") from error

    def read_download_token(self, token: str) -> DownloadGrant:
        """The grant inside a genuine, unexpired download token; ``LinkInvalid``/``LinkExpired``."""
        payload = self._verify(self._download_signer, token)
        try:
            return DownloadGrant(
                key=validate_key(payload["key"]),
                filename=str(payload["filename"]),
                disposition=validate_disposition(payload.get("disposition", ATTACHMENT)),
                content_type=payload.get("content_type") or None,
            )
        except (KeyError, TypeError, StorageError) as error:
            raise LinkInvalid("download token payload is malformed") from error

    def _expiry(self, expires_in: timedelta) -> datetime:
        if expires_in.total_seconds() < 1:
            raise StorageError("A presigned link must stay valid for at least one second")
        # Whole seconds, so the returned expiry is exactly the one signed into the token.
        return datetime.fromtimestamp(int((self.clock() + expires_in).timestamp()), UTC)

    def _verify(self, signer: URLSafeTimedSerializer, token: str) -> dict[str, Any]:
        try:
            payload = signer.loads(token)
        except BadSignature as error:
            raise LinkInvalid("signature does not match") from error
        if not isinstance(payload, dict) or not isinstance(payload.get("expires"), int):
            raise LinkInvalid("token payload is malformed")
        if self.clock().timestamp() >= payload["expires"]:
            raise LinkExpired("link has expired")
        return payload


def _joined_parts(staging: Path, parts: list[tuple[int, str]]) -> Iterator[bytes]:
    """The bytes of the listed parts in order, in chunks; ``StorageError`` as soon as a part is
    missing, too small to be followed by another, or different from its ETag."""
    last = len(parts) - 1
    for index, (part_number, etag) in enumerate(parts):
        try:
            handle = (staging / str(part_number)).open("rb")
        except FileNotFoundError:
            raise StorageError(f"Part {part_number} was never uploaded") from None
        md5 = hashlib.md5(usedforsecurity=False)
        with handle:
            size = os.fstat(handle.fileno()).st_size
            if index < last and size < MULTIPART_MIN_PART_SIZE:
                raise StorageError(
                    f"Part {part_number} holds {size} bytes; every part but the last must hold at least "
                    f"{MULTIPART_MIN_PART_SIZE} bytes"
                )
            while chunk := handle.read(CHUNK_SIZE):
                md5.update(chunk)
                yield chunk
        if md5.hexdigest() != etag.strip('"').lower():
            raise StorageError(f"Part {part_number} does not match its ETag")


def _write_hashing(data_file: IO[bytes], chunks: Iterable[bytes], sha256: Any) -> int:
    """Write the chunks to ``data_file`` while hashing them; returns how many bytes were written.

    The writes happen on a helper thread while this one hashes the chunk and fetches the next
    (``write`` and hashlib both release the GIL), with at most one chunk waiting. Every
    ``WRITEBACK_EVERY`` bytes the kernel is asked to start writing what is complete, so the disk
    works during the upload and the fsync at the end waits for the last stretch only; on Linux,
    POSIX_FADV_DONTNEED starts that writeback and then lets those pages leave the page cache, so a
    5 GB entry does not push everything else out of memory.
    """
    size = 0
    advised = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="podium-store") as writer:
        pending: Future[int] | None = None
        for chunk in chunks:
            if pending is not None:
                pending.result()
            pending = writer.submit(data_file.write, chunk)
            sha256.update(chunk)
            size += len(chunk)
            if size - advised >= WRITEBACK_EVERY and hasattr(os, "posix_fadvise"):
                pending.result()
                data_file.flush()
                os.posix_fadvise(data_file.fileno(), advised, size - advised, os.POSIX_FADV_DONTNEED)
                advised = size
        if pending is not None:
            pending.result()
    data_file.flush()
    return size


def _meta_path(path: Path) -> Path:
    return path.with_name(path.name + META_SUFFIX)


def _read_meta(path: Path) -> dict[str, Any]:
    try:
        meta = json.loads(_meta_path(path).read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


@contextlib.contextmanager
def _temporary_beside(path: Path) -> Iterator[IO[bytes]]:
    """A temporary file in the target's folder (so ``os.replace`` is atomic); removed afterwards
    unless it was moved into place."""
    # Closed in the finally below; the caller needs it open, and needs to close it early.
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115
        dir=path.parent, prefix=".tmp-", delete=False
    )
    try:
        yield handle
    finally:
        handle.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(handle.name)


def _version_tag(status: os.stat_result) -> str:
    """A version tag for a stored file: objects are replaced by swapping in a new file
    (``os.replace``), which gives a new inode, and a rewrite in place would change size or time."""
    return f"{status.st_ino}-{status.st_size}-{status.st_mtime_ns}"
