"""Manager approval end to end: a finalize is refused without it, the contributor asks, the manager
hears by inbox and e-mail, approves with a note, the contributor sees it, and the entry goes in."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.marketplace.models import ApprovalRequest
from app.notifications.models import Notification
from app.submissions import services
from app.submissions.services import UploadRejected
from tests.marketplace.support import post_form, with_manager
from tests.submissions.conftest import PDF, send_post


def _upload(app, scene, title="Shorter routes"):
    ticket = services.start_upload(
        scene.challenge.id,
        scene.inez,
        filename="entry.pdf",
        size=len(PDF),
        content_type="application/pdf",
        title=title,
    )
    assert send_post(app, ticket, PDF) in (200, 201, 204)
    return ticket


def test_approval_is_asked_given_shown_and_needed_before_finalize(
    app, db, backend, scene, make_user, login, mailbox, run_worker
):
    mia = with_manager(scene, make_user, hours=4)
    slug = scene.challenge.slug
    # An upload started before the challenge asked for approval is refused at finalize without it.
    scene.challenge.requires_manager_approval = False
    db.session.commit()
    early = _upload(app, scene)
    scene.challenge.requires_manager_approval = True
    db.session.commit()
    with pytest.raises(UploadRejected, match="manager's approval"):
        services.finalize_upload(early.upload_id, scene.inez)

    inez = login("inez@host.example")
    page = inez.get(f"/challenges/{slug}").get_data(as_text=True)
    assert "Ask my manager" in page and 'value="mia@host.example"' in page
    response = post_form(
        inez,
        f"/challenges/{slug}",
        f"/challenges/{slug}/approval",
        {"hours_per_week": "4", "approver_email": "mia@host.example", "note": "Quiet sprint"},
    )
    assert response.status_code == 303
    request = db.session.scalar(select(ApprovalRequest))
    assert (request.status, request.hours_per_week, request.manager_id) == ("pending", 4, mia.id)
    assert "waiting for your manager" in inez.get(f"/challenges/{slug}").get_data(as_text=True)

    told = db.session.scalar(select(Notification).where(Notification.user_id == mia.id))
    assert "Inez Internal asks to spend 4 hours a week" in told.body and "Quiet sprint" in told.body
    run_worker()
    [mail] = mailbox.to("mia@host.example")
    assert mail["Subject"] == f"Approval requested: {scene.challenge.title}"

    manager = login("mia@host.example")
    queue = manager.get("/approvals").get_data(as_text=True)
    assert "Inez Internal" in queue and "4 hours a week" in queue
    decided = post_form(
        manager,
        "/approvals",
        f"/approvals/{request.id}",
        {f"r{request.id}-note": "Go for it", f"r{request.id}-approve": "Approve"},
    )
    assert decided.status_code == 303
    db.session.expire_all()
    assert db.session.get(ApprovalRequest, request.id).status == "approved"

    page = inez.get(f"/challenges/{slug}").get_data(as_text=True)
    assert "approved" in page and "Go for it" in page and "Submit an entry" in page
    mine = inez.get("/submissions/mine").get_data(as_text=True)
    assert scene.challenge.title in mine and "approved" in mine
    ticket = _upload(app, scene, title="Second go")
    assert services.finalize_upload(ticket.upload_id, scene.inez).number == 1
