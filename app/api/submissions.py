"""Submissions over the API: uploads straight to storage (start, send, finalize), and one's entries.

Files never pass through the API: starting an upload answers with a presigned request (a form POST,
or one PUT per part for large files) that the client sends to storage itself, then finalize has a job
verify what arrived and record it as a version, while the client follows the upload's status.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from urllib.parse import urljoin

from flask import current_app, request, url_for
from pydantic import Field

from app.accounts.models import User
from app.api.challenges import visible_challenge
from app.api.pagination import paginate
from app.api.registry import operation
from app.api.schemas import Id, Input, Output, PageQuery, Query, text
from app.challenges.terms import MAX_FILE_BYTES
from app.submissions import queries, services
from app.submissions.models import Submission, Upload

TAG = "submissions"
WRITES = (400, 401, 403, 404, 409, 413, 415, 422, 503)


class UploadIn(Input):
    """What the server needs to check the file may be sent, before any byte is."""

    challenge_id: Id
    filename: text(255, 1)
    size: int = Field(ge=1, le=MAX_FILE_BYTES, description="bytes")
    content_type: text(100) = Field(default="", description="a hint only; the server sniffs the bytes")
    title: text(160) | None = Field(default=None, description="required for a new submission")
    description_md: text(50_000) = ""
    submission_id: Id | None = Field(default=None, description="send a new version of this submission")


class UploadTicketOut(Output):
    upload_id: int
    method: Literal["post", "multipart"] = Field(
        description="post: send fields then the file as 'file' in one multipart/form-data POST to url; "
        "multipart: PUT each part_size slice to its part_urls entry, then call complete"
    )
    url: str | None
    fields: dict[str, str]
    part_size: int | None
    part_urls: list[str]


class PartIn(Input):
    part_number: int = Field(ge=1, le=10_000)
    etag: text(200, 1)


class CompleteIn(Input):
    parts: list[PartIn] = Field(min_length=1, max_length=10_000)


class CompleteOut(Output):
    upload_id: int
    joined: int


class MetadataFieldOut(Output):
    field: str = Field(description="where in the file's own metadata, in words")
    value: str


class VersionOut(Output):
    number: int
    size_bytes: int
    sha256: str
    content_type: str
    original_filename: str
    created_at: datetime
    identity_fields: list[MetadataFieldOut] = Field(
        default_factory=list,
        description="names and e-mails the file's own metadata carries; shown to its contributor alone",
    )


class ChallengeRefOut(Output):
    id: int
    slug: str
    title: str


class SubmissionOut(Output):
    id: int
    challenge: ChallengeRefOut
    alias: str = Field(description="how judges and the sponsor know the entry until results are published")
    title: str
    description_md: str
    status: Literal["active", "withdrawn"]
    created_at: datetime
    withdrawn_at: datetime | None
    versions: list[VersionOut]


class SubmissionList(Output):
    items: list[SubmissionOut]
    next_cursor: str | None


class DownloadQuery(Query):
    version: int | None = Field(default=None, ge=1, le=100, description="default: the latest version")


class DownloadOut(Output):
    url: str = Field(description="a short-lived link to the file")
    expires_in_seconds: int


def absolute(url: str) -> str:
    """Storage links of the local backend are paths on this site; clients need whole URLs."""
    return urljoin(request.host_url, url)


def submission_out(submission: Submission) -> SubmissionOut:
    challenge = submission.challenge
    return SubmissionOut(
        id=submission.id,
        challenge=ChallengeRefOut(id=challenge.id, slug=challenge.slug, title=challenge.title),
        alias=submission.alias,
        title=submission.title,
        description_md=submission.description_md,
        status=submission.status,
        created_at=submission.created_at,
        withdrawn_at=submission.withdrawn_at,
        versions=[
            VersionOut.model_validate(
                {
                    "number": version.number,
                    "size_bytes": version.size_bytes,
                    "sha256": version.sha256,
                    "content_type": version.content_type,
                    "original_filename": version.original_filename,
                    "created_at": version.created_at,
                    "identity_fields": version.identity_fields or [],
                }
            )
            for version in submission.versions
        ],
    )


def download_out(url: str) -> DownloadOut:
    expiry = current_app.config["STORAGE_DOWNLOAD_EXPIRY"]
    return DownloadOut(url=absolute(url), expires_in_seconds=int(expiry.total_seconds()))


@operation(
    "POST",
    "/uploads",
    summary="Start an upload and receive the presigned request",
    tag=TAG,
    body=UploadIn,
    response=UploadTicketOut,
    status=201,
    errors=WRITES,
)
def start_upload(body: UploadIn, user: User) -> UploadTicketOut:
    """Checks that the caller may enter (or add a version) now and that the file's size is allowed,
    then answers with where and how to send the bytes. Nothing is recorded as a submission yet."""
    challenge = visible_challenge(body.challenge_id, user)
    ticket = services.start_upload(
        challenge.id,
        user,
        filename=body.filename,
        size=body.size,
        content_type=body.content_type,
        submission_id=body.submission_id,
        title=body.title,
        description_md=body.description_md,
    )
    return UploadTicketOut(
        upload_id=ticket.upload_id,
        method=ticket.method,
        url=absolute(ticket.url) if ticket.url else None,
        fields=ticket.fields,
        part_size=ticket.part_size,
        part_urls=[absolute(url) for url in ticket.part_urls],
    )


@operation(
    "POST",
    "/uploads/<id:upload_id>/complete",
    summary="Join the parts of a multipart upload",
    tag=TAG,
    body=CompleteIn,
    response=CompleteOut,
    errors=WRITES,
)
def complete_upload(upload_id: int, body: CompleteIn, user: User) -> CompleteOut:
    """Only for method=multipart: list every part's number and the ETag storage answered its PUT with."""
    parts = [(part.part_number, part.etag) for part in body.parts]
    services.complete_multipart(upload_id, user, parts)
    return CompleteOut(upload_id=upload_id, joined=len(parts))


class UploadOut(Output):
    id: int
    status: Literal["pending", "verifying", "finalized", "rejected", "expired"] = Field(
        description="verifying: finalize was accepted and a job is checking the file; finalized: it is "
        "recorded as a version of submission_id; rejected: see rejection_reason"
    )
    size: int = Field(description="the declared size, in bytes")
    verified_bytes: int = Field(description="how much of the file the verification has read so far")
    verified_percent: int = Field(ge=0, le=100)
    finalize_requested_at: datetime | None = Field(
        description="when finalize was asked for: the deadline is judged by this moment"
    )
    rejection_reason: str | None
    submission_id: int | None = Field(description="once finalized: the submission it became a version of")
    version: int | None = Field(description="once finalized: its version number")


def upload_out(upload: Upload) -> UploadOut:
    version = services.version_of(upload)
    return UploadOut.model_validate(
        {
            "id": upload.id,
            "status": upload.status,
            "size": upload.declared_size,
            "verified_bytes": upload.verified_bytes,
            "verified_percent": upload.verified_percent,
            "finalize_requested_at": upload.finalize_requested_at,
            "rejection_reason": upload.rejection_reason,
            "submission_id": version.submission_id if version is not None else None,
            "version": version.number if version is not None else None,
        }
    )


@operation(
    "POST",
    "/uploads/<id:upload_id>/finalize",
    summary="Ask for the uploaded file to be verified and recorded as a version",
    tag=TAG,
    response=UploadOut,
    status=202,
    errors=WRITES,
)
def finalize_upload(upload_id: int, user: User):
    """Answers at once, whatever the file's size: the deadline (judged by now, when finalize is
    asked for), eligibility, the object's arrival and its size are checked here; the file's SHA-256
    and sniffed type are checked by a job, and the upload is "verifying" until it ends. Follow the
    Location (GET the upload) until it is "finalized" (then submission_id names the entry) or
    "rejected" (with the reason, also sent to your inbox). Asking again changes nothing. A refusal
    found here is a 422 with code upload_rejected and the reason."""
    upload = services.request_finalize(upload_id, user)
    return upload_out(upload), {"Location": url_for("api.get_upload", upload_id=upload.id)}


@operation(
    "GET",
    "/uploads/<id:upload_id>",
    summary="Get one of my uploads: whether its file is verified yet",
    tag=TAG,
    response=UploadOut,
    errors=(401, 404),
)
def get_upload(upload_id: int, user: User) -> UploadOut:
    """Only its maker sees an upload; anyone else gets 404."""
    return upload_out(services.upload_of(upload_id, user))


@operation(
    "GET",
    "/submissions",
    summary="List my submissions",
    tag=TAG,
    query=PageQuery,
    response=SubmissionList,
    errors=(400, 401, 422),
)
def list_submissions(query: PageQuery, user: User) -> SubmissionList:
    """The caller's own submissions, newest first, withdrawn ones included."""
    page = paginate(
        queries.own_submissions(user.id),
        ((Submission.id, True),),
        lambda submission: [submission.id],
        list_name="submissions",
        cursor=query.cursor,
        limit=query.limit,
        filters={"user": user.id},
    )
    return SubmissionList(items=[submission_out(row) for row in page.rows], next_cursor=page.next_cursor)


@operation(
    "GET",
    "/submissions/<id:submission_id>",
    summary="Get one of my submissions",
    tag=TAG,
    response=SubmissionOut,
    errors=(401, 404),
)
def get_submission(submission_id: int, user: User) -> SubmissionOut:
    """Only its maker sees a submission this way; anyone else gets 404."""
    return submission_out(services.own_submission(submission_id, user))


@operation(
    "POST",
    "/submissions/<id:submission_id>/withdraw",
    summary="Withdraw one of my submissions",
    tag=TAG,
    response=SubmissionOut,
    errors=(401, 403, 404, 409),
)
def withdraw_submission(submission_id: int, user: User) -> SubmissionOut:
    """Before the deadline only; its history is kept."""
    return submission_out(services.withdraw_submission(submission_id, user))


@operation(
    "GET",
    "/submissions/<id:submission_id>/download",
    summary="Get a short-lived download link",
    tag=TAG,
    query=DownloadQuery,
    response=DownloadOut,
    errors=(400, 401, 404, 422, 503),
)
def download_submission(submission_id: int, query: DownloadQuery, user: User) -> DownloadOut:
    """For its maker, the challenge's sponsor team, admins and the judges assigned to it; everyone
    but the maker gets the file named by alias. 404 for anyone else."""
    return download_out(services.download_url(submission_id, user, version_number=query.version))
