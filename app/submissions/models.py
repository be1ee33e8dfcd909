"""Submissions, their finalized versions, and the uploads that become versions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.challenges.models import Challenge
from app.core.timeutil import UTCDateTime, utcnow
from app.extensions import Model

ACTIVE, WITHDRAWN = "active", "withdrawn"
PENDING, FINALIZED, REJECTED, EXPIRED = "pending", "finalized", "rejected", "expired"
# Finalize was asked for in time and the file's bytes are being checked by a job; not judged yet.
VERIFYING = "verifying"


class Submission(Model):
    """One contributor's entry in a challenge; judges and sponsors know it only by its alias."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("challenge_id", "alias"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"), index=True)
    contributor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    alias: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(160))
    description_md: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default=ACTIVE, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    challenge: Mapped[Challenge] = relationship()
    contributor: Mapped[User] = relationship()
    versions: Mapped[list[SubmissionVersion]] = relationship(
        back_populates="submission", order_by="SubmissionVersion.number", cascade="all, delete-orphan"
    )

    @property
    def latest(self) -> SubmissionVersion | None:
        """The version that is judged: the most recent one finalized."""
        return self.versions[-1] if self.versions else None

    @property
    def label(self) -> str:
        return f"Entry {self.alias}"


class SubmissionVersion(Model):
    """A finalized file: what storage holds, as verified by the server when it arrived."""

    __tablename__ = "submission_versions"
    __table_args__ = (UniqueConstraint("submission_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    number: Mapped[int] = mapped_column()
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(100))
    original_filename: Mapped[str] = mapped_column(String(255))
    upload_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Names and e-mails the file's own metadata carries, for its contributor only: [{"field", "value"}].
    identity_fields: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)

    submission: Mapped[Submission] = relationship(back_populates="versions")


class Upload(Model):
    """A file on its way to storage. It becomes a version when finalized, or is cleaned up.

    New submissions carry their title and description here until the file is verified, so a
    submission row never exists without a file.
    """

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"), index=True)
    contributor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    original_filename: Mapped[str] = mapped_column(String(255))
    declared_size: Mapped[int] = mapped_column(BigInteger)
    declared_content_type: Mapped[str] = mapped_column(String(100))
    multipart_upload_id: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(160))
    description_md: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=PENDING, index=True)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the contributor asked to finalize: the deadline is judged by this, not by when the
    # verification job ends, so a slow check of a big file never makes it late.
    finalize_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The version of the stored object finalize saw (its ETag): the job verifies that one, and refuses
    # a file replaced after finalize was asked for (a presigned form stays usable until it expires).
    finalized_etag: Mapped[str | None] = mapped_column(String(200))
    # How far the verification job has read the file (written every few MiB), for its progress.
    verified_bytes: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    challenge: Mapped[Challenge] = relationship()
    submission: Mapped[Submission | None] = relationship()
    contributor: Mapped[User] = relationship()

    @property
    def verified_percent(self) -> int:
        """Share of the file read by the verification job so far, 0 to 100."""
        if self.status == FINALIZED:
            return 100
        if self.declared_size <= 0:
            return 0
        return min(100, self.verified_bytes * 100 // self.declared_size)


class StorageCheck(Model):
    """One run of ``flask storage verify``: how far it got (versions are checked in id order, so
    ``last_version_id`` is where an interrupted run resumes) and what it found."""

    __tablename__ = "storage_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_version_id: Mapped[int] = mapped_column(default=0)
    versions_checked: Mapped[int] = mapped_column(default=0)
    bytes_checked: Mapped[int] = mapped_column(BigInteger, default=0)
    versions_moved: Mapped[int] = mapped_column(default=0)
    mismatch_count: Mapped[int] = mapped_column(default=0)

    mismatches: Mapped[list[StorageMismatch]] = relationship(
        back_populates="check", order_by="StorageMismatch.id", cascade="all, delete-orphan"
    )


class StorageMismatch(Model):
    """A stored version whose bytes are not the ones verified when it was finalized, or are gone."""

    __tablename__ = "storage_mismatches"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("storage_checks.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("submission_versions.id"), index=True)
    storage_key: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text)
    expected_sha256: Mapped[str] = mapped_column(String(64))
    found_sha256: Mapped[str | None] = mapped_column(String(64))
    expected_size: Mapped[int] = mapped_column(BigInteger)
    found_size: Mapped[int | None] = mapped_column(BigInteger)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    check: Mapped[StorageCheck] = relationship(back_populates="mismatches")
    version: Mapped[SubmissionVersion] = relationship()
