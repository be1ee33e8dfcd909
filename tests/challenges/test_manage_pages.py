"""The sponsor's pages: posting through the form, funding and running the challenge, and who may."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.challenges.models import Challenge
from app.core.access import Role
from app.ledger.models import LedgerTransaction
from tests.conftest import extract_csrf

pytestmark = pytest.mark.usefixtures("redis")


def _form_data(**overrides) -> dict[str, str]:
    data = {
        "title": "Warehouse heat map",
        "summary": "Show where pickers walk most.",
        "brief_md": "Use the *sample* data.",
        "rules_md": "",
        "skills": "Python, Data visualisation",
        "eligibility": "open",
        "reward_kind": "cash",
        "currency": "eur",
        "bounty": "12,000.50",
        "tiers": "50, 30, 20",
        "tie_rule": "share",
        "unawarded_rule": "return",
        "opens_at": "2031-03-01T09:00",
        "closes_at": "2031-03-20T17:00",
        "judging_due_at": "2031-04-10T17:00",
        "max_file_mb": "50",
        "allowed_types": "application/pdf",
        "submissions_per_contributor": "1",
        "versions_per_submission": "5",
        "judges_per_entry": "3",
        "criteria-0-name": "Insight",
        "criteria-0-guidance": "Does it show something new?",
        "criteria-0-weight": "2",
        "criteria-0-scale_min": "1",
        "criteria-0-scale_max": "10",
    }
    data.update(overrides)
    return data


def _post_new(browser, **overrides):
    token = extract_csrf(browser.get("/challenges/new").get_data(as_text=True))
    return browser.post("/challenges/new", data={**_form_data(**overrides), "csrf_token": token})


def test_a_sponsor_posts_a_challenge_in_their_own_timezone(db, sponsor, login):
    from app.accounts import services as accounts

    accounts.update_profile(sponsor.member, display_name="Sam", timezone="Europe/Paris", skills=[])
    browser = login("sam@acme.example")
    response = _post_new(browser, judges_conflict_with_own_org="y")
    assert response.status_code == 302, response.get_data(as_text=True)
    challenge = db.session.scalar(select(Challenge))
    assert response.headers["Location"] == f"/challenges/{challenge.slug}/manage"
    assert (challenge.currency, challenge.bounty_minor, challenge.tiers_bp) == (
        "EUR",
        1_200_050,
        [5000, 3000, 2000],
    )
    assert challenge.opens_at.isoformat() == "2031-03-01T08:00:00+00:00"  # 09:00 in Paris is 08:00 UTC
    assert [c.name for c in challenge.criteria] == ["Insight"]
    assert challenge.judges_conflict_with_own_org is True
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "€12,000.50" in page
    assert "2031-03-01 09:00 CET" in page  # shown back in the viewer's timezone


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"tiers": "50, 30, 10"}, "must add up to 100%"),
        ({"tiers": "60, 40"}, "between 3 and 5 winners"),
        ({"tiers": "30, 20, 20, 10, 10, 10"}, "between 3 and 5 winners"),
        ({"closes_at": "2031-02-20T17:00"}, "must close after it opens"),
        ({"bounty": "0"}, "more than zero"),
        ({"bounty": "-10"}, "more than zero"),
        ({"currency": "XXY"}, "not an ISO 4217 currency"),
        ({"bounty": "12.345"}, "at most 2 decimal places"),
        ({"criteria-0-name": ""}, "1 to 8 criteria"),
        ({"tiers": "inf, 30, 20"}, "'inf' is not a percentage"),  # was a 500: no integer is infinite
        ({"tiers": "1e999999999, 30, 20"}, "is not a percentage"),  # was a 500: decimal overflow
    ],
)
def test_bad_terms_are_explained_and_nothing_is_created(db, sponsor, login, overrides, message):
    browser = login("sam@acme.example")
    response = _post_new(browser, **overrides)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page.replace("&#39;", "'")
    assert db.session.scalar(select(func.count()).select_from(Challenge)) == 0


def test_contributors_cannot_post(db, login, make_user):
    make_user("c@outside.example")
    browser = login("c@outside.example")
    assert browser.get("/challenges/new").status_code == 403


def _challenge_posted_by(browser, db):
    _post_new(browser)
    return db.session.scalar(select(Challenge))


def _action(browser, challenge, name, **data):
    page = browser.get(f"/challenges/{challenge.slug}/manage").get_data(as_text=True)
    token = extract_csrf(page)
    prefix = {"fund": "fund", "extend": "extend", "raise": "raise", "cancel": "cancel"}[name]
    body = {f"{prefix}-csrf_token": token, **{f"{prefix}-{key}": value for key, value in data.items()}}
    return browser.post(f"/challenges/{challenge.slug}/{name}", data=body)


def test_funding_from_the_page_and_funding_twice(db, sponsor, login):
    sponsor.deposit(2_000_000)
    browser = login("sam@acme.example")
    challenge = _challenge_posted_by(browser, db)
    assert _action(browser, challenge, "fund").status_code == 302
    db.session.expire_all()
    assert db.session.get(Challenge, challenge.id).status == "funded"
    # The fund button is gone now; a replayed request succeeds, says so, and takes nothing more.
    page = browser.get(f"/challenges/{challenge.slug}/manage").get_data(as_text=True)
    token = extract_csrf(page)
    again = browser.post(f"/challenges/{challenge.slug}/fund", data={"fund-csrf_token": token})
    assert again.status_code == 302
    assert "The bounty was already funded into escrow; nothing more was taken." in browser.get(
        again.location
    ).get_data(as_text=True)
    assert (
        db.session.scalar(
            select(func.count()).select_from(LedgerTransaction).where(LedgerTransaction.kind == "fund")
        )
        == 1
    )


def test_funding_without_enough_balance_shows_the_shortfall(db, sponsor, login):
    sponsor.deposit(100)
    browser = login("sam@acme.example")
    challenge = _challenge_posted_by(browser, db)
    response = _action(browser, challenge, "fund")
    assert response.status_code == 422
    assert "€1.00" in response.get_data(as_text=True) and "€12,000.50 is needed" in response.get_data(
        as_text=True
    )


def test_raise_and_cancel_from_the_page(db, sponsor, login):
    sponsor.deposit(2_000_000)
    browser = login("sam@acme.example")
    challenge = _challenge_posted_by(browser, db)
    _action(browser, challenge, "fund")
    bad = _action(browser, challenge, "raise", bounty="1,000.00")
    assert bad.status_code == 422 and "never falls" in bad.get_data(as_text=True)
    assert _action(browser, challenge, "raise", bounty="15,000").status_code == 302
    no_reason = _action(browser, challenge, "cancel", reason="")
    assert no_reason.status_code == 422
    assert _action(browser, challenge, "cancel", reason="Scope changed").status_code == 302
    db.session.expire_all()
    stored = db.session.get(Challenge, challenge.id)
    assert (stored.status, stored.bounty_minor) == ("cancelled", 1_500_000)
    from app.ledger.services import organization_balances

    assert organization_balances(sponsor.org.id) == {"EUR": 2_000_000}


@pytest.mark.parametrize(
    ("tiers_bp", "shown"),
    [
        ((5000, 3000, 2000), "50, 30, 20"),
        ((6000, 2500, 1500), "60, 25, 15"),
        ((4000, 2500, 1500, 1200, 800), "40, 25, 15, 12, 8"),
        ((3334, 3333, 3333), "33.34, 33.33, 33.33"),
    ],
)
def test_editing_shows_the_prize_split_as_stored_and_saves_it_unchanged(db, sponsor, login, tiers_bp, shown):
    from app.challenges import services as challenges
    from app.core.timeutil import utcnow
    from tests.challenges.support import terms_at

    draft = challenges.create_challenge(sponsor.member, terms_at(utcnow(), tiers_bp=tiers_bp))
    browser = login("sam@acme.example")
    page = browser.get(f"/challenges/{draft.slug}/edit").get_data(as_text=True)
    assert f'name="tiers" required type="text" value="{shown}"' in page
    saved = browser.post(
        f"/challenges/{draft.slug}/edit",
        data={**_form_data(tiers=shown, title="Route optimiser II"), "csrf_token": extract_csrf(page)},
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Challenge, draft.id).tiers_bp == list(tiers_bp)


@pytest.mark.parametrize("path", ["manage", "edit"])
def test_another_organisations_draft_is_not_found_on_management_pages(db, sponsor, login, path):
    owner = login("sam@acme.example")
    challenge = _challenge_posted_by(owner, db)
    outsider = login("olga@rival.example")
    response = outsider.get(f"/challenges/{challenge.slug}/{path}")
    # A draft is Acme's secret: the answer is the one for an address nobody used, naming no one.
    assert response.status_code == 404
    assert "Acme" not in response.get_data(as_text=True)
    assert outsider.get(f"/challenges/{challenge.slug}-never-used/{path}").status_code == 404


@pytest.mark.parametrize("path", ["manage", "edit"])
def test_sponsors_of_other_organisations_get_403_on_a_public_challenges_management_pages(
    db, sponsor, login, path
):
    sponsor.deposit(2_000_000)
    owner = login("sam@acme.example")
    challenge = _challenge_posted_by(owner, db)
    assert _action(owner, challenge, "fund").status_code == 302  # funded: listed, so no secret
    outsider = login("olga@rival.example")
    response = outsider.get(f"/challenges/{challenge.slug}/{path}")
    assert response.status_code == 403
    assert "Only members of Acme" in response.get_data(as_text=True)


def test_sponsors_of_other_organisations_cannot_fund_or_edit(db, sponsor, login):
    sponsor.deposit(2_000_000)
    owner = login("sam@acme.example")
    challenge = _challenge_posted_by(owner, db)
    outsider = login("olga@rival.example")
    token = extract_csrf(outsider.get("/sponsor").get_data(as_text=True))
    assert (
        outsider.post(f"/challenges/{challenge.slug}/fund", data={"fund-csrf_token": token}).status_code
        == 404
    )
    edit = outsider.post(
        f"/challenges/{challenge.slug}/edit", data={**_form_data(title="Hijacked"), "csrf_token": token}
    )
    assert edit.status_code == 404
    db.session.expire_all()
    stored = db.session.get(Challenge, challenge.id)
    assert (stored.status, stored.title) == ("draft", "Warehouse heat map")


def test_the_sponsor_home_lists_challenges_with_state_and_escrow(db, sponsor, login):
    sponsor.deposit(2_000_000)
    browser = login("sam@acme.example")
    challenge = _challenge_posted_by(browser, db)
    _action(browser, challenge, "fund")
    home = browser.get("/sponsor").get_data(as_text=True)
    row = re.search(r"Warehouse heat map.*?</tr>", home, re.S).group(0)
    assert "Upcoming" in row and row.count("€12,000.50") == 2  # bounty and escrow
    assert "€7,999.50" in home  # what the organisation can still spend


def test_an_admin_can_manage_any_challenge(db, sponsor, login, make_user):
    owner = login("sam@acme.example")
    challenge = _challenge_posted_by(owner, db)
    admin = login("root@podium.example")
    assert admin.get(f"/challenges/{challenge.slug}/manage").status_code == 200
    assert Role.ADMIN in sponsor.admin.roles
