"""The posting form's prize preview: the server splits the bounty (GET /challenges/new/prize-split) by the
rule that pays the prizes, refuses bad input with a 422 problem naming the field, and the page shows
the split of what was last sent for anyone without JavaScript."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from app.challenges import services as challenges
from app.core.audit import AuditEvent
from app.core.splitting import tier_amounts
from app.core.timeutil import utcnow
from tests.challenges.support import terms_at
from tests.challenges.test_manage_pages import _form_data
from tests.conftest import extract_csrf

pytestmark = pytest.mark.usefixtures("redis")
JSON = {"Accept": "application/json"}


def _ask(browser, **typed: str):
    query = {"reward_kind": "cash", "currency": "EUR", "bounty": "9,000", "tiers": "50, 30, 20", **typed}
    return browser.get(f"/challenges/new/prize-split?{urlencode(query)}", headers=JSON)


def test_each_place_is_worth_its_share_to_the_cent(db, sponsor, login):
    answer = _ask(login("sam@acme.example"), currency="eur")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    split = answer.get_json()
    assert (split["currency"], split["bounty_minor"]) == ("EUR", 900_000)
    assert [place["text"] for place in split["places"]] == [
        "€4,500.00 (50%)",
        "€2,700.00 (30%)",
        "€1,800.00 (20%)",
    ]
    assert [place["place"] for place in split["places"]] == [1, 2, 3]


def test_leftover_cents_go_by_the_payout_rule(db, sponsor, login):
    split = _ask(login("sam@acme.example"), bounty="1000.01", tiers="33.34, 33.33, 33.33").get_json()
    amounts = [place["amount_minor"] for place in split["places"]]
    assert amounts == list(tier_amounts(100_001, (3334, 3333, 3333)))
    assert sum(amounts) == 100_001


def test_points_are_split_in_whole_points(db, sponsor, login):
    split = _ask(login("sam@acme.example"), reward_kind="points", currency="", bounty="1,001").get_json()
    assert [place["text"] for place in split["places"]] == ["501 pts (50%)", "300 pts (30%)", "200 pts (20%)"]


@pytest.mark.parametrize(
    ("typed", "field", "words"),
    [
        ({"bounty": ""}, "bounty", "required"),
        ({"bounty": "nine thousand"}, "bounty", "is not an amount"),
        ({"bounty": "9" * 31}, "bounty", "longer than 30"),
        ({"bounty": "9" * 30}, "bounty", "too large"),
        ({"bounty": "0"}, "bounty", "more than zero"),
        ({"bounty": "-10"}, "bounty", "more than zero"),
        ({"bounty": "12.345"}, "bounty", "at most 2 decimal places"),
        ({"currency": "ZZZ"}, "currency", "not an ISO 4217 currency"),
        ({"currency": "XAU"}, "currency", "not an ISO 4217 currency code in use"),
        ({"bounty": "\u0669\u0660\u0660\u0660"}, "bounty", "in the digits 0-9"),
        ({"reward_kind": "gold"}, "reward_kind", "Not a valid choice"),
        ({"tiers": ""}, "tiers", "required"),
        ({"tiers": "50, 50"}, "tiers", "between 3 and 5 winners; this split has 2"),
        ({"tiers": "20, 20, 20, 20, 10, 10"}, "tiers", "between 3 and 5 winners; this split has 6"),
        ({"tiers": "50, 30, 10"}, "tiers", "must add up to 100%"),
        ({"tiers": "20, 30, 50"}, "tiers", "better place"),
        ({"tiers": "half, 30, 20"}, "tiers", "is not a percentage"),
        ({"tiers": "inf, 30, 20"}, "tiers", "is not a percentage"),
        ({"tiers": "nan, 30, 20"}, "tiers", "is not a percentage"),
        ({"tiers": "1e999999999, 30, 20"}, "tiers", "is not a percentage"),
        ({"tiers": "1e5000, 30, 20"}, "tiers", "is not a percentage"),
        ({"tiers": "5" * 61}, "tiers", "longer than 60"),
        ({"tiers": "50.001, 30, 19.999"}, "tiers", "at most two decimals"),
    ],
)
def test_bad_input_is_a_problem_naming_its_field(db, sponsor, login, typed, field, words):
    answer = _ask(login("sam@acme.example"), **typed)
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    problem = answer.get_json()
    assert (problem["code"], problem["field"]) == ("validation_failed", field)
    assert words in problem["detail"]


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        ({"bounty": "9\x00000"}, "bounty"),
        ({"currency": "E\x00R"}, "currency"),
        ({"tiers": "5\x000, 30, 20"}, "tiers"),
    ],
)
def test_a_nul_in_the_preview_query_is_refused_by_the_request_check_naming_its_field(
    db, sponsor, login, typed, field
):
    answer = _ask(login("sam@acme.example"), **typed)
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    problem = answer.get_json()
    assert (problem["code"], problem["field"]) == ("invalid_query", field)
    assert "contains U+0000 (NULL), which no field accepts" in problem["detail"]


def test_it_only_answers_and_only_to_those_who_post_challenges(db, sponsor, login, client, make_user):
    browser = login("sam@acme.example")
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert _ask(browser).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert browser.post("/challenges/new/prize-split", headers=JSON).status_code == 405
    assert _ask(client).status_code == 401
    make_user("carl@outside.example")
    assert _ask(login("carl@outside.example")).status_code == 403


def test_the_preview_shadows_no_challenge_page_whatever_its_title(db, sponsor, login):
    posted = challenges.create_challenge(sponsor.member, terms_at(utcnow(), title="Prize split"))
    assert posted.slug == "prize-split"
    page = login("sam@acme.example").get(f"/challenges/{posted.slug}")
    assert page.status_code == 200
    assert "Prize split" in page.get_data(as_text=True)


def test_without_javascript_the_page_shows_the_split_of_what_was_last_sent(db, sponsor, login):
    browser = login("sam@acme.example")
    draft = challenges.create_challenge(sponsor.member, terms_at(utcnow(), bounty_minor=1_000_000))
    page = browser.get(f"/challenges/{draft.slug}/edit").get_data(as_text=True)
    assert 'name="tiers" required type="text" value="50, 30, 20"' in page  # as stored, to save unchanged
    assert "<ol><li>€5,000.00 (50%)</li><li>€3,000.00 (30%)</li><li>€2,000.00 (20%)</li></ol>" in page

    token = extract_csrf(browser.get("/challenges/new").get_data(as_text=True))
    refused = browser.post(
        "/challenges/new", data={**_form_data(title="", bounty="900", tiers="60, 40, 0"), "csrf_token": token}
    )
    assert refused.status_code == 422
    assert "€540.00" not in refused.get_data(as_text=True)  # no split is shown for a split that can't be
    refused = browser.post(
        "/challenges/new", data={**_form_data(title="", bounty="900"), "csrf_token": token}
    )
    assert "<li>€450.00 (50%)</li>" in refused.get_data(as_text=True)
