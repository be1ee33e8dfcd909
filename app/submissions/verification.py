"""Checks that stored files are still the bytes verified at finalize (``flask storage verify``).

A run re-hashes every version in id order and commits after each one, so a run that stops (Ctrl-C,
a crash, a lost connection) is continued by the next ``flask storage verify`` from the first version
it had not finished. Versions finalized before version keys existed still sit at their upload key,
which a contributor's presigned form could reach; a run copies each one whose bytes still match to a
version key of its own and checks the copy, so after one full run no version is reachable that way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.core import audit
from app.core.errors import ServiceUnavailable
from app.core.timeutil import utcnow
from app.core.transactions import atomic
from app.extensions import db
from app.storage import ObjectChanged, ObjectMissing, Storage, StorageError, new_key
from app.submissions.models import StorageCheck, StorageMismatch, Submission, SubmissionVersion
from app.submissions.services import HASH_CHUNK, VERSION_PREFIX, storage_call

BATCH = 500

MISSING = "The file is missing from storage."
DIFFERENT = "The stored bytes are not the ones verified when this version was finalized."
CHANGED = "The file changed while it was being moved to its version key; run the check again."


@dataclass(frozen=True)
class Remaining:
    """What is left for a run: versions and their recorded bytes (the progress bar's length)."""

    versions: int
    bytes: int


def is_at_upload_key(version: SubmissionVersion) -> bool:
    """Versions finalized before version keys existed still point at their contributor-reachable key."""
    return not version.storage_key.startswith(VERSION_PREFIX + "/")


@atomic
def open_check(*, restart: bool = False, now: datetime | None = None) -> StorageCheck:
    """The newest unfinished run, to continue where it stopped, or a new run (always, with ``restart``)."""
    check = None
    if not restart:
        check = db.session.scalar(
            select(StorageCheck)
            .where(StorageCheck.finished_at.is_(None))
            .order_by(StorageCheck.id.desc())
            .limit(1)
        )
    if check is not None:
        audit.record("storage.check_resumed", check, after_version=check.last_version_id)
    else:
        check = StorageCheck(started_at=now or utcnow())
        db.session.add(check)
        db.session.flush()
        audit.record("storage.check_started", check)
    db.session.commit()
    return check


def remaining(check: StorageCheck) -> Remaining:
    count, total = db.session.execute(
        select(func.count(), func.coalesce(func.sum(SubmissionVersion.size_bytes), 0)).where(
            SubmissionVersion.id > check.last_version_id
        )
    ).one()
    return Remaining(versions=int(count), bytes=int(total))


def version_ids_after(version_id: int) -> Iterator[int]:
    """Every version id above ``version_id``, ascending, read in batches so memory stays flat."""
    while True:
        batch = list(
            db.session.scalars(
                select(SubmissionVersion.id)
                .where(SubmissionVersion.id > version_id)
                .order_by(SubmissionVersion.id)
                .limit(BATCH)
            )
        )
        if not batch:
            return
        yield from batch
        version_id = batch[-1]


@atomic
def check_version(
    check_id: int, version_id: int, *, on_bytes: Callable[[int], None] | None = None
) -> StorageMismatch | None:
    """Re-hash one version's stored bytes, record a mismatch if they differ, move a version still at
    its upload key to a version key, and advance the run past it; returns the mismatch, if any."""
    check = db.session.scalar(
        select(StorageCheck)
        .where(StorageCheck.id == check_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if check is None or check.finished_at is not None or version_id <= check.last_version_id:
        return None  # another process got here first
    version = db.session.get(SubmissionVersion, version_id)
    if version is None:
        return None
    moved_from = None
    mismatch = None
    with storage_call() as storage:
        found_sha256, found_size, problem, read_key = _examine(storage, version, on_bytes)
        if problem is None and read_key != version.storage_key:
            moved_from = version.storage_key
            version.storage_key = read_key
            check.versions_moved += 1
            audit.record(
                "submission.version_moved",
                version,
                submission_id=version.submission_id,
                from_key=moved_from,
                to_key=read_key,
            )
        elif problem is not None:
            if read_key != version.storage_key:
                storage.delete(read_key)  # the copy of bytes that do not match is evidence of nothing
            mismatch = StorageMismatch(
                check=check,
                version_id=version.id,
                storage_key=version.storage_key,
                problem=problem,
                expected_sha256=version.sha256,
                found_sha256=found_sha256,
                expected_size=version.size_bytes,
                found_size=found_size,
                found_at=utcnow(),
            )
            db.session.add(mismatch)
            check.mismatch_count += 1
            audit.record(
                "storage.mismatch_found",
                version,
                check_id=check.id,
                key=version.storage_key,
                problem=problem,
                expected_sha256=version.sha256,
                found_sha256=found_sha256,
            )
    check.last_version_id = version.id
    check.versions_checked += 1
    check.bytes_checked += found_size or 0
    db.session.commit()
    if moved_from is not None:
        _delete_quietly(moved_from)
    return mismatch


def _examine(
    storage: Storage, version: SubmissionVersion, on_bytes: Callable[[int], None] | None
) -> tuple[str | None, int | None, str | None, str]:
    """(found SHA-256, found size, problem or None, the key that was read).

    A version still at its upload key is copied to a new version key first and the copy is hashed,
    so what is checked is exactly what it will point at from now on."""
    read_key = version.storage_key
    if is_at_upload_key(version):
        read_key = new_key(VERSION_PREFIX)
        try:
            storage.copy(version.storage_key, read_key)
        except ObjectMissing:
            return None, None, MISSING, version.storage_key
        except ObjectChanged:
            return None, None, CHANGED, version.storage_key
    try:
        found_sha256, found_size = _hash(storage, read_key, on_bytes)
    except ObjectMissing:
        return None, None, MISSING, read_key
    if found_sha256 != version.sha256 or found_size != version.size_bytes:
        return found_sha256, found_size, DIFFERENT, read_key
    return found_sha256, found_size, None, read_key


def _hash(storage: Storage, key: str, on_bytes: Callable[[int], None] | None) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with storage.open(key) as stream:
        while chunk := stream.read(HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if on_bytes is not None:
                on_bytes(len(chunk))
    return digest.hexdigest(), size


def _delete_quietly(key: str) -> None:
    """The version already points at its new key; a failure here leaves an orphan for the clean-up."""
    try:
        with storage_call() as storage:
            storage.delete(key)
    except (StorageError, ServiceUnavailable) as error:
        current_app.logger.warning("could not delete the old key %s of a moved version: %s", key, error)


@atomic
def finish_check(check_id: int, *, now: datetime | None = None) -> StorageCheck:
    check = db.session.scalar(
        select(StorageCheck)
        .where(StorageCheck.id == check_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if check is None:
        raise LookupError(f"No storage check {check_id}")
    if check.finished_at is None:
        check.finished_at = now or utcnow()
        audit.record(
            "storage.check_finished",
            check,
            versions_checked=check.versions_checked,
            versions_moved=check.versions_moved,
            mismatches=check.mismatch_count,
        )
        db.session.commit()
    return check


def last_check() -> StorageCheck | None:
    """The most recent run, finished or not, for the admin's page, with each mismatch's version,
    entry and challenge (the page names them) loaded in a fixed number of statements."""
    return db.session.scalar(
        select(StorageCheck)
        .options(
            selectinload(StorageCheck.mismatches)
            .joinedload(StorageMismatch.version)
            .joinedload(SubmissionVersion.submission)
            .joinedload(Submission.challenge)
        )
        .order_by(StorageCheck.id.desc())
        .limit(1)
    )
