"""The storage contract every backend fulfils, plus the key and filename rules they share."""

from __future__ import annotations

import abc
import re
import secrets
import unicodedata
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO
from urllib.parse import quote

# Streams move in pieces of this size, so memory use does not grow with the object.
CHUNK_SIZE = 1024 * 1024

# Files above this size go up in parts (``create_multipart``); below it, in one presigned POST.
MULTIPART_THRESHOLD = 100 * 1024 * 1024
# The size of each part but the last: 10,000 parts (S3's limit) of this size allow 640 GiB.
MULTIPART_PART_SIZE = 64 * 1024 * 1024
# S3's rules for parts, which the local backend enforces too so both behave alike: every part but
# the last holds at least the minimum, no part exceeds the maximum, numbers run 1..MAX_PARTS.
MULTIPART_MIN_PART_SIZE = 5 * 1024 * 1024
MULTIPART_MAX_PART_SIZE = 5 * 1024 * 1024 * 1024
MULTIPART_MAX_PARTS = 10_000

# How a download link asks the browser to treat the file: save it, or show it in the page.
ATTACHMENT, INLINE = "attachment", "inline"
DISPOSITIONS = (ATTACHMENT, INLINE)

_KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*")
_PREFIX_PATTERN = re.compile(r"([A-Za-z0-9_-]+/)*[A-Za-z0-9_-]*")


class StorageError(Exception):
    """The storage backend refused or failed an operation."""


class ObjectMissing(StorageError):
    """No object is stored under the requested key."""


class ObjectChanged(StorageError):
    """The object was replaced while it was being copied; nothing was stored under the target."""


@dataclass(frozen=True)
class ObjectInfo:
    """What a backend knows about a stored object; ``sha256`` is None when it was never recorded."""

    key: str
    size: int
    content_type: str | None
    sha256: str | None
    # Names this one version of the object: it changes whenever the object is replaced, so a copy
    # can be pinned to the version a head saw (None where the backend cannot tell).
    etag: str | None = None


@dataclass(frozen=True)
class StoredObject:
    """One object found by ``list_objects``; ``last_modified`` is timezone-aware UTC."""

    key: str
    size: int
    last_modified: datetime


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
    def head(self, key: str, *, with_sha256: bool = True) -> ObjectInfo | None:
        """Size, stored content type and known SHA-256 of the object, or None if it is missing.

        ``with_sha256=False`` is for callers that need only the size: a backend may then skip the
        extra call the hash takes (S3 keeps it in a tag) and leave ``sha256`` None."""

    @abc.abstractmethod
    def copy(self, source_key: str, target_key: str, *, if_match: str | None = None) -> ObjectInfo:
        """Copy one object to another key inside storage, without the bytes passing through memory.

        ``if_match`` is the ``etag`` an earlier ``head`` of the source returned: a source replaced
        since then is refused with ``ObjectChanged``, so what is copied is the version that head saw.

        The copy is of one version of the source: if the source is replaced while it is being copied,
        the copy is wholly the old bytes or wholly the new ones, or refused with ``ObjectChanged``.
        S3 keeps this with its copy conditions; a store that ignores them (moto's server does) may
        copy whatever it holds, so callers that must know what the copy holds hash the copy itself.

        ``ObjectMissing`` if the source does not exist. The target's ``sha256`` is reported (and
        recorded) only when the backend read the bytes itself; otherwise it is None and whoever needs
        it reads the copy. The content type is carried over.
        """

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing object is not an error."""

    @abc.abstractmethod
    def presign_upload(
        self, key: str, *, max_size: int, content_type: str, expires_in: timedelta
    ) -> PresignedUpload:
        """A form the browser posts straight to storage: 1..max_size bytes of ``content_type``."""

    @abc.abstractmethod
    def presign_download(
        self,
        key: str,
        *,
        filename: str,
        expires_in: timedelta,
        disposition: str = ATTACHMENT,
        content_type: str | None = None,
    ) -> str:
        """A URL that serves the object under ``filename`` until it expires.

        ``disposition`` is ``"attachment"`` (saved by the browser) or ``"inline"`` (shown in a page,
        for an ``<iframe>`` or ``<img>``); callers ask for inline only for types a browser shows
        without running anything, and pass that checked ``content_type`` so the reply carries it
        rather than whatever type the uploader claimed.
        """

    @abc.abstractmethod
    def create_multipart(self, key: str, *, content_type: str) -> str:
        """Start an upload in parts of the object ``key``; returns the upload id the parts use."""

    @abc.abstractmethod
    def presign_part(self, key: str, upload_id: str, part_number: int, *, expires_in: timedelta) -> str:
        """A URL the browser PUTs part ``part_number`` (1-based) to, as the raw body.

        The reply carries an ``ETag`` header that the browser hands back for ``complete_multipart``.
        """

    @abc.abstractmethod
    def complete_multipart(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> ObjectInfo:
        """Join the parts, listed as ``(part_number, etag)`` in ascending order, into the object.

        A missing part, a wrong ETag, a part under ``MULTIPART_MIN_PART_SIZE`` (but the last) or an
        unknown upload raises ``StorageError`` and stores nothing; the upload then stays pending.
        """

    @abc.abstractmethod
    def abort_multipart(self, key: str, upload_id: str) -> None:
        """Discard a pending upload and its parts; aborting one that is gone is not an error."""

    def browser_origins(self) -> tuple[str, ...]:
        """Origins other than the app's own that browsers reach for this backend's upload forms,
        part links and download links; the Content-Security-Policy allows exactly these. Files on
        local storage are served by the app itself, so by default there are none."""
        return ()

    @abc.abstractmethod
    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        """Every stored object whose key starts with ``prefix`` (a plain string prefix, as in S3:
        ``"a"`` matches ``"a/b"`` and ``"ab"``), in key order; parts of pending uploads are not
        objects and are never listed."""


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


def validate_prefix(prefix: str) -> str:
    """Refuse listing prefixes that no valid key could start with, and so could only be mistakes
    or attempts to walk outside the local root; ``""`` means every object."""
    if not isinstance(prefix, str) or not _PREFIX_PATTERN.fullmatch(prefix):
        raise StorageError(
            f"Storage prefix {prefix!r} is not allowed: use letters, digits, '_', '-' and single '/'"
        )
    return prefix


def validate_part_number(part_number: int) -> int:
    if isinstance(part_number, bool) or not isinstance(part_number, int):
        raise StorageError(f"Part number {part_number!r} is not a whole number")
    if not 1 <= part_number <= MULTIPART_MAX_PARTS:
        raise StorageError(f"Part number {part_number} is outside 1..{MULTIPART_MAX_PARTS}")
    return part_number


def validate_parts(parts: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The ``(part_number, etag)`` list ``complete_multipart`` takes: not empty, ascending numbers."""
    if not parts:
        raise StorageError("No parts were listed")
    previous = 0
    for part_number, etag in parts:
        validate_part_number(part_number)
        if part_number <= previous:
            raise StorageError("Parts must be listed once each, in ascending order of part number")
        if not isinstance(etag, str) or not etag.strip('"'):
            raise StorageError(f"Part {part_number} has no ETag")
        previous = part_number
    return parts


def validate_disposition(disposition: str) -> str:
    if disposition not in DISPOSITIONS:
        raise StorageError(f"Disposition {disposition!r} is neither 'attachment' nor 'inline'")
    return disposition


def content_disposition(filename: str, disposition: str = ATTACHMENT) -> str:
    """An RFC 6266 header (attachment or inline): an ASCII fallback name for old clients and an
    RFC 5987 ``filename*`` that carries the exact (possibly non-ASCII) name for everyone else."""
    cleaned = "".join(ch for ch in filename if unicodedata.category(ch)[0] != "C").strip()
    cleaned = cleaned.replace("/", "_").replace("\\", "_") or "download"
    fallback = unicodedata.normalize("NFKD", cleaned).encode("ascii", "ignore").decode("ascii")
    fallback = fallback.replace('"', "'").strip() or "download"
    encoded = quote(cleaned, safe="")
    return f"{validate_disposition(disposition)}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
