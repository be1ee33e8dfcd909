"""Submission pages and the small JSON endpoints the uploader script talks to. Thin: services decide."""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import FileStorage

from app.challenges import services as challenges
from app.challenges.markdown import render_markdown
from app.core.access import Role, role_required
from app.core.errors import Conflict, ValidationFailed
from app.core.forms import attach_error
from app.core.numbers import read_id
from app.core.timefmt import exact_span
from app.core.timeutil import utcnow
from app.extensions import csrf
from app.submissions import bp, hooks, services
from app.submissions.forms import SubmitForm, WithdrawForm
from app.submissions.streamed_form import NotMultipart, StreamedForm

FORM_OVERHEAD = 1024 * 1024


def _submission_id(raw: object) -> int | None:
    if raw in (None, ""):
        return None
    submission_id = read_id(raw)
    if submission_id is None:
        raise ValidationFailed("That submission does not exist.", field="submission_id")
    return submission_id


@bp.get("/new/<slug>")
@role_required(Role.CONTRIBUTOR)
def new_submission(slug: str):
    challenge = challenges.get_by_slug(slug, current_user)
    form = SubmitForm()
    form.submission_id.data = request.args.get("submission", "")
    return _render_new(challenge, form)


def _render_new(challenge, form, status: int = 200):
    existing = None
    if form.submission_id.data:
        existing = services.own_submission(_submission_id(form.submission_id.data), current_user)
    return (
        render_template(
            "submissions/new.html",
            challenge=challenge,
            form=form,
            existing=existing,
            blocked=services.entry_status(challenge, current_user) if existing is None else None,
            grace=exact_span(current_app.config["SUBMISSION_GRACE"]),
        ),
        status,
    )


@bp.post("/new/<slug>")
@csrf.exempt  # the form checks its own token once the fields sent before the file have arrived
@role_required(Role.CONTRIBUTOR)
def submit_through_app(slug: str):
    challenge = challenges.get_by_slug(slug, current_user)
    # Bound the body by this challenge's limit before a byte of it is read.
    request.max_content_length = challenge.max_file_bytes + FORM_OVERHEAD
    try:
        body = StreamedForm(
            request.stream,
            request.headers.get("Content-Type", ""),
            request.content_length,
            fields=SubmitForm.TEXT_FIELDS,
            file_field="file",
        )
    except NotMultipart:
        form = SubmitForm()  # a form posted without its file: show what is missing
        form.validate()
        return _render_new(challenge, form, 422)
    try:
        return _submit_streamed(challenge, body)
    finally:
        body.discard_rest()


def _submit_streamed(challenge, body: StreamedForm):
    formdata = body.read_fields()
    if body.filename:
        formdata.add("file", FileStorage(body, filename=body.filename, name="file"))
    form = SubmitForm(formdata=formdata)
    if not form.validate():
        return _render_new(challenge, form, 422)
    try:
        version = services.submit_through_app(
            challenge.id,
            current_user,
            body,
            filename=body.filename,
            size_at_most=body.bytes_left if body.bytes_left is not None else challenge.max_file_bytes,
            content_type=body.file_content_type,
            submission_id=_submission_id(form.submission_id.data),
            title=form.title.data,
            description_md=form.description_md.data or "",
        )
    except ValidationFailed as error:  # includes UploadRejected: the file was deleted, the reason shown
        attach_error(form, error)
        return _render_new(challenge, form, error.status)
    flash(
        f"Received: version {version.number}, {version.size_bytes} bytes, SHA-256 {version.sha256[:12]}…",
        "success",
    )
    if version.identity_fields:
        flash(METADATA_NAMES_YOU, "info")
    return redirect(url_for("submissions.detail", submission_id=version.submission_id))


METADATA_NAMES_YOU = (
    "The file's own metadata names you (see “Your file's metadata may name you” below); "
    "you may clear it and send a new version."
)


@bp.post("/uploads")
@role_required(Role.CONTRIBUTOR)
def start_upload():
    body = request.get_json(silent=True) or {}
    challenge = challenges.get_by_slug(str(body.get("challenge", "")), current_user)
    try:
        size = int(body.get("size", 0))
    except (TypeError, ValueError):
        raise ValidationFailed("The file size must be a whole number of bytes.", field="size") from None
    ticket = services.start_upload(
        challenge.id,
        current_user,
        filename=str(body.get("filename", "")),
        size=size,
        content_type=str(body.get("content_type", "")),
        submission_id=_submission_id(body.get("submission_id")),
        title=body.get("title"),
        description_md=str(body.get("description_md", "")),
    )
    return jsonify(ticket.as_json()), 201


@bp.post("/uploads/<int:upload_id>/complete")
@role_required(Role.CONTRIBUTOR)
def complete_upload(upload_id: int):
    body = request.get_json(silent=True) or {}
    try:
        parts = [(int(number), str(etag)) for number, etag in body.get("parts", [])]
    except (TypeError, ValueError):
        raise ValidationFailed("Parts must be listed as [number, etag] pairs.", field="parts") from None
    services.complete_multipart(upload_id, current_user, parts)
    return jsonify({"upload_id": upload_id, "joined": len(parts)})


@bp.post("/uploads/<int:upload_id>/finalize")
@role_required(Role.CONTRIBUTOR)
def finalize_upload(upload_id: int):
    """Answers at once: the file is verified by a job, and ``location`` is the page that shows how far.

    The uploader's script (and any client sending its token in the X-CSRFToken header) gets JSON; the
    upload's own page posts a plain form with the token as a field (an upload whose file was sent but
    whose page closed before finalize) and is sent back to that page."""
    if "csrf_token" not in request.form:
        upload = services.request_finalize(upload_id, current_user)
        return jsonify(upload_status_json(upload)), 202
    try:
        services.request_finalize(upload_id, current_user)
    except (ValidationFailed, Conflict) as refusal:
        flash(refusal.message, "error")
    return redirect(url_for("submissions.upload_status", upload_id=upload_id), 303)


def upload_status_json(upload) -> dict:
    """What the uploader and the verifying page's script read about an upload."""
    version = services.version_of(upload)
    return {
        "upload_id": upload.id,
        "status": upload.status,
        "verified_percent": upload.verified_percent,
        "rejection_reason": upload.rejection_reason,
        "status_url": url_for("submissions.upload_status_data", upload_id=upload.id),
        "location": url_for("submissions.detail", submission_id=version.submission_id)
        if version is not None
        else url_for("submissions.upload_status", upload_id=upload.id),
        "submission_id": version.submission_id if version is not None else None,
        "version": version.number if version is not None else None,
        # For the contributor alone: the names and e-mails the file's own metadata carries.
        "identity_fields": (version.identity_fields or []) if version is not None else [],
    }


@bp.get("/uploads/<int:upload_id>")
@role_required(Role.CONTRIBUTOR)
def upload_status(upload_id: int):
    """The page a finalized upload lands on while its file is verified; once it is, the entry page."""
    upload = services.upload_of(upload_id, current_user)
    version = services.version_of(upload)
    if version is not None:
        return redirect(url_for("submissions.detail", submission_id=version.submission_id))
    return render_template(
        "submissions/upload.html",
        upload=upload,
        challenge=upload.challenge,
        status=upload_status_json(upload),
    )


@bp.get("/uploads/<int:upload_id>/status")
@role_required(Role.CONTRIBUTOR)
def upload_status_data(upload_id: int):
    """The same as JSON, for the verifying page's polling script."""
    return jsonify(upload_status_json(services.upload_of(upload_id, current_user)))


@bp.get("/mine")
@role_required(Role.CONTRIBUTOR)
def mine():
    return render_template(
        "submissions/mine.html",
        submissions=services.submissions_of(current_user),
        uploads=services.pending_uploads_of(current_user),
        now=utcnow(),
        **hooks.my_entries_page.merged(current_user),
    )


@bp.get("/<int:submission_id>")
@login_required
def detail(submission_id: int):
    submission = services.own_submission(submission_id, current_user, for_page=True)
    return render_template(
        "submissions/detail.html",
        submission=submission,
        description=render_markdown(submission.description_md, heading_offset=2),
        withdraw_form=WithdrawForm(),
        verifying=services.verifying_uploads_of(submission),
        now=utcnow(),
        **hooks.entry_page.merged(submission),
    )


@bp.post("/<int:submission_id>/withdraw")
@role_required(Role.CONTRIBUTOR)
def withdraw(submission_id: int):
    form = WithdrawForm()
    if not form.validate_on_submit():
        abort(400)
    services.withdraw_submission(submission_id, current_user)
    flash("Your submission was withdrawn. Its history is kept.", "info")
    return redirect(url_for("submissions.detail", submission_id=submission_id))


@bp.get("/<int:submission_id>/download")
@login_required
def download(submission_id: int):
    """Redirect to a short-lived storage link; ``disposition=inline`` asks for one a page can show."""
    version = request.args.get("version", type=int)
    inline = request.args.get("disposition") == "inline"
    return redirect(services.download_url(submission_id, current_user, version_number=version, inline=inline))
