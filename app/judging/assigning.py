"""Assigning: turning the pure assignment core's answer into assignment rows, at close and when the
sponsor asks for one more review. Conflicts are read here and obeyed as hard constraints."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from random import Random, SystemRandom

from sqlalchemy import func, select, update

from app.accounts.models import User
from app.challenges.lifecycle import Action, Status
from app.challenges.models import Challenge
from app.challenges.services import get_challenge, lock_challenge, schedule_aggregation, tell_sponsors
from app.challenges.transitions import transition
from app.core import audit
from app.core.bulk import insert_rows
from app.core.errors import Conflict, NotFound
from app.core.timeutil import utcnow
from app.core.transactions import atomic
from app.extensions import db
from app.judging.assignment import assign, judges_needed, keep_and_fill
from app.judging.conflicts import entries_to_release
from app.judging.models import (
    ACCEPTED,
    ACTIVE,
    RELEASED,
    REMOVED,
    Assignment,
    DeclaredConflict,
    PanelMember,
)
from app.judging.overdue import extra_review_due
from app.judging.panels import (
    challenges_held_by,
    conflicts_among,
    panel_of,
    require_manager,
)
from app.notifications import services as notifications
from app.skills.models import UserSkill, challenge_skills
from app.submissions.models import ACTIVE as ENTRY_ACTIVE
from app.submissions.models import Submission


@dataclass(frozen=True)
class AssignmentOutcome:
    """What the sponsor is told after an assignment run: which entries (by alias) lack judges."""

    missing: dict[str, int]
    judges_needed: int

    @property
    def message(self) -> str | None:
        if not self.missing:
            return None
        short = ", ".join(
            f"Entry {alias} needs {count} more" for alias, count in sorted(self.missing.items())
        )
        judges = "1 more judge" if self.judges_needed == 1 else f"{self.judges_needed} more judges"
        return f"The panel cannot cover every entry: {short}. Invite at least {judges} without conflicts."


@atomic
def assign_judges(challenge_id: int, *, now: datetime | None = None) -> AssignmentOutcome:
    """Give every active entry its judges from the accepted panel, keeping what can be kept.

    Set-based throughout, so a challenge of 10,000 entries costs about as many statements as one of
    five: the panel, entries, current rows, expertise and conflict facts are read in a few queries,
    and the rows that change are written in one statement per kind of change.
    """

    now = now or utcnow()
    challenge = get_challenge(challenge_id)
    caps = dict(
        db.session.execute(
            select(PanelMember.judge_id, PanelMember.max_load).where(
                PanelMember.challenge_id == challenge.id, PanelMember.status == ACCEPTED
            )
        ).all()
    )
    active_entries = (Submission.challenge_id == challenge.id) & (Submission.status == ENTRY_ACTIVE)
    aliases = dict(db.session.execute(select(Submission.id, Submission.alias).where(active_entries)).all())
    rows = {
        (judge_id, entry_id): (row_id, status)
        for row_id, judge_id, entry_id, status in db.session.execute(
            select(Assignment.id, Assignment.judge_id, Assignment.submission_id, Assignment.status).where(
                Assignment.challenge_id == challenge.id
            )
        ).all()
    }
    forbidden = conflicts_among(challenge, list(caps), active_entries)
    active = {pair for pair, (_row_id, status) in rows.items() if status == ACTIVE}
    if challenge.state in (Status.JUDGING, Status.JUDGING_OVERDUE, Status.RESULTS_PROPOSED):
        # Judging has started: nobody is moved; only pairs that became invalid go, and gaps are filled.
        result = keep_and_fill(
            list(aliases), caps, challenge.judges_per_entry, active=active, conflicts=forbidden
        )
    else:
        result = assign(
            list(aliases),
            caps,
            challenge.judges_per_entry,
            conflicts=forbidden,
            judge_affinity=_expertise(challenge.id, list(caps)),
            previous=active,
        )
    wanted = result.pairs
    removed = [row_id for pair, (row_id, status) in rows.items() if status == ACTIVE and pair not in wanted]
    returning = [rows[pair][0] for pair in wanted if pair in rows and rows[pair][1] == REMOVED]
    # Written in alias order, not entry id order: a judge's queue lists entries in the order they
    # were assigned, and entry ids follow submission times, which must not show through to judges.
    fresh = sorted(
        (pair for pair in wanted if pair not in rows), key=lambda pair: (pair[0], aliases[pair[1]])
    )
    if removed:
        db.session.execute(
            update(Assignment).where(Assignment.id.in_(removed)).values(status=REMOVED, ended_at=now),
            execution_options={"synchronize_session": False},
        )
    if returning:
        db.session.execute(
            update(Assignment)
            .where(Assignment.id.in_(returning))
            .values(status=ACTIVE, ended_at=None, assigned_at=now),
            execution_options={"synchronize_session": False},
        )
    insert_rows(
        Assignment.__table__,
        [
            {
                "challenge_id": challenge.id,
                "judge_id": judge_id,
                "submission_id": entry_id,
                "status": ACTIVE,
                "assigned_at": now,
            }
            for judge_id, entry_id in fresh
        ],
    )
    added = len(returning) + len(fresh)
    outcome = AssignmentOutcome(
        missing={aliases[entry_id]: count for entry_id, count in result.missing.items()},
        judges_needed=judges_needed(result),
    )
    audit.record(
        "judging.assigned",
        challenge,
        pairs=len(wanted),
        added=added,
        loads={str(judge_id): load for judge_id, load in Counter(j for j, _ in wanted).items()},
        missing=outcome.missing,
    )
    if outcome.message:
        tell_sponsors(challenge, f"More judges needed: {challenge.title}", outcome.message)
    db.session.commit()
    return outcome


def _expertise(challenge_id: int, judge_ids: list[int]) -> dict[int, int]:
    """Per judge, how many of the challenge's skills they list (judges listing none are left out)."""
    return dict(
        db.session.execute(
            select(UserSkill.user_id, func.count())
            .join(challenge_skills, challenge_skills.c.skill_id == UserSkill.skill_id)
            .where(challenge_skills.c.challenge_id == challenge_id, UserSkill.user_id.in_(judge_ids))
            .group_by(UserSkill.user_id)
        ).all()
    )


def challenges_judged_by(judge_id: int) -> list[int]:
    """The challenges, closed or being judged, on whose panel this judge sits."""
    return list(
        db.session.scalars(
            select(PanelMember.challenge_id)
            .join(Challenge, Challenge.id == PanelMember.challenge_id)
            .where(
                PanelMember.judge_id == judge_id,
                PanelMember.status == ACCEPTED,
                Challenge.status.in_((Status.CLOSED.value, Status.JUDGING.value)),
            )
            .order_by(PanelMember.challenge_id)
        )
    )


@atomic
def apply_declared_conflicts(
    judge_id: int, *, now: datetime | None = None, rng: Random | None = None
) -> list[int]:
    """The replacement run's first half for a judge's declarations made during judging.

    On every challenge where the judge holds entries, the entries that match are released together
    with decoys picked at random (``conflicts.entries_to_release``), and the declarations take effect
    in the same commit, so the judge never sees a match leave alone. Returns the challenges touched;
    ``jobs.apply_declared_conflicts`` then gives their released entries other judges.
    """
    now = now or utcnow()
    pending = list(
        db.session.scalars(
            select(DeclaredConflict)
            .where(DeclaredConflict.judge_id == judge_id, DeclaredConflict.effective_at.is_(None))
            .order_by(DeclaredConflict.id)
            .with_for_update()
        )
    )
    if not pending:
        return []
    judge = db.session.get(User, judge_id)
    if judge is None:
        raise NotFound("No such judge.")
    rng = rng or SystemRandom()
    touched = []
    for challenge in challenges_held_by(judge_id):
        held = list(
            db.session.scalars(
                select(Assignment)
                .where(
                    Assignment.challenge_id == challenge.id,
                    Assignment.judge_id == judge_id,
                    Assignment.status == ACTIVE,
                )
                .order_by(Assignment.id)
            )
        )
        forbidden = conflicts_among(
            challenge, [judge.id], Submission.id.in_([row.submission_id for row in held]), pending=True
        )
        released = entries_to_release(
            [row.submission_id for row in held], [entry_id for _, entry_id in forbidden], rng
        )
        for row in held:
            if row.submission_id in released:
                row.status, row.ended_at = RELEASED, now
        # The count only: which of them matched is recorded nowhere, not even for administrators.
        audit.record("judging.entries_released", challenge, judge_id=judge_id, released=len(released))
        touched.append(challenge.id)
    for declared in pending:
        declared.effective_at = now
        audit.record("conflict.took_effect", declared, judge_id=judge_id)
    db.session.commit()
    return touched


def free_judges(challenge: Challenge, entry: Submission) -> tuple[list[PanelMember], Counter[int]]:
    """The accepted panel members who could take one more review of ``entry`` now: never assigned to
    it before (a judge who stepped away is not asked again), without a conflict, under their cap;
    with every judge's current load."""
    members = [member for member in panel_of(challenge.id) if member.status == ACCEPTED]
    taken = set(db.session.scalars(select(Assignment.judge_id).where(Assignment.submission_id == entry.id)))
    forbidden = conflicts_among(challenge, [member.judge_id for member in members], Submission.id == entry.id)
    loads: Counter[int] = Counter(
        dict(
            db.session.execute(
                select(Assignment.judge_id, func.count())
                .where(Assignment.challenge_id == challenge.id, Assignment.status == ACTIVE)
                .group_by(Assignment.judge_id)
            ).all()
        )
    )
    candidates = [
        member
        for member in members
        if member.judge_id not in taken
        and (member.judge_id, entry.id) not in forbidden
        and (member.max_load is None or loads[member.judge_id] < member.max_load)
    ]
    return candidates, loads


@atomic
def request_extra_review(
    challenge_id: int, submission_id: int, actor: User, *, now: datetime | None = None
) -> Assignment:
    """Give a flagged entry one more review by a fresh judge: the least busy one without a conflict."""
    now = now or utcnow()
    challenge = lock_challenge(challenge_id)  # the status moves back to judging below
    require_manager(actor, challenge)
    if challenge.state is not Status.RESULTS_PROPOSED:
        raise Conflict("Extra reviews are requested on proposed results, before publishing.")
    entry = db.session.get(Submission, submission_id)
    if entry is None or entry.challenge_id != challenge.id:
        raise NotFound("No such entry.")
    candidates, loads = free_judges(challenge, entry)
    if not candidates:
        raise Conflict("No judge on the panel can take this entry; invite another judge first.")
    chosen = min(candidates, key=lambda member: (loads[member.judge_id], member.judge_id))
    assignment = Assignment(
        challenge_id=challenge.id, judge_id=chosen.judge_id, submission_id=entry.id, assigned_at=now
    )
    db.session.add(assignment)
    # Back to judging until the extra review is in; aggregation proposes the results again then. A
    # judging deadline already past moves out, or the review could never be submitted and the sweep
    # would propose the same results again without it.
    due = extra_review_due(challenge.judging_due_at, now)
    if due != challenge.judging_due_at:
        challenge.judging_due_at = due
        schedule_aggregation(challenge, due, actor)
    transition(
        challenge,
        Action.REQUEST_EXTRA_REVIEW,
        actor=actor,
        now=now,
        event="judging.extra_review_requested",
        entry=entry.alias,
        due=due.isoformat(),
    )
    notifications.notify(
        chosen.judge,
        f"One more entry to review: {challenge.title}",
        f"The sponsor asked for an extra review of {entry.label}, due by {due:%Y-%m-%d %H:%M} UTC.",
        link="/judge",
        commit=False,
    )
    db.session.commit()
    return assignment
