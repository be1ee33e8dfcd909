"""A live server for the browser tests: the test app served on a free loopback port, and Chromium."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

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
