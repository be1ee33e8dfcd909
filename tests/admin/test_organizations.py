"""Operators create organisations, invite their first sponsor by e-mail and grant or withdraw roles,
on the admin pages (POST with CSRF) and with ``flask users``; every change is audited."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts import services as accounts
from app.accounts.models import Organization
from app.core.access import Role
from app.core.audit import AuditEvent
from tests.accounts.support import emailed_path
from tests.conftest import extract_csrf
from tests.factories import make_challenge


def _post(browser, page, path, data):
    token = extract_csrf(browser.get(page).get_data(as_text=True))
    return browser.post(path, data={**data, "csrf_token": token})


def _actions(db, action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_an_admin_creates_an_organisation_and_invites_its_first_sponsor_who_sets_a_password(
    app, db, redis, make_user, login, mailbox, run_worker
):
    admin = make_user("root@host.example", Role.ADMIN)
    browser = login(admin.email)
    created = _post(
        browser,
        "/admin/organizations",
        "/admin/organizations",
        {"name": "Globex", "domains": "globex.example", "is_sponsor": "y"},
    )
    assert created.status_code == 302
    globex = db.session.scalar(select(Organization).where(Organization.name == "Globex"))
    assert globex.is_sponsor and globex.domain_names == ["globex.example"]
    assert _actions(db, "organization.created")[0].actor_id == admin.id

    page = f"/admin/organizations/{globex.id}"
    invited = _post(
        browser,
        page,
        f"{page}/invitations",
        {"email": "Grace@Globex.Example", "display_name": "Grace", "role": "sponsor"},
    )
    assert invited.status_code == 302
    assert "Grace" in browser.get(page).get_data(as_text=True)
    event = _actions(db, "organization.member_invited")[0]
    assert event.actor_id == admin.id and event.data["role"] == "sponsor"

    path = emailed_path(mailbox, "Grace@Globex.Example", run_worker)
    assert path.startswith("/invitation/")
    newcomer = app.test_client()
    form = newcomer.get(path)
    assert form.status_code == 200
    accepted = newcomer.post(
        path,
        data={
            "password": "graces own password",
            "confirm": "graces own password",
            "csrf_token": extract_csrf(form.get_data(as_text=True)),
        },
    )
    assert accepted.status_code == 302
    assert newcomer.get("/sponsor").status_code == 200
    db.session.expire_all()
    grace = accounts.find_user_by_email("grace@globex.example")
    assert grace.organization_id == globex.id and grace.has_role(Role.SPONSOR) and grace.is_email_verified
    # The invitation works once.
    again = app.test_client()
    refused = again.post(
        path,
        data={
            "password": "someone elses password",
            "confirm": "someone elses password",
            "csrf_token": extract_csrf(again.get(path).get_data(as_text=True)),
        },
    )
    assert refused.status_code == 403


def test_an_admin_grants_and_withdraws_roles_and_a_withdrawn_sponsor_loses_the_drafts_at_once(
    db, redis, make_user, login
):
    acme = accounts.create_organization("Acme", ["acme.example"], is_sponsor=True)
    admin = make_user("root@host.example", Role.ADMIN)
    cole = make_user("cole@acme.example", Role.CONTRIBUTOR)
    draft = make_challenge(db, acme, title="Secret project", status="draft")
    browser = login(admin.email)
    page = f"/admin/users/{cole.id}"

    assert _post(browser, page, f"{page}/roles/grant", {"role": "sponsor"}).status_code == 302
    cole_browser = login(cole.email)
    assert cole_browser.get(f"/challenges/{draft.slug}").status_code == 200

    assert _post(browser, page, f"{page}/roles/revoke", {"role": "sponsor"}).status_code == 302
    assert cole_browser.get(f"/challenges/{draft.slug}").status_code == 404
    granted, revoked = _actions(db, "user.role_granted"), _actions(db, "user.role_revoked")
    assert [event.data["role"] for event in granted + revoked] == ["sponsor", "sponsor"]
    assert {event.actor_id for event in granted + revoked} == {admin.id}


def test_a_role_is_not_granted_to_an_unconfirmed_address_nor_by_a_non_admin(db, redis, make_user, login):
    accounts.create_organization("Acme", ["acme.example"], is_sponsor=True)
    admin = make_user("root@host.example", Role.ADMIN)
    sponsor = make_user("sam@acme.example", Role.SPONSOR)
    mallory = make_user("mallory@acme.example", verified=False)
    page = f"/admin/users/{mallory.id}"
    refused = _post(login(admin.email), page, f"{page}/roles/grant", {"role": "sponsor"})
    assert refused.status_code == 409
    assert "not confirmed" in refused.get_data(as_text=True)
    forbidden = login(sponsor.email)
    token = extract_csrf(forbidden.get("/sponsor").get_data(as_text=True))
    assert (
        forbidden.post(f"{page}/roles/grant", data={"role": "admin", "csrf_token": token}).status_code == 403
    )
    assert (
        forbidden.post("/admin/organizations", data={"name": "Mine", "csrf_token": token}).status_code == 403
    )
    db.session.expire_all()
    assert accounts.get_user(mallory.id).roles == {Role.CONTRIBUTOR}
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 1


def test_inviting_an_unconfirmed_account_is_refused_so_a_squatter_gains_nothing(db, redis, make_user, login):
    acme = accounts.create_organization("Acme", ["acme.example"], is_sponsor=True)
    admin = make_user("root@host.example", Role.ADMIN)
    make_user("boss@acme.example", verified=False)
    page = f"/admin/organizations/{acme.id}"
    refused = _post(
        login(admin.email), page, f"{page}/invitations", {"email": "boss@acme.example", "role": "sponsor"}
    )
    assert refused.status_code == 409
    db.session.expire_all()
    boss = accounts.find_user_by_email("boss@acme.example")
    assert boss.organization_id is None and not boss.has_role(Role.SPONSOR)


def test_the_cli_creates_an_organisation_invites_a_sponsor_and_grants_and_revokes_roles(
    app, db, redis, mailbox, run_worker
):
    cli = app.test_cli_runner()
    made = cli.invoke(
        args=["users", "create-organization", "Initech", "--domain", "initech.example", "--sponsor"]
    )
    assert made.exit_code == 0, made.output
    invited = cli.invoke(args=["users", "invite", "peter@initech.example", "--organization", "initech"])
    assert invited.exit_code == 0, invited.output
    assert emailed_path(mailbox, "peter@initech.example", run_worker).startswith("/invitation/")
    peter = accounts.find_user_by_email("peter@initech.example")
    assert peter.has_role(Role.SPONSOR) and peter.organization.name == "Initech"

    refused = cli.invoke(args=["users", "grant-role", "peter@initech.example", "admin"])
    assert refused.exit_code == 1 and "not confirmed" in refused.output  # the invitation is not accepted yet
    revoked = cli.invoke(args=["users", "revoke-role", "peter@initech.example", "sponsor"])
    assert revoked.exit_code == 0, revoked.output
    db.session.expire_all()
    assert not accounts.find_user_by_email("peter@initech.example").has_role(Role.SPONSOR)
    unknown = cli.invoke(args=["users", "invite", "x@y.example", "--organization", "Nope"])
    assert unknown.exit_code == 1 and "no organisation named" in unknown.output
    actions = [event.action for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[:1] == ["organization.created"]
    assert "organization.member_invited" in actions and "user.role_revoked" in actions
