"""The local backend: objects as files under one folder, with links the app itself serves."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, BinaryIO

from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.storage.base import (
    CHUNK_SIZE,
    ObjectInfo,
    ObjectMissing,
    PresignedUpload,
    Storage,
    StorageError,
    validate_key,
)
from app.timeutil import utcnow

UPLOAD_SALT = "podium-storage-upload"
DOWNLOAD_SALT = "podium-storage-download"
META_SUFFIX = ".meta.json"


class LinkInvalid(StorageError):
    """A signed link was altered, was signed with another key or is for another purpose."""


class LinkExpired(StorageError):
    """A signed link was genuine but its expiry time has passed."""


@dataclass(frozen=True)
class UploadGrant:
    """What a verified upload link allows: one object, of one type, up to ``max_size`` bytes."""

    key: str
    max_size: int
    content_type: str


@dataclass(frozen=True)
class DownloadGrant:
    """What a verified download link allows: one object, saved under ``filename``."""

    key: str
    filename: str


class LocalStorage(Storage):
    """Files at ``root/<key>`` with a ``<key>.meta.json`` sidecar holding type and SHA-256.

    Keys never contain '.', so no key can name a sidecar or a temporary file. Presigned links are
    relative URLs under ``base_url_path`` (served by ``app.storage.local_views``) rather than
    ``url_for`` results, so presigning needs no request context; it assumes the app is mounted at
    the site root. Each link carries its own expiry, checked against ``clock``.
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

    def ensure_ready(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    def path_for(self, key: str) -> Path:
        """The file holding ``key``; the key rules keep it inside ``root``."""
        return self.root / validate_key(key)

    def put_stream(
        self, key: str, stream: BinaryIO, *, content_type: str = "application/octet-stream"
    ) -> ObjectInfo:
        """Write to temporary files beside the target, then swap them in with ``os.replace``.

        The old sidecar is removed before the data is replaced, so a crash part-way leaves the
        hash unknown rather than describing other bytes.
        """
        path = self.path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        sha256 = hashlib.sha256()
        size = 0
        with _temporary_beside(path) as data_file, _temporary_beside(path) as meta_file:
            while chunk := stream.read(CHUNK_SIZE):
                sha256.update(chunk)
                size += len(chunk)
                data_file.write(chunk)
            data_file.flush()
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

    def head(self, key: str) -> ObjectInfo | None:
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
            key=key, size=size, content_type=meta.get("content_type"), sha256=meta.get("sha256")
        )

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

    def presign_download(self, key: str, *, filename: str, expires_in: timedelta) -> str:
        validate_key(key)
        expires_at = self._expiry(expires_in)
        token = self._download_signer.dumps(
            {"key": key, "filename": filename, "expires": int(expires_at.timestamp())}
        )
        return f"{self.base_url_path}/download/{token}"

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

    def read_download_token(self, token: str) -> DownloadGrant:
        """The grant inside a genuine, unexpired download token; ``LinkInvalid``/``LinkExpired``."""
        payload = self._verify(self._download_signer, token)
        try:
            return DownloadGrant(key=validate_key(payload["key"]), filename=str(payload["filename"]))
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
