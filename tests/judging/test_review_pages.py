"""The judge's queue and entry pages: keyboard-plain forms, drafts and submission, and blindness."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.challenges import services as challenges
from app.core.access import Role
from app.judging import assigning, panels
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
    member = panels.invite_judge(scene.challenge.id, scene.sponsor, judge.email)
    panels.respond_to_invitation(member.id, judge, accept=True)
    scene.challenge.judges_per_entry = 1
    db.session.commit()
    challenges.close_if_due(scene.challenge.id, now=scene.challenge.closes_at)
    assigning.assign_judges(scene.challenge.id)
    challenges.start_judging(scene.challenge.id, now=challenges.grace_ends_at(scene.challenge))
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


def test_a_conflicted_judge_cannot_open_the_entry_by_any_url(db, scene, judged, login, run_worker):
    judge, assignment, maker = judged
    panels.declare_conflict(judge, email=maker.email)
    run_worker()  # the replacement run, where a declaration made during judging takes effect
    browser = login("judy@judges.example")
    assert browser.get(f"/judging/entries/{assignment.id}").status_code == 403
    assert browser.get(f"/submissions/{assignment.submission_id}/download").status_code == 404
    assert browser.get(f"/submissions/{assignment.submission_id}").status_code == 404


def test_the_entry_page_previews_a_pdf_inline_and_shows_guidance_beside_each_criterion(
    app, db, scene, judged, login
):
    _judge, assignment, _maker = judged
    browser = login("judy@judges.example")
    html = browser.get(f"/judging/entries/{assignment.id}").get_data(as_text=True)
    assert f"/submissions/{assignment.submission_id}/download?disposition=inline" in html
    assert "<iframe" in html and f'title="Preview of {assignment.submission.label}"' in html
    assert "Entry 1 of 1" in html
    guided = [criterion for criterion in scene.challenge.criteria if criterion.guidance]
    assert guided
    for criterion in guided:
        assert criterion.guidance in html
        assert f'aria-describedby="scale-{criterion.id} guidance-{criterion.id}"' in html
    assert 'data-autosave="on"' in html and "review_autosave.js" in html
    preview = browser.get(f"/submissions/{assignment.submission_id}/download?disposition=inline")
    served = app.test_client().get(preview.headers["Location"])
    assert served.headers["Content-Disposition"].startswith("inline")
    assert _leaks(preview.headers["Location"] + served.headers["Content-Disposition"]) == []


def test_the_autosave_posts_a_draft_and_gets_json_back(db, scene, judged, login):
    _judge, assignment, _maker = judged
    browser = login("judy@judges.example")
    token = extract_csrf(browser.get(f"/judging/entries/{assignment.id}").get_data(as_text=True))
    first, second = scene.challenge.criteria
    url = f"/judging/entries/{assignment.id}"
    json_headers = {"Accept": "application/json"}

    saved = browser.post(
        url,
        data={
            "csrf_token": token,
            f"criterion-{first.id}": "6",
            "comment_for_sponsor": "so far",
            "action": "draft",
        },
        headers=json_headers,
    )
    assert saved.status_code == 200
    assert saved.json["status"] == "draft" and saved.json["message"].startswith("Draft saved at")
    db.session.expire_all()
    review = db.session.get(Assignment, assignment.id).review
    assert review.status == "draft" and review.scores == {str(first.id): 6}
    assert review.comment_for_sponsor == "so far"

    refused = browser.post(
        url,
        data={"csrf_token": token, f"criterion-{second.id}": "99", "action": "draft"},
        headers=json_headers,
    )
    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    assert "scored from 1 to 10" in refused.json["detail"]
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).review.scores == {str(first.id): 6}

    browser.post(
        url,
        data={
            "csrf_token": token,
            f"criterion-{first.id}": "6",
            f"criterion-{second.id}": "8",
            "action": "submit",
        },
    )
    late_draft = browser.post(
        url, data={"csrf_token": token, f"criterion-{first.id}": "2", "action": "draft"}, headers=json_headers
    )
    assert late_draft.status_code == 409
    page = browser.get(url).get_data(as_text=True)
    assert 'data-autosave="on"' not in page  # a submitted review changes only by submitting again
