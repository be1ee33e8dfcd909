"""The whole story in Chromium, against ``flask run`` and ``flask worker`` as real processes: a sponsor
posts, funds and opens a challenge; six contributors, inside and outside the host, upload through
the progress bar; the clock passes the deadline; three judges score through their queues; the worker
calibrates; the sponsor publishes; winners see their awards; finance exports the payout batch.

Every key page is saved as a screenshot (see the ``screenshot`` fixture)."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.accounts import services as accounts
from app.challenges.models import Challenge
from app.core.access import Role
from app.judging.models import Assignment
from app.ledger import services as payouts
from app.payouts.models import Payout
from app.submissions.models import Submission
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import wait_for_the_pdf_viewer

# Best first: the judges score in this order, so the places are known in advance.
CONTRIBUTORS = [
    ("eve@outside.example", "Eve External"),
    ("ivy@host.example", "Ivy Internal"),
    ("ed@outside.example", "Ed External"),
    ("ian@host.example", "Ian Internal"),
    ("emma@outside.example", "Emma External"),
    ("ida@host.example", "Ida Internal"),
]
JUDGES = ["jo@judges.example", "jules@judges.example", "jin@judges.example"]
SPONSOR = "sam@acme.example"
FINANCE = "fin@host.example"
TITLE = "Fewer empty miles"


@pytest.fixture
def cast(db, make_user):
    """The people of the story, made through the real services; the sponsor's organisation has money."""
    accounts.create_organization("Northwind", ["host.example"], is_host=True)
    acme = accounts.create_organization("Acme Freight", ["acme.example"], is_sponsor=True)
    make_user(SPONSOR, Role.SPONSOR, name="Sam Sponsor")
    finance = make_user(FINANCE, Role.ADMIN, name="Fin Finance")
    for index, email in enumerate(JUDGES):
        make_user(email, Role.JUDGE, name=f"Judge {index + 1}")
    for email, name in CONTRIBUTORS:
        make_user(email, Role.CONTRIBUTOR, name=name)
    payouts.record_deposit(acme.id, "EUR", 5_000_000, "WIRE-STORY", actor=finance)


def eventually(check: Callable[[], object], *, what: str, timeout: float = 90) -> object:
    """Poll ``check`` until it returns something truthy: the worker runs on its own time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def sign_in(page: Page, base: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def test_the_whole_story_in_chromium(served_app, browser_page, cast, db, tmp_path, screenshot):
    page, base = browser_page, served_app.url

    # --- the sponsor posts, funds and opens the challenge, and invites three judges ---------------
    sign_in(page, base, SPONSOR)
    page.goto(f"{base}/challenges/new")
    page.fill("#title", TITLE)
    page.fill("#summary", "Plan delivery routes that waste fewer miles.")
    screenshot(page, "01-post-details")
    page.click("button:text('Next: Prizes')")
    page.fill("#bounty", "9,000")
    expect(page.locator("[data-prize-preview]")).to_contain_text("€4,500.00")
    screenshot(page, "02-post-prizes")
    page.click("button:text('Next: Rubric and judging')")
    page.fill("#criteria-0-name", "Miles saved")
    page.fill("#criteria-0-guidance", "Compare against last quarter's routes.")
    screenshot(page, "03-post-rubric")
    page.click("button:text('Next: Timeline and entries')")
    screenshot(page, "04-post-timeline")
    page.click("button:text('Save draft and continue to funding')")
    page.wait_for_url(re.compile(r"/challenges/[^/]+/manage$"))
    page.click("#fund button[type=submit]")
    expect(page.locator("main")).to_contain_text("The bounty is in escrow")
    page.click("button:text('Open for submissions now')")
    expect(page.locator("main")).to_contain_text("The challenge is open for submissions now.")
    for email in JUDGES:
        page.fill("#invite-email", email)
        page.click("form[action$='/invite'] button[type=submit]")
        expect(page.locator("main")).to_contain_text(email)
    screenshot(page, "05-sponsor-dashboard-open")
    challenge = db.session.scalar(select(Challenge).where(Challenge.title == TITLE))
    assert challenge.status == "open" and challenge.bounty_minor == 900_000

    for email in JUDGES:
        sign_in(page, base, email)
        page.goto(f"{base}/judging/invitations")
        if email == JUDGES[0]:
            screenshot(page, "06-judge-invitation")
        page.click("button:text('Accept')")
        expect(page.locator("main")).not_to_contain_text("Decline")

    # --- six contributors upload through the browser, with the progress bar -----------------------
    for index, (email, name) in enumerate(CONTRIBUTORS):
        entry = tmp_path / f"{name.split()[0].lower()}-routes.pdf"
        entry.write_bytes(b"%PDF-1.7\n" + f"{name} plans routes\n".encode() * 20_000 + b"%%EOF\n")
        sign_in(page, base, email)
        page.goto(f"{base}/challenges/")
        page.click(f"text={TITLE}")
        if index == 0:
            screenshot(page, "07-challenge-page")
        page.click("text=Submit an entry")
        page.fill("#title", f"Route plan {'ABCDEF'[index]}")
        page.set_input_files("#file", str(entry))
        page.click("[data-upload-button]")
        expect(page.locator("[data-progress]")).to_be_visible()
        page.wait_for_url(re.compile(r"/submissions/\d+$"), timeout=30_000)
        if index == 0:
            screenshot(page, "08-submission-received")
    page.goto(f"{base}/submissions/mine")
    screenshot(page, "09-my-submissions")
    entries = db.session.scalars(select(Submission).where(Submission.challenge_id == challenge.id)).all()
    assert len(entries) == 6

    # --- the clock passes the deadline; the cron sweep closes it and the worker assigns judges ------
    served_app.move_clock(timedelta(days=16))
    served_app.flask("challenges", "sweep")

    def judging_started():
        db.session.expire_all()
        return db.session.get(Challenge, challenge.id).status == "judging"

    eventually(judging_started, what="the worker to assign judges and start judging")
    assert len(db.session.scalars(select(Assignment)).all()) == 18  # six entries, three judges each

    # --- three judges score every entry from their queues -----------------------------------------
    place_of = {
        submission.id: [email for email, _ in CONTRIBUTORS].index(submission.contributor.email)
        for submission in entries
    }
    criterion = challenge.criteria[0]
    for number, email in enumerate(JUDGES):
        sign_in(page, base, email)
        page.goto(f"{base}/judge")
        if number == 0:
            screenshot(page, "10-judge-queue")
        with page.expect_navigation():
            page.click("a:text('Next unscored entry')")
        while True:  # submitting a review opens the next unscored entry, or stays when none is left
            db.session.expire_all()
            assignment = db.session.get(Assignment, int(page.url.rsplit("/", 1)[1]))
            if assignment.review is not None and assignment.review.status == "submitted":
                break
            if number == 0 and place_of[assignment.submission_id] == 0:
                screenshot(page, "11-judge-entry")
            score = 10 - place_of[assignment.submission_id] - (1 if number == 2 else 0)  # one stricter judge
            # Chromium's PDF viewer takes the focus when it has loaded; typing before that once sent
            # the score into the preview and posted an empty field. The form is this entry's, and holds
            # what was typed, before it is posted.
            score_field = page.locator(f"#criterion-{criterion.id}")
            expect(page.locator("main h1")).to_contain_text(assignment.submission.label)
            wait_for_the_pdf_viewer(page)  # the judge reads the entry before scoring it
            score_field.fill(str(score))
            page.fill("#comment_for_contributor", "Clear plan, well argued.")
            expect(score_field).to_have_value(str(score))
            with page.expect_navigation():
                page.click("button[value=submit]")
            expect(page.locator("main")).to_contain_text("Review submitted.")
            assert not any(name in page.content() for _, name in CONTRIBUTORS)  # blind to the end
        assert len([row for row in db.session.scalars(select(Assignment)) if row.judge.email == email]) == 6

    def results_proposed():
        db.session.expire_all()
        return db.session.get(Challenge, challenge.id).status == "results_proposed"

    eventually(results_proposed, what="the worker to calibrate and propose results")

    # --- the sponsor reads the proposed results and publishes them --------------------------------
    sign_in(page, base, SPONSOR)
    page.goto(f"{base}/challenges/{challenge.slug}/manage")
    screenshot(page, "12-sponsor-dashboard-results")
    # The stricter judge stands out below the panel; the other two sit just above it.
    expect(page.locator("main")).to_contain_text(re.compile(r"Judge 3 · 6 scored · leniency -0\.\d\d"))
    page.goto(f"{base}/judging/results/{challenge.slug}")
    screenshot(page, "13-proposed-results")
    page.click("button:text('Publish the results')")
    expect(page.locator("main")).to_contain_text("Eve External")
    screenshot(page, "14-published-results")

    def payouts_made():
        db.session.expire_all()
        rows = db.session.scalars(select(Payout)).all()
        return rows if len(rows) == 3 else None

    made = {payout.recipient.email: payout for payout in eventually(payouts_made, what="the payout job")}
    assert {email: payout.amount_minor for email, payout in made.items()} == {
        "eve@outside.example": 450_000,
        "ivy@host.example": 270_000,
        "ed@outside.example": 180_000,
    }
    assert made["eve@outside.example"].status == "awaiting_details"  # external: payee details first

    # --- winners see their awards; an external winner gives her payee details ---------------------
    sign_in(page, base, "eve@outside.example")
    page.goto(f"{base}/payouts/earnings")
    expect(page.locator("main")).to_contain_text("€4,500.00")
    expect(page.locator("main")).to_contain_text("Complete your payee details to receive your prize.")
    screenshot(page, "15-earnings-awaiting-details")
    page.click("a.button:text('Complete your payee details')")
    page.fill("#legal_name", "Eve External")
    page.select_option("#country", "DE")
    page.select_option("#payout_method", index=1)
    page.select_option("#tax_form", index=1)
    page.check("#certified")
    screenshot(page, "16-payee-details")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/payouts/earnings$"))

    sign_in(page, base, "ivy@host.example")
    page.goto(f"{base}/payouts/earnings")
    expect(page.locator("main")).to_contain_text("€2,700.00")
    screenshot(page, "17-earnings-internal-winner")

    def all_sent():
        db.session.expire_all()
        return all(payout.status == "sent" for payout in db.session.scalars(select(Payout)).all())

    # Ed has not given his details yet, so only Eve's and Ivy's payouts reach finance.
    eventually(
        lambda: (
            db.session.expire_all()
            or {p.recipient.email for p in db.session.scalars(select(Payout).where(Payout.status == "sent"))}
            == {"eve@outside.example", "ivy@host.example"}
        ),
        what="the payouts ready to send to reach a finance batch",
    )
    assert not all_sent()

    # --- finance exports the payout batches -------------------------------------------------------
    sign_in(page, base, FINANCE)
    page.goto(f"{base}/payouts/admin/batches")
    screenshot(page, "18-finance-batches")
    rows = []
    for link in page.locator("a:text('Download CSV')").all():
        with page.expect_download() as download_info:
            link.click()
        rows += list(csv.DictReader(io.StringIO(download_info.value.path().read_text(encoding="utf-8-sig"))))
    exported = {row["email"]: row for row in rows}
    assert set(exported) == {"eve@outside.example", "ivy@host.example"}, rows
    assert exported["eve@outside.example"]["amount"] == "4500.00"
    assert exported["eve@outside.example"]["currency"] == "EUR"
    page.goto(f"{base}/payouts/admin/ledger")
    expect(page.locator("main")).to_contain_text("Ledger check")
    screenshot(page, "19-ledger-check")
    page.goto(f"{base}/analytics")
    screenshot(page, "20-analytics")
    served_app.flask("ledger", "verify")
