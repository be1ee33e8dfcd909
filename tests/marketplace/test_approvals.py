"""Approval refusals change nothing: the wrong approver, deciding one's own request, a decision by
someone else, hours over the organisation's cap (when asked and when approved)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.core.audit import AuditEvent
from app.core.errors import AlreadyDone, Conflict, NotFound, PermissionDenied, ValidationFailed
from app.marketplace import services
from app.marketplace.models import ApprovalRequest
from app.notifications.models import Notification
from tests.factories import make_challenge
from tests.marketplace.support import post_form, with_manager


def _snapshot(db):
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (ApprovalRequest, Notification, AuditEvent)
    )


def _second_challenge(db, scene, **overrides):
    return make_challenge(
        db,
        scene.org,
        title="Inventory clean-up",
        requires_manager_approval=True,
        expected_hours_per_week=5,
        **overrides,
    )


def test_asking_someone_who_is_not_your_manager_is_refused_naming_the_manager(db, scene, make_user, login):
    with_manager(scene, make_user)
    make_user("other@host.example", name="Otto Other")
    browser = login("inez@host.example")
    before = _snapshot(db)
    with pytest.raises(ValidationFailed, match=r"not your manager; the org chart names Mia Manager"):
        services.request_approval(
            scene.challenge.id, scene.inez, hours_per_week=4, approver_email="other@host.example"
        )
    assert _snapshot(db) == before
    slug = scene.challenge.slug
    response = post_form(
        browser,
        f"/challenges/{slug}",
        f"/challenges/{slug}/approval",
        {"hours_per_week": "4", "approver_email": "other@host.example"},
        follow_redirects=True,
    )
    assert "is not your manager" in response.get_data(as_text=True)
    assert _snapshot(db) == before


def test_without_a_manager_or_as_an_outsider_nothing_can_be_asked(db, scene, make_user):
    scene.challenge.requires_manager_approval = True
    db.session.commit()
    with pytest.raises(ValidationFailed, match="No manager is recorded"):
        services.request_approval(scene.challenge.id, scene.inez, hours_per_week=4)
    with pytest.raises(PermissionDenied, match="internal contributors"):
        services.request_approval(scene.challenge.id, scene.alice, hours_per_week=4)


def test_nobody_decides_their_own_request_and_only_the_manager_decides(db, scene, make_user, login):
    with_manager(scene, make_user)
    request = services.request_approval(scene.challenge.id, scene.inez, hours_per_week=4)
    inez = login("inez@host.example")
    before = _snapshot(db)
    with pytest.raises(PermissionDenied, match="your own request"):
        services.decide_approval(request.id, scene.inez, approve=True)
    with pytest.raises(NotFound):
        services.decide_approval(request.id, scene.bob, approve=True)
    assert _snapshot(db) == before
    response = post_form(
        inez, "/approvals", f"/approvals/{request.id}", {f"r{request.id}-approve": "Approve"}
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(ApprovalRequest, request.id).status == "pending"
    assert _snapshot(db) == before


def test_asking_for_hours_over_the_cap_is_refused(db, scene, make_user):
    mia = with_manager(scene, make_user, hours=4)
    other = _second_challenge(db, scene)
    first = services.request_approval(other.id, scene.inez, hours_per_week=6)
    services.decide_approval(first.id, mia, approve=True, note="Fine")
    assert services.held_hours(scene.inez.id) == 6
    before = _snapshot(db)
    with pytest.raises(ValidationFailed, match="make 10 approved hours a week; the limit is 8"):
        services.request_approval(scene.challenge.id, scene.inez, hours_per_week=4)
    with pytest.raises(ValidationFailed, match="1 to 40 hours"):
        services.request_approval(scene.challenge.id, scene.inez, hours_per_week=0)
    assert _snapshot(db) == before
    services.request_approval(scene.challenge.id, scene.inez, hours_per_week=2)  # exactly reaches the cap


def test_an_approval_that_would_pass_the_cap_is_refused_and_the_request_stays_pending(db, scene, make_user):
    mia = with_manager(scene, make_user)
    other = _second_challenge(db, scene)
    first = services.request_approval(other.id, scene.inez, hours_per_week=5)
    second = services.request_approval(scene.challenge.id, scene.inez, hours_per_week=5)
    services.decide_approval(first.id, mia, approve=True)
    before = _snapshot(db)
    with pytest.raises(ValidationFailed, match="limit is 8"):
        services.decide_approval(second.id, mia, approve=True)
    assert _snapshot(db) == before
    assert db.session.get(ApprovalRequest, second.id).status == "pending"
    declined = services.decide_approval(second.id, mia, approve=False, note="Not this quarter")
    assert declined.status == "declined"
    with pytest.raises(Conflict, match="already declined"):
        services.decide_approval(second.id, mia, approve=True)


def test_the_cap_is_set_per_host_and_hours_on_finished_challenges_are_freed(db, scene, make_user):
    mia = with_manager(scene, make_user)
    other = _second_challenge(db, scene)
    services.decide_approval(
        services.request_approval(other.id, scene.inez, hours_per_week=8).id, mia, approve=True
    )
    with pytest.raises(ValidationFailed, match="limit is 8"):
        services.request_approval(scene.challenge.id, scene.inez, hours_per_week=1)
    host = services.host_organization()
    with pytest.raises(PermissionDenied):
        services.set_approval_cap(host.id, 12, actor=scene.inez)
    services.set_approval_cap(host.id, 12, actor=scene.admin)
    assert services.request_approval(scene.challenge.id, scene.inez, hours_per_week=4).status == "pending"
    other.status = "awarded"  # results are out: those hours are no longer held
    db.session.commit()
    assert services.held_hours(scene.inez.id) == 0


def test_approving_twice_succeeds_says_so_and_writes_nothing_twice(db, scene, make_user, login):
    mia = with_manager(scene, make_user)
    request = services.request_approval(scene.challenge.id, scene.inez, hours_per_week=4)
    manager = login(mia.email)
    first = post_form(
        manager, "/approvals", f"/approvals/{request.id}", {f"r{request.id}-approve": "Approve"}
    )
    assert first.status_code == 303
    before = _snapshot(db)
    with pytest.raises(AlreadyDone, match="already approved"):
        services.decide_approval(request.id, mia, approve=True)  # a second tab's click
    with pytest.raises(AlreadyDone, match="already approved this challenge"):
        services.request_approval(scene.challenge.id, scene.inez, hours_per_week=4)
    with pytest.raises(Conflict, match="already approved"):
        services.decide_approval(request.id, mia, approve=False)  # the other answer is still refused
    assert _snapshot(db) == before


def test_only_someone_with_reports_sees_approvals_in_the_navigation(db, scene, make_user, login):
    with_manager(scene, make_user)
    link = 'href="/approvals"'
    assert link in login("mia@host.example").get("/account").get_data(as_text=True)
    assert link not in login("inez@host.example").get("/account").get_data(as_text=True)
