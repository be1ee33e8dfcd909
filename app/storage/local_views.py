"""The local backend's stand-in for S3: endpoints that accept and serve presigned links."""

from __future__ import annotations

import os
from typing import BinaryIO, cast

from flask import Blueprint, abort, current_app, request, send_file
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import RequestEntityTooLarge

from app.core.errors import NotFound, PermissionDenied, ValidationFailed
from app.extensions import csrf
from app.storage import get_storage
from app.storage.base import INLINE, MULTIPART_MAX_PART_SIZE, content_disposition
from app.storage.local import LinkExpired, LinkInvalid, LocalStorage, PartTooLarge, UploadNotPending

bp = Blueprint("local_storage", __name__, url_prefix="/storage/local")

# Room for the multipart framing around the file, so a file of exactly max_size still fits.
FORM_OVERHEAD = 64 * 1024
# The most one part may hold, as on S3.
MAX_PART_SIZE = MULTIPART_MAX_PART_SIZE


@bp.before_request
def only_for_local_backend() -> None:
    """With S3 configured these links are never issued, so the routes do not exist."""
    if current_app.config.get("STORAGE_BACKEND") != "local":
        abort(404)


def _local_storage() -> LocalStorage:
    storage = get_storage()
    if not isinstance(storage, LocalStorage):
        abort(404)
    return storage


@bp.post("/upload")
@csrf.exempt  # authorised by its signed token, as an S3 POST policy would be
def upload() -> ResponseReturnValue:
    """Store the posted ``file`` under the key the token names; answers 204 like S3."""
    storage = _local_storage()
    try:
        grant = storage.read_upload_token(request.args.get("token", ""))
    except LinkExpired:
        raise PermissionDenied("This upload link has expired; start the upload again.") from None
    except LinkInvalid:
        raise PermissionDenied("This upload link is not valid.") from None

    # Set before the form is parsed: a body declaring more than this is refused unread (413).
    request.max_content_length = grant.max_size + FORM_OVERHEAD
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed("Choose a file to upload.", field="file")

    stream = cast(BinaryIO, upload.stream)
    size = stream.seek(0, os.SEEK_END)
    stream.seek(0)
    if size < 1:
        raise ValidationFailed("The file is empty.", field="file")
    if size > grant.max_size:
        raise ValidationFailed(
            f"The file is {size} bytes; at most {grant.max_size} bytes are allowed.", field="file"
        )
    storage.put_stream(grant.key, stream, content_type=grant.content_type)
    return "", 204


@bp.put("/part")
@csrf.exempt  # authorised by its signed token, as S3's presigned part URL is
def upload_part() -> ResponseReturnValue:
    """Store the raw request body as one part; answers 200 with the part's ETag, like S3."""
    storage = _local_storage()
    try:
        grant = storage.read_part_token(request.args.get("token", ""))
    except LinkExpired:
        raise PermissionDenied("This upload link has expired; start the upload again.") from None
    except LinkInvalid:
        raise PermissionDenied("This upload link is not valid.") from None

    # A declared length over the limit is refused unread (413), and a chunked body is cut off once
    # it passes it. Werkzeug refuses any read of a chunked body after exactly its maximum (it cannot
    # tell whether more would follow), so it gets one byte more and put_part's own count decides.
    # The body is read in chunks, never whole.
    request.max_content_length = MAX_PART_SIZE + 1
    try:
        etag = storage.put_part(
            grant.key,
            grant.upload_id,
            grant.part_number,
            cast(BinaryIO, request.stream),
            max_size=MAX_PART_SIZE,
        )
    except UploadNotPending:
        raise NotFound("This upload is no longer in progress; start the upload again.") from None
    except PartTooLarge:
        raise RequestEntityTooLarge(f"A part may hold at most {MAX_PART_SIZE} bytes.") from None
    return "", 200, {"ETag": etag}


@bp.get("/download/<token>")
def download(token: str) -> ResponseReturnValue:
    """Serve the object under the filename and disposition chosen when the link was made."""
    storage = _local_storage()
    try:
        grant = storage.read_download_token(token)
    except LinkExpired:
        raise PermissionDenied("This download link has expired; go back and open the file again.") from None
    except LinkInvalid:
        raise PermissionDenied("This download link is not valid.") from None

    info = storage.head(grant.key)
    if info is None:
        raise NotFound("This file is no longer stored.")
    response = send_file(
        storage.path_for(grant.key),
        mimetype=grant.content_type or info.content_type or "application/octet-stream",
        as_attachment=grant.disposition != INLINE,
        download_name=grant.filename,
        max_age=0,
    )
    # The same header S3 sends for these links, so both backends name and show files alike.
    response.headers["Content-Disposition"] = content_disposition(grant.filename, grant.disposition)
    response.headers["X-Content-Type-Options"] = "nosniff"  # the type we chose, never a guess
    return response
