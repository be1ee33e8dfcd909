"""Processes start right or stop loudly: gunicorn with the committed config, the worker, cron and the
other commands each check every setting at start-up and stop with one line naming the variable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import cli as flask_cli

from tests.conftest import PROJECT_ROOT
from tests.services import free_port

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def _production_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """A production environment that would start, plus ``settings``; nothing of the test run leaks in."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PODIUM_", "DATABASE_", "REDIS_", "MAIL_", "S3_", "STORAGE_", "WEB_"))
    }
    env.update(
        PODIUM_ENV="production",
        PODIUM_INSTANCE_PATH=str(tmp_path),
        SECRET_KEY="s" * 40,
        PUBLIC_URL="https://podium.example",
        DATABASE_URL=f"postgresql://podium@127.0.0.1:{free_port()}/podium",  # never reached
        ALLOW_LOCAL_STORAGE="true",
    )
    env.update(settings)
    return env


def _wait(process: subprocess.Popen[str], seconds: float) -> int | None:
    """The exit status once the process ends, or None if it is still running at the deadline."""
    try:
        return process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        return None


def test_gunicorn_with_a_malformed_setting_stops_with_one_line_naming_it(tmp_path):
    env = _production_env(tmp_path, MAIL_PORT="twenty-five", PORT=str(free_port()))
    process = subprocess.Popen(
        [GUNICORN], cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    status = _wait(process, 20)
    if status is None:  # restarting workers without end: stop it, and fail
        os.kill(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    stdout, stderr = process.communicate()
    assert status == 1, stdout + stderr
    assert stdout == ""
    assert stderr.strip() == "podium: configuration error: MAIL_PORT='twenty-five' is not a whole number"


def test_gunicorn_with_a_malformed_server_setting_stops_with_one_line_naming_it(tmp_path):
    env = _production_env(tmp_path, WEB_TIMEOUT="soon")
    result = subprocess.run(
        [GUNICORN], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "podium: configuration error: WEB_TIMEOUT='soon' is not a whole number"


def test_gunicorn_serves_with_the_committed_config_and_stops_gracefully_on_sigterm(tmp_path, test_env):
    port = free_port()
    env = _production_env(
        tmp_path, PORT=str(port), WEB_CONCURRENCY="1", DATABASE_URL=test_env["DATABASE_URL"]
    )
    process = subprocess.Popen(
        [GUNICORN], cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        status = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as reply:
                    status = reply.status
                break
            except OSError:
                time.sleep(0.2)
        assert status == 200
    finally:
        os.kill(process.pid, signal.SIGTERM)
        exit_status = _wait(process, 30)
    stdout, stderr = process.communicate()
    assert exit_status == 0, stderr
    # Production logs are JSON, one object a line: gunicorn's own lines too, not only the app's.
    said = [json.loads(line) for line in (stdout + stderr).splitlines() if line.strip()]
    messages = [entry["message"] for entry in said]
    assert any("Using worker: gthread" in message for message in messages)
    assert any("Shutting down: Master" in message for message in messages)
    assert any('127.0.0.1 "GET /login HTTP/1.1" 200 ' in message for message in messages)  # the access log


def test_the_worker_process_with_a_malformed_setting_prints_exactly_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--burst"],
        cwd=PROJECT_ROOT,
        env=_production_env(tmp_path, REDIS_URL="localhost:6379"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "Error: configuration error: REDIS_URL is not a Redis address: Redis URL must specify one of the "
        "following schemes (redis://, rediss://, unix://)\n"
    )


def _flask(arguments: list[str], env: dict[str, str]):
    """``flask --app app ...`` run in this process (as the ``flask`` script runs it), with ``env`` only."""
    runner = CliRunner()
    unset = {key: None for key in os.environ if key not in env}
    return runner.invoke(flask_cli, ["--app", "app", *arguments], env={**unset, **env})


@pytest.mark.parametrize(
    ("command", "setting", "line"),
    [
        (["cron"], {"REDIS_URL": "redis://queue.internal/jobs"}, "REDIS_URL names database 'jobs'"),
        (["ledger", "verify"], {"DATABASE_URL": "postgresql://db:port/podium"}, "DATABASE_URL has a port"),
        (["storage", "init"], {"S3_ENDPOINT_URL": "minio:9000"}, "S3_ENDPOINT_URL='minio:9000' is not an"),
        (["db", "upgrade"], {"S3_BUCKET": "Podium_Files"}, "S3_BUCKET='Podium_Files' is not a bucket name"),
    ],
)
def test_a_command_with_a_malformed_setting_prints_exactly_one_line(command, setting, line, tmp_path):
    result = _flask(command, _production_env(tmp_path, **setting))
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # click's own exit after "Error: ...", no crash
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith(f"Error: configuration error: {line}")


@pytest.mark.parametrize("command", [["worker", "--burst"], ["cron"]])
def test_the_worker_and_cron_stop_with_one_line_when_redis_does_not_answer(command, tmp_path):
    result = _flask(command, _production_env(tmp_path, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"))
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("Error: cannot reach Redis at REDIS_URL: ")


def test_storage_init_stops_with_one_line_when_the_store_does_not_answer(tmp_path):
    endpoint = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    env = _production_env(
        tmp_path,
        STORAGE_BACKEND="s3",
        S3_ENDPOINT_URL=endpoint,
        S3_CONNECT_TIMEOUT="1",
        S3_MAX_ATTEMPTS="1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
    )
    result = _flask(["storage", "init"], env)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("Error: storage at S3_ENDPOINT_URL is not answering: ")
    assert endpoint in result.stderr
