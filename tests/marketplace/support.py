"""Shared set-up for marketplace tests: an internal contributor with a manager, and a challenge that
needs the manager's approval."""

from __future__ import annotations

from app.accounts import services as accounts
from tests.conftest import extract_csrf


def with_manager(scene, make_user, *, hours: int = 4):
    """Make Inez report to Mia and require approval (``hours`` a week) on the scene's challenge."""
    mia = make_user("mia@host.example", name="Mia Manager")
    accounts.set_manager(scene.inez, mia)
    scene.challenge.requires_manager_approval = True
    scene.challenge.expected_hours_per_week = hours
    from app.extensions import db

    db.session.commit()
    return mia


def post_form(browser, page_url: str, action: str, data: dict, **kwargs):
    """Submit a form the way a browser does: read the page's CSRF token, then post."""
    token = extract_csrf(browser.get(page_url).get_data(as_text=True))
    return browser.post(action, data={"csrf_token": token, **data}, **kwargs)
