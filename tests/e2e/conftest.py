"""A live server for the browser tests: the test app served on a free loopback port, and Chromium."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import PROJECT_ROOT
from tests.services import free_port


@pytest.fixture
def live_server(app, db, redis) -> Iterator[str]:
    """The app served over real HTTP in a thread; the test's database rows are visible to it."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "Chromium is required for the browser tests; bin/test installs it (apt package chromium)"
    return path


@pytest.fixture
def browser_page(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        page = browser.new_page()
        yield page
        browser.close()


@dataclass
class ServedApp:
    """The app in its own server process, a real worker beside it, and the clock they both read."""

    url: str
    clock_file: Path
    env: dict[str, str]

    def move_clock(self, by: timedelta) -> None:
        """Move every process's clock forward (see app.timeutil); the browser's clock is untouched."""
        current = float(self.clock_file.read_text() or 0)
        self.clock_file.write_text(str(current + by.total_seconds()))

    def flask(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a ``flask`` command (e.g. the cron sweep) as its own process, on the moved clock."""
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", *args],
            cwd=PROJECT_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result


@pytest.fixture
def served_app(app, db, redis, test_env, tmp_path) -> Iterator[ServedApp]:
    """``flask run`` and ``flask worker`` as real processes on the tests' database, Redis and storage.

    The test itself still reads the database through the ``db`` fixture, and sees what the server did.
    """
    clock_file = tmp_path / "clock"
    clock_file.write_text("0")
    port = free_port()
    env = {
        **os.environ,
        **test_env,
        "PODIUM_TEST_CLOCK_FILE": str(clock_file),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "run", "--port", str(port), "--no-reload"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "server.log").open("w"),
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "worker.log").open("w"),
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/", server, tmp_path / "server.log")
        yield ServedApp(f"http://127.0.0.1:{port}", clock_file, env)
    finally:
        for process in (worker, server):
            process.send_signal(signal.SIGTERM)
        for process in (worker, server):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server process exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own loopback server
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within 30 s: {log.read_text()[-2000:]}")
