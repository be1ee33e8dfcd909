"""With SENTRY_DSN set, a crash in a request and a job that fails for good reach Sentry: a small HTTP
server in the test stands in for Sentry and receives the envelopes the SDK really sends."""

from __future__ import annotations

import gzip
import json
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk

from app import create_app
from app.core.request_id import bind_request_id, reset_request_id
from app.notifications import services as notifications
from config import TestingConfig
from tests.conftest import TEST_PASSWORD, IsolatedClient, extract_csrf
from tests.services import free_port


class SentryStandIn:
    """Collects the events of every envelope POSTed to /api/<project>/envelope/."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        self.paths: list[str] = []
        received = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                received.paths.append(self.path)
                lines = body.split(b"\n")
                for header, payload in zip(lines[1::2], lines[2::2], strict=False):
                    if json.loads(header).get("type") == "event":
                        received.events.append(json.loads(payload))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.dsn = f"http://publickey@127.0.0.1:{self.server.server_port}/7"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for_events(self, count: int) -> list[dict]:
        deadline = time.monotonic() + 20
        while len(self.events) < count:
            assert time.monotonic() < deadline, f"{len(self.events)} events arrived, expected {count}"
            time.sleep(0.05)
        return self.events


@pytest.fixture
def sentry() -> Iterator[SentryStandIn]:
    stand_in = SentryStandIn()
    yield stand_in
    sentry_sdk.init()  # this process reports nowhere again
    stand_in.server.shutdown()


def _exception_types(event: dict) -> list[str]:
    return [value["type"] for value in event.get("exception", {}).get("values", [])]


def test_a_crash_in_a_request_reaches_sentry_with_its_request_id_and_no_personal_data(
    db, scene, test_env, sentry
):
    app = create_app(TestingConfig({**os.environ, **test_env, "SENTRY_DSN": sentry.dsn}))
    app.test_client_class = IsolatedClient

    @app.get("/crash-for-the-test/<token>")
    def crash(token):
        raise RuntimeError("the test asked for a crash")

    browser = app.test_client()
    token = extract_csrf(browser.get("/login").get_data(as_text=True))
    browser.post("/login", data={"email": scene.admin.email, "password": TEST_PASSWORD, "csrf_token": token})
    link_token, query_secret = "-".join(("secret", "link", "token")), "-".join(("another", "secret"))
    response = browser.get(f"/crash-for-the-test/{link_token}?reset={query_secret}")
    assert response.status_code == 500
    sentry_sdk.flush(timeout=10)

    (event,) = sentry.wait_for_events(1)
    assert set(sentry.paths) == {"/api/7/envelope/"}
    assert _exception_types(event) == ["RuntimeError"]
    assert event["tags"]["request_id"] == response.headers["X-Request-ID"]
    assert event["environment"] == "testing"
    flattened = json.dumps(event)
    assert event["request"]["url"] == "/crash-for-the-test/[redacted]"
    assert link_token not in flattened and query_secret not in flattened
    assert scene.admin.email not in flattened and TEST_PASSWORD not in flattened
    session_cookie = browser.get_cookie("session")
    assert session_cookie is not None and session_cookie.value not in flattened

    html = browser.get("/admin/health").get_data(as_text=True)
    assert '<li id="errors">Errors are reported to Sentry.</li>' in html


def test_a_job_that_fails_for_good_is_reported_once_by_the_worker(
    db, redis, make_user, run_worker, sentry, app
):
    user = make_user("unreported@outside.example")
    token = bind_request_id("request-that-enqueued-0001")  # as a request's first hook does
    try:
        notifications.notify(user, "Will fail", "SMTP is down")
    finally:
        reset_request_id(token)
    run_worker(SENTRY_DSN=sentry.dsn, MAIL_PORT=str(free_port()))  # every attempt is refused
    (event,) = sentry.wait_for_events(1)
    assert _exception_types(event)[-1] == "ConnectionRefusedError"
    assert event["extra"]["rq-job"]["func"] == "app.jobs.run_job"
    assert event["tags"]["request_id"] == "request-that-enqueued-0001"
    # the worker process has exited, having flushed: what arrived is all there is
    assert len(sentry.events) == 1, [_exception_types(e) for e in sentry.events]
    assert app.config["JOB_RETRIES"] == 2  # three attempts failed, one report
