"""``/metrics``: refused without the scrape token, and after real requests and real jobs (run by a real
worker process) it shows requests by route and status with latency, jobs by kind and status with their
durations, queue depth, the age of the oldest waiting job, the workers and the time since the sweep."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from prometheus_client.parser import text_string_to_metric_families
from rq import Queue

from app import create_app, jobs
from app.jobs import run_job
from app.notifications import services as notifications
from config import TestingConfig
from tests.conftest import PROJECT_ROOT
from tests.services import free_port

TOKEN = "scrape-token-" + "x" * 32
SWEEP = "app.challenges.jobs:sweep"
MAIL_JOB = "app.notifications.jobs:deliver_email"
REQUEUE_JOB = "app.jobs:requeue_stranded"


@pytest.fixture
def metrics_on(app):
    saved = {key: app.config[key] for key in ("METRICS_ENABLED", "METRICS_TOKEN")}
    app.config.update(METRICS_ENABLED=True, METRICS_TOKEN=TOKEN)
    yield
    app.config.update(saved)


def _scrape(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("text/plain")
    return _samples(response.get_data(as_text=True))


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_do_not_exist_unless_switched_on(client, redis):
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token-of-the-same-kind-xxxxxxxxxxxxxxxxx"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": f"Bearer {TOKEN[:-1]}"},
        {"Authorization": "Bearer"},
    ],
)
def test_a_scrape_without_the_token_is_refused_and_reads_nothing(client, redis, metrics_on, headers):
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "podium_" not in response.get_data(as_text=True)
    assert client.get(f"/metrics?token={TOKEN}").status_code == 401


def test_after_real_requests_and_jobs_the_named_series_are_there(
    client, db, redis, make_user, run_worker, metrics_on
):
    before = _scrape(client)
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no-such-page")
    client.open("/healthz", method="BREW")  # an invented method is counted as "other", not as itself

    user = make_user("metrics@outside.example")
    jobs.enqueue(REQUEUE_JOB)  # recorded, and finishes
    notifications.notify(user, "Never sent", "SMTP is down")  # recorded, and fails on every attempt
    Queue("scheduled", connection=redis).enqueue(run_job, None, SWEEP)  # as the cron process does
    run_worker(MAIL_PORT=str(free_port()))  # one real worker process runs all three
    notifications.notify(user, "Waiting", "no worker runs now")  # left in the mail queue

    after = _scrape(client)
    delta = _value(
        after, "podium_http_requests_total", route="/healthz", method="GET", status="200"
    ) - _value(before, "podium_http_requests_total", route="/healthz", method="GET", status="200")
    assert delta == 2
    latency = "podium_http_request_duration_seconds_count"
    assert (
        _value(after, latency, route="/healthz", method="GET")
        - _value(before, latency, route="/healthz", method="GET")
        == 2
    )
    assert _value(after, "podium_http_requests_total", route="<unmatched>", method="GET", status="404") >= 1
    assert _value(after, "podium_http_requests_total", route="<unmatched>", method="other", status="405") >= 1
    assert not any(labels and ("method", "BREW") in labels for _, labels in after)

    assert _value(after, "podium_jobs", kind=REQUEUE_JOB, status="finished") == 1
    assert _value(after, "podium_jobs", kind=MAIL_JOB, status="failed") == 1
    assert _value(after, "podium_jobs", kind=MAIL_JOB, status="queued") == 1
    assert _value(after, "podium_job_duration_seconds_count", kind=REQUEUE_JOB, status="finished") == 1
    assert _value(after, "podium_job_duration_seconds_count", kind=MAIL_JOB, status="failed") == 1
    assert (
        _value(after, "podium_job_duration_seconds_bucket", kind=REQUEUE_JOB, status="finished", le="+Inf")
        == 1
    )
    assert ("podium_jobs", (("kind", SWEEP), ("status", "finished"))) not in after  # periodic: no record

    assert _value(after, "podium_queue_jobs", queue="mail", state="waiting") == 1
    assert _value(after, "podium_queue_jobs", queue="mail", state="failed") == 1
    assert _value(after, "podium_queue_oldest_job_age_seconds", queue="mail") > 0
    assert _value(after, "podium_queue_oldest_job_age_seconds", queue="default") == 0
    assert ("podium_workers", ()) in after  # the burst workers have left: none is registered now
    assert _value(after, "podium_workers") == 0
    assert ("podium_sweep_age_seconds", ()) in after and ("podium_sweep_age_seconds", ()) not in before
    assert _value(after, "podium_periodic_job_last_success_timestamp_seconds", kind=SWEEP) > 0
    for check in ("database", "migrations", "redis", "storage"):
        assert _value(after, "podium_ready", check=check) == 1


SERVE_ONE_REQUEST = textwrap.dedent(
    """
    import os, sys
    from app import create_app
    from config import TestingConfig
    app = create_app(TestingConfig(dict(os.environ)))
    client = app.test_client()
    if sys.argv[1] == "request":
        assert client.get("/healthz").status_code == 200
    else:
        token = os.environ["METRICS_TOKEN"]
        print(client.get("/metrics", headers={"Authorization": "Bearer " + token}).get_data(as_text=True))
    """
)


def test_a_scrape_with_redis_down_still_answers_and_says_redis_is_not_ready(test_env, db):
    app = create_app(
        TestingConfig(
            {
                **os.environ,
                **test_env,
                "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
                "METRICS_ENABLED": "true",
                "METRICS_TOKEN": TOKEN,
            }
        )
    )
    samples = _scrape(app.test_client())
    assert _value(samples, "podium_ready", check="redis") == 0
    assert _value(samples, "podium_ready", check="database") == 1
    assert not any(name.startswith("podium_queue_") for name, _ in samples)


def test_requests_answered_by_several_processes_add_up_in_any_one_scrape(test_env, tmp_path, db):
    """gunicorn's workers each count their own requests; with PROMETHEUS_MULTIPROC_DIR a scrape answered
    by any of them reports the sum, including processes that have since exited."""
    env = {
        **os.environ,
        **test_env,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "METRICS_ENABLED": "true",
        "METRICS_TOKEN": TOKEN,
    }

    def run(role: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", SERVE_ONE_REQUEST, role],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    run("request")
    run("request")
    samples = _samples(run("scrape"))
    assert _value(samples, "podium_http_requests_total", route="/healthz", method="GET", status="200") == 2
    assert _value(samples, "podium_http_request_duration_seconds_count", route="/healthz", method="GET") == 2
