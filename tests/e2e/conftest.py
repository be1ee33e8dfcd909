"""A live server for the browser tests: the test app served on a free loopback port, Chromium, and
the folder their screenshots are saved to (``E2E_ARTIFACTS``, default ``test-artifacts/e2e``)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import PROJECT_ROOT, TEST_PASSWORD
from tests.services import free_port

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


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
    """A Chromium tab. Every browser test also fails if the page's Content-Security-Policy blocked
    anything: a script, a style, an upload to storage or a preview the page needed."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        blocked: list[str] = []
        page.on(
            "console",
            lambda message: (
                blocked.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        yield page
        browser.close()
    assert not blocked, blocked


@dataclass
class ServedApp:
    """The app in its own server process, a real worker beside it, and the clock they both read."""

    url: str
    clock_file: Path
    env: dict[str, str]

    def move_clock(self, by: timedelta) -> None:
        """Move every process's clock forward (see app.core.timeutil); the browser's clock is untouched."""
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
def served_app(app, db, redis, test_env, tmp_path, artifacts_dir, request) -> Iterator[ServedApp]:
    """``flask run`` and ``flask worker`` as real processes on the tests' database, Redis and storage.

    The test itself still reads the database through the ``db`` fixture, and sees what the server did.
    Both processes' logs are kept beside the screenshots.
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
        stdout=(tmp_path / "server.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=(tmp_path / "worker.log").open("w"),
        stderr=subprocess.STDOUT,
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
        test_name = re.sub(r"[^A-Za-z0-9_-]+", "_", request.node.name)
        for log in ("server.log", "worker.log"):
            shutil.copyfile(tmp_path / log, artifacts_dir / f"{test_name}--{log}")


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


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where the browser tests leave their screenshots for people (and CI) to look at."""
    folder = Path(os.environ.get("E2E_ARTIFACTS") or PROJECT_ROOT / "test-artifacts" / "e2e")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def screenshot(request, artifacts_dir) -> Callable[..., Path]:
    """``screenshot(page, "what")`` saves the whole page as ``<test name>--<what>.png``."""
    test_name = re.sub(r"[^A-Za-z0-9_-]+", "_", request.node.name)

    def take(page, what: str) -> Path:
        path = artifacts_dir / f"{test_name}--{what}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def tab_to(page, selector: str, *, limit: int = 120) -> None:
    """Press Tab until the element matching ``selector`` has the focus: proof it is reachable by
    keyboard, in the page's own focus order. Fails if it never comes."""
    target = page.locator(selector).first
    for _ in range(limit):
        if target.evaluate("(element) => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never received the focus after {limit} presses of Tab")


def sign_in_with_keyboard(page, base_url: str, email: str, password: str = TEST_PASSWORD) -> None:
    page.goto(f"{base_url}/login")
    tab_to(page, "#email")
    page.keyboard.type(email)
    tab_to(page, "#password")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)


def wait_for_the_pdf_viewer(page) -> None:
    """Wait until Chromium's PDF viewer has loaded inside the entry's preview, and a moment more.

    The viewer takes the focus when it is ready; the page gives it back (preview_focus.js), but keys
    typed in between are lost, as they would be for a person. Pages without a PDF preview return at once.
    """
    if page.locator("iframe.preview").count() == 0:
        return
    deadline = time.monotonic() + 30
    while not (
        any(frame.url.startswith("chrome-extension://") for frame in page.frames)
        and sum("/storage/" in frame.url or "disposition=inline" in frame.url for frame in page.frames) >= 2
    ):
        assert time.monotonic() < deadline, (
            f"the PDF viewer never loaded: {[frame.url for frame in page.frames]}"
        )
        page.wait_for_timeout(100)
    page.wait_for_timeout(1_000)
