"""Every form a person fills in can be reached with the Tab key alone, and every field says what it is.

For each page, the test lists the visible form controls in the main content, then presses Tab from the
top of the page and records which control has the focus each time. A control that Tab never reaches
(a click-only widget, a positive tabindex stealing the order, a focus trap) fails the test, as does a
control without a label, an aria-label or text of its own."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.challenges import services as challenges
from app.core.timeutil import utcnow
from tests.challenges.support import terms_at
from tests.conftest import TEST_PASSWORD
from tests.e2e.test_keyboard_and_drafts import judging_under_way  # noqa: F401 - a fixture

MARK_CONTROLS = """() => {
  const controls = [...document.querySelectorAll(
    'main input:not([type=hidden]), main select, main textarea, main button, main a.button'
  )].filter((element) => element.offsetParent !== null && !element.disabled);
  controls.forEach((element, index) => element.setAttribute('data-keyboard-check', index));
  return controls.map((element) => ({
    index: controls.indexOf(element),
    what: element.outerHTML.slice(0, 120),
    tabindex: element.tabIndex,
    named: Boolean(
      (element.labels && element.labels.length) || element.getAttribute('aria-label') ||
      element.getAttribute('aria-labelledby') || element.textContent.trim() || element.value && element.type === 'submit'
    ),
  }));
}"""

PAGES = {
    "anonymous": ["/login", "/register", "/account/forgot-password"],
    "alice@outside.example": [
        "/submissions/new/{open_slug}",
        "/account",
        "/account/password",
        "/account/tokens",
        "/payouts/payee",
        "/challenges/",
    ],
    "sam@acme.example": ["/challenges/new", "/challenges/{slug}/manage"],
    "judy@judges.example": ["/judging/entries/{assignment}", "/judging/invitations"],
    "root@host.example": [
        "/payouts/admin/deposits",
        "/payouts/admin/points",
        "/payouts/admin/confirmations",
        "/admin/org-chart",
        "/admin/skills",
        "/admin/audit",
        "/admin/users",
        "/admin/organizations",
    ],
}


def _open_challenge(scene) -> str:
    """A second challenge, open for entries, for the upload form."""
    now = utcnow()
    terms = terms_at(now, opens_at=now, closes_at=now + timedelta(days=7), title="Quieter depots")
    challenge = challenges.create_challenge(scene.sponsor, terms, now=now)
    challenges.fund_challenge(challenge.id, scene.sponsor, now=now)
    challenges.open_now(challenge.id, scene.sponsor, now=now)
    return challenge.slug


def _reached_by_tab(page, count: int) -> set[int]:
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    page.focus("body")
    reached: set[int] = set()
    for _ in range(count * 2 + 40):
        page.keyboard.press("Tab")
        index = page.evaluate(
            "() => document.activeElement && document.activeElement.getAttribute('data-keyboard-check')"
        )
        if index is not None:
            reached.add(int(index))
        if len(reached) == count:
            break
    return reached


@pytest.mark.parametrize("who", list(PAGES))
def test_every_form_control_is_reached_by_tab_and_named(
    who,
    live_server,
    browser_page,
    scene,
    db,
    make_user,
    judging_under_way,  # noqa: F811
):
    _, assignment = judging_under_way  # the scene's challenge is being judged
    open_slug = _open_challenge(scene)
    page = browser_page
    if who != "anonymous":
        page.goto(f"{live_server}/login")
        page.fill("#email", who)
        page.fill("#password", TEST_PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
    checked = 0
    for path in PAGES[who]:
        url = live_server + path.format(
            slug=scene.challenge.slug, open_slug=open_slug, assignment=assignment.id
        )
        response = page.goto(url)
        assert response.status == 200, f"{path} answered {response.status}"
        controls = page.evaluate(MARK_CONTROLS)
        assert controls, f"{path} has no form controls to check"
        unnamed = [control["what"] for control in controls if not control["named"]]
        assert not unnamed, f"{path}: controls without a label or text: {unnamed}"
        jumping = [control["what"] for control in controls if control["tabindex"] > 0]
        assert not jumping, f"{path}: a positive tabindex breaks the reading order: {jumping}"
        reached = _reached_by_tab(page, len(controls))
        missed = [control["what"] for control in controls if control["index"] not in reached]
        assert not missed, f"{path}: Tab never reaches {missed}"
        checked += len(controls)
    assert checked
