"""Statement counts of the administration pages: people, organisations, the audit log, jobs, health
and stored files."""

from __future__ import annotations

import pytest

from app.accounts import services as accounts
from app.accounts.models import User
from app.core.access import Role
from app.submissions.models import StorageMismatch
from tests.query_counts import rows
from tests.query_counts.counting import Ask, assert_flat, counts, shows_no_rows

shows_no_rows(
    "admin.queues",
    "its rows are the queues and workers Redis reports; it reads nothing from the database but the admin",
)


@pytest.fixture
def admin_browser(db, redis, make_user, login):
    make_user("root@host.example", Role.ADMIN)
    return login("root@host.example")


@pytest.fixture
def acme(db):
    return accounts.create_organization("Acme", ["acme.example"], is_sponsor=True)


@counts("admin.users")
def test_user_list_is_flat(admin_browser, acme):
    def grow(n: int) -> None:
        have = rows.count_of(User)
        rows.users(n - have + 1, domain="acme.example", organization_id=acme.id)

    assert_flat(lambda: Ask(admin_browser, "/admin/users"), grow)


@counts("admin.user_detail")
def test_one_user_is_flat_as_the_platform_grows(admin_browser, acme, make_user):
    person = make_user("sam@acme.example", Role.SPONSOR, Role.JUDGE)

    def grow(n: int) -> None:  # one person's page: the others never show, and must cost nothing
        rows.users(n, domain="acme.example", organization_id=acme.id)

    assert_flat(lambda: Ask(admin_browser, f"/admin/users/{person.id}"), grow)


@counts("admin.organizations")
def test_organization_list_is_flat(admin_browser):
    def grow(n: int) -> None:
        made = rows.organizations(n)
        rows.users(2 * len(made), domain="crowd.example")
        rows.challenges_of([(oid, 0) for oid in made])

    assert_flat(lambda: Ask(admin_browser, "/admin/organizations"), grow)


@counts("admin.organization_detail")
def test_one_organization_is_flat_in_its_members(admin_browser, acme):
    def grow(n: int) -> None:
        have = rows.count_of(User, User.organization_id == acme.id)
        rows.users(n - have, domain="acme.example", organization_id=acme.id)

    assert_flat(lambda: Ask(admin_browser, f"/admin/organizations/{acme.id}"), grow)


@counts("admin.audit_log")
def test_audit_log_is_flat(admin_browser):
    people = rows.users(3)
    assert_flat(lambda: Ask(admin_browser, "/admin/audit"), lambda n: rows.audit_events(n, people))


@counts("admin.job_list")
def test_job_list_is_flat(admin_browser):
    assert_flat(lambda: Ask(admin_browser, "/admin/jobs"), lambda n: rows.job_records(n))


@counts("admin.health")
def test_health_page_is_flat(admin_browser):
    assert_flat(lambda: Ask(admin_browser, "/admin/health"), lambda n: rows.job_records(n, status="failed"))


@counts("admin.storage_check")
def test_storage_page_is_flat_in_its_mismatches(admin_browser, acme):
    (challenge_id,) = rows.challenges(acme.id, 1)
    check_id = rows.storage_check()

    def grow(n: int) -> None:
        have = rows.count_of(StorageMismatch)
        entries = rows.entries([(challenge_id, uid) for uid in rows.users(n - have)])
        rows.mismatches(check_id, entries)

    assert_flat(lambda: Ask(admin_browser, "/admin/storage"), grow)
