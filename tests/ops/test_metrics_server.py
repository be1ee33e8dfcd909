"""``flask metrics serve``: the metrics on an internal address of their own, without a token; it
refuses to listen on every interface unless told to."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import PROJECT_ROOT
from tests.services import free_port


def _flask(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "app", "metrics", "serve", *args]


def test_the_internal_server_serves_the_metrics_without_a_token(test_env, db, redis, tmp_path):
    port = free_port()
    env = {**os.environ, **test_env}
    log = tmp_path / "metrics.log"
    server = subprocess.Popen(
        _flask("--port", str(port)),
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, log.read_text()
            try:
                response = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        assert response.status_code == 200
        names = {family.name for family in text_string_to_metric_families(response.text)}
        assert {"podium_ready", "podium_queue_jobs", "podium_workers"} <= names
        assert requests.get(f"http://127.0.0.1:{port}/admin", timeout=5).status_code == 404
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_the_internal_server_refuses_every_interface_unless_told(test_env):
    env = {**os.environ, **test_env}
    result = subprocess.run(
        _flask("--host", "0.0.0.0", "--port", str(free_port())),  # noqa: S104 - to see it refused
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "refusing to serve metrics without a token on every interface (0.0.0.0)" in result.stderr
