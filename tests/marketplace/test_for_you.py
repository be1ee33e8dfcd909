"""The "For you" page ranks the open challenges a contributor may enter, each with its reasons."""

from __future__ import annotations

from app.accounts import services as accounts
from tests.factories import make_challenge


def test_for_you_ranks_by_skill_match_and_explains_why(db, scene, login):
    accounts.update_profile(
        scene.alice,
        display_name="Alice",
        timezone="UTC",
        skills=["Python: expert", "SQL", "Statistics: learning"],
        hours_available_per_week=3,
    )
    make_challenge(db, scene.org, title="Model churn", skills=["Python", "SQL"])
    make_challenge(
        db,
        scene.org,
        title="Forecast demand",
        skills=["Python", "SQL"],
        preferred_skills=["Statistics"],
        expected_hours_per_week=2,
    )
    make_challenge(db, scene.org, title="Staff only", eligibility="internal", skills=["Python"])
    make_challenge(db, scene.org, title="Logo", skills=["Design"])

    page = login("alice@outside.example").get("/for-you").get_data(as_text=True)
    assert page.index("Forecast demand") < page.index("Model churn") < page.index("Logo")
    assert "Staff only" not in page  # alice is external
    assert "Matches 3 of your skills: Python, SQL, Statistics." in page
    assert "Takes about 2 hours a week; fits the 3 hours you have." in page
    assert "Requires Design, which you have not listed." in page
    nav = login("alice@outside.example").get("/submissions/mine").get_data(as_text=True)
    assert 'href="/for-you"' in nav
