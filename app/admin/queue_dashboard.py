"""rq-dashboard, mounted at /admin/rq for administrators only; everyone else gets a 404.

rq-dashboard 0.9 works with our RQ 3 and redis-py 8 (its queues, workers, job and requeue pages were
exercised against them). It serves its own vendored Bootstrap and jQuery, so it works offline too.
"""

from __future__ import annotations

from flask import Flask, abort, request
from flask_login import current_user
from rq.exceptions import NoSuchJobError
from werkzeug.exceptions import NotFound

from app.core.access import Role
from app.extensions import csrf

URL_PREFIX = "/admin/rq"


def mount_queue_dashboard(app: Flask) -> None:
    import rq_dashboard
    from rq_dashboard.web import setup_rq_connection

    app.config.setdefault("RQ_DASHBOARD_REDIS_URL", app.config["REDIS_URL"])
    setup_rq_connection(app)
    app.register_blueprint(rq_dashboard.blueprint, url_prefix=URL_PREFIX)
    # Its buttons post with jQuery and no CSRF token. The session cookie is SameSite=Lax, so a
    # cross-site post arrives signed out, and the guard below answers it 404 before anything runs.
    csrf.exempt(rq_dashboard.blueprint)

    @app.before_request
    def only_admins_see_the_queue_dashboard():
        if request.blueprint == rq_dashboard.blueprint.name and not (
            current_user.is_authenticated and current_user.has_role(Role.ADMIN)
        ):
            abort(404)

    @app.errorhandler(NoSuchJobError)
    def job_no_longer_in_the_queue(error: NoSuchJobError):
        # The dashboard fetches the job its address names; one that expired or never was is a 404.
        return app.handle_http_exception(NotFound("There is no such job: it expired, or it never existed."))
