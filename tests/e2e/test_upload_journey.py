"""A contributor enters a challenge in a real browser: sign in, find it, upload with the progress bar
straight to storage, watch the file being verified, and land on the verified submission."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from app.submissions.models import SubmissionVersion
from tests.conftest import TEST_PASSWORD
from tests.submissions.conftest import storage_env


def test_a_contributor_uploads_an_entry_in_chromium(
    app, backend, live_server, browser_page, scene, db, tmp_path, screenshot, run_worker
):
    """On local storage the browser posts to the app; on S3, straight to the bucket's origin, which
    the page's Content-Security-Policy must allow (the browser page fails on anything it blocks)."""
    page = browser_page
    data = b"%PDF-1.7\n" + bytes(range(256)) * 8192  # about 2 MiB
    entry = tmp_path / "route plan.pdf"
    entry.write_bytes(data)

    page.goto(f"{live_server}/login")
    page.fill("#email", "alice@outside.example")
    page.fill("#password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/challenges/")
    page.click(f"text={scene.challenge.title}")
    screenshot(page, "challenge-page")
    page.click("text=Submit an entry")
    page.fill("#title", "Shortest routes")
    page.set_input_files("#file", str(entry))
    page.click("[data-upload-button]")
    # Finalize answers at once; the file is verified by a job while the page follows it.
    page.wait_for_url(re.compile(r"/submissions/uploads/\d+$"), timeout=30_000)
    assert "Verifying your file…" in page.inner_text("[data-upload-status]")
    assert "This page follows the check as it runs." in page.inner_text("[data-upload-status]")
    screenshot(page, "verifying")
    run_worker(**storage_env(app))
    page.wait_for_url(re.compile(r"/submissions/\d+$"), timeout=30_000)
    screenshot(page, "submission")

    assert "Shortest routes" in page.inner_text("h1")
    version = db.session.scalar(select(SubmissionVersion))
    assert version.sha256 == hashlib.sha256(data).hexdigest()
    assert version.sha256 in page.content()
    assert version.original_filename == "route plan.pdf"
