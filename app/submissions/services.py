"""Submission services: starting uploads, verifying and recording what arrived, versions,
withdrawal, downloads and clean-up. The only code that changes submissions or their files."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, BinaryIO

from botocore.exceptions import BotoCoreError, ClientError
from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app import jobs
from app.accounts import services as accounts
from app.accounts.models import User
from app.challenges.filetypes import describe
from app.challenges.lifecycle import Status
from app.challenges.models import Challenge
from app.challenges.services import can_manage, get_challenge, hold_for_entry
from app.core import audit
from app.core.access import Role
from app.core.errors import Conflict, NotFound, PermissionDenied, ServiceUnavailable, ValidationFailed
from app.core.text import TextError, clean_filename, without_bidi_controls
from app.core.timeutil import utcnow
from app.core.transactions import atomic
from app.extensions import db
from app.notifications import services as notifications
from app.storage import ObjectChanged, ObjectMissing, Storage, StorageError, get_storage, new_key
from app.storage.base import ATTACHMENT, INLINE
from app.storage.outages import STORAGE_DOWN
from app.submissions import hooks, metadata, rules, sniffing
from app.submissions.models import (
    ACTIVE,
    EXPIRED,
    FINALIZED,
    PENDING,
    REJECTED,
    VERIFYING,
    WITHDRAWN,
    Submission,
    SubmissionVersion,
    Upload,
)

# Uploads arrive under KEY_PREFIX, at a key the contributor's presigned form or part links can
# write to until they expire. Finalize copies the verified bytes to a fresh key under VERSION_PREFIX,
# which no link handed to a contributor ever names, so a finalized version's bytes never change.
# Versions recorded before this rule still point at their upload key (see ``verification``).
KEY_PREFIX = "submissions"
VERSION_PREFIX = "versions"
SNIFF_BYTES = 8192
HASH_CHUNK = 1024 * 1024
# States in which an upload started before the deadline may still be finalized within the grace
# window. Judging normally starts only after that window; an entry that lands once it has started
# (its checks began in time) asks for its own judges.
ACCEPTING_LATE = frozenset({Status.OPEN, Status.CLOSED, Status.JUDGING})
NOT_ACCEPTING = "This challenge is not open for submissions."
REASSIGN_JOB = "app.judging.jobs:reassign"
VERIFY_JOB = "app.submissions.jobs:verify_upload"
# The verification copies and reads the whole file: 5 GiB at a slow store's 10 MB/s takes about
# 20 minutes, far past RQ's default limit of 3 minutes per job.
jobs.allow_time(VERIFY_JOB, 2 * 60 * 60)
# The verification job writes its progress after every this many bytes read, not every chunk.
PROGRESS_EVERY = 8 * 1024 * 1024
EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "application/zip": ".zip",
    "video/mp4": ".mp4",
    "text/plain": ".txt",
    "text/csv": ".csv",
}


class UploadRejected(ValidationFailed):
    """The file that arrived breaks a rule; it was deleted and the upload closed."""

    code = "upload_rejected"


@dataclass(frozen=True)
class UploadTicket:
    """What the browser needs to send the file straight to storage."""

    upload_id: int
    method: str  # "post" (one form POST) or "multipart" (PUT each part, then complete)
    url: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    part_size: int | None = None
    part_urls: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "upload_id": self.upload_id,
            "method": self.method,
            "url": self.url,
            "fields": self.fields,
            "part_size": self.part_size,
            "part_urls": self.part_urls,
        }


# The upload may still be under way, or may have failed (a full disk answers the upload itself with 507):
# the app cannot tell which, so it names both.
NOT_ARRIVED = (
    "The file has not arrived in storage: its upload has not finished, or it failed. "
    "Finish or repeat the upload, then try again."
)


@contextmanager
def storage_call() -> Iterator[Storage]:
    """Turn a storage outage into a clear 503; the caller's transaction rolls back untouched."""
    try:
        yield get_storage()
    except (BotoCoreError, ConnectionError, TimeoutError) as error:
        current_app.logger.warning("storage unavailable: %s", error)
        raise ServiceUnavailable(STORAGE_DOWN, code="storage_unavailable") from None
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code.startswith("5") or code in ("ServiceUnavailable", "SlowDown", "InternalError"):
            raise ServiceUnavailable(STORAGE_DOWN, code="storage_unavailable") from None
        raise


# --- eligibility ----------------------------------------------------------------------------------


def _active_submissions(challenge_id: int, contributor_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Submission)
        .where(
            Submission.challenge_id == challenge_id,
            Submission.contributor_id == contributor_id,
            Submission.status == ACTIVE,
        )
    )


def has_manager_approval(user: User, challenge: Challenge) -> bool:
    """Whether the contributor's manager approved the time this challenge asks for; without it an
    internal contributor can neither start nor finalize an upload. The marketplace, which keeps the
    approvals, answers through the ``manager_approval`` hook."""
    return all(hooks.manager_approval.answers(challenge, user=user))


def _entry_problem(
    challenge: Challenge, user: User, now: datetime, *, new_submission: bool, late: bool = False
) -> str | None:
    """``late`` marks an upload finishing in the grace period: the challenge may have closed already."""
    accepting = challenge.state is Status.OPEN and now <= challenge.closes_at
    if late:
        accepting = challenge.state in ACCEPTING_LATE
    terms = rules.Terms(
        is_open=accepting,
        eligibility=challenge.eligibility,
        requires_manager_approval=challenge.requires_manager_approval,
        submissions_per_contributor=challenge.submissions_per_contributor,
    )
    entrant = rules.Entrant(
        is_contributor=user.has_role(Role.CONTRIBUTOR),
        is_internal=accounts.is_internal(user),
        has_manager_approval=has_manager_approval(user, challenge),
        active_submissions=_active_submissions(challenge.id, user.id),
    )
    return rules.entry_problem(terms, entrant, new_submission=new_submission)


def entry_status(challenge: Challenge, user: User | None, *, now: datetime | None = None) -> str | None:
    """For the challenge page: why the viewer can't enter, or None when they can."""
    if user is None or not user.is_authenticated:
        return "Sign in as a contributor to enter."
    return _entry_problem(challenge, user, now or utcnow(), new_submission=True)


def own_submission(submission_id: int, user: User, *, for_page: bool = False) -> Submission:
    """The user's own submission, or not found. ``for_page`` loads what its page shows with it: the
    challenge, the challenge's rubric and every version."""
    options = (
        [joinedload(Submission.challenge).selectinload(Challenge.criteria), selectinload(Submission.versions)]
        if for_page
        else []
    )
    submission = db.session.get(Submission, submission_id, options=options)
    if submission is None or submission.contributor_id != user.id:
        raise NotFound("No such submission of yours.")
    return submission


def _clean_filename(filename: str) -> str:
    """The name to keep and show: its last path part, without control characters or the bidi controls
    that would make "gnp.exe" read as "exe.png" (app/core/text.py)."""
    if not (filename or "").strip():
        raise ValidationFailed("The file needs a name.", field="file")
    try:
        return clean_filename(filename)[:255]
    except TextError as error:
        raise ValidationFailed(str(error), field="file") from None


# --- starting an upload -----------------------------------------------------------------------------


@atomic
def start_upload(
    challenge_id: int,
    actor: User,
    *,
    filename: str,
    size: int,
    content_type: str,
    submission_id: int | None = None,
    title: str | None = None,
    description_md: str = "",
    now: datetime | None = None,
) -> UploadTicket:
    """Check the contributor may send this file now, and hand out a signed way to send it."""
    upload = _new_upload(
        challenge_id,
        actor,
        filename=filename,
        size=size,
        content_type=content_type,
        submission_id=submission_id,
        title=title,
        description_md=description_md,
        now=now,
    )
    challenge = upload.challenge
    config = current_app.config
    expiry = config["STORAGE_UPLOAD_EXPIRY"]
    part_size = config["STORAGE_MULTIPART_PART_SIZE"]
    with storage_call() as storage:
        if size > config["STORAGE_MULTIPART_THRESHOLD"]:
            upload.multipart_upload_id = storage.create_multipart(
                upload.storage_key, content_type=upload.declared_content_type
            )
            parts = -(-size // part_size)
            part_expiry = _part_link_lifetime(size, config)
            part_urls = [
                storage.presign_part(
                    upload.storage_key, upload.multipart_upload_id, number, expires_in=part_expiry
                )
                for number in range(1, parts + 1)
            ]
            ticket_args: dict[str, Any] = {
                "method": "multipart",
                "part_size": part_size,
                "part_urls": part_urls,
            }
        else:
            presigned = storage.presign_upload(
                upload.storage_key,
                max_size=challenge.max_file_bytes,
                content_type=upload.declared_content_type,
                expires_in=expiry,
            )
            ticket_args = {"method": "post", "url": presigned.url, "fields": presigned.fields}
    _record_start(upload, actor)
    return UploadTicket(upload_id=upload.id, **ticket_args)


def _part_link_lifetime(size: int, config: Any) -> timedelta:
    """How long a big upload's part links last: long enough to send the whole file on the slowest
    line we serve, never less than a direct upload's link and never past the upload's clean-up."""
    needed = timedelta(seconds=size / (config["STORAGE_SLOWEST_UPLOAD_KBPS"] * 1024))
    return min(max(needed, config["STORAGE_UPLOAD_EXPIRY"]), config["UPLOAD_RETENTION"])


def _new_upload(
    challenge_id: int,
    actor: User,
    *,
    filename: str,
    size: int | None,
    content_type: str,
    submission_id: int | None,
    title: str | None,
    description_md: str,
    now: datetime | None,
    size_at_most: int | None = None,
) -> Upload:
    """The checks every upload passes before any byte is sent, and its (unsaved) row.

    ``size`` is what the client says the file weighs. A form read as it arrives knows only the most
    the file can weigh (``size_at_most``, from the request's length); its size is measured on the way.
    """
    now = now or utcnow()
    challenge = db.session.get(Challenge, challenge_id)
    if challenge is None or challenge.state is Status.DRAFT:
        raise NotFound("No such challenge.")
    submission = own_submission(submission_id, actor) if submission_id is not None else None
    problem = _entry_problem(challenge, actor, now, new_submission=submission is None)
    if problem:
        raise PermissionDenied(problem)
    if submission is not None:
        problem = _version_problem(submission, challenge)
        if submission.challenge_id != challenge.id or problem:
            raise Conflict(problem or "That submission was withdrawn; start a new one instead.")
    else:
        # Judges and the sponsor read the title: no bidi override may reorder what they see.
        title = " ".join(without_bidi_controls(title or "").split())
        if not 1 <= len(title) <= 160:
            raise ValidationFailed("Give your submission a title (up to 160 characters).", field="title")
    filename = _clean_filename(filename)
    if size is not None:
        if size <= 0:
            raise ValidationFailed("The file is empty.", field="file")
        if size > challenge.max_file_bytes:
            raise _too_big(size, challenge)
    if content_type not in challenge.allowed_types:
        content_type = challenge.allowed_types[0]  # the browser's guess is only a hint; finalize sniffs
    return Upload(
        challenge=challenge,
        contributor_id=actor.id,
        submission_id=submission.id if submission else None,
        storage_key=new_key(KEY_PREFIX),
        original_filename=filename,
        declared_size=size if size is not None else min(size_at_most or 0, challenge.max_file_bytes),
        declared_content_type=content_type,
        title=title if submission is None else None,
        description_md=description_md if submission is None else None,
        started_at=now,
    )


def _record_start(upload: Upload, actor: User) -> None:
    db.session.add(upload)
    db.session.flush()
    audit.record(
        "upload.started", upload, actor=actor, challenge_id=upload.challenge_id, size=upload.declared_size
    )
    db.session.commit()


def _too_big(size: int, challenge: Challenge) -> ValidationFailed:
    return ValidationFailed(
        f"The file is {_size(size)}; this challenge accepts files up to {_size(challenge.max_file_bytes)}.",
        field="file",
    )


def _own_upload(upload_id: int, actor: User) -> Upload:
    """The actor's upload, re-read under a row lock: finalizing it twice at once runs one at a time."""
    upload = db.session.scalar(
        select(Upload)
        .where(Upload.id == upload_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if upload is None or upload.contributor_id != actor.id:
        raise NotFound("No such upload of yours.")
    return upload


def _version_of(upload: Upload) -> SubmissionVersion | None:
    """The version a finalized upload became (finalize stamps both with the same moment)."""
    return db.session.scalar(
        select(SubmissionVersion).where(
            SubmissionVersion.submission_id == upload.submission_id,
            SubmissionVersion.upload_started_at == upload.started_at,
            SubmissionVersion.created_at == upload.finished_at,
        )
    )


def _own_pending_upload(upload_id: int, actor: User) -> Upload:
    upload = _own_upload(upload_id, actor)
    if upload.status == FINALIZED:
        raise Conflict("This upload was already received; there is nothing more to do.")
    if upload.status == VERIFYING:
        raise Conflict("This upload is being verified; its page shows how far. There is nothing more to do.")
    if upload.status in (REJECTED, EXPIRED):
        reason = upload.rejection_reason or "it expired"
        raise Conflict(f"This upload was closed: {reason} Start a new upload.")
    return upload


@atomic
def complete_multipart(upload_id: int, actor: User, parts: list[tuple[int, str]]) -> None:
    """Join the parts the browser sent into one object; finalize then verifies it."""
    upload = _own_pending_upload(upload_id, actor)
    if upload.multipart_upload_id is None:
        raise Conflict("This upload was not sent in parts.")
    if not parts:
        raise ValidationFailed("No parts were listed.", field="parts")
    with storage_call() as storage:
        try:
            storage.complete_multipart(upload.storage_key, upload.multipart_upload_id, parts)
        except StorageError as error:
            raise ValidationFailed(f"The parts could not be joined: {error}. Send the file again.") from None
    audit.record("upload.parts_joined", upload, actor=actor, parts=len(parts))
    db.session.commit()


# --- finalize --------------------------------------------------------------------------------------


def _reject(
    upload: Upload,
    storage: Storage,
    reason: str,
    actor: User,
    *,
    copy_key: str | None = None,
    tell: bool = False,
) -> UploadRejected:
    """Delete what arrived (and the copy made of it, if any), close the upload with the reason,
    and commit that before refusing. ``tell`` also puts the reason in the contributor's inbox and
    e-mail, in the same commit: the verification job has nobody waiting for its answer."""
    storage.delete(upload.storage_key)
    if copy_key is not None:
        storage.delete(copy_key)
    upload.status = REJECTED
    upload.rejection_reason = reason
    upload.finished_at = utcnow()
    audit.record("upload.rejected", upload, actor=actor, reason=reason)
    if tell:
        notifications.notify(
            upload.contributor,
            f"Your file {upload.original_filename} was refused",
            f"{upload.original_filename}, sent to “{upload.challenge.title}”, was checked after you finalized "
            f"it and was not accepted: {reason}\n\n{accounts.public_url(f'/submissions/uploads/{upload.id}')}",
            link=f"/submissions/uploads/{upload.id}",
            commit=False,
        )
    db.session.commit()
    return UploadRejected(reason, field="file")


@dataclass(frozen=True)
class Measured:
    """What the app learnt about a file while it streamed the bytes itself to ``key`` (a version
    key nobody else can write to): first bytes, hash, size."""

    key: str
    head: bytes
    sha256: str
    size: int


class _HeadKeeper:
    """A read-through wrapper that keeps the first bytes of a stream for sniffing."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self.head = b""

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        if len(self.head) < SNIFF_BYTES:
            self.head += chunk[: SNIFF_BYTES - len(self.head)]
        return chunk


def _measure(
    storage: Storage, key: str, progress: Callable[[int], None] | None = None
) -> tuple[bytes, str, int]:
    """The first bytes (for sniffing), the SHA-256 and the size, read in one streaming pass;
    ``progress`` is told the bytes read so far after each chunk."""
    digest = hashlib.sha256()
    head = b""
    size = 0
    with storage.open(key) as stream:
        while chunk := stream.read(HASH_CHUNK):
            if len(head) < SNIFF_BYTES:
                head += chunk[: SNIFF_BYTES - len(head)]
            digest.update(chunk)
            size += len(chunk)
            if progress is not None:
                progress(size)
    return head, digest.hexdigest(), size


def _unique_alias(challenge_id: int) -> str:
    taken = set(db.session.scalars(select(Submission.alias).where(Submission.challenge_id == challenge_id)))
    while (alias := rules.new_alias()) in taken:
        pass
    return alias


@atomic
def finalize_upload(
    upload_id: int,
    actor: User,
    *,
    now: datetime | None = None,
    measured_by_app: Measured | None = None,
) -> SubmissionVersion:
    """Verify what arrived in storage and record it as a version, in one go; the server is the only
    guard. The no-JavaScript form uses it (the app hashed the bytes as it streamed them, so nothing
    is read again); a presigned upload goes through ``request_finalize`` and ``verify_upload``
    instead, so no web worker reads a file.

    Storage in tests (and some S3-compatible stores) does not enforce presigned limits, so size,
    type and deadline are all checked here. A file that breaks a rule is deleted, and the
    contributor told why; a storage outage changes nothing and may simply be retried.

    The contributor's form or part links can still write to the upload key after this, so the bytes
    are first copied (inside storage) to a fresh version key no link names, and every check (size,
    SHA-256, sniffed type) is made on that copy: what is verified is exactly what judges download,
    even if the upload key is overwritten while this runs. The upload key is emptied afterwards.
    """
    now = now or utcnow()
    upload = _own_upload(upload_id, actor)
    if upload.status == FINALIZED and (recorded := _version_of(upload)) is not None:
        # Asked again (a retry after a dropped answer, a double click): the same version, nothing new.
        if measured_by_app is not None:
            _delete_quietly(measured_by_app.key)
        db.session.rollback()
        return recorded
    upload = _own_pending_upload(upload_id, actor)
    challenge = get_challenge(upload.challenge_id)
    copy_key = measured_by_app.key if measured_by_app is not None else None
    with storage_call() as storage:
        problem = _deadline_or_entry_problem(upload, challenge, actor, now)
        if problem:
            raise _reject(upload, storage, problem, actor, copy_key=copy_key)
        verified = _verify_bytes(upload, challenge, storage, actor, measured_by_app=measured_by_app)
    return _record_version(upload, challenge, actor, verified, now=now)


def _deadline_or_entry_problem(
    upload: Upload, challenge: Challenge, actor: User, requested_at: datetime, *, judged_later: bool = False
) -> str | None:
    """Why an upload may not be finalized when it was asked for at ``requested_at``: too late by the
    deadline and grace, or the contributor may no longer enter (roles, eligibility and limits may
    have changed since the upload started). None when it may.

    ``judged_later`` is the verification job's case: the request was in time, and the challenge may
    have closed since, which must not refuse it."""
    too_late = rules.deadline_problem(
        now=requested_at,
        closes_at=challenge.closes_at,
        started_at=upload.started_at,
        grace=current_app.config["SUBMISSION_GRACE"],
    )
    if too_late:
        return too_late
    return _entry_problem(
        challenge,
        actor,
        requested_at,
        new_submission=upload.submission_id is None,
        late=judged_later or requested_at > challenge.closes_at,
    )


@atomic
def request_finalize(upload_id: int, actor: User, *, now: datetime | None = None) -> Upload:
    """Ask for a presigned upload to be verified and recorded, answering at once whatever its size.

    Only cheap checks are made here: the upload is the actor's and still open, the deadline (judged
    by when the upload started and now, when finalize is asked for), the actor may still enter, the
    object arrived (one HEAD) and its size is allowed. The upload becomes "verifying", with the
    moment of asking kept, and ``verify_upload`` runs in a job: it reads the bytes, not this request.
    Asked again while verifying or after, the same upload is answered and no second job is queued.
    """
    now = now or utcnow()
    upload = _own_upload(upload_id, actor)
    if upload.status in (VERIFYING, FINALIZED):
        db.session.rollback()
        return upload
    upload = _own_pending_upload(upload_id, actor)
    challenge = get_challenge(upload.challenge_id)
    with storage_call() as storage:
        problem = _deadline_or_entry_problem(upload, challenge, actor, now)
        if problem:
            raise _reject(upload, storage, problem, actor)
        info = storage.head(upload.storage_key, with_sha256=False)  # one call: only the size is needed
        if info is None:
            raise Conflict(NOT_ARRIVED)
        size_problem = _size_problem(info.size, challenge) or _not_as_declared(info.size, upload)
        if size_problem:
            raise _reject(upload, storage, size_problem, actor)
    upload.status = VERIFYING
    upload.finalize_requested_at = now
    upload.finalized_etag = info.etag
    upload.verified_bytes = 0
    audit.record("upload.finalize_requested", upload, actor=actor, size=info.size)
    jobs.enqueue(VERIFY_JOB, upload.id, subject=upload, started_by=actor, commit=False)
    db.session.commit()
    return upload


@atomic
def verify_upload(upload_id: int) -> SubmissionVersion | None:
    """The verification job's work: what ``finalize_upload`` does for a presigned upload, judged as
    of ``finalize_requested_at``, so a check that ends after the deadline still counts.

    The bytes are copied and read without holding the upload's row lock (progress is written as
    they are read); the version is then recorded under that lock, after checking the upload is still
    verifying, so a job run twice records one version (the second run deletes its own copy).
    A file that breaks a rule is rejected and its contributor told; a storage outage raises, and the
    job is retried. Returns the version, or None when the upload was rejected or is not verifying.
    """
    upload = db.session.get(Upload, upload_id)
    if upload is None:
        return None
    if upload.status == FINALIZED:
        return _version_of(upload)
    if upload.status != VERIFYING or upload.finalize_requested_at is None:
        return None
    actor = upload.contributor
    challenge = get_challenge(upload.challenge_id)
    requested_at = upload.finalize_requested_at
    try:
        with storage_call() as storage:
            problem = _deadline_or_entry_problem(upload, challenge, actor, requested_at, judged_later=True)
            if problem:
                raise _reject(upload, storage, problem, actor, tell=True)
            try:
                verified = _verify_bytes(
                    upload, challenge, storage, actor, progress=_ProgressWriter(upload.id), tell=True
                )
            except Conflict:
                # Gone or replaced since finalize saw it: no retry can verify what was asked for.
                raise _reject(upload, storage, CHANGED_SINCE_FINALIZE, actor, tell=True) from None
        upload = db.session.scalar(
            select(Upload)
            .where(Upload.id == upload_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if upload is None or upload.status != VERIFYING:
            # Another run got here first and recorded (or refused) the upload: this copy is spare.
            db.session.rollback()
            _delete_quietly(verified.key)
            return _version_of(upload) if upload is not None and upload.status == FINALIZED else None
        return _record_version(upload, challenge, actor, verified, now=utcnow(), tell=True)
    except UploadRejected:
        return None


CHANGED_SINCE_FINALIZE = (
    "The file was gone or had been replaced in storage when it was checked, after finalize was asked "
    "for. Send it again as a new upload."
)


class _ProgressWriter:
    """Writes how many bytes the verification job has read, every ``PROGRESS_EVERY`` bytes, in a
    short transaction of its own so the entry page sees it at once."""

    def __init__(self, upload_id: int):
        self._upload_id = upload_id
        self._written = 0

    def __call__(self, read: int) -> None:
        if read - self._written < PROGRESS_EVERY:
            return
        self._written = read
        with db.engine.begin() as connection:
            connection.execute(
                update(Upload)
                .where(Upload.id == self._upload_id, Upload.status == VERIFYING)
                .values(verified_bytes=read)
            )


@dataclass(frozen=True)
class _Verified:
    """What the checks found on the bytes under ``key``, the version key no link names."""

    key: str
    head: bytes
    sha256: str
    size: int
    sniffed: sniffing.Sniffed
    identity_fields: list[dict[str, str]] | None


def _verify_bytes(
    upload: Upload,
    challenge: Challenge,
    storage: Storage,
    actor: User,
    *,
    measured_by_app: Measured | None = None,
    progress: Callable[[int], None] | None = None,
    tell: bool = False,
) -> _Verified:
    """Copy the upload to a version key and check size, SHA-256 and sniffed type on the copy (or take
    what the app measured while it streamed the bytes itself). Raises ``UploadRejected`` (the upload
    closed and committed), ``Conflict`` when the object is missing or changed, or a 503."""
    copy_key = measured_by_app.key if measured_by_app is not None else None
    # Through the app, the bytes already went straight to their version key, which no link reaches.
    info = storage.head(copy_key or upload.storage_key, with_sha256=False)
    if info is None:
        raise Conflict(NOT_ARRIVED)
    # Cheap refusals first, before any copy is made.
    size_problem = _size_problem(info.size, challenge)
    if size_problem:
        raise _reject(upload, storage, size_problem, actor, copy_key=copy_key, tell=tell)
    if measured_by_app is not None and measured_by_app.size == info.size:
        # The app hashed these bytes on their way to the version key: no re-read.
        head, sha256, measured = measured_by_app.head, measured_by_app.sha256, measured_by_app.size
    else:
        if copy_key is None:
            copy_key = new_key(VERSION_PREFIX)
            try:
                # Pinned to the version finalize saw (when it was asked for): bytes sent afterwards,
                # through a presigned form still valid, perhaps after the deadline, are not verified.
                copied = storage.copy(upload.storage_key, copy_key, if_match=upload.finalized_etag)
            except ObjectMissing:
                raise Conflict(NOT_ARRIVED) from None
            except ObjectChanged:
                # Replaced while it was being copied: refuse this attempt, keep the upload open.
                raise Conflict(
                    "The file changed while it was being checked. Wait for the upload to finish, then try again."
                ) from None
            except StorageError as error:
                current_app.logger.warning("copy of %s failed: %s", upload.storage_key, error)
                raise ServiceUnavailable(
                    "File storage could not keep a copy of the file; nothing was lost. Try again shortly."
                ) from None
            if copied.sha256 is not None:
                # The backend hashed the bytes as it wrote the copy: only the first bytes are needed.
                head, sha256, measured = _first_bytes(storage, copy_key), copied.sha256, copied.size
            else:
                head, sha256, measured = _measure(storage, copy_key, progress)
        else:
            head, sha256, measured = _measure(storage, copy_key, progress)
        # The copy may differ from what ``head`` saw if the upload was replaced meanwhile.
        size_problem = _size_problem(measured, challenge)
        if size_problem:
            raise _reject(upload, storage, size_problem, actor, copy_key=copy_key, tell=tell)
    sniffed = sniffing.sniff(head)
    if not sniffing.is_allowed(sniffed, challenge.allowed_types):
        raise _reject(
            upload,
            storage,
            f"The file is {sniffed.description}, not one of the accepted types ({describe(challenge.allowed_types)}).",
            actor,
            copy_key=copy_key,
            tell=tell,
        )
    assert copy_key is not None  # the version key: written by the app, or the copy made above
    identity_fields = metadata.inspect_stored(storage, copy_key, measured)  # the verified bytes
    return _Verified(copy_key, head, sha256, measured, sniffed, identity_fields)


def _version_problem(submission: Submission, challenge: Challenge) -> str | None:
    """Why a new version cannot join this entry now: checked when the upload starts, and again when
    it is recorded, since the entry may have been withdrawn or filled up while the file was checked."""
    if submission.status != ACTIVE:
        return "That submission was withdrawn; start a new one instead."
    if len(submission.versions) >= challenge.versions_per_submission:
        return f"This submission already has {challenge.versions_per_submission} versions, the most allowed."
    return None


def _record_version(
    upload: Upload,
    challenge: Challenge,
    actor: User,
    verified: _Verified,
    *,
    now: datetime,
    tell: bool = False,
) -> SubmissionVersion:
    """Record verified bytes as the upload's version (a new submission for a first one), and ask for
    judges when judging already started. Commits; the upload key is emptied after."""
    content_type = _accepted_type(verified.sniffed, challenge.allowed_types)
    # Recorded under a shared lock on the challenge, so judging cannot start halfway through; it may
    # have started while the file was checked (a long copy at the end of the grace window).
    challenge = hold_for_entry(challenge.id)
    if challenge.state not in ACCEPTING_LATE:
        with storage_call() as storage:
            raise _reject(upload, storage, NOT_ACCEPTING, actor, copy_key=verified.key, tell=tell)
    needs_judges = challenge.state is Status.JUDGING
    submission = upload.submission
    if submission is not None:
        # Locked, so a withdrawal either came first (and is seen here) or waits for this version.
        submission = db.session.scalar(
            select(Submission)
            .where(Submission.id == submission.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        assert submission is not None  # submissions are withdrawn, never deleted
        problem = _version_problem(submission, challenge)
        if problem:
            with storage_call() as storage:
                raise _reject(upload, storage, problem, actor, copy_key=verified.key, tell=tell)
    if submission is None:
        submission = Submission(
            challenge_id=challenge.id,
            contributor_id=actor.id,
            alias=_unique_alias(challenge.id),
            title=upload.title or upload.original_filename,
            description_md=upload.description_md or "",
            created_at=now,
        )
        db.session.add(submission)
    version = SubmissionVersion(
        submission=submission,
        number=len(submission.versions) + 1,
        storage_key=verified.key,
        size_bytes=verified.size,
        sha256=verified.sha256,
        content_type=content_type,
        original_filename=upload.original_filename,
        upload_started_at=upload.started_at,
        created_at=now,
        identity_fields=verified.identity_fields,
    )
    db.session.add(version)
    upload.status = FINALIZED
    upload.finished_at = now
    upload.verified_bytes = verified.size
    upload.submission = submission
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict("Another version arrived at the same moment; reload and try again.") from None
    audit.record(
        "submission.version_added",
        submission,
        actor=actor,
        version=version.number,
        size=verified.size,
        sha256=verified.sha256,
        content_type=content_type,
    )
    if needs_judges:
        jobs.enqueue(REASSIGN_JOB, challenge.id, subject=challenge, started_by=actor, commit=False)
    db.session.commit()
    _delete_quietly(upload.storage_key)
    return version


def _not_as_declared(size: int, upload: Upload) -> str | None:
    """A presigned upload starts with the file's exact size (it sizes the parts and the progress
    shown): an object of another size is not that file, or is missing parts of it."""
    if size == upload.declared_size:
        return None
    return (
        f"The file that arrived has {size:,} bytes, but the upload was started for one of "
        f"{upload.declared_size:,} bytes: it is incomplete or not the file you chose. Send the file again."
    )


def _size_problem(size: int, challenge: Challenge) -> str | None:
    if size == 0:
        return "The file is empty."
    if size > challenge.max_file_bytes:
        return f"The file is {_size(size)}; this challenge accepts files up to {_size(challenge.max_file_bytes)}."
    return None


def _first_bytes(storage: Storage, key: str) -> bytes:
    with storage.open(key) as stream:
        return stream.read(SNIFF_BYTES)


def _delete_quietly(key: str) -> None:
    """Remove an upload key once its bytes are safe under the version key. The version is already
    committed, so a failure here only leaves an orphan, which ``clean_up_uploads`` deletes later."""
    try:
        with storage_call() as storage:
            storage.delete(key)
    except (StorageError, ServiceUnavailable, ClientError) as error:
        current_app.logger.warning("could not delete upload key %s after finalize: %s", key, error)


def _accepted_type(sniffed: sniffing.Sniffed, allowed: list[str]) -> str:
    if sniffed.content_type == "text/plain" and "text/plain" not in allowed and "text/csv" in allowed:
        return "text/csv"
    return sniffed.content_type or "application/octet-stream"


def _size(size: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


@atomic
def submit_through_app(
    challenge_id: int,
    actor: User,
    stream: BinaryIO,
    *,
    filename: str,
    size_at_most: int,
    content_type: str,
    submission_id: int | None = None,
    title: str | None = None,
    description_md: str = "",
    now: datetime | None = None,
) -> SubmissionVersion:
    """The path for browsers without JavaScript: the app streams the file to storage as it arrives,
    then finalizes exactly as for a direct upload.

    The file's size is not known until its last byte, so the stream is cut off as soon as it passes
    the challenge's limit; nothing is stored then, and the upload is closed with the reason.
    """
    upload = _new_upload(
        challenge_id,
        actor,
        filename=filename,
        size=None,
        size_at_most=size_at_most,
        content_type=content_type,
        submission_id=submission_id,
        title=title,
        description_md=description_md,
        now=now,
    )
    _record_start(upload, actor)
    challenge = upload.challenge
    keeper = _HeadKeeper(_CappedReader(stream, challenge.max_file_bytes))
    # No link to the upload key is handed out on this path, but the bytes still go straight to a
    # version key of their own, so every version lives where only the app writes.
    version_key = new_key(VERSION_PREFIX)
    with storage_call() as storage:
        try:
            stored = storage.put_stream(version_key, keeper, content_type=upload.declared_content_type)
        except _OverLimit as over:
            raise _reject(upload, storage, _too_big(over.size, challenge).message, actor) from None
    sha256 = stored.sha256 or ""
    measured = Measured(version_key, keeper.head, sha256, stored.size if sha256 else -1)
    return finalize_upload(upload.id, actor, now=now, measured_by_app=measured)


class _OverLimit(Exception):
    """Raised inside ``put_stream`` so storage throws away what it was writing."""

    def __init__(self, size: int):
        super().__init__(size)
        self.size = size


class _CappedReader:
    """Passes reads through until more than ``limit`` bytes have come, then raises ``_OverLimit``."""

    def __init__(self, stream: BinaryIO, limit: int):
        self._stream = stream
        self._limit = limit
        self._seen = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        self._seen += len(chunk)
        if self._seen > self._limit:
            raise _OverLimit(self._seen)
        return chunk


# --- after submitting ------------------------------------------------------------------------------


@atomic
def withdraw_submission(submission_id: int, actor: User, *, now: datetime | None = None) -> Submission:
    """Take an entry out of the challenge before the deadline; its history is kept."""
    now = now or utcnow()
    submission = own_submission(submission_id, actor)
    if submission.status == WITHDRAWN:
        raise Conflict("This submission was already withdrawn.")
    challenge = submission.challenge
    if challenge.state is not Status.OPEN or now > challenge.closes_at:
        raise Conflict("The deadline has passed; submissions can no longer be withdrawn.")
    submission.status = WITHDRAWN
    submission.withdrawn_at = now
    audit.record("submission.withdrawn", submission, actor=actor)
    db.session.commit()
    return submission


def entry_counts(challenge_ids: list[int]) -> dict[int, int]:
    """Active submissions per challenge, for the sponsor's overview."""
    rows = db.session.execute(
        select(Submission.challenge_id, func.count())
        .where(Submission.challenge_id.in_(challenge_ids), Submission.status == ACTIVE)
        .group_by(Submission.challenge_id)
    )
    return {challenge_id: count for challenge_id, count in rows}


def submissions_of(user: User, *, limit: int | None = None) -> list[Submission]:
    """The contributor's submissions, newest first (the ``limit`` newest if given), each with its
    challenge and versions loaded: the lists show the challenge and the latest version."""
    return list(
        db.session.scalars(
            select(Submission)
            .where(Submission.contributor_id == user.id)
            .options(joinedload(Submission.challenge), selectinload(Submission.versions))
            .order_by(Submission.created_at.desc(), Submission.id.desc())
            .limit(limit)
        )
    )


def pending_uploads_of(user: User) -> list[Upload]:
    return list(
        db.session.scalars(
            select(Upload)
            .where(Upload.contributor_id == user.id, Upload.status.in_((PENDING, VERIFYING, REJECTED)))
            .order_by(Upload.started_at.desc())
            .limit(20)
        )
    )


def may_download(user: User | None, submission: Submission) -> bool:
    """The owner, the challenge's sponsor team, admins, and judges assigned to it without a conflict."""
    if user is None or not user.is_authenticated:
        return False
    if submission.contributor_id == user.id or can_manage(user, submission.challenge):
        return True
    return user.has_role(Role.JUDGE) and any(hooks.file_reviewer.answers(submission, judge=user))


def may_preview_inline(content_type: str) -> bool:
    """PDF, PNG and JPEG may be shown in the page; HTML, SVG, XML and the rest are only downloaded."""
    return content_type in sniffing.INLINE_PREVIEW_TYPES


def download_url(
    submission_id: int, actor: User, *, version_number: int | None = None, inline: bool = False
) -> str:
    """A short-lived link to the file. Everyone but the owner gets it named by alias, never by the
    original file name, so nothing about its maker leaks before results are published.

    ``inline`` asks for a link the page can show (an <iframe> or <img>); it is honoured only for the
    sniffed types in ``INLINE_PREVIEW_TYPES``, served with that sniffed type, and anything else stays
    an attachment."""
    submission = db.session.get(Submission, submission_id)
    if submission is None or not may_download(actor, submission):
        raise NotFound("No such submission.")
    versions = {version.number: version for version in submission.versions}
    version = versions.get(version_number) if version_number is not None else submission.latest
    if version is None:
        raise NotFound("No such version.")
    if submission.contributor_id == actor.id:
        filename = version.original_filename
    else:
        filename = (
            f"entry-{submission.alias.lower()}-v{version.number}{EXTENSIONS.get(version.content_type, '')}"
        )
    shown_inline = inline and may_preview_inline(version.content_type)
    with storage_call() as storage:
        return storage.presign_download(
            version.storage_key,
            filename=filename,
            expires_in=current_app.config["STORAGE_DOWNLOAD_EXPIRY"],
            disposition=INLINE if shown_inline else ATTACHMENT,
            content_type=version.content_type if shown_inline else None,
        )


def verifying_uploads_of(submission: Submission) -> list[Upload]:
    """New versions of an entry still being verified: shown to its contributor, never judged."""
    return list(
        db.session.scalars(
            select(Upload)
            .where(Upload.submission_id == submission.id, Upload.status == VERIFYING)
            .order_by(Upload.id)
        )
    )


def upload_of(upload_id: int, user: User) -> Upload:
    """One of the user's own uploads, for its status page; anyone else's is not found."""
    upload = db.session.get(Upload, upload_id)
    if upload is None or upload.contributor_id != user.id:
        raise NotFound("No such upload of yours.")
    return upload


def version_of(upload: Upload) -> SubmissionVersion | None:
    """The version a finalized upload became, or None while it is not finalized."""
    return _version_of(upload) if upload.status == FINALIZED else None


# --- clean-up --------------------------------------------------------------------------------------


# A verification asked for longer ago than this with no job on its way is taken for lost.
VERIFICATION_LOST_AFTER = timedelta(minutes=2)


def resume_verifications(*, now: datetime | None = None) -> int:
    """Queue again the verification of every upload still "verifying" whose job was lost: no record
    of it queued or running, or one that failed for good over ``FAILED_REPAIR_PAUSE`` ago (a storage
    outage longer than RQ's retries). A record Redis merely lost is pushed by ``requeue_stranded``.
    Returns how many were queued again; each is queued at most once however often this runs."""
    now = now or utcnow()
    waiting = db.session.scalars(
        select(Upload).where(
            Upload.status == VERIFYING, Upload.finalize_requested_at < now - VERIFICATION_LOST_AFTER
        )
    ).all()
    resumed = 0
    for upload in waiting:
        if jobs.is_pending(VERIFY_JOB, upload, now=now):
            continue
        record = jobs.enqueue(VERIFY_JOB, upload.id, subject=upload, commit=True)
        if record.status == jobs.FAILED:  # the failed record holds the work: retry it instead
            jobs.retry_job(record.id, None)
        resumed += 1
    return resumed


@atomic
def clean_up_uploads(*, now: datetime | None = None) -> dict[str, int]:
    """Close uploads never finalized within the retention window and delete any stored object that
    no row refers to, so no object outlives the window without a row and no row points at nothing."""
    now = now or utcnow()
    cutoff = now - current_app.config["UPLOAD_RETENTION"]
    expired = 0
    with storage_call() as storage:
        stale = db.session.scalars(
            select(Upload).where(Upload.status == PENDING, Upload.started_at < cutoff)
        ).all()
        for upload in stale:
            if upload.multipart_upload_id:
                storage.abort_multipart(upload.storage_key, upload.multipart_upload_id)
            storage.delete(upload.storage_key)
            upload.status = EXPIRED
            upload.rejection_reason = "It was never finished within the time allowed."
            upload.finished_at = now
            expired += 1
        db.session.flush()
        kept = set(db.session.scalars(select(SubmissionVersion.storage_key)))
        kept |= set(
            db.session.scalars(select(Upload.storage_key).where(Upload.status.in_((PENDING, VERIFYING))))
        )
        orphans = 0
        # Upload keys of finalized uploads are orphans too: finalize empties them, but a form still
        # valid can fill them again, and nothing reads them after the version was copied out.
        for prefix in (KEY_PREFIX, VERSION_PREFIX):
            for stored in storage.list_objects(prefix + "/"):
                if stored.key not in kept and stored.last_modified < cutoff:
                    storage.delete(stored.key)
                    orphans += 1
    if expired or orphans:
        audit.record("uploads.cleaned", subject_type="uploads", expired=expired, orphans_deleted=orphans)
    db.session.commit()
    return {"expired": expired, "orphans_deleted": orphans}
