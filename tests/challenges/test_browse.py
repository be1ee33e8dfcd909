"""The public challenge list (filters, search, sort, pages) and a challenge's own page."""

import re
from datetime import timedelta
from html import unescape

import pytest

from app.accounts import services as account_services
from app.challenges.lifecycle import Status
from app.core.access import Role
from app.core.timeutil import utcnow
from tests.factories import make_challenge, make_sponsor_org

TITLE_LINK = re.compile(r'<h2><a href="/challenges/[^"]+">([^<]+)</a></h2>')


def _page(client, query: str = "") -> str:
    response = client.get(f"/challenges/{query}")
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def _titles(client, query: str = "") -> list[str]:
    return TITLE_LINK.findall(_page(client, query))


@pytest.fixture
def sponsor(db):
    return make_sponsor_org(db, "Sponsor Co")


# The list -------------------------------------------------------------------------------------------


def test_list_is_public_and_shows_upcoming_and_open_challenges_by_default(client, db, sponsor):
    for status in Status:
        make_challenge(db, sponsor, title=f"{status.title()} one", status=status)
    assert sorted(_titles(client)) == ["Funded one", "Open one"]


@pytest.mark.parametrize(
    ("status_filter", "expected"),
    [
        ("upcoming", ["Funded one"]),
        ("open", ["Open one"]),
        ("closed", ["Closed one", "Judging one", "Judging_Overdue one", "Results_Proposed one"]),
        ("finished", ["Awarded one", "Paid one"]),
        ("cancelled", ["Cancelled one"]),
    ],
)
def test_status_filter_shows_only_that_stage(client, db, sponsor, status_filter, expected):
    for status in Status:
        make_challenge(db, sponsor, title=f"{status.title()} one", status=status)
    assert sorted(_titles(client, f"?status={status_filter}")) == expected


def test_cancelled_challenges_appear_only_when_the_filter_asks_for_them(client, db, sponsor):
    make_challenge(db, sponsor, title="Still running")
    make_challenge(db, sponsor, title="Called off", status="cancelled")
    assert _titles(client) == ["Still running"]
    assert sorted(_titles(client, "?status=open&status=cancelled")) == ["Called off", "Still running"]


def test_drafts_are_never_listed_even_when_asked_for(client, db, sponsor):
    make_challenge(db, sponsor, title="Secret plan", status="draft")
    page = _page(client, "?status=draft")
    assert "Secret plan" not in page
    assert "“draft” is not a status filter" in page


def test_skill_filter_keeps_challenges_asking_for_any_chosen_skill(client, db, sponsor):
    make_challenge(db, sponsor, title="Model", skills=["Python", "Statistics"])
    make_challenge(db, sponsor, title="Report", skills=["SQL"])
    make_challenge(db, sponsor, title="Logo", skills=["Design"])
    assert _titles(client, "?skill=python") == ["Model"]
    assert sorted(_titles(client, "?skill=python&skill=sql")) == ["Model", "Report"]
    assert _titles(client, "?skill=Statistics") == ["Model"]


def test_eligibility_filter_keeps_only_that_kind(client, db, sponsor):
    make_challenge(db, sponsor, title="Everyone", eligibility="open")
    make_challenge(db, sponsor, title="Staff", eligibility="internal")
    make_challenge(db, sponsor, title="Crowd", eligibility="external")
    assert _titles(client, "?eligibility=internal") == ["Staff"]
    assert _titles(client, "?eligibility=external") == ["Crowd"]
    assert _titles(client, "?eligibility=open") == ["Everyone"]


def test_reward_filter_separates_cash_from_points(client, db, sponsor):
    make_challenge(db, sponsor, title="Euros", currency="EUR")
    make_challenge(db, sponsor, title="Dollars", currency="USD")
    make_challenge(db, sponsor, title="Points", currency="PTS", bounty_minor=1500)
    assert sorted(_titles(client, "?reward=cash")) == ["Dollars", "Euros"]
    assert _titles(client, "?reward=points") == ["Points"]


def test_filters_combine_so_each_narrows_the_others(client, db, sponsor):
    make_challenge(db, sponsor, title="Staff python", eligibility="internal", skills=["Python"])
    make_challenge(db, sponsor, title="Crowd python", eligibility="external", skills=["Python"])
    make_challenge(db, sponsor, title="Staff sql", eligibility="internal", skills=["SQL"])
    assert _titles(client, "?skill=python&eligibility=internal") == ["Staff python"]


def test_search_matches_title_and_summary_case_insensitively(client, db, sponsor):
    make_challenge(db, sponsor, title="Forecast DEMAND", summary="Predict sales.")
    make_challenge(db, sponsor, title="Redesign the app", summary="Our demand planners hate it.")
    make_challenge(db, sponsor, title="Translate docs", summary="Into French.")
    assert sorted(_titles(client, "?q=demand")) == ["Forecast DEMAND", "Redesign the app"]
    assert _titles(client, "?q=  PREDICT  ") == ["Forecast DEMAND"]


def test_search_treats_wildcard_characters_literally(client, db, sponsor):
    make_challenge(db, sponsor, title="Cut costs by 100%")
    make_challenge(db, sponsor, title="Cut costs by 1000 euros")
    make_challenge(db, sponsor, title="snake_case names")
    make_challenge(db, sponsor, title="snakeXcase names")
    assert _titles(client, "?q=100%25") == ["Cut costs by 100%"]
    assert _titles(client, "?q=snake_case") == ["snake_case names"]


def test_default_sort_is_the_closest_deadline_first(client, db, sponsor):
    now = utcnow()
    make_challenge(db, sponsor, title="Later", closes_at=now + timedelta(days=20))
    make_challenge(db, sponsor, title="Sooner", closes_at=now + timedelta(days=2))
    make_challenge(db, sponsor, title="Middle", closes_at=now + timedelta(days=9))
    assert _titles(client) == ["Sooner", "Middle", "Later"]
    assert _titles(client, "?sort=deadline") == ["Sooner", "Middle", "Later"]


def test_bounty_sort_puts_the_largest_bounty_first(client, db, sponsor):
    make_challenge(db, sponsor, title="Small", bounty_minor=50_000)
    make_challenge(db, sponsor, title="Large", bounty_minor=5_000_000)
    make_challenge(db, sponsor, title="Medium", bounty_minor=500_000)
    assert _titles(client, "?sort=bounty") == ["Large", "Medium", "Small"]


def test_newest_sort_puts_the_latest_posted_first(client, db, sponsor):
    now = utcnow()
    make_challenge(db, sponsor, title="Old", created_at=now - timedelta(days=30))
    make_challenge(db, sponsor, title="New", created_at=now - timedelta(hours=1))
    make_challenge(db, sponsor, title="Recent", created_at=now - timedelta(days=3))
    assert _titles(client, "?sort=newest") == ["New", "Recent", "Old"]


def test_list_pages_hold_twelve_and_page_links_keep_the_filters(client, db, sponsor):
    now = utcnow()
    for number in range(14):
        make_challenge(db, sponsor, title=f"Task {number:02d}", closes_at=now + timedelta(days=number + 1))
    make_challenge(db, sponsor, title="Points task", currency="PTS", bounty_minor=10)
    first = _titles(client, "?reward=cash")
    assert first == [f"Task {number:02d}" for number in range(12)]
    page = _page(client, "?reward=cash")
    assert "14 challenges, page 1 of 2." in page
    assert 'href="/challenges/?reward=cash&page=2"' in page
    assert _titles(client, "?reward=cash&page=2") == ["Task 12", "Task 13"]


def test_page_past_the_end_shows_the_last_page_and_says_so(client, db, sponsor):
    make_challenge(db, sponsor, title="Only one")
    page = _page(client, "?page=7")
    assert "There is no page 7; showing the last page." in page
    assert TITLE_LINK.findall(page) == ["Only one"]


def test_unknown_filter_values_are_explained_and_ignored(client, db, sponsor):
    make_challenge(db, sponsor, title="Visible", skills=["Python"])
    make_challenge(db, sponsor, title="Hidden", status="closed")
    page = _page(client, "?status=bogus&eligibility=everyone&reward=gold&sort=random&page=abc&skill=cobol&q=")
    assert TITLE_LINK.findall(page) == ["Visible"]
    for message in (
        "“bogus” is not a status filter (use upcoming, open, closed, finished or cancelled). "
        "Showing upcoming and open challenges.",
        "“everyone” is not an eligibility filter (use open, internal or external); that filter is ignored.",
        "“gold” is not a reward filter (use cash or points); that filter is ignored.",
        "“random” is not a way to sort (use deadline, bounty or newest); sorting by deadline.",
        "“abc” is not a page number",
        "No challenge asks for the skill “cobol”",
    ):
        assert message in page


def test_card_shows_summary_money_time_left_eligibility_and_skills(client, db, sponsor):
    now = utcnow()
    make_challenge(
        db,
        sponsor,
        title="Forecast demand",
        summary="Predict next quarter's sales.",
        bounty_minor=1_000_000,
        eligibility="internal",
        closes_at=now + timedelta(days=3, hours=2),
        skills=["Python"],
    )
    make_challenge(
        db,
        sponsor,
        title="Name the bot",
        status="funded",
        currency="PTS",
        bounty_minor=1500,
        opens_at=now + timedelta(days=2, hours=3),
        closes_at=now + timedelta(days=9),
    )
    page = _page(client)
    assert '<a href="/challenges/forecast-demand-' in page
    assert "Predict next quarter's sales." in page
    assert "€10,000.00" in page and "closes in 3 days" in page
    assert "Internal only" in page and "<li>Python</li>" in page
    assert "1,500 pts" in page and "opens in 2 days" in page and "Upcoming" in page


def test_empty_result_says_so_and_offers_to_clear_the_filters(client, db, sponsor):
    make_challenge(db, sponsor, title="Something")
    page = _page(client, "?q=nothing-like-this")
    assert "No challenges match these filters." in page
    assert '<a href="/challenges/">Clear the filters</a>' in page


# A challenge's page ---------------------------------------------------------------------------------


def test_detail_prizes_sum_exactly_to_the_bounty_with_leftover_cents_to_first_place(client, db, sponsor):
    challenge = make_challenge(db, sponsor, bounty_minor=100_001, tiers_bp=[5000, 3000, 2000])
    page = _page(client, challenge.slug)
    assert "1st: €500.01 (50%)" in page
    assert "2nd: €300.00 (30%)" in page
    assert "3rd: €200.00 (20%)" in page
    assert "€1,000.01" in page


def test_detail_shows_points_prizes_in_points(client, db, sponsor):
    challenge = make_challenge(
        db, sponsor, currency="PTS", bounty_minor=1000, tiers_bp=[4000, 3000, 2000, 1000]
    )
    page = _page(client, challenge.slug)
    assert "1st: 400 pts (40%)" in page and "4th: 100 pts (10%)" in page


def test_detail_explains_rubric_rules_limits_and_judging(client, db, sponsor):
    challenge = make_challenge(
        db,
        sponsor,
        tie_rule="first_criterion",
        unawarded_rule="share",
        submissions_per_contributor=2,
        versions_per_submission=5,
        judges_per_entry=3,
        allowed_types=["application/pdf", "application/zip"],
        criteria=[
            {
                "name": "Accuracy",
                "guidance": "Does it solve the stated problem?",
                "weight": 3,
                "scale_max": 5,
            },
            {"name": "Clarity", "guidance": "Could someone else pick it up?", "weight": 1},
        ],
    )
    page = _page(client, challenge.slug)
    assert '<th scope="row">Accuracy</th>' in page and "Does it solve the stated problem?" in page
    assert "3 of 4" in page and "1\N{EN DASH}5" in page and "1\N{EN DASH}10" in page
    assert "scored blind by 3 judges" in page
    assert "The first criterion is “Accuracy”." in page
    assert "shared among the winners, pro rata" in page
    assert "Files up to 50 MiB" in page and "PDF document, ZIP archive" in page
    assert "Up to 2 submissions per contributor" in page and "Up to 5 versions" in page


def test_detail_renders_brief_and_rules_as_sanitised_markdown(client, db, sponsor):
    challenge = make_challenge(
        db,
        sponsor,
        brief_md=(
            "# Goal\n\nWe need **faster** builds.\n\n"
            "<script>alert('x')</script>\n\n[bad](javascript:alert(1))"
        ),
        rules_md="| Rule | Detail |\n|---|---|\n| One | *entry* each |",
    )
    page = client.get(f"/challenges/{challenge.slug}").get_data(as_text=True)
    assert "<h3>Goal</h3>" in page and "<strong>faster</strong>" in page
    assert "<script>alert" not in page
    assert "<p>&lt;script&gt;alert('x')&lt;/script&gt;</p>" in page
    assert 'href="javascript' not in page
    assert "<td><em>entry</em> each</td>" in page


def test_detail_times_are_in_the_viewers_timezone_with_time_left(login, db, make_user, sponsor):
    now = utcnow().replace(second=0, microsecond=0)
    closes_at = now + timedelta(days=3, hours=1)
    challenge = make_challenge(
        db,
        sponsor,
        opens_at=now - timedelta(days=2, hours=1),
        closes_at=closes_at,
        judging_due_at=now + timedelta(days=10, hours=1),
    )
    user = make_user("tokyo@outside.example")
    user.timezone = "Asia/Tokyo"
    db.session.commit()
    page = _page(login("tokyo@outside.example"), challenge.slug)
    shown = (closes_at + timedelta(hours=9)).strftime("%Y-%m-%d %H:%M JST")
    assert f'<time datetime="{closes_at.isoformat()}">{shown}</time>' in page
    assert "<dt>Opened</dt>" in page and "(2 days ago)" in page
    assert "<dt>Closes</dt>" in page and "(in 3 days)" in page
    assert "<dt>Judging due</dt>" in page and "(in 10 days)" in page


def test_anonymous_visitors_get_the_general_eligibility_rule(client, db, sponsor):
    account_services.create_organization("Acme", ["acme.example"], is_host=True)
    challenge = make_challenge(
        db, sponsor, eligibility="internal", requires_manager_approval=True, expected_hours_per_week=4
    )
    page = _page(client, challenge.slug)
    assert "Only employees of Acme (internal contributors) may enter." in page
    assert "manager's approval to take part, for about 4 hours a week." in page


@pytest.mark.parametrize(
    ("email", "ending"),
    [
        ("amy@acme.example", "— you are internal, so you can enter."),
        ("olu@outside.example", "— you are external, so you can't enter this one."),
    ],
)
def test_signed_in_viewer_is_told_whether_they_may_enter(login, db, make_user, sponsor, email, ending):
    account_services.create_organization("Acme", ["acme.example"], is_host=True)
    challenge = make_challenge(db, sponsor, eligibility="internal")
    make_user(email)
    page = _page(login(email), challenge.slug)
    assert f"Only employees of Acme (internal contributors) may enter {ending}" in page


def test_unknown_slug_is_not_found(client, db):
    assert client.get("/challenges/no-such-thing").status_code == 404


def test_draft_page_is_hidden_from_anonymous_visitors_and_other_organisations(
    client, login, db, make_user, sponsor
):
    draft = make_challenge(db, sponsor, title="Unannounced", status="draft")
    assert client.get(f"/challenges/{draft.slug}").status_code == 404
    make_user("someone@outside.example", Role.SPONSOR)
    response = login("someone@outside.example").get(f"/challenges/{draft.slug}")
    assert response.status_code == 404
    assert "Unannounced" not in response.get_data(as_text=True)


def test_draft_page_is_visible_to_sponsor_members_and_admins(login, db, make_user, sponsor):
    draft = make_challenge(db, sponsor, title="Unannounced", status="draft")
    member = make_user("sam@sponsor.example", Role.SPONSOR)
    member.organization = sponsor
    db.session.commit()
    make_user("root@platform.example", Role.ADMIN)
    for email in ("sam@sponsor.example", "root@platform.example"):
        response = login(email).get(f"/challenges/{draft.slug}")
        assert response.status_code == 200
        assert "Unannounced" in response.get_data(as_text=True)


def test_draft_is_not_listed_even_for_its_sponsor(login, db, make_user, sponsor):
    make_challenge(db, sponsor, title="Unannounced", status="draft")
    member = make_user("sam@sponsor.example", Role.SPONSOR)
    member.organization = sponsor
    db.session.commit()
    assert "Unannounced" not in _page(login("sam@sponsor.example"))
