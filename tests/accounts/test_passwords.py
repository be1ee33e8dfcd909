"""Changing a password re-checks the old one and signs out every other session."""

from app.accounts import services
from tests.conftest import TEST_PASSWORD, extract_csrf


def _change(browser, current, new, confirm=None):
    token = extract_csrf(browser.get("/account/password").get_data(as_text=True))
    return browser.post(
        "/account/password",
        data={
            "current_password": current,
            "new_password": new,
            "confirm": confirm or new,
            "csrf_token": token,
        },
    )


def test_change_password_keeps_this_session_and_ends_the_others(login, db, make_user):
    make_user("mover@outside.example")
    here = login("mover@outside.example")
    elsewhere = login("mover@outside.example")
    response = _change(here, TEST_PASSWORD, "a brand new passphrase")
    assert response.status_code == 302
    assert here.get("/contributor").status_code == 200
    assert elsewhere.get("/contributor").status_code == 302
    login("mover@outside.example", "a brand new passphrase")


def test_wrong_current_password_is_refused_and_changes_nothing(login, db, make_user):
    make_user("careful@outside.example")
    browser = login("careful@outside.example")
    before = services.find_user_by_email("careful@outside.example").password_hash
    response = _change(browser, "not my password", "a brand new passphrase")
    assert response.status_code == 422
    assert "current password is not correct" in response.get_data(as_text=True)
    db.session.expire_all()
    assert services.find_user_by_email("careful@outside.example").password_hash == before


def test_create_admin_command_creates_an_administrator(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create-admin",
            "--email",
            "Root@Host.example",
            "--name",
            "Root",
            "--password",
            "x" * 12,
        ],
    )
    assert result.exit_code == 0, result.output
    admin = services.find_user_by_email("root@host.example")
    assert admin is not None and admin.has_role("admin")
    again = runner.invoke(
        args=[
            "users",
            "create-admin",
            "--email",
            "root@HOST.example",
            "--name",
            "Root",
            "--password",
            "x" * 12,
        ],
    )
    assert again.exit_code != 0
    assert "already exists" in again.output
