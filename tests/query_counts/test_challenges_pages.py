"""Statement counts of the challenge pages: the public list and page, the posting form, and the sponsor's
management page in each state that shows different sections, at 5 and at 500 rows."""

from __future__ import annotations

import pytest

from app.core.access import Role
from app.skills.models import Skill
from tests.query_counts.counting import Ask, assert_flat, counts, shows_no_rows
from tests.query_counts.support import bulk_challenges, bulk_entries, bulk_users, judged_challenge, people

shows_no_rows("challenges.new_challenge", "an empty posting form: it lists nothing stored")
shows_no_rows("challenges.prize_split", "JSON for the typed bounty and tiers; it reads no rows")


@counts("challenges.browse")
def test_the_challenge_list_is_flat_in_the_challenges_and_their_skills(db, redis, make_user, client):
    cast = people(make_user)
    listed: list[object] = []

    def grow(count: int) -> None:
        listed.extend(bulk_challenges(db, cast.org, count - len(listed), with_skill=True))

    assert_flat(lambda: Ask(client, "/challenges/"), grow)


@counts("challenges.detail")
def test_a_challenge_page_is_flat_in_its_skills_and_entries(db, redis, make_user, login):
    cast = people(make_user)
    (challenge,) = bulk_challenges(db, cast.org, 1)
    browser = login(cast.contributor.email)
    entries: list[object] = []

    def grow(count: int) -> None:
        number = len(challenge.skills)
        challenge.skills += [
            Skill(name=f"Detail skill {i}", slug=f"detail-skill-{i}") for i in range(number, count)
        ]
        challenge.preferred_skills += [
            Skill(name=f"Nice skill {i}", slug=f"nice-skill-{i}") for i in range(number, count)
        ]
        db.session.commit()
        makers = bulk_users(db, count - len(entries), Role.CONTRIBUTOR, "maker")
        entries.extend(bulk_entries(db, [challenge.id] * len(makers), [maker.id for maker in makers]))

    assert_flat(lambda: Ask(browser, f"/challenges/{challenge.slug}"), grow)


@counts("challenges.edit_challenge")
def test_the_edit_form_is_flat_in_the_skills_it_lists(db, redis, make_user, login):
    cast = people(make_user)
    (challenge,) = bulk_challenges(db, cast.org, 1)
    browser = login(cast.sponsor.email)

    def grow(count: int) -> None:
        number = len(challenge.skills)
        challenge.skills += [
            Skill(name=f"Edit skill {i}", slug=f"edit-skill-{i}") for i in range(number, count)
        ]
        db.session.commit()

    assert_flat(lambda: Ask(browser, f"/challenges/{challenge.slug}/edit"), grow)


@counts("challenges.manage")
@pytest.mark.parametrize("status", ["open", "judging", "results_proposed", "awarded"])
def test_the_management_page_is_flat_in_entries_reviews_and_results(db, redis, make_user, login, status):
    cast = people(make_user)
    judged = judged_challenge(db, cast.org, status)
    browser = login(cast.sponsor.email)
    assert_flat(lambda: Ask(browser, f"/challenges/{judged.challenge.slug}/manage"), judged.grow)
