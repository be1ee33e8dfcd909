"""Judging, results and awards through tokens: judges reach entries only by alias through their own
assignment, nothing they or the sponsor read names a maker before publication, and winners see
their prizes."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.challenges import services as challenges
from app.core.access import Role
from app.core.timeutil import utcnow
from app.judging import assigning, panels, reviews
from app.judging import results as judging_results
from app.judging.models import Assignment
from app.submissions.models import Submission, SubmissionVersion

MARKERS = ("Maker Secret", "maker0@outside.example", "secret-0.pdf", "Alice Appleby")


@pytest.fixture
def judged(db, scene, make_user):
    """Four judges on the scene's challenge, six entries (made directly, as the judging tests do),
    the challenge closed and being judged."""
    judges = []
    for index in range(4):
        judge = make_user(f"j{index}@judges.example", Role.JUDGE, name=f"Judge Person {index}")
        member = panels.invite_judge(scene.challenge.id, scene.sponsor, judge.email)
        panels.respond_to_invitation(member.id, judge, accept=True)
        judges.append(judge)
    makers = [make_user(f"maker{index}@outside.example", name=f"Maker Secret{index}") for index in range(6)]
    entries = [
        Submission(
            challenge_id=scene.challenge.id,
            contributor_id=maker.id,
            alias=f"Q{index}X{index}",
            title=f"T{index}",
        )
        for index, maker in enumerate(makers)
    ]
    db.session.add_all(entries)
    db.session.flush()
    db.session.add_all(
        SubmissionVersion(
            submission=entry,
            number=1,
            storage_key=f"submissions/fake-{index}",
            size_bytes=10,
            sha256="0" * 64,
            content_type="application/pdf",
            original_filename=f"secret-{index}.pdf",
            upload_started_at=utcnow(),
        )
        for index, entry in enumerate(entries)
    )
    db.session.commit()
    challenges.close_if_due(scene.challenge.id, now=scene.challenge.closes_at)
    assigning.assign_judges(scene.challenge.id)
    challenges.start_judging(scene.challenge.id, now=challenges.grace_ends_at(scene.challenge))
    return judges, entries


def _assigned(judge) -> list[Assignment]:
    return reviews.assignments_of(judge)


def _blind(text: str) -> None:
    for marker in MARKERS:
        assert marker not in text


def _score_all(api, scene, judges) -> None:
    first, second = scene.challenge.criteria
    for judge in judges:
        client = api(judge)
        for assignment in _assigned(judge):
            alias = assignment.submission.alias
            value = 3 + int(alias[1])  # later entries score higher
            response = client.put(
                f"/api/v1/judging/challenges/{scene.challenge.id}/entries/{alias}/review",
                {"scores": {str(first.id): value, str(second.id): value}, "submit": True},
            )
            assert response.status_code == 200, response.get_json()


def test_a_judge_works_through_the_queue_by_alias_only(db, scene, judged, api):
    judges, _entries = judged
    judge = api(judges[0])
    queue = judge.get("/api/v1/judging/queue")
    assert queue.status_code == 200
    items = queue.get_json()["items"]
    assert len(items) == len(_assigned(judges[0])) and queue.get_json()["submitted"] == 0
    _blind(queue.get_data(as_text=True))

    alias = items[0]["alias"]
    base = f"/api/v1/judging/challenges/{scene.challenge.id}/entries/{alias}"
    entry = judge.get(base)
    assert entry.status_code == 200 and entry.get_json()["review"] is None
    assert [criterion["name"] for criterion in entry.get_json()["rubric"]] == ["Impact", "Clarity"]
    _blind(entry.get_data(as_text=True))

    first, second = scene.challenge.criteria
    draft = judge.put(base + "/review", {"scores": {str(first.id): 7}})
    assert draft.status_code == 200 and draft.get_json()["status"] == "draft"
    incomplete = judge.put(base + "/review", {"scores": {str(first.id): 7}, "submit": True})
    assert incomplete.status_code == 422
    submitted = judge.put(
        base + "/review",
        {"scores": {str(first.id): 7, str(second.id): 4}, "submit": True, "comment_for_sponsor": "Solid"},
    )
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    revised = judge.put(base + "/review", {"scores": {str(first.id): 8, str(second.id): 4}, "submit": True})
    assert revised.get_json()["scores"][str(first.id)] == 8
    out_of_scale = judge.put(
        base + "/review", {"scores": {str(first.id): 99, str(second.id): 4}, "submit": True}
    )
    assert out_of_scale.status_code == 422
    assert judge.get("/api/v1/judging/queue").get_json()["submitted"] == 1

    link = judge.get(base + "/download").get_json()["url"]
    assert link.startswith("http://localhost/")
    _blind(link)


def test_entries_a_judge_is_not_given_are_all_the_same_404(db, scene, judged, api, make_user):
    judges, entries = judged
    mine = {assignment.submission_id for assignment in _assigned(judges[0])}
    other = next(entry for entry in entries if entry.id not in mine)
    judge = api(judges[0])
    not_mine = judge.get(f"/api/v1/judging/challenges/{scene.challenge.id}/entries/{other.alias}")
    unknown = judge.get(f"/api/v1/judging/challenges/{scene.challenge.id}/entries/ZZZZ")
    assert not_mine.status_code == unknown.status_code == 404
    assert not_mine.get_json() == unknown.get_json()
    assert (
        judge.put(
            f"/api/v1/judging/challenges/{scene.challenge.id}/entries/{other.alias}/review", {"scores": {}}
        ).status_code
        == 404
    )
    contributor = api(scene.alice)
    assert (
        contributor.get(f"/api/v1/judging/challenges/{scene.challenge.id}/entries/{other.alias}").status_code
        == 404
    )
    assert contributor.get("/api/v1/judging/queue").get_json()["items"] == []


def test_a_recusal_ends_the_judges_access_at_once(db, scene, judged, api):
    judges, _entries = judged
    assignment = _assigned(judges[1])[0]
    base = f"/api/v1/judging/challenges/{scene.challenge.id}/entries/{assignment.submission.alias}"
    judge = api(judges[1])
    recused = judge.post(base + "/recuse", {"reason": "I know this work"})
    assert recused.status_code == 200 and recused.get_json()["status"] == "recused"
    assert judge.get(base).status_code == 404
    assert judge.post(base + "/recuse", {}).status_code == 404


def test_another_judges_recusal_leaves_my_queue_as_it_was(db, scene, judged, api):
    judges, _entries = judged
    mine = {assignment.submission_id for assignment in _assigned(judges[0])}
    shared = next(assignment for assignment in _assigned(judges[1]) if assignment.submission_id in mine)
    alias = shared.submission.alias
    before = [item["alias"] for item in api(judges[0]).get("/api/v1/judging/queue").get_json()["items"]]
    assert alias in before
    recused = api(judges[1]).post(
        f"/api/v1/judging/challenges/{scene.challenge.id}/entries/{alias}/recuse",
        {"reason": "I know this work"},
    )
    assert recused.status_code == 200
    after = [item["alias"] for item in api(judges[0]).get("/api/v1/judging/queue").get_json()["items"]]
    assert after == before


def test_the_sponsor_manages_the_panel_and_others_cannot_see_it(db, scene, api, make_user):
    sponsor = api(scene.sponsor)
    invited = sponsor.post(
        f"/api/v1/challenges/{scene.challenge.id}/panel", {"email": "newjudge@judges.example", "name": "Nia"}
    )
    assert invited.status_code == 201 and invited.get_json()["status"] == "invited"
    # An address no mail server would take (a right-to-left override hides its real spelling) is
    # refused at once, rather than creating an account whose invitation fails for good in the queue.
    odd = sponsor.post(f"/api/v1/challenges/{scene.challenge.id}/panel", {"email": "\u202eevil@acme.example"})
    assert odd.status_code == 422 and "RIGHT-TO-LEFT OVERRIDE" in odd.get_json()["detail"]
    panel = sponsor.get(f"/api/v1/challenges/{scene.challenge.id}/panel").get_json()["items"]
    assert [member["judge"]["email"] for member in panel] == ["newjudge@judges.example"]
    assert api(scene.alice).get(f"/api/v1/challenges/{scene.challenge.id}/panel").status_code == 403

    from app.accounts.services import find_user_by_email

    judge = api(find_user_by_email("newjudge@judges.example"))
    invitations = judge.get("/api/v1/judging/invitations").get_json()["items"]
    assert [row["challenge"]["id"] for row in invitations] == [scene.challenge.id]
    answered = judge.post(
        f"/api/v1/judging/invitations/{invitations[0]['id']}/answer", {"accept": True, "max_load": 5}
    )
    assert answered.status_code == 200 and answered.get_json()["status"] == "accepted"
    assert (
        api(scene.bob)
        .post(f"/api/v1/judging/invitations/{invitations[0]['id']}/answer", {"accept": False})
        .status_code
        == 404
    )


def test_results_are_by_alias_until_published_then_winners_see_their_awards(db, scene, judged, api):
    judges, entries = judged
    _score_all(api, scene, judges)
    judging_results.aggregate(scene.challenge.id)
    sponsor = api(scene.sponsor)
    path = f"/api/v1/challenges/{scene.challenge.id}/results"

    proposed = sponsor.get(path)
    assert proposed.status_code == 200
    body = proposed.get_json()
    assert body["state"] == "proposed" and body["outstanding_reviews"] == 0
    assert body["entries"][0]["alias"] == entries[-1].alias
    assert all(row["maker"] is None for row in body["entries"])
    assert [row["label"] for row in body["judges"]] == ["Judge A", "Judge B", "Judge C", "Judge D"]
    _blind(proposed.get_data(as_text=True))
    assert "Judge Person" not in proposed.get_data(as_text=True)
    assert api(judges[0]).get(path).status_code == 403  # judges wait for publication
    assert api(scene.alice).get(path).status_code == 403
    assert api(judges[0]).post(path + "/publish").status_code == 403

    published = sponsor.post(path + "/publish")
    assert published.status_code == 200 and published.get_json()["state"] == "published"
    assert published.get_json()["entries"][0]["maker"] == {"display_name": "Maker Secret5"}
    assert api(judges[0]).get(path).status_code == 200
    again = sponsor.post(path + "/publish")  # already so: a success that says it, nothing paid twice
    assert again.status_code == 200 and again.get_json()["code"] == "already_done"

    winner = db.session.get(Submission, entries[-1].id).contributor
    awards = api(winner).get("/api/v1/me/awards").get_json()
    assert awards["items"][0]["amount"] == {"amount_minor": 500_000, "currency": "EUR"}
    assert awards["items"][0]["challenge"]["id"] == scene.challenge.id
    assert awards["payable"] == [{"amount_minor": 500_000, "currency": "EUR"}]
    assert api(scene.alice).get("/api/v1/me/awards").get_json() == {
        "items": [],
        "payable": [],
        "payee_details_prompt": None,
        "next_cursor": None,
    }


def test_nothing_a_judge_or_sponsor_reads_through_the_api_names_a_maker(db, scene, judged, api):
    """A sweep over every JSON answer a judge or the sponsor can get before publication."""
    judges, _entries = judged
    answers = []
    for judge in judges:
        client = api(judge)
        answers.append(client.get("/api/v1/judging/queue"))
        for assignment in _assigned(judge):
            base = f"/api/v1/judging/challenges/{scene.challenge.id}/entries/{assignment.submission.alias}"
            answers += [client.get(base), client.get(base + "/download")]
    sponsor = api(scene.sponsor)
    answers += [
        sponsor.get(f"/api/v1/challenges/{scene.challenge.id}/results"),
        sponsor.get(f"/api/v1/challenges/{scene.challenge.id}"),
        sponsor.get(f"/api/v1/challenges/{scene.challenge.id}/panel"),
    ]
    for answer in answers:
        assert answer.status_code == 200
        _blind(json.dumps(answer.get_json()))
    assert db.session.scalars(select(Assignment)).first() is not None
