"""The storage inventory of a backup: every finalized version's key, size and SHA-256, and the check
after a restore that storage still holds exactly those bytes.

A backup does not copy storage (buckets replicate and version on their own, see the README); it lists
what the database promises storage holds, read in the same snapshot as the database dump, so a restore
can prove the promise is kept before anyone relies on it.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from sqlalchemy import Connection, select

from app.storage import ObjectMissing, Storage
from app.submissions.models import SubmissionVersion
from app.submissions.services import HASH_CHUNK

COLUMNS = ("version_id", "storage_key", "size_bytes", "sha256")


@dataclass(frozen=True)
class InventoryRow:
    version_id: int
    storage_key: str
    size_bytes: int
    sha256: str


@dataclass(frozen=True)
class Written:
    """What an inventory holds: its row count and the bytes its objects take in storage."""

    objects: int
    object_bytes: int


def write_inventory(connection: Connection, out: IO[str]) -> Written:
    """Write every version as a CSV row, streamed from the database in id order (never all in memory)."""
    versions = SubmissionVersion.__table__
    query = select(versions.c.id, versions.c.storage_key, versions.c.size_bytes, versions.c.sha256).order_by(
        versions.c.id
    )
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    objects = total = 0
    for version_id, key, size, sha256 in connection.execution_options(yield_per=1000).execute(query):
        writer.writerow((version_id, key, size, sha256))
        objects += 1
        total += size
    return Written(objects, total)


def read_inventory(source: IO[str]) -> Iterator[InventoryRow]:
    """The rows of an inventory file, one at a time; a file of another shape is refused."""
    reader = csv.reader(source)
    if tuple(next(reader, ())) != COLUMNS:
        raise ValueError(f"the inventory does not start with the header {','.join(COLUMNS)}")
    for line, row in enumerate(reader, start=2):
        try:
            version_id, key, size, sha256 = row
            yield InventoryRow(int(version_id), key, int(size), sha256)
        except ValueError:
            raise ValueError(
                f"line {line} of the inventory is not version_id,storage_key,size_bytes,sha256"
            ) from None


def recorded_rows(connection: Connection) -> Iterator[InventoryRow]:
    """The versions a (restored) database records, in the inventory's order."""
    versions = SubmissionVersion.__table__
    query = select(versions.c.id, versions.c.storage_key, versions.c.size_bytes, versions.c.sha256).order_by(
        versions.c.id
    )
    for version_id, key, size, sha256 in connection.execution_options(yield_per=1000).execute(query):
        yield InventoryRow(version_id, key, size, sha256)


def problem_with(
    storage: Storage, row: InventoryRow, *, rehash: bool, on_bytes: Callable[[int], None] | None = None
) -> str | None:
    """Why storage does not hold this row's bytes, or None when it does (size always; SHA-256 when
    ``rehash``, reading the object as a stream)."""
    info = storage.head(row.storage_key)
    if info is None:
        return f"{row.storage_key}: missing from storage"
    if info.size != row.size_bytes:
        return f"{row.storage_key}: {info.size} bytes in storage, {row.size_bytes} in the backup"
    if not rehash:
        return None
    digest = hashlib.sha256()
    try:
        with storage.open(row.storage_key) as stream:
            while chunk := stream.read(HASH_CHUNK):
                digest.update(chunk)
                if on_bytes is not None:
                    on_bytes(len(chunk))
    except ObjectMissing:
        return f"{row.storage_key}: missing from storage"
    if digest.hexdigest() != row.sha256:
        return f"{row.storage_key}: SHA-256 {digest.hexdigest()} in storage, {row.sha256} in the backup"
    return None
