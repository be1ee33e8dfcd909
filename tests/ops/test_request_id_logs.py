"""Every request gets an id, answers with it, and logs one JSON line carrying it; a job the request
enqueues carries the same id into the worker's JSON log lines. Run against ``flask run`` and a real
worker, each as its own process, with LOG_FORMAT=json as production has it."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from app.ops.logs import JsonFormatter
from tests.conftest import PROJECT_ROOT, TEST_PASSWORD, extract_csrf
from tests.services import free_port

MAIL_JOB = "app.notifications.jobs:deliver_email"


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def _wait_for(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError(f"the server did not answer within 30 s: {log.read_text()[-2000:]}")


def test_the_id_of_a_sign_up_is_in_its_log_line_and_in_the_lines_of_the_job_it_enqueued(
    db, redis, test_env, tmp_path, run_worker, mailbox
):
    port = free_port()
    log = tmp_path / "server.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "run", "--port", str(port), "--no-reload"],
        cwd=PROJECT_ROOT,
        env={**os.environ, **test_env, "LOG_FORMAT": "json"},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(base + "/healthz", server, log)
        browser = requests.Session()
        token = extract_csrf(browser.get(base + "/register", timeout=10).text)
        signed_up = browser.post(
            base + "/register",
            data={
                "email": "traced@outside.example",
                "display_name": "Traced Person",
                "password": TEST_PASSWORD,
                "confirm": TEST_PASSWORD,
                "csrf_token": token,
            },
            allow_redirects=False,
            timeout=10,
        )
        assert signed_up.status_code == 302, signed_up.text
        request_id = signed_up.headers["X-Request-ID"]
        deadline = time.monotonic() + 10
        while not any(line.get("request_id") == request_id for line in _json_lines(log.read_text())):
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=20)

    request_lines = [line for line in _json_lines(log.read_text()) if line["request_id"] == request_id]
    assert {
        (line["logger"], line["method"], line["path"], line["route"], line["status"])
        for line in request_lines
    } == {("podium.requests", "POST", "/register", "/register", 302)}
    assert request_lines[0]["level"] == "INFO" and request_lines[0]["duration_ms"] >= 0

    worker = run_worker(LOG_FORMAT="json")
    output = worker.stdout + worker.stderr
    lines = _json_lines(output)
    assert len(lines) == len(output.strip().splitlines()), output  # every line the worker wrote is JSON
    traced = [(line["logger"], line["message"]) for line in lines if line["request_id"] == request_id]
    assert ("podium.jobs", f"job started: {MAIL_JOB}") in traced
    assert ("podium.jobs", f"job finished: {MAIL_JOB}") in traced
    assert [message["Subject"] for message in mailbox.to("traced@outside.example")]  # the job really ran


def test_a_well_formed_id_from_a_proxy_is_kept_and_anything_else_replaced(client, redis):
    kept = client.get("/healthz", headers={"X-Request-ID": "nginx-4f1c2a9e0b7d"})
    assert kept.headers["X-Request-ID"] == "nginx-4f1c2a9e0b7d"
    for offered in ("short", "has spaces in it", "line\\nbreak-0000", "x" * 129, "émoji-ünïcode"):
        answered = client.get("/healthz", headers={"X-Request-ID": offered}).headers["X-Request-ID"]
        assert answered != offered and len(answered) == 32 and answered.isalnum()
    first, second = (client.get("/healthz").headers["X-Request-ID"] for _ in range(2))
    assert first != second


def test_a_token_in_the_address_is_redacted_from_the_request_log_line(client, db, redis, caplog):
    secret = "reset-token-that-must-stay-secret"
    with caplog.at_level(logging.INFO, logger="podium.requests"):
        client.get(f"/account/reset/{secret}")
        client.get("/healthz/%0Aforged line")
    first, second = (record for record in caplog.records if record.name == "podium.requests")
    line = json.loads(JsonFormatter().format(first))
    assert secret not in json.dumps(line)
    assert (line["path"], line["route"], line["message"]) == (
        "/account/reset/[redacted]",
        "/account/reset/<token>",
        f"GET /account/reset/[redacted] {line['status']}",
    )
    assert "\n" not in second.getMessage() and "\\n" in second.getMessage()
