"""Blindness has no side door: a conflict a judge declares while reviewing changes nothing they see
until a replacement run (a real RQ worker), which then releases the matching entries among decoys
picked at random, finds other judges for all of them, and keeps every entry's reviewer count.
Declaring twice at once is one declaration, and nothing can be stepped away from once judging ends."""

from __future__ import annotations

import re
import threading
from collections import Counter

import pytest
from sqlalchemy import select

from app.core.access import Role
from app.core.errors import Conflict
from app.judging import conflicts, panels, reviews
from app.judging.models import Assignment, DeclaredConflict, NamedJudgeConflict
from app.submissions.models import Submission
from tests.conftest import extract_csrf
from tests.scenes import close_with_grace_over

QUEUE_LINK = re.compile(r'href="/judging/entries/(\d+)">(Entry [A-Z0-9]+)')


def _judging(db, scene, make_user, run_worker, *, judges=4, entries=6, per_entry=2):
    panel = []
    for index in range(judges):
        judge = make_user(f"judge{index}@judges.example", Role.JUDGE, name=f"Judge {index}")
        member = panels.invite_judge(scene.challenge.id, scene.sponsor, judge.email)
        panels.respond_to_invitation(member.id, judge, accept=True)
        panel.append(judge)
    makers = [make_user(f"maker{index}@makers{index}.example") for index in range(entries)]
    rows = [
        Submission(
            challenge_id=scene.challenge.id, contributor_id=maker.id, alias=f"K{index:03d}", title="Study"
        )
        for index, maker in enumerate(makers)
    ]
    db.session.add_all(rows)
    scene.challenge.judges_per_entry = per_entry
    db.session.commit()
    close_with_grace_over(scene.challenge)
    run_worker()  # assignment at close, and judging starts
    db.session.expire_all()
    return panel, makers, rows


def _queue(browser) -> dict[str, str]:
    """The judge's queue as the page shows it: alias → the link's assignment id."""
    html = browser.get("/judge").get_data(as_text=True)
    return {alias: assignment_id for assignment_id, alias in QUEUE_LINK.findall(html)}


def _active(db) -> set[tuple[int, int]]:
    db.session.expire_all()
    return {
        (row.judge_id, row.submission_id)
        for row in db.session.scalars(select(Assignment).where(Assignment.status == "active"))
    }


def _declare(browser, **fields):
    page = browser.get("/judging/invitations").get_data(as_text=True)
    return browser.post("/judging/conflicts", data={"csrf_token": extract_csrf(page), **fields})


@pytest.mark.parametrize("declared", ["a maker of one of my entries", "someone with no entry"])
def test_a_declaration_during_judging_changes_the_queue_only_at_the_run_and_never_singles_out_the_match(
    db, scene, make_user, login, run_worker, declared
):
    panel, _makers, entries = _judging(db, scene, make_user, run_worker)
    judge = panel[0]
    held = sorted(entry_id for judge_id, entry_id in _active(db) if judge_id == judge.id)
    assert len(held) == 3
    match = next(entry for entry in entries if entry.id == held[1])
    email = match.contributor.email if declared.startswith("a maker") else "nobody@elsewhere.example"
    browser = login(judge.email)
    before = _queue(browser)
    assert len(before) == 3

    answer = _declare(browser, email=email)
    assert answer.status_code == 302
    assert "you will not be told which ones" in browser.get("/judging/invitations").get_data(as_text=True)
    waiting = "(takes effect at the next replacement run)"
    assert waiting in browser.get("/judging/invitations").get_data(as_text=True)
    # Until the replacement run nothing the judge sees has changed: the queue, and every entry opens.
    assert _queue(browser) == before
    for assignment_id in before.values():
        assert browser.get(f"/judging/entries/{assignment_id}").status_code == 200

    run_worker()  # the replacement run: release among decoys, then other judges for every entry
    after = _queue(browser)
    assert waiting not in browser.get("/judging/invitations").get_data(as_text=True)
    released = set(before) - set(after)
    assert set(after) <= set(before)
    assert len(released) == conflicts.release_size(3, 0) == 2  # the same whether or not anything matched
    if declared.startswith("a maker"):
        assert f"Entry {match.alias}" in released
    for alias in released:
        assert browser.get(f"/judging/entries/{before[alias]}").status_code == 403
    active = _active(db)
    assert Counter(entry_id for _, entry_id in active) == {entry.id: 2 for entry in entries}
    assert (judge.id, match.id) not in active or not declared.startswith("a maker")
    assert db.session.scalar(select(DeclaredConflict)).effective_at is not None

    run_worker()  # a second run (a retried job, the next recusal) changes nothing more
    assert _queue(browser) == after


def test_a_declared_organisation_does_not_reveal_which_entries_are_internal(
    db, scene, make_user, login, run_worker
):
    panel, _makers, _entries = _judging(db, scene, make_user, run_worker, judges=3, entries=4, per_entry=3)
    internal = Submission(
        challenge_id=scene.challenge.id, contributor_id=scene.inez.id, alias="KINT", title="x"
    )
    db.session.add(internal)
    db.session.commit()
    judge = panel[0]
    # Every judge reviews every entry, the internal one too (it arrived with the panel in place).
    db.session.add(Assignment(challenge_id=scene.challenge.id, judge_id=judge.id, submission_id=internal.id))
    db.session.commit()
    browser = login(judge.email)
    before = _queue(browser)
    assert len(before) == 5
    _declare(browser, organization="Host")
    assert _queue(browser) == before
    run_worker()
    released = set(before) - set(_queue(browser))
    assert "Entry KINT" in released
    assert len(released) == conflicts.release_size(5, 0) == 2


def test_declaring_the_same_conflict_twice_at_once_is_one_declaration(app, db, scene, make_user, login):
    judge = make_user("twice@judges.example", Role.JUDGE)
    judge_id, user_type = judge.id, type(judge)  # read here: the threads must not touch this session
    answers: list[object] = []
    start = threading.Barrier(2, timeout=30)

    def declare() -> None:
        with app.app_context():
            try:
                me = db.session.get(user_type, judge_id)
                start.wait()
                answers.append(panels.declare_conflict(me, email="Someone@Example.org").id)
            except Exception as error:  # the test reports any failure, not only the expected kind
                answers.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=declare) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(answers) == 2 and answers[0] == answers[1], answers
    assert len(db.session.scalars(select(DeclaredConflict)).all()) == 1
    browser = login("twice@judges.example")
    assert _declare(browser, email="someone@example.org").status_code == 302  # again: no error, no row
    assert len(db.session.scalars(select(DeclaredConflict)).all()) == 1


def test_naming_the_same_judges_twice_at_once_saves_them_once(app, db, scene, make_user):
    judge = make_user("named@judges.example", Role.JUDGE)
    member = panels.invite_judge(scene.challenge.id, scene.sponsor, judge.email)
    panels.respond_to_invitation(member.id, judge, accept=True)
    entry = Submission(
        challenge_id=scene.challenge.id, contributor_id=scene.alice.id, alias="NAME", title="x"
    )
    db.session.add(entry)
    db.session.commit()
    # Read here: the threads must not touch this session's objects.
    entry_id, judge_id, alice_id, user_type = entry.id, judge.id, scene.alice.id, type(judge)
    answers: list[object] = []
    start = threading.Barrier(2, timeout=30)

    def name() -> None:
        with app.app_context():
            try:
                alice = db.session.get(user_type, alice_id)
                start.wait()
                answers.append(panels.name_conflicted_judges(entry_id, alice, [judge_id]))
            except Exception as error:  # the test reports any failure, not only the expected kind
                answers.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=name) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert answers == [{judge.id}, {judge.id}], answers
    assert len(db.session.scalars(select(NamedJudgeConflict)).all()) == 1


@pytest.mark.parametrize("status", ["results_proposed", "awarded", "paid"])
def test_no_recusal_once_judging_has_ended(db, scene, make_user, login, run_worker, status):
    panel, _makers, _entries = _judging(db, scene, make_user, run_worker, judges=2, entries=1, per_entry=2)
    judge = panel[0]
    assignment = db.session.scalar(select(Assignment).where(Assignment.judge_id == judge.id))
    browser = login(judge.email)
    token = extract_csrf(browser.get(f"/judging/entries/{assignment.id}").get_data(as_text=True))
    scene.challenge.status = status  # as if results were proposed or published meanwhile
    db.session.commit()
    with pytest.raises(Conflict, match="has ended"):
        reviews.recuse(assignment.id, judge)
    answer = browser.post(f"/judging/entries/{assignment.id}/recuse", data={"csrf_token": token})
    assert answer.status_code == 409
    assert "can no longer be stepped away from" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).status == "active"
