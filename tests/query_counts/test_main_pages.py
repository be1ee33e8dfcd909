"""Statement counts of the homes: the admin's, a sponsor's, a judge's review queue across challenges,
and a contributor's, at 5 and at 500 rows."""

from __future__ import annotations

import uuid

from app.accounts.models import Organization, OrganizationDomain
from app.core.access import Role
from app.jobs import JobRecord
from tests.query_counts.counting import Ask, assert_flat, counts, shows_no_rows
from tests.query_counts.support import Queues, bulk_challenges, bulk_entries, bulk_users, people

shows_no_rows("main.index", "the visitors' landing page: fixed text, and a redirect for those signed in")


@counts("main.admin_home")
def test_the_admin_home_is_flat_in_organisations_members_and_jobs(db, redis, make_user, login):
    cast = people(make_user)
    browser = login(cast.admin.email)
    orgs: list[Organization] = []

    def grow(count: int) -> None:
        number = len(orgs)
        added = [
            Organization(name=f"Org {index}", domains=[OrganizationDomain(domain=f"org{index}.example")])
            for index in range(number, count)
        ]
        db.session.add_all(added)
        db.session.add_all(
            JobRecord(rq_job_id=uuid.uuid4().hex, kind="app.demo:job", queue="default", status="finished")
            for _ in range(number, count)
        )
        db.session.commit()
        for org, member in zip(added, bulk_users(db, len(added), Role.CONTRIBUTOR, "member"), strict=True):
            member.organization_id = org.id
        db.session.commit()
        orgs.extend(added)

    assert_flat(lambda: Ask(browser, "/admin"), grow)


@counts("main.sponsor_home")
def test_the_sponsor_home_is_flat_in_the_organisations_challenges(db, redis, make_user, login):
    cast = people(make_user)
    browser = login(cast.sponsor.email)
    listed: list[object] = []
    makers = bulk_users(db, 3, Role.CONTRIBUTOR, "maker")

    def grow(count: int) -> None:
        added = bulk_challenges(db, cast.org, count - len(listed))
        bulk_entries(db, [challenge.id for challenge in added], [makers[0].id] * len(added))
        listed.extend(added)

    assert_flat(lambda: Ask(browser, "/sponsor"), grow)


@counts("main.judge_home")
def test_the_judges_review_queue_is_flat_in_assignments_across_challenges(db, redis, make_user, login):
    cast = people(make_user)
    queues = Queues(db, cast.org, cast.judge)
    browser = login(cast.judge.email)
    assert_flat(lambda: Ask(browser, "/judge"), queues.grow)


@counts("main.contributor_home")
def test_the_contributor_home_is_flat_in_their_submissions(db, redis, make_user, login):
    cast = people(make_user)
    browser = login(cast.contributor.email)
    entered: list[object] = []

    def grow(count: int) -> None:
        added = bulk_challenges(db, cast.org, count - len(entered))
        entered.extend(bulk_entries(db, [c.id for c in added], [cast.contributor.id] * len(added)))

    assert_flat(lambda: Ask(browser, "/contributor"), grow)
