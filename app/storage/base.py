"""The storage contract every backend fulfils, plus the key and filename rules they share."""

from __future__ import annotations

import abc
import re
import secrets
import unicodedata
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO
from urllib.parse import quote

# Streams move in pieces of this size, so memory use does not grow with the object.
CHUNK_SIZE = 1024 * 1024

_KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*")


class StorageError(Exception):
    """The storage backend refused or failed an operation."""


class ObjectMissing(StorageError):
    """No object is stored under the requested key."""


@dataclass(frozen=True)
class ObjectInfo:
    """What a backend knows about a stored object; ``sha256`` is None when it was never recorded."""

    key: str
    size: int
    content_type: str | None
    sha256: str | None


@dataclass(frozen=True)
class PresignedUpload:
    """A browser POST form: every field in ``fields``, then the file as ``file``, to ``url``."""

    url: str
    fields: dict[str, str]
    expires_at: datetime


class Storage(abc.ABC):
    """Objects addressed by opaque keys; the database keeps keys and hashes, never the bytes."""

    @abc.abstractmethod
    def ensure_ready(self) -> None:
        """Create the bucket or folder objects live in; safe to call on every start."""

    @abc.abstractmethod
    def put_stream(
        self, key: str, stream: BinaryIO, *, content_type: str = "application/octet-stream"
    ) -> ObjectInfo:
        """Store ``stream`` under ``key`` in chunks, recording its SHA-256 alongside it."""

    @abc.abstractmethod
    def open(self, key: str) -> AbstractContextManager[BinaryIO]:
        """A readable binary stream of the object, to read in chunks and close (use ``with``).

        ``ObjectMissing`` is raised by this call itself, before any ``with`` block is entered.
        """

    @abc.abstractmethod
    def head(self, key: str) -> ObjectInfo | None:
        """Size, stored content type and known SHA-256 of the object, or None if it is missing."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing object is not an error."""

    @abc.abstractmethod
    def presign_upload(
        self, key: str, *, max_size: int, content_type: str, expires_in: timedelta
    ) -> PresignedUpload:
        """A form the browser posts straight to storage: 1..max_size bytes of ``content_type``."""

    @abc.abstractmethod
    def presign_download(self, key: str, *, filename: str, expires_in: timedelta) -> str:
        """A URL that downloads the object as an attachment named ``filename`` until it expires."""


def new_key(prefix: str = "objects") -> str:
    """A random key: unguessable, and free of user-supplied names that could leak or collide."""
    return validate_key(f"{prefix}/{secrets.token_urlsafe(24)}")


def validate_key(key: str) -> str:
    """Refuse keys that are not plain slash-separated words, since the local backend uses them
    as file paths (no ``..``, no leading ``/``, no empty segments, only ``[A-Za-z0-9/_-]``)."""
    if not isinstance(key, str) or not _KEY_PATTERN.fullmatch(key):
        raise StorageError(
            f"Storage key {key!r} is not allowed: use letters, digits, '_', '-' and single '/'"
        )
    return key


def content_disposition(filename: str) -> str:
    """An RFC 6266 attachment header: an ASCII fallback name for old clients and an RFC 5987
    ``filename*`` that carries the exact (possibly non-ASCII) name for everyone else."""
    cleaned = "".join(ch for ch in filename if unicodedata.category(ch)[0] != "C").strip()
    cleaned = cleaned.replace("/", "_").replace("\\", "_") or "download"
    fallback = unicodedata.normalize("NFKD", cleaned).encode("ascii", "ignore").decode("ascii")
    fallback = fallback.replace('"', "'").strip() or "download"
    encoded = quote(cleaned, safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
