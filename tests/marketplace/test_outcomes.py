"""After results: every participant gets the survey (once), answers it, and the analytics page draws
its charts from those real rows: participation, survey results, time to first entry, cost per
winning entry and judge workload."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.accounts import services as accounts
from app.awards import publication
from app.challenges import services as challenges
from app.core.access import Role
from app.core.timeutil import utcnow
from app.judging import assigning, panels, reviews
from app.judging import results as judging_results
from app.marketplace import services
from app.marketplace.models import OutcomeSurvey
from app.notifications.models import Notification
from app.submissions.models import Submission, SubmissionVersion
from tests.conftest import extract_csrf

MAKERS = [
    ("dana@host.example", "Data"),
    ("omar@host.example", "Ops"),
    ("ext0@outside.example", None),
    ("ext1@outside.example", None),
    ("ext2@outside.example", None),
    ("ext3@outside.example", None),
]


@pytest.fixture
def published(db, redis, scene, make_user):
    """Six entries (two internal people, four external), four judges, every review in, results out."""
    judges = []
    for index in range(4):
        judge = make_user(f"j{index}@judges.example", Role.JUDGE, name=f"Judge Person {index}")
        member = panels.invite_judge(scene.challenge.id, scene.sponsor, judge.email)
        panels.respond_to_invitation(member.id, judge, accept=True)
        judges.append(judge)
    entries = []
    for index, (email, department) in enumerate(MAKERS):
        maker = make_user(email, name=f"Maker {index}")
        maker.department = department
        entry = Submission(
            challenge_id=scene.challenge.id,
            contributor_id=maker.id,
            alias=f"Q{index}X{index}",
            title=f"T{index}",
        )
        entry.versions = [
            SubmissionVersion(
                number=1,
                storage_key=f"submissions/fake-{index}",
                size_bytes=10,
                sha256="0" * 64,
                content_type="application/pdf",
                original_filename=f"e{index}.pdf",
                upload_started_at=utcnow(),
            )
        ]
        db.session.add(entry)
        entries.append(entry)
    db.session.commit()
    challenges.close_if_due(scene.challenge.id, now=scene.challenge.closes_at)
    assigning.assign_judges(scene.challenge.id)
    challenges.start_judging(scene.challenge.id, now=challenges.grace_ends_at(scene.challenge))
    first, second = scene.challenge.criteria
    for judge in judges:
        for assignment in reviews.assignments_of(judge):
            value = 3 + next(i for i, e in enumerate(entries) if e.id == assignment.submission_id)
            reviews.save_review(
                assignment.id, judge, {str(first.id): value, str(second.id): value}, submit=True
            )
    judging_results.aggregate(scene.challenge.id)
    publication.publish_results(scene.challenge.id, scene.sponsor)
    return entries


def _bars(page: str, chart_id: str) -> dict[str, str]:
    svg = re.search(rf'<svg[^>]*id="{chart_id}".*?</svg>', page, re.S)
    assert svg, f"no chart {chart_id}"
    return dict(re.findall(r'<g class="bar" data-label="([^"]*)" data-value="([^"]*)"', svg.group(0)))


def test_participants_get_one_survey_each_and_answers_feed_the_charts(
    db, scene, published, login, run_worker
):
    run_worker()
    db.session.expire_all()
    surveys = db.session.scalars(select(OutcomeSurvey).order_by(OutcomeSurvey.user_id)).all()
    assert len(surveys) == 6
    told = db.session.scalars(select(Notification).where(Notification.link.like("/surveys/%"))).all()
    assert sorted(n.user_id for n in told) == sorted(s.user_id for s in surveys)
    assert services.send_outcome_surveys(scene.challenge.id) == 0  # a re-run never asks twice

    dana = accounts.find_user_by_email("dana@host.example")
    mine = next(s for s in surveys if s.user_id == dana.id)
    browser = login("dana@host.example")
    assert "Three questions about" in browser.get("/submissions/mine").get_data(as_text=True)
    page = browser.get(f"/surveys/{mine.id}").get_data(as_text=True)
    response = browser.post(
        f"/surveys/{mine.id}",
        data={
            "csrf_token": extract_csrf(page),
            "useful_score": "5",
            "would_do_again": "yes",
            "skills_gained": "SQL, Storytelling",
        },
    )
    assert response.status_code == 303
    answers = {
        "omar@host.example": (4, True),
        "ext0@outside.example": (2, False),
        "ext1@outside.example": (5, True),
    }
    for email, (score, again) in answers.items():
        person = accounts.find_user_by_email(email)
        survey = next(s for s in surveys if s.user_id == person.id)
        services.answer_survey(
            survey.id, person, useful_score=score, would_do_again=again, skills_gained=["sql"]
        )
    with pytest.raises(Exception, match="already answered"):
        services.answer_survey(mine.id, dana, useful_score=1, would_do_again=False, skills_gained=[])

    page = login("root@host.example").get("/analytics").get_data(as_text=True)
    assert _bars(page, "participation") == {"Internal": "2", "External": "4"}
    assert _bars(page, "departments") == {"Data": "1", "Ops": "1"}
    assert _bars(page, "survey") == {
        "1 of 5": "0",
        "2 of 5": "1",
        "3 of 5": "0",
        "4 of 5": "1",
        "5 of 5": "2",
    }
    assert "75% found it useful" in page and "75% would do it again" in page and "4 of 6 answered" in page
    assert "SQL (4)" in page and "Storytelling (1)" in page
    first = _bars(page, "first-submission")
    assert list(first) == [scene.challenge.title] and float(first[scene.challenge.title]) >= 0
    # €10,000.00 split 50/30/20 over three winning entries: €3,333.33 each on average.
    assert _bars(page, "cost-eur") == {scene.challenge.title: "333333"}
    assert "€3,333.33 each, 3 winning entries" in page
    workload = _bars(page, "judges")
    assert len(workload) == 4 and sum(int(v) for v in workload.values()) == 6 * 3  # k = 3 reviews per entry
    assert "18 reviews are in" in page

    sponsor_page = login("sam@acme.example").get("/analytics")
    assert sponsor_page.status_code == 200 and "75% found it useful" in sponsor_page.get_data(as_text=True)
    assert login("alice@outside.example").get("/analytics").status_code == 403


def test_a_sponsor_sees_only_their_own_challenges(db, scene, make_user, login):
    accounts.create_organization("Rival", ["rival.example"], is_sponsor=True)
    make_user("rita@rival.example", Role.SPONSOR)
    page = login("rita@rival.example").get("/analytics").get_data(as_text=True)
    assert "Across 0 challenges" in page and "Nobody has taken part yet." in page
