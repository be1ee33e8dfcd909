"""Org chart import: idempotent, every bad line reported, nothing applied from a bad file unless the
admin asks for the good lines, cycles found, unknown columns and huge files refused."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.accounts import services as accounts
from app.accounts.models import User
from app.core.audit import AuditEvent
from app.core.errors import PermissionDenied, ValidationFailed
from app.marketplace import services
from app.notifications.models import Notification, OutboxMessage
from tests.conftest import extract_csrf

GOOD = (
    "email,name,manager_email,department\n"
    "bea@host.example,Bea Boss,,Board\n"
    "inez@host.example,Inez From HR,bea@host.example,Data\n"
    "carl@host.example,Carl Coder,inez@host.example,Data\n"
)


def _import(scene, text: str, **kwargs):
    return services.import_org_chart(io.BytesIO(text.encode()), scene.admin, **kwargs)


def _state(db):
    users = db.session.execute(
        select(User.email_key, User.display_name, User.department, User.manager_id).order_by(User.id)
    ).all()
    counts = tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (AuditEvent, Notification, OutboxMessage)
    )
    return users, counts


def test_import_creates_invites_and_links_people_and_reimporting_changes_nothing(app, db, scene):
    report = _import(scene, GOOD)
    assert report.applied and not report.errors
    assert sorted(report.created) == ["bea@host.example", "carl@host.example"]
    assert report.updated == ["inez@host.example"] and report.unchanged == 0
    bea, carl = (
        accounts.find_user_by_email("bea@host.example"),
        accounts.find_user_by_email("carl@host.example"),
    )
    inez = accounts.find_user_by_email("inez@host.example")
    assert (carl.manager_id, inez.manager_id, bea.manager_id) == (inez.id, bea.id, None)
    assert (carl.department, inez.department) == ("Data", "Data")
    assert inez.display_name == "Inez Internal"  # existing people keep the name they chose
    assert carl.organization.name == "Host" and accounts.is_internal(carl)
    invitation = db.session.scalar(select(Notification).where(Notification.user_id == carl.id))
    assert "/invitation/" in invitation.link
    # The e-mail is read outside the site: its link is a full address on PUBLIC_URL.
    assert f"{app.config['PUBLIC_URL']}{invitation.link}" in invitation.body
    # The invitation works: Carl sets a password and can sign in.
    token = invitation.link.rsplit("/", 1)[1]
    accounts.set_password_from_invitation(token, "a long enough password")

    before = _state(db)
    again = _import(scene, GOOD)
    assert (again.created, again.updated, again.unchanged) == ([], [], 3)
    assert _state(db) == before


def test_a_file_with_bad_lines_applies_nothing_and_reports_each_line(db, scene):
    text = GOOD + "nobody,No Address,,\n" + "dan@host.example,Dan,ghost@host.example,Ops\n"
    before = _state(db)
    report = _import(scene, text)
    assert not report.applied and report.valid_rows == 3
    assert [(error.line, error.reason) for error in report.errors] == [
        (5, "'nobody' is not an e-mail address."),
        (6, "The manager ghost@host.example is neither in the file nor a Podium user."),
    ]
    assert _state(db) == before


def test_the_admin_may_apply_the_good_lines_of_a_bad_file(db, scene):
    text = GOOD + "nobody,No Address,,\n"
    report = _import(scene, text, apply_valid_rows=True)
    assert report.applied and len(report.created) == 2 and [e.line for e in report.errors] == [5]
    assert accounts.find_user_by_email("carl@host.example") is not None


def test_a_manager_cycle_is_found_and_nothing_applied(db, scene):
    text = (
        "email,name,manager_email\n"
        "x@host.example,X,y@host.example\n"
        "y@host.example,Y,z@host.example\n"
        "z@host.example,Z,x@host.example\n"
    )
    before = _state(db)
    report = _import(scene, text)
    assert [error.line for error in report.errors] == [2, 3, 4]
    assert all(error.reason.startswith("Manager cycle:") for error in report.errors)
    assert _state(db) == before
    applied = _import(scene, text, apply_valid_rows=True)  # nothing good to apply
    assert not applied.changed and _state(db) == before


def test_a_cycle_with_existing_reporting_lines_is_found(db, scene, make_user):
    _import(scene, GOOD)
    before = _state(db)
    report = _import(scene, "email,name,manager_email\nbea@host.example,Bea Boss,carl@host.example\n")
    assert report.errors[0].reason == (
        "Manager cycle: bea@host.example → carl@host.example → inez@host.example → bea@host.example."
    )
    assert _state(db) == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("email,name,manager_email,salary\na@host.example,A,,1\n", "Unknown column 'salary'"),
        ("email,name\na@host.example,A\nA@host.example,Again\n", None),
    ],
)
def test_unknown_columns_and_duplicate_emails_are_refused(db, scene, text, message):
    before = _state(db)
    if message:
        with pytest.raises(ValidationFailed, match=message):
            _import(scene, text)
    else:
        report = _import(scene, text)
        assert [(e.line, e.reason) for e in report.errors] == [
            (2, "The e-mail a@host.example also appears on line 3."),
            (3, "The e-mail a@host.example also appears on line 2."),
        ]
    assert _state(db) == before


def test_a_huge_file_is_refused_while_streaming(app, db, scene):
    app.config["ORG_CHART_MAX_BYTES"] = 4096
    try:
        huge = GOOD + "".join(f"p{index}@host.example,Person {index},,Ops\n" for index in range(500))
        before = _state(db)
        with pytest.raises(ValidationFailed, match="larger than 4 KB"):
            _import(scene, huge)
        assert _state(db) == before
    finally:
        app.config["ORG_CHART_MAX_BYTES"] = 2 * 1024 * 1024


def test_only_admins_import(db, scene):
    with pytest.raises(PermissionDenied):
        services.import_org_chart(io.BytesIO(GOOD.encode()), scene.sponsor)


def test_the_import_page_reports_bad_lines_and_refuses_an_oversized_upload(app, db, scene, login):
    browser = login("root@host.example")
    token = extract_csrf(browser.get("/admin/org-chart").get_data(as_text=True))
    bad = GOOD + "nobody,No Address,,\n"
    response = browser.post(
        "/admin/org-chart",
        data={"csrf_token": token, "file": (io.BytesIO(bad.encode()), "people.csv")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert (
        response.status_code == 422 and "Nothing was imported" in page and "is not an e-mail address" in page
    )
    assert accounts.find_user_by_email("carl@host.example") is None
    response = browser.post(
        "/admin/org-chart",
        data={"csrf_token": token, "file": (io.BytesIO(GOOD.encode()), "people.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and "2 created, 1 updated, 0 unchanged" in response.get_data(
        as_text=True
    )
    app.config["ORG_CHART_MAX_BYTES"] = 2048
    try:
        huge = b"email,name\n" + b"x" * 200_000
        response = browser.post(
            "/admin/org-chart",
            data={"csrf_token": token, "file": (io.BytesIO(huge), "huge.csv")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 413
    finally:
        app.config["ORG_CHART_MAX_BYTES"] = 2 * 1024 * 1024
