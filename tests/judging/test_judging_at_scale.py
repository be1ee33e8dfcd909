"""Judging at scale: assigning judges, submitting a review and the aggregation job each issue as many
SQL statements for a large challenge as for a small one (set-based reads, one statement per kind of
write), and still give the answers the rules promise. Timings live in bench/judging_scale.py."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import Organization, User
from app.challenges.models import Challenge
from app.core.bulk import insert_rows
from app.core.timeutil import utcnow
from app.jobs import JobRecord
from app.judging import assigning, jobs, reviews
from app.judging.models import (
    ACCEPTED,
    ACTIVE,
    SUBMITTED,
    Assignment,
    DeclaredConflict,
    EntryResult,
    JudgeCalibration,
    PanelMember,
    Review,
)
from app.skills.models import UserSkill
from app.submissions.models import Submission, SubmissionVersion
from tests.factories import make_challenge, make_sponsor_org
from tests.query_counts.counting import counting_statements

JUDGES = 8


@dataclass
class Crowd:
    challenge_id: int
    judges: list[User]
    entries: list[Submission]
    conflicts: set[tuple[int, int]]  # pairs the rules forbid: own organisation, manager, declared


def _crowd(db, sponsor_org, entries: int, *, status: str, tag: str) -> Crowd:
    """A challenge with ``entries`` entries (each with a version) and a panel of eight judges, with an
    organisation, a manager chain and a declaration that each forbid some pairs."""
    now = utcnow()
    challenge = make_challenge(
        db,
        sponsor_org,
        status=status,
        closes_at=now - timedelta(days=1),
        judges_conflict_with_own_org=True,
        skills=["Forecasting"],
    )
    org = Organization(name=f"Judges' employer {tag}")
    judges = [
        User(
            email=f"judge{n}-{tag}@judges.example",
            email_key=f"judge{n}-{tag}@judges.example",
            display_name=f"Judge {n}",
            password_hash="!",
            organization=org if n == 0 else None,
        )
        for n in range(JUDGES)
    ]
    makers = [
        User(
            email=f"maker{n}-{tag}@outside.example",
            email_key=f"maker{n}-{tag}@outside.example",
            display_name=f"Maker {n}",
            password_hash="!",
            organization=org if n % 4 == 1 else None,
        )
        for n in range(entries)
    ]
    db.session.add_all([*judges, *makers])
    db.session.flush()
    for n, maker in enumerate(makers):
        if n % 4 == 2:
            maker.manager_id = judges[1].id  # judge 1 manages these makers
    db.session.add(DeclaredConflict(judge_id=judges[2].id, email_key=makers[-1].email_key, effective_at=now))
    db.session.add(UserSkill(user_id=judges[3].id, skill_id=challenge.skills[0].id, level=3))
    db.session.add_all(
        PanelMember(challenge_id=challenge.id, judge_id=judge.id, status=ACCEPTED) for judge in judges
    )
    rows = [
        Submission(challenge_id=challenge.id, contributor_id=maker.id, alias=f"{tag}{n:04d}", title=f"E{n}")
        for n, maker in enumerate(makers)
    ]
    db.session.add_all(rows)
    db.session.flush()
    db.session.add_all(
        SubmissionVersion(
            submission_id=row.id,
            number=1,
            storage_key=f"bench/{tag}-{row.id}",
            size_bytes=10,
            sha256="0" * 64,
            content_type="application/pdf",
            original_filename="entry.pdf",
            upload_started_at=now,
        )
        for row in rows
    )
    db.session.commit()
    conflicts = {(judges[2].id, rows[-1].id)}
    for n, row in enumerate(rows):
        if n % 4 == 1:
            conflicts.add((judges[0].id, row.id))
        if n % 4 == 2:
            conflicts.add((judges[1].id, row.id))
    return Crowd(challenge.id, judges, rows, conflicts)


def _active_pairs(db, challenge_id: int) -> set[tuple[int, int]]:
    return set(
        db.session.execute(
            select(Assignment.judge_id, Assignment.submission_id).where(
                Assignment.challenge_id == challenge_id, Assignment.status == ACTIVE
            )
        ).all()
    )


def _assigned(db, crowd: Crowd) -> int:
    with counting_statements() as statements:
        outcome = assigning.assign_judges(crowd.challenge_id)
    assert outcome.missing == {}
    pairs = _active_pairs(db, crowd.challenge_id)
    assert Counter(entry for _, entry in pairs) == {entry.id: 3 for entry in crowd.entries}
    assert not pairs & crowd.conflicts  # organisation, manager chain and declaration all obeyed
    loads = Counter(judge for judge, _ in pairs).values()
    assert max(loads) - min(loads) <= 1
    return len(statements)


@pytest.mark.parametrize("status", ["judging", "closed"])
def test_assigning_judges_takes_as_many_statements_for_200_entries_as_for_5(db, redis, status):
    org = make_sponsor_org(db)
    small = _assigned(db, _crowd(db, org, 5, status=status, tag="S"))
    large = _assigned(db, _crowd(db, org, 200, status=status, tag="L"))
    assert large <= small <= 20


def test_a_second_run_writes_only_what_changed_in_as_many_statements(db, redis):
    org = make_sponsor_org(db)
    counts = []
    for size, tag in ((5, "S"), (200, "L")):
        crowd = _crowd(db, org, size, status="closed", tag=tag)
        assigning.assign_judges(crowd.challenge_id)
        before = _active_pairs(db, crowd.challenge_id)
        # A judge leaves the panel: their pairs end (one UPDATE), others take them (one INSERT).
        leaving = crowd.judges[4]
        db.session.execute(
            PanelMember.__table__.update()
            .where(PanelMember.challenge_id == crowd.challenge_id, PanelMember.judge_id == leaving.id)
            .values(status="declined")
        )
        db.session.commit()
        counts.append(_assigned(db, crowd))
        after = _active_pairs(db, crowd.challenge_id)
        assert {pair for pair in before if pair[0] != leaving.id} <= after  # nobody else loses a review
        assert not {pair for pair in after if pair[0] == leaving.id}
        ended = db.session.scalars(
            select(Assignment.status).where(Assignment.judge_id == leaving.id, Assignment.status != ACTIVE)
        ).all()
        assert ended and set(ended) == {"removed"}
    small, large = counts
    assert large <= small


def _judged(db, org, entries: int, tag: str) -> tuple[Crowd, int]:
    """Judging under way with every review submitted but one; returns the id of that last assignment."""
    crowd = _crowd(db, org, entries, status="closed", tag=tag)
    assigning.assign_judges(crowd.challenge_id)
    challenge = db.session.get(Challenge, crowd.challenge_id)
    challenge.status = "judging"  # test set-up: judging started after the assignment
    criteria = [str(criterion.id) for criterion in challenge.criteria]
    assignments = db.session.scalars(
        select(Assignment).where(Assignment.challenge_id == crowd.challenge_id).order_by(Assignment.id)
    ).all()
    now = utcnow()
    db.session.add_all(
        Review(
            assignment_id=row.id,
            scores={
                key: 1 + (row.submission_id * 7 + row.judge_id * 3 + n) % 10 for n, key in enumerate(criteria)
            },
            status=SUBMITTED,
            submitted_at=now,
        )
        for row in assignments[:-1]
    )
    db.session.commit()
    return crowd, assignments[-1].id


def _submitted(db, assignment_id: int) -> int:
    assignment = db.session.get(Assignment, assignment_id)
    judge = db.session.get(User, assignment.judge_id)
    scores = {str(criterion.id): 6 for criterion in assignment.submission.challenge.criteria}
    with counting_statements() as statements:
        reviews.save_review(assignment_id, judge, scores, submit=True)
    return len(statements)


def test_submitting_the_last_review_takes_as_many_statements_with_500_assignments_as_with_5(db, redis):
    org = make_sponsor_org(db)
    counts = []
    for entries, tag in ((2, "S"), (167, "L")):  # 6 and 501 assignments: 5 and 500 already reviewed
        crowd, last = _judged(db, org, entries, tag)
        counts.append(_submitted(db, last))
        # Judging is complete: the aggregation job was enqueued in the same commit as the review.
        queued = db.session.scalars(
            select(JobRecord.kind).where(
                JobRecord.subject_type == "challenges", JobRecord.subject_id == str(crowd.challenge_id)
            )
        ).all()
        assert queued == ["app.judging.jobs:aggregate_when_ready"]
    small, large = counts
    assert large <= small


def test_a_review_that_is_not_the_last_enqueues_nothing(db, redis):
    org = make_sponsor_org(db)
    crowd, last = _judged(db, org, 3, "N")
    other = db.session.scalar(
        select(Review).join(Assignment).where(Assignment.challenge_id == crowd.challenge_id).limit(1)
    )
    other.status = "draft"  # one earlier review is back to a draft: judging is not complete
    db.session.commit()
    _submitted(db, last)
    assert (
        db.session.scalar(
            select(JobRecord.id).where(
                JobRecord.subject_type == "challenges", JobRecord.subject_id == str(crowd.challenge_id)
            )
        )
        is None
    )


def _aggregated(db, org, entries: int, tag: str) -> int:
    crowd, last = _judged(db, org, entries, tag)
    assignment = db.session.get(Assignment, last)
    judge = db.session.get(User, assignment.judge_id)
    scores = {str(criterion.id): 6 for criterion in assignment.submission.challenge.criteria}
    reviews.save_review(last, judge, scores, submit=True)
    with counting_statements() as statements:
        message = jobs.aggregate_when_ready(crowd.challenge_id)
    assert message == f"proposed a ranking of {entries} entries"
    challenge = db.session.get(Challenge, crowd.challenge_id)
    assert challenge.status == "results_proposed"
    results = db.session.scalars(
        select(EntryResult).where(EntryResult.challenge_id == crowd.challenge_id)
    ).all()
    assert sorted(row.submission_id for row in results) == sorted(entry.id for entry in crowd.entries)
    assert sorted(row.rank for row in results)[0] == 1
    assert all(row.review_count == 3 for row in results)
    calibrated = db.session.scalars(
        select(JudgeCalibration.judge_id).where(JudgeCalibration.challenge_id == crowd.challenge_id)
    ).all()
    assert set(calibrated) == {judge.id for judge in crowd.judges}
    return len(statements)


def test_the_aggregation_job_takes_as_many_statements_for_200_entries_as_for_5(db, redis):
    org = make_sponsor_org(db)
    small = _aggregated(db, org, 5, "S")
    large = _aggregated(db, org, 200, "L")
    assert large <= small <= 40


def test_bulk_rows_keep_their_order_and_a_nan_still_goes_in(db, redis):
    org = make_sponsor_org(db)
    names = [f"Bulk {letter}" for letter in "QWERTYUIOP"]
    now = utcnow()
    insert_rows(Organization.__table__, [{"name": name, "created_at": now} for name in names])
    stored = db.session.execute(
        select(Organization.name, Organization.created_at)
        .where(Organization.name.in_(names))
        .order_by(Organization.id)
    ).all()
    assert stored == [(name, now) for name in names]  # ids follow the rows' order; times stay aware UTC
    crowd = _crowd(db, org, 1, status="judging", tag="B")
    row = {"challenge_id": crowd.challenge_id, "scale": 1.0, "noise": 0.5, "relative_weight": 1.0}
    insert_rows(
        JudgeCalibration.__table__,
        [
            {
                **row,
                "judge_id": crowd.judges[0].id,
                "leniency": float("nan"),
                "review_count": 1,
                "computed_at": now,
            },
            {**row, "judge_id": crowd.judges[1].id, "leniency": 0.25, "review_count": 2, "computed_at": now},
        ],
    )
    db.session.commit()
    leniencies = db.session.scalars(
        select(JudgeCalibration.leniency)
        .where(JudgeCalibration.challenge_id == crowd.challenge_id)
        .order_by(JudgeCalibration.id)
    ).all()
    assert leniencies[1] == 0.25 and leniencies[0] != leniencies[0]  # NaN, through the executemany path


def test_a_judges_entries_are_assigned_in_alias_order_not_submission_order(db):
    """A judge's queue lists entries in the order they were assigned; entry ids follow submission
    times, so assignments are written in alias order, which says nothing about who came when."""
    crowd = _crowd(db, make_sponsor_org(db), 12, status="closed", tag="ord")
    for entry, alias in zip(crowd.entries, reversed([entry.alias for entry in crowd.entries]), strict=True):
        entry.alias = "x" + alias  # the last entry submitted now has the first alias
    db.session.commit()
    assigning.assign_judges(crowd.challenge_id)
    aliases = {entry.id: entry.alias for entry in crowd.entries}
    for judge in crowd.judges:
        in_order = db.session.scalars(
            select(Assignment.submission_id).where(Assignment.judge_id == judge.id).order_by(Assignment.id)
        ).all()
        assert [aliases[entry_id] for entry_id in in_order] == sorted(
            aliases[entry_id] for entry_id in in_order
        )
        assert len(in_order) < 2 or in_order != sorted(in_order)  # not entry id order
