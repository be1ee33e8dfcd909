"""RQ entry points for submissions."""

from __future__ import annotations

from app.submissions import services


def clean_up_uploads() -> dict[str, int]:
    return services.clean_up_uploads()


def verify_upload(upload_id: int) -> int | None:
    """Verify a finalized presigned upload and record its version (see ``services.verify_upload``);
    returns the version's id, or None when the file was refused."""
    version = services.verify_upload(upload_id)
    return version.id if version is not None else None


def resume_verifications() -> int:
    return services.resume_verifications()
