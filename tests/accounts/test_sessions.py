"""Sessions end on the server: a cookie copied before sign-out or a password change signs nobody in."""

from app.accounts.models import UserSession
from tests.conftest import TEST_PASSWORD, extract_csrf


def _copy_cookie(source, app):
    thief = app.test_client()
    cookie = source.get_cookie("session")
    thief.set_cookie(cookie.key, cookie.value)
    return thief


def test_a_session_cookie_captured_before_sign_out_does_not_work_after_it(app, db, make_user, login):
    make_user("leaver@outside.example")
    browser = login("leaver@outside.example")
    thief = _copy_cookie(browser, app)
    assert thief.get("/contributor").status_code == 200  # the copy works while the session lasts
    token = extract_csrf(browser.get("/contributor").get_data(as_text=True))
    assert browser.post("/logout", data={"csrf_token": token}).status_code == 302
    assert thief.get("/contributor").status_code == 302
    assert thief.get("/api/v1/me").status_code == 401
    assert db.session.query(UserSession).one().ended_at is not None


def test_signing_out_one_device_leaves_the_others_signed_in(app, db, make_user, login):
    make_user("two@outside.example")
    laptop, phone = login("two@outside.example"), login("two@outside.example")
    laptop.post(
        "/logout", data={"csrf_token": extract_csrf(laptop.get("/contributor").get_data(as_text=True))}
    )
    assert phone.get("/contributor").status_code == 200


def test_changing_the_password_ends_every_other_session_but_keeps_this_one(app, db, make_user, login):
    make_user("mover@outside.example")
    browser, other = login("mover@outside.example"), login("mover@outside.example")
    thief = _copy_cookie(browser, app)
    page = browser.get("/account/password").get_data(as_text=True)
    response = browser.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": "another good password",
            "confirm": "another good password",
            "csrf_token": extract_csrf(page),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert browser.get("/contributor").status_code == 200
    assert other.get("/contributor").status_code == 302
    assert thief.get("/contributor").status_code == 302
