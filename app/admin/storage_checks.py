"""The admin's view of the last ``flask storage verify`` run: when, how much, and what differed."""

from __future__ import annotations

from flask import render_template

from app.admin import bp
from app.core.access import Role, role_required
from app.submissions.verification import last_check


@bp.get("/storage")
@role_required(Role.ADMIN)
def storage_check():
    return render_template("admin/storage.html", check=last_check())
