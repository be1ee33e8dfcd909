"""Statement counts of the judging pages: a judge's entry page with its queue, a judge's invitations
and declared conflicts, and the results page in each state that shows different sections."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.timeutil import utcnow
from app.judging.models import INVITED, Assignment, DeclaredConflict, PanelMember
from tests.query_counts.counting import Ask, assert_flat, counts
from tests.query_counts.support import bulk_challenges, bulk_organizations, judged_challenge, people


@counts("judging.entry")
def test_an_entry_page_is_flat_in_the_judges_queue(db, redis, make_user, login):
    cast = people(make_user)
    judged = judged_challenge(db, cast.org, "judging", judges=[cast.judge])
    browser = login(cast.judge.email)

    def ask() -> Ask:
        first = db.session.scalar(
            select(Assignment.id).where(Assignment.judge_id == cast.judge.id).order_by(Assignment.id).limit(1)
        )
        return Ask(browser, f"/judging/entries/{first}")

    assert_flat(ask, judged.grow)


@counts("judging.invitations")
def test_the_invitations_page_is_flat_in_invitations_and_declared_conflicts(db, redis, make_user, login):
    cast = people(make_user)
    browser = login(cast.judge.email)
    orgs = bulk_organizations(db, 10)
    shown: list[object] = []

    def grow(count: int) -> None:
        number = len(shown)
        challenges = bulk_challenges(db, orgs, count - number)
        members = [
            PanelMember(
                challenge_id=challenge.id,
                judge_id=cast.judge.id,
                status=INVITED,
                invited_by_id=cast.sponsor.id,
            )
            for challenge in challenges
        ]
        conflicts = [
            DeclaredConflict(
                judge_id=cast.judge.id, email_key=f"someone{index}@elsewhere.example", effective_at=utcnow()
            )
            for index in range(number, count)
        ]
        db.session.add_all(members + conflicts)
        db.session.commit()
        shown.extend(members)

    assert_flat(lambda: Ask(browser, "/judging/invitations"), grow)


@counts("judging.results")
@pytest.mark.parametrize("status", ["judging_overdue", "results_proposed", "awarded"])
def test_the_results_page_is_flat_in_results_and_judges(db, redis, make_user, login, status):
    cast = people(make_user)
    judged = judged_challenge(db, cast.org, status)
    browser = login(cast.sponsor.email)
    assert_flat(lambda: Ask(browser, f"/judging/results/{judged.challenge.slug}"), judged.grow)


@counts("judging.results")
def test_the_published_results_page_a_panel_judge_sees_is_flat(db, redis, make_user, login):
    cast = people(make_user)
    judged = judged_challenge(db, cast.org, "awarded", judges=[cast.judge])
    judged.panel_grows = True  # the panel grows around the judge who asks
    browser = login(cast.judge.email)
    assert_flat(lambda: Ask(browser, f"/judging/results/{judged.challenge.slug}"), judged.grow)
