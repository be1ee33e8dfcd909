"""Profile: name, timezone and a skills list drawn from one shared vocabulary."""

from sqlalchemy import func, select

from app.accounts import services
from app.skills.models import Skill
from tests.conftest import extract_csrf


def _save(browser, **fields):
    token = extract_csrf(browser.get("/account").get_data(as_text=True))
    return browser.post("/account", data={"csrf_token": token, **fields})


def test_profile_saves_name_timezone_and_skills(login, db, make_user):
    make_user("pat@outside.example")
    browser = login("pat@outside.example")
    response = _save(
        browser, display_name="Pat Q", timezone="Europe/Paris", skills="Python, UX research, python"
    )
    assert response.status_code == 302
    db.session.expire_all()
    user = services.find_user_by_email("pat@outside.example")
    assert (user.display_name, user.timezone) == ("Pat Q", "Europe/Paris")
    assert sorted(skill.slug for skill in user.skills) == ["python", "ux-research"]


def test_skills_are_shared_vocabulary_entries_not_copies(login, db, make_user):
    make_user("a@outside.example")
    make_user("b@outside.example")
    _save(login("a@outside.example"), display_name="A", timezone="UTC", skills="Data Science")
    _save(login("b@outside.example"), display_name="B", timezone="UTC", skills="data  science")
    assert db.session.scalar(select(func.count()).select_from(Skill)) == 1


def test_unknown_timezone_is_refused_beside_the_field_and_changes_nothing(login, db, make_user):
    make_user("tz@outside.example")
    browser = login("tz@outside.example")
    response = _save(browser, display_name="Renamed", timezone="Mars/Olympus", skills="")
    assert response.status_code == 422
    assert "not a timezone" in response.get_data(as_text=True)
    db.session.expire_all()
    user = services.find_user_by_email("tz@outside.example")
    assert (user.display_name, user.timezone) == ("Test Person", "UTC")
