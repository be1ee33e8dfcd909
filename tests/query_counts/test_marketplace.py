"""Statement counts of the marketplace pages: For you, a manager's approvals, the leaderboard,
outcomes analytics and the skills vocabulary."""

from __future__ import annotations

import pytest

from app.accounts import services as accounts
from app.core.access import Role
from app.marketplace.models import ApprovalRequest
from tests.query_counts import rows
from tests.query_counts.counting import Ask, assert_flat, counts, shows_no_rows

shows_no_rows("marketplace.org_chart", "the org-chart import form and the host's approval cap")
shows_no_rows("marketplace.survey", "one person's form for one outcome survey")


@pytest.fixture
def host(db, redis):
    return accounts.create_organization("Host", ["host.example"], is_host=True)


@pytest.fixture
def acme(db):
    return accounts.create_organization("Acme", ["acme.example"], is_sponsor=True)


def _widening(acme_id: int, n: int) -> None:
    """Open challenges until there are ``n``, their skills and rubric growing with them."""
    names, criteria = (["Python"], 1) if n <= 5 else (["Python", "SQL", "Statistics", "Writing"], 4)
    rows.challenges(acme_id, n, skill_names=names, criteria=criteria)
    rows.widen_challenges(rows.challenge_ids(acme_id), names, criteria)


@counts("marketplace.for_you")
def test_for_you_is_flat(host, acme, make_user, login):
    ines = make_user("ines@host.example")
    rows.user_skills(ines.id, ["Python", "SQL"])
    browser = login("ines@host.example")
    assert_flat(lambda: Ask(browser, "/for-you"), lambda n: _widening(acme.id, n))


@counts("marketplace.approvals")
def test_approvals_page_is_flat(host, acme, make_user, login):
    manager = make_user("mona@host.example")
    (challenge_id,) = rows.challenges(acme.id, 1, requires_manager_approval=True, expected_hours_per_week=2)
    browser = login("mona@host.example")

    def grow(n: int) -> None:
        have = rows.count_of(ApprovalRequest, ApprovalRequest.manager_id == manager.id)
        people = rows.users(n - have, domain="host.example", manager_id=manager.id)
        rows.approval_requests([(challenge_id, uid) for uid in people], manager.id, approved_every=2)

    assert_flat(lambda: Ask(browser, "/approvals"), grow)


@counts("marketplace.leaderboard")
def test_leaderboard_is_flat(host, acme, make_user, login):
    make_user("ines@host.example").shows_on_leaderboard = True
    rows.db.session.commit()
    browser = login("ines@host.example")
    (challenge_id,) = rows.challenges(acme.id, 1, status="awarded", currency="PTS", bounty_minor=100_000)

    def grow(n: int) -> None:
        from app.accounts.models import User

        have = rows.count_of(User, User.shows_on_leaderboard.is_(True))
        people = rows.users(n - have, domain="host.example", shows_on_leaderboard=True)
        rows.awards([challenge_id], people, amount_minor=100, currency="PTS")

    assert_flat(lambda: Ask(browser, "/leaderboard"), grow)


@counts("marketplace.analytics_page")
def test_analytics_is_flat(host, acme, make_user, login):
    make_user("sam@acme.example", Role.SPONSOR)
    browser = login("sam@acme.example")
    judges = rows.users(3, domain="judges.example")

    def grow(n: int) -> None:
        made = rows.challenges(acme.id, n, status="awarded")
        makers = rows.users(len(made), domain="host.example")
        entries = rows.entries(list(zip(made, makers, strict=True)))
        rows.assign_pairs([(judges[i % 3], sid) for i, sid in enumerate(entries)], reviewed_every=1)
        rows.surveys(list(zip(made, makers, strict=True)))

    assert_flat(lambda: Ask(browser, "/analytics"), grow)


@counts("marketplace.skills")
def test_skills_vocabulary_is_flat(host, acme, make_user, login):
    make_user("root@host.example", Role.ADMIN)
    browser = login("root@host.example")
    (challenge_id,) = rows.challenges(acme.id, 1)
    person = rows.users(1)[0]

    def grow(n: int) -> None:
        names = [f"Skill {i}" for i in range(n)]
        rows.user_skills(person, names)
        rows.widen_challenges([challenge_id], names, 1)

    assert_flat(lambda: Ask(browser, "/admin/skills"), grow)
