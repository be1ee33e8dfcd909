"""The in-app inbox: each person sees and reads only their own messages."""

from sqlalchemy import func, select

from app.extensions import db
from app.notifications import services as notifications
from app.notifications.models import Notification, OutboxMessage
from tests.conftest import extract_csrf


def _unread(user) -> int:
    """Counted in the database, not in the session's identity map, which the request does not update."""
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def test_inbox_lists_own_messages_and_marks_them_read(db, redis, make_user, login):
    reader = make_user("reader@outside.example")
    other = make_user("other@outside.example")
    notifications.notify(reader, "Entry received", "Your entry is in.", link="/contributor")
    notifications.notify(other, "Private to other", "Not for the reader.")
    browser = login("reader@outside.example")
    page = browser.get("/inbox/").get_data(as_text=True)
    assert "Entry received" in page
    assert "Private to other" not in page
    assert _unread(reader) == 1
    note = notifications.inbox(reader)[0]
    response = browser.post(f"/inbox/{note.id}/read", data={"csrf_token": extract_csrf(page)})
    assert response.headers["Location"] == "/contributor"
    assert _unread(reader) == 0


def test_reading_someone_elses_message_is_not_found_and_changes_nothing(db, redis, make_user, login):
    make_user("reader@outside.example")
    other = make_user("other@outside.example")
    note = notifications.notify(other, "Private", "Body")
    browser = login("reader@outside.example")
    token = extract_csrf(browser.get("/inbox/").get_data(as_text=True))
    response = browser.post(f"/inbox/{note.id}/read", data={"csrf_token": token})
    assert response.status_code == 404
    assert "No such message" in response.get_data(as_text=True)
    db.session.expire_all()
    assert _unread(other) == 1


def test_every_notification_is_also_an_outbox_email(db, redis, make_user):
    user = make_user("Mixed.Case@Outside.example")
    notifications.notify(user, "Subject line", "Body text")
    message = db.session.scalar(select(OutboxMessage))
    assert (message.to_address, message.subject, message.status) == (
        "Mixed.Case@Outside.example",
        "Subject line",
        "pending",
    )


def test_development_mail_goes_to_the_log_not_smtp(app, db, make_user, caplog):
    from app.notifications import mailer

    user = make_user("dev@outside.example")
    notifications.notify(user, "Logged only", "Body")
    message = db.session.scalar(select(OutboxMessage))
    app.config["MAIL_BACKEND"] = "log"
    try:
        with caplog.at_level("INFO"):
            mailer.send(message)  # no SMTP server is contacted, so no connection error either
    finally:
        app.config["MAIL_BACKEND"] = "smtp"
    assert "Logged only" in caplog.text
