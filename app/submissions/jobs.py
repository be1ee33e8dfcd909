"""RQ entry points for submissions."""

from __future__ import annotations

from app.submissions import services


def clean_up_uploads() -> dict[str, int]:
    return services.clean_up_uploads()
