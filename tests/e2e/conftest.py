"""A live server for the browser tests: the test app served on a free loopback port, Chromium, and
the folder their screenshots are saved to (``E2E_ARTIFACTS``, default ``test-artifacts/e2e``)."""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
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
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        yield page
        browser.close()


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
