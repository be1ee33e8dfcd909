"""The judge's queue and entry pages: keyboard-plain forms, drafts and submission, and blindness."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.accounts.models import Role
from app.challenges import services as challenges
from app.judging import services
from app.judging.models import Assignment
from tests.conftest import extract_csrf
from tests.submissions.conftest import PDF

MARKERS = ("Zebedee Quixotic", "zebedee.quixotic@outside.example", "zq-secret-draft.pdf")


@pytest.fixture
def judged(app, db, scene, make_user, login):
    maker = make_user(MARKERS[1], Role.CONTRIBUTOR, name=MARKERS[0])
    browser = login(MARKERS[1])
    token = extract_csrf(browser.get(f"/submissions/new/{scene.challenge.slug}").get_data(as_text=True))
    browser.post(
        f"/submissions/new/{scene.challenge.slug}",
        data={"csrf_token": token, "title": "Blind entry", "file": (io.BytesIO(PDF), MARKERS[2])},
        content_type="multipart/form-data",
    )
    judge = make_user("judy@judges.example", Role.JUDGE, name="Judy")
    member = services.invite_judge(scene.challenge.id, scene.sponsor, judge.email)
    services.respond_to_invitation(member.id, judge, accept=True)
    scene.challenge.judges_per_entry = 1
    db.session.commit()
    challenges.close_if_due(scene.challenge.id, now=scene.challenge.closes_at)
    services.assign_judges(scene.challenge.id)
    challenges.start_judging(scene.challenge.id)
    assignment = db.session.scalar(select(Assignment))
    return judge, assignment, maker


def _leaks(text: str) -> list[str]:
    return [marker for marker in MARKERS if marker.lower() in text.lower()]


def test_the_judge_scores_through_the_pages_without_ever_seeing_who_made_it(app, db, scene, judged, login):
    _judge, assignment, _maker = judged
    browser = login("judy@judges.example")
    queue = browser.get("/judge").get_data(as_text=True)
    assert "0 of 1 scored" in queue and f"Entry {assignment.submission.alias}" in queue
    page = browser.get(f"/judging/entries/{assignment.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    first, second = scene.challenge.criteria
    draft = browser.post(
        f"/judging/entries/{assignment.id}",
        data={"csrf_token": extract_csrf(html), f"criterion-{first.id}": "7", "action": "draft"},
    )
    assert draft.status_code == 302
    bad = browser.post(
        f"/judging/entries/{assignment.id}",
        data={"csrf_token": extract_csrf(html), f"criterion-{first.id}": "42", "action": "submit"},
    )
    assert bad.status_code == 422 and "scored from 1 to 10" in bad.get_data(as_text=True)
    done = browser.post(
        f"/judging/entries/{assignment.id}",
        data={
            "csrf_token": extract_csrf(html),
            f"criterion-{first.id}": "7",
            f"criterion-{second.id}": "9",
            "comment_for_sponsor": "Solid",
            "action": "submit",
        },
    )
    assert done.status_code == 302
    assert "1 of 1 scored" in browser.get("/judge").get_data(as_text=True)
    download = browser.get(f"/submissions/{assignment.submission_id}/download")
    assert download.status_code == 302
    served = app.test_client().get(download.headers["Location"])
    assert served.headers["Content-Disposition"].startswith("attachment")
    for response_text in (queue, html, download.headers["Location"], served.headers["Content-Disposition"]):
        assert _leaks(response_text) == []


def test_a_judge_not_assigned_gets_the_same_refusal_for_real_and_guessed_ids(
    db, scene, judged, login, make_user
):
    _judge, assignment, _maker = judged
    make_user("other@judges.example", Role.JUDGE)
    other = login("other@judges.example")
    real = other.get(f"/judging/entries/{assignment.id}")
    guessed = other.get("/judging/entries/987654")
    assert real.status_code == guessed.status_code == 403
    assert _leaks(real.get_data(as_text=True)) == []
    assert other.get(f"/submissions/{assignment.submission_id}/download").status_code == 404


def test_a_conflicted_judge_cannot_open_the_entry_by_any_url(db, scene, judged, login):
    judge, assignment, maker = judged
    services.declare_conflict(judge, email=maker.email)
    browser = login("judy@judges.example")
    assert browser.get(f"/judging/entries/{assignment.id}").status_code == 403
    assert browser.get(f"/submissions/{assignment.submission_id}/download").status_code == 404
    assert browser.get(f"/submissions/{assignment.submission_id}").status_code == 404
