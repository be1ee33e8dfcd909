"""A contributor names panel judges they conflict with; those judges are never assigned the entry."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.challenges import services as challenges
from app.core.access import Role
from app.core.errors import Conflict, ValidationFailed
from app.judging import assigning, panels
from app.judging.models import Assignment, NamedJudgeConflict
from app.submissions.models import Submission
from tests.conftest import extract_csrf
from tests.submissions.conftest import PDF


def _panel(scene, make_user, count):
    judges = []
    for index in range(count):
        judge = make_user(f"pj{index}@judges.example", Role.JUDGE, name=f"Panel Judge {index}")
        member = panels.invite_judge(scene.challenge.id, scene.sponsor, judge.email)
        panels.respond_to_invitation(member.id, judge, accept=True)
        judges.append(judge)
    return judges


def test_a_named_judge_is_never_assigned_the_entry(db, scene, make_user, login):
    judges = _panel(scene, make_user, 4)
    browser = login("alice@outside.example")
    token = extract_csrf(browser.get(f"/submissions/new/{scene.challenge.slug}").get_data(as_text=True))
    browser.post(
        f"/submissions/new/{scene.challenge.slug}",
        data={"csrf_token": token, "title": "Mine", "file": (io.BytesIO(PDF), "m.pdf")},
        content_type="multipart/form-data",
    )
    submission = db.session.scalar(select(Submission))
    page = browser.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "Panel Judge 0" in page
    response = browser.post(
        f"/submissions/{submission.id}/conflicts",
        data={"csrf_token": extract_csrf(page), "judge": [str(judges[0].id)]},
    )
    assert response.status_code == 302
    assert db.session.scalar(select(NamedJudgeConflict)).judge_id == judges[0].id
    challenges.close_if_due(scene.challenge.id, now=scene.challenge.closes_at)
    assigning.assign_judges(scene.challenge.id)
    assigned = {row.judge_id for row in db.session.scalars(select(Assignment))}
    assert judges[0].id not in assigned and len(assigned) == 3


def test_only_panel_judges_and_only_before_the_close(db, scene, make_user):
    _panel(scene, make_user, 1)
    outsider = make_user("notonpanel@judges.example", Role.JUDGE)
    submission = Submission(
        challenge_id=scene.challenge.id, contributor_id=scene.alice.id, alias="ZZ99", title="t"
    )
    db.session.add(submission)
    db.session.commit()
    with pytest.raises(ValidationFailed, match="panel"):
        panels.name_conflicted_judges(submission.id, scene.alice, [outsider.id])
    late = scene.challenge.closes_at + timedelta(minutes=1)
    with pytest.raises(Conflict, match="until the challenge closes"):
        panels.name_conflicted_judges(submission.id, scene.alice, [], now=late)
    assert db.session.scalar(select(NamedJudgeConflict)) is None
