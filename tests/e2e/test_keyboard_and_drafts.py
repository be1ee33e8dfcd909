"""The main forms used with the keyboard alone in Chromium (signing in, posting a challenge, scoring
an entry), and the judge's draft saved by itself while they type. Screenshots go to the artifacts."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.challenges import services as challenges
from app.challenges.models import Challenge
from app.core.access import Role
from app.judging import assigning, panels
from app.judging.models import Assignment
from app.submissions import services as submissions
from tests.e2e.conftest import sign_in_with_keyboard, tab_to, wait_for_the_pdf_viewer
from tests.submissions.conftest import PDF


@pytest.fixture
def judging_under_way(db, scene, make_user):
    """Alice's PDF entry is being judged by Judy, the only judge, on the scene's challenge."""
    submissions.submit_through_app(
        scene.challenge.id,
        scene.alice,
        io.BytesIO(PDF),
        filename="alice-route-plan.pdf",
        size_at_most=len(PDF),
        content_type="application/pdf",
        title="Shortest routes",
        description_md="A plan that **saves miles**.",
    )
    judge = make_user("judy@judges.example", Role.JUDGE, name="Judy Judge")
    member = panels.invite_judge(scene.challenge.id, scene.sponsor, judge.email)
    panels.respond_to_invitation(member.id, judge, accept=True)
    scene.challenge.judges_per_entry = 1
    db.session.commit()
    challenges.close_if_due(scene.challenge.id, now=scene.challenge.closes_at)
    assigning.assign_judges(scene.challenge.id)
    challenges.start_judging(scene.challenge.id, now=challenges.grace_ends_at(scene.challenge))
    return judge, db.session.scalar(select(Assignment))


def test_signing_in_with_the_keyboard_alone(live_server, browser_page, scene, screenshot):
    page = browser_page
    page.goto(f"{live_server}/login")
    screenshot(page, "login")
    sign_in_with_keyboard(page, live_server, scene.alice.email)
    page.wait_for_url(re.compile(r"/contributor$"))
    assert "Alice Appleby" in page.inner_text("nav")
    screenshot(page, "contributor-home")


def test_posting_a_challenge_with_the_keyboard_alone(live_server, browser_page, scene, db, screenshot):
    page = browser_page
    sign_in_with_keyboard(page, live_server, scene.sponsor.email)
    page.goto(f"{live_server}/challenges/new")

    tab_to(page, "#title")
    page.keyboard.type("Fewer empty miles")
    tab_to(page, "#summary")
    page.keyboard.type("Plan routes that waste less.")
    screenshot(page, "step-1-details")
    tab_to(page, "button:text('Next: Prizes')")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "step-prizes"  # focus follows the step
    assert page.is_hidden("#step-details")

    tab_to(page, "#bounty")
    page.keyboard.type("9,000")
    preview = page.locator("[data-prize-preview]")
    # Live amounts per place while typing, worked out by the server a moment after the typing stops.
    expect(preview).to_contain_text("€4,500.00 (50%)")
    expect(preview).to_contain_text("€1,800.00 (20%)")
    tab_to(page, "#tiers")
    page.keyboard.press("End")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")  # "50, 30": two places
    expect(preview).to_have_text("Choose between 3 and 5 winners; this split has 2.")
    page.keyboard.type(", 20")
    expect(preview).to_contain_text("€2,700.00 (30%)")
    screenshot(page, "step-2-prizes")
    tab_to(page, "button:text('Next: Rubric and judging')")
    page.keyboard.press("Enter")

    tab_to(page, "#criteria-0-name")
    page.keyboard.type("Miles saved")
    tab_to(page, "#criteria-0-guidance")
    page.keyboard.type("Compare against last quarter's routes.")
    screenshot(page, "step-3-rubric")
    tab_to(page, "button:text('Next: Timeline and entries')")
    page.keyboard.press("Enter")
    screenshot(page, "step-4-timeline")
    tab_to(page, "button:text('Save draft and continue to funding')")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/challenges/[^/]+/manage$"))
    screenshot(page, "step-5-funding")
    tab_to(page, "#fund button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("The bounty is in escrow")  # waits for the new page
    screenshot(page, "step-6-publish")
    db.session.expire_all()
    posted = db.session.scalar(select(Challenge).where(Challenge.title == "Fewer empty miles"))
    assert posted.status == "funded" and posted.bounty_minor == 900_000
    assert [(c.name, c.guidance) for c in posted.criteria] == [
        ("Miles saved", "Compare against last quarter's routes.")
    ]


def _type_by_keyboard(page, selector: str, text: str) -> None:
    """Tab to the field, type into it, and check the field holds exactly what was typed."""
    tab_to(page, selector)
    page.keyboard.type(text)
    expect(page.locator(selector)).to_have_value(text)


def test_scoring_an_entry_with_the_keyboard_alone(
    live_server, browser_page, scene, db, judging_under_way, screenshot
):
    judge, assignment = judging_under_way
    page = browser_page
    sign_in_with_keyboard(page, live_server, judge.email)
    page.wait_for_url(re.compile(r"/judge$"))
    screenshot(page, "queue")
    tab_to(page, "a:text('Next unscored entry')")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/judging/entries/{assignment.id}$"))
    wait_for_the_pdf_viewer(page)  # the judge reads the entry before scoring it
    screenshot(page, "entry")
    first, second = scene.challenge.criteria
    _type_by_keyboard(page, f"#criterion-{first.id}", "8")
    _type_by_keyboard(page, f"#criterion-{second.id}", "6")
    _type_by_keyboard(page, "#comment_for_contributor", "Clear and convincing.")
    tab_to(page, "button[value=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("Review submitted.")
    db.session.expire_all()
    review = db.session.get(Assignment, assignment.id).review
    assert review.status == "submitted"
    assert review.scores == {str(first.id): 8, str(second.id): 6}
    assert review.comment_for_contributor == "Clear and convincing."
    html = page.content()
    assert "Alice" not in html and "alice-route-plan" not in html  # blind all the way


def test_a_judges_draft_is_saved_while_they_type(
    live_server, browser_page, scene, db, judging_under_way, screenshot
):
    judge, assignment = judging_under_way
    page = browser_page
    sign_in_with_keyboard(page, live_server, judge.email)
    page.goto(f"{live_server}/judging/entries/{assignment.id}")
    first, _second = scene.challenge.criteria
    page.fill(f"#criterion-{first.id}", "7")
    page.fill("#comment_for_sponsor", "Promising; checking the numbers")
    status = page.locator("[data-autosave-status]")
    status.filter(has_text="Draft saved at").wait_for(timeout=10_000)
    screenshot(page, "draft-saved")
    db.session.expire_all()
    review = db.session.get(Assignment, assignment.id).review
    assert review.status == "draft"
    assert review.scores == {str(first.id): 7}
    assert review.comment_for_sponsor == "Promising; checking the numbers"

    page.fill(f"#criterion-{first.id}", "42")
    status.filter(has_text="Draft not saved").wait_for(timeout=10_000)
    assert "scored from 1 to 10" in status.inner_text()
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).review.scores == {str(first.id): 7}

    page.reload()
    assert page.input_value(f"#criterion-{first.id}") == "7"
    assert "Draft saved" in page.inner_text("[data-autosave-status]")


def test_the_pdf_preview_gives_back_the_focus_it_takes_from_a_judge_typing_a_score(
    live_server, browser_page, scene, db, judging_under_way
):
    """Chromium's PDF viewer takes the focus once it has loaded: a judge already in the score field then
    typed into the preview and posted an empty score. The page gives that focus back; focus the judge
    gives the preview themselves (a click on it) stays there."""
    judge, assignment = judging_under_way
    page = browser_page
    sign_in_with_keyboard(page, live_server, judge.email)
    page.goto(f"{live_server}/judging/entries/{assignment.id}", wait_until="domcontentloaded")
    first, _second = scene.challenge.criteria
    score = page.locator(f"#criterion-{first.id}")
    score.focus()
    wait_for_the_pdf_viewer(page)
    assert page.evaluate("document.activeElement.id") == f"criterion-{first.id}"
    page.keyboard.type("8")
    expect(score).to_have_value("8")

    page.click("iframe.preview")  # the judge reaching for the preview keeps the focus there
    page.wait_for_timeout(500)
    assert page.evaluate("document.activeElement.tagName") == "IFRAME"
