"""The admin's job pages: every background job's status, progress and error, with a retry button; and
the queues and workers as Redis sees them.

These replace the rq-dashboard we once mounted: it changed state on plain GETs (re-running every failed
job, payouts included, from a link), which no page of ours may do. Here the only action is a POST with
a CSRF token that goes through ``jobs.retry_job``, which refuses anything but a failed job and audits.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from redis.exceptions import RedisError

from app import jobs
from app.admin import bp
from app.admin.forms import RetryJobForm
from app.core.access import Role, role_required
from app.core.errors import ServiceUnavailable
from app.core.forms import submit_form
from app.core.paging import read_page

PER_PAGE = 50
STATUSES = (jobs.QUEUED, jobs.STARTED, jobs.RETRYING, jobs.FAILED, jobs.FINISHED)


@bp.get("/jobs")
@role_required(Role.ADMIN)
def job_list():
    status = request.args.get("status", "")
    if status not in STATUSES:
        status = ""
    page = jobs.job_record_page(
        status or None, page=read_page(request.args.get("page")).number, per_page=PER_PAGE
    )
    return render_template(
        "admin/jobs.html",
        page=page,
        status=status,
        statuses=STATUSES,
        labels=jobs.STATUS_LABELS,
        failed_count=jobs.failed_job_count(),
        retry_form=RetryJobForm(),
        page_url=lambda number: url_for("admin.job_list", status=status or None, page=number),
    )


@bp.post("/jobs/<int:record_id>/retry")
@role_required(Role.ADMIN)
def retry(record_id: int):
    form = RetryJobForm()
    outcome = submit_form(form, lambda: jobs.retry_job(record_id, current_user))
    if outcome.done:
        flash(f"Job {record_id} is queued again.", "success")
    else:
        for message in form.form_errors or ["The form expired; reload the page and try again."]:
            flash(message, "error")
    return redirect(url_for("admin.job_list", status=request.args.get("status") or None))


@bp.get("/jobs/queues")
@role_required(Role.ADMIN)
def queues():
    try:
        queue_states, worker_states = jobs.queue_states(), jobs.worker_states()
    except RedisError as error:
        raise ServiceUnavailable("The job queue cannot be reached; try again in a minute.") from error
    return render_template("admin/queues.html", queues=queue_states, workers=worker_states)
