"""The admin's health page: only administrators see it, and each sentence on it is true of the
deployment at that moment, read from the same checks as /readyz and the metrics."""

from __future__ import annotations

import logging
import os
import re

import pytest
from rq import Queue

from app import create_app
from app.jobs import run_job
from app.notifications import services as notifications
from config import TestingConfig
from tests.conftest import TEST_PASSWORD, IsolatedClient, extract_csrf
from tests.services import free_port


def _text(html: str, element_id: str) -> str:
    """The text of the element with that id, tags and runs of white space removed."""
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(p|li|table)>', html, re.S)
    assert match, f"no #{element_id} on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def test_the_health_page_is_for_admins_only(db, scene, login, client):
    assert login(scene.admin.email).get("/admin/health").status_code == 200
    assert login(scene.sponsor.email).get("/admin/health").status_code == 403
    assert login(scene.alice.email).get("/admin/health").status_code == 403
    assert client.get("/admin/health").status_code == 302  # to the sign-in page
    assert 'href="/admin/health"' in login(scene.admin.email).get("/admin").get_data(as_text=True)


def test_a_quiet_healthy_deployment_reads_as_such(db, redis, scene, login):
    html = login(scene.admin.email).get("/admin/health").get_data(as_text=True)
    assert _text(html, "readiness") == "Ready: the database, its migrations, Redis and storage all answer."
    assert _text(html, "workers").startswith(
        "No worker is registered with Redis, so no background job will run."
    )
    assert _text(html, "sweep").startswith("No lifecycle sweep has finished since Redis began keeping count")
    assert _text(html, "failed-jobs") == "No background job has failed."
    assert _text(html, "logs").startswith("Logs are written as text, without request ids")
    assert _text(html, "metrics") == "Prometheus metrics are off ( METRICS_ENABLED is not set)."
    assert _text(html, "errors") == "Errors are not reported to Sentry ( SENTRY_DSN is not set)."


def test_after_real_work_the_page_shows_the_failure_the_sweep_and_what_waits(
    db, redis, scene, login, make_user, run_worker
):
    user = make_user("unlucky@outside.example")
    notifications.notify(user, "Will fail", "SMTP is down")
    Queue("scheduled", connection=redis).enqueue(run_job, None, "app.challenges.jobs:sweep")  # as cron does
    # The mail job fails every attempt, and so does the e-mail alerting the admin to it (the same dead
    # SMTP port); the sweep succeeds.
    run_worker(MAIL_PORT=str(free_port()))
    notifications.notify(user, "Still waiting", "No worker runs now")  # stays in the mail queue

    html = login(scene.admin.email).get("/admin/health").get_data(as_text=True)
    assert _text(html, "failed-jobs") == "2 background jobs have failed: see them ."
    assert re.fullmatch(r"The lifecycle sweep last finished .* \([^()]+ ago\) \.", _text(html, "sweep"))
    mail_row = re.search(r"<td><code>mail</code></td><td>(\d+)</td><td>(.*?)</td><td>(\d+)</td>", html, re.S)
    assert mail_row, html
    waiting, since, failed = mail_row.groups()
    assert (waiting, failed) == ("1", "2")
    assert re.fullmatch(
        r"\s*<time datetime=\"[^\"]+\">.+</time> <span class=\"relative\">\([^()]+ ago\)</span>\s*", since
    ), since


def test_with_redis_down_the_page_says_so_and_shows_no_queue_figures(db, scene, test_env):
    app = create_app(
        TestingConfig({**os.environ, **test_env, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    )
    app.test_client_class = IsolatedClient
    browser = app.test_client()
    token = extract_csrf(browser.get("/login").get_data(as_text=True))
    signed_in = browser.post(
        "/login", data={"email": scene.admin.email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert signed_in.status_code == 302

    html = browser.get("/admin/health").get_data(as_text=True)
    assert _text(html, "readiness") == "Not ready. Down: Redis."
    assert _text(html, "queues") == "Queues, workers and the last sweep cannot be read while Redis is down."
    assert _text(html, "failed-jobs") == "No background job has failed."
    assert 'id="sweep"' not in html and 'id="workers"' not in html


@pytest.fixture
def logging_restored():
    """An app built with LOG_FORMAT=json takes over the root logger of this process; give it back."""
    root, flask_logger = logging.getLogger(), logging.getLogger("app")
    saved = (list(root.handlers), root.level, list(flask_logger.handlers))
    yield
    root.handlers[:], flask_logger.handlers[:] = saved[0], saved[2]
    root.setLevel(saved[1])


def test_metrics_and_json_logs_are_named_when_switched_on(db, scene, test_env, logging_restored):
    app = create_app(
        TestingConfig(
            {
                **os.environ,
                **test_env,
                "METRICS_ENABLED": "true",
                "METRICS_TOKEN": "m" * 32,
                "LOG_FORMAT": "json",
            }
        )
    )
    app.test_client_class = IsolatedClient
    browser = app.test_client()
    token = extract_csrf(browser.get("/login").get_data(as_text=True))
    browser.post("/login", data={"email": scene.admin.email, "password": TEST_PASSWORD, "csrf_token": token})
    html = browser.get("/admin/health").get_data(as_text=True)
    assert (
        _text(html, "metrics") == "Prometheus metrics are served at /metrics to scrapers that send the token."
    )
    assert _text(html, "logs") == "Logs are written as JSON lines, each with its request id."
