"""Judging services: panels and invitations, declared conflicts, and turning the assignment core's
answer into assignment rows. The only code that changes judging state."""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app import audit, jobs
from app.accounts import services as accounts
from app.accounts.models import Role, User
from app.challenges.lifecycle import Status
from app.challenges.models import Challenge
from app.challenges.services import can_manage, get_challenge, lock_challenge, tell_sponsors
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.judging import conflicts as conflict_rules
from app.judging.models import (
    ACCEPTED,
    ACTIVE,
    DECLINED,
    INVITED,
    RECUSED,
    REMOVED,
    SUBMITTED,
    Assignment,
    DeclaredConflict,
    EntryResult,
    JudgeCalibration,
    NamedJudgeConflict,
    PanelMember,
    Review,
)
from app.notifications import services as notifications
from app.submissions.models import ACTIVE as ENTRY_ACTIVE
from app.submissions.models import Submission
from app.timeutil import utcnow
from app.transactions import atomic

PANEL_OPEN_STATES = (Status.DRAFT, Status.FUNDED, Status.OPEN, Status.CLOSED, Status.JUDGING)


def _require_manager(actor: User, challenge: Challenge) -> None:
    if not can_manage(actor, challenge):
        raise PermissionDenied(f"Only members of {challenge.sponsor_org.name} can change this panel.")


def panel_of(challenge_id: int) -> list[PanelMember]:
    return list(
        db.session.scalars(
            select(PanelMember).where(PanelMember.challenge_id == challenge_id).order_by(PanelMember.id)
        )
    )


def invitations_for(judge: User) -> list[PanelMember]:
    return list(
        db.session.scalars(
            select(PanelMember)
            .where(PanelMember.judge_id == judge.id)
            .order_by(PanelMember.invited_at.desc())
        )
    )


@atomic
def invite_judge(challenge_id: int, actor: User, email: str, *, name: str = "") -> PanelMember:
    """Invite someone to judge; a person without an account gets one, and a link to set a password."""
    challenge = get_challenge(challenge_id)
    _require_manager(actor, challenge)
    if challenge.state not in PANEL_OPEN_STATES:
        raise Conflict("Judges can be invited only until judging ends.")
    email = (email or "").strip()
    if "@" not in email:
        raise ValidationFailed("Enter the judge's e-mail address.", field="email")
    judge = accounts.find_user_by_email(email)
    created = judge is None
    if created:
        judge = accounts.register_user(
            email,
            name.strip() or email.split("@", 1)[0],
            secrets.token_urlsafe(32),  # nobody knows it; the invitation link sets a real one
            roles=(Role.JUDGE,),
            actor=actor,
        )
    elif not judge.has_role(Role.JUDGE):
        accounts.grant_role(judge, Role.JUDGE, actor=actor)
    if db.session.scalar(
        select(PanelMember).where(PanelMember.challenge_id == challenge.id, PanelMember.judge_id == judge.id)
    ):
        raise Conflict("This person is already on the panel or invited.", field="email")
    member = PanelMember(challenge_id=challenge.id, judge_id=judge.id, invited_by_id=actor.id, status=INVITED)
    db.session.add(member)
    db.session.flush()
    audit.record("panel.invited", member, actor=actor, challenge_id=challenge.id, new_account=created)
    link = accounts.invitation_link(judge) if created else "/judge"
    notifications.notify(
        judge,
        f"Invitation to judge {challenge.title}",
        f"{challenge.sponsor_org.name} invites you to judge “{challenge.title}”. Entries are anonymous; "
        f"you can set how many you are willing to review. Answer here: {link}",
        link=link if link.startswith("/") else None,
        commit=False,
    )
    db.session.commit()
    return member


@atomic
def respond_to_invitation(
    member_id: int, actor: User, *, accept: bool, max_load: int | None = None
) -> PanelMember:
    """Accept (optionally with a maximum number of entries) or decline an invitation."""
    member = db.session.get(PanelMember, member_id)
    if member is None or member.judge_id != actor.id:
        raise NotFound("No such invitation.")
    if member.status != INVITED:
        raise Conflict(f"You already {member.status} this invitation.")
    if max_load is not None and not 1 <= max_load <= 1000:
        raise ValidationFailed("A maximum load is between 1 and 1000 entries.", field="max_load")
    member.status = ACCEPTED if accept else DECLINED
    member.max_load = max_load if accept else None
    member.responded_at = utcnow()
    audit.record(f"panel.{member.status}", member, actor=actor, max_load=member.max_load)
    db.session.commit()
    return member


def declared_conflicts_of(judge: User) -> list[DeclaredConflict]:
    return list(
        db.session.scalars(
            select(DeclaredConflict)
            .where(DeclaredConflict.judge_id == judge.id)
            .order_by(DeclaredConflict.id)
        )
    )


@atomic
def declare_conflict(
    actor: User, *, email: str | None = None, organization: str | None = None
) -> DeclaredConflict:
    """Record a person (by e-mail) or an organisation (by name) this judge must never review."""
    if not actor.has_role(Role.JUDGE):
        raise PermissionDenied("Only judges declare conflicts.")
    key = accounts.email_key(email) if email and email.strip() else None
    org = organization.strip().lower() if organization and organization.strip() else None
    if (key is None) == (org is None):
        raise ValidationFailed("Name either one person's e-mail or one organisation.", field="email")
    if key is not None and "@" not in key:
        raise ValidationFailed("Enter a full e-mail address.", field="email")
    declared = DeclaredConflict(judge_id=actor.id, email_key=key, organization_name=org)
    db.session.add(declared)
    db.session.flush()
    audit.record("conflict.declared", declared, actor=actor)
    db.session.commit()
    return declared


# --- assignment -----------------------------------------------------------------------------------


def _person(user: User) -> conflict_rules.Person:
    return conflict_rules.Person(
        user_id=user.id,
        email_key=user.email_key,
        organization_id=user.organization_id,
        organization_name=user.organization.name if user.organization else None,
        manager_id=user.manager_id,
    )


def conflicts_for(
    challenge: Challenge, judges: list[User], entries: list[Submission]
) -> frozenset[tuple[int, int]]:
    """Every forbidden (judge id, submission id) pair for this challenge, by the conflict rules."""
    declared = db.session.scalars(
        select(DeclaredConflict).where(DeclaredConflict.judge_id.in_([judge.id for judge in judges]))
    ).all()
    emails: dict[int, set[str]] = {}
    organizations: dict[int, set[str]] = {}
    for row in declared:
        if row.email_key:
            emails.setdefault(row.judge_id, set()).add(row.email_key)
        if row.organization_name:
            organizations.setdefault(row.judge_id, set()).add(row.organization_name)
    entry_ids = [entry.id for entry in entries]
    named = db.session.execute(
        select(NamedJudgeConflict.judge_id, NamedJudgeConflict.submission_id).where(
            NamedJudgeConflict.submission_id.in_(entry_ids)
        )
    ).all()
    recused = db.session.execute(
        select(Assignment.judge_id, Assignment.submission_id).where(
            Assignment.submission_id.in_(entry_ids), Assignment.status == "recused"
        )
    ).all()
    return conflict_rules.conflicted_pairs(
        [
            conflict_rules.JudgeFacts(
                _person(judge),
                frozenset(emails.get(judge.id, ())),
                frozenset(organizations.get(judge.id, ())),
            )
            for judge in judges
        ],
        [conflict_rules.EntryFacts(entry.id, (_person(entry.contributor),)) for entry in entries],
        conflict_rules.ConflictRules(
            same_organization=challenge.judges_conflict_with_own_org,
            named_by_contributors=frozenset((judge_id, entry_id) for judge_id, entry_id in named),
            recusals=frozenset((judge_id, entry_id) for judge_id, entry_id in recused),
        ),
    )


def is_conflicted(judge: User, submission: Submission) -> bool:
    """Whether this judge may never see this entry: checked on every judge-facing request."""
    return (judge.id, submission.id) in conflicts_for(submission.challenge, [judge], [submission])


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
    """Give every active entry its judges from the accepted panel, keeping what can be kept."""
    from app.judging.assignment import assign, fill_gaps, judges_needed

    now = now or utcnow()
    challenge = get_challenge(challenge_id)
    members = [member for member in panel_of(challenge.id) if member.status == ACCEPTED]
    judges = [member.judge for member in members]
    entries = list(
        db.session.scalars(
            select(Submission).where(
                Submission.challenge_id == challenge.id, Submission.status == ENTRY_ACTIVE
            )
        )
    )
    rows = {
        (row.judge_id, row.submission_id): row
        for row in db.session.scalars(select(Assignment).where(Assignment.challenge_id == challenge.id))
    }
    challenge_skills = {skill.slug for skill in challenge.skills}
    affinity = {}
    for judge in judges:
        overlap = len(challenge_skills & {skill.slug for skill in judge.skills})
        if overlap:
            affinity.update({(judge.id, entry.id): overlap for entry in entries})
    caps = {member.judge_id: member.max_load for member in members}
    forbidden = conflicts_for(challenge, judges, entries)
    active = {pair for pair, row in rows.items() if row.status == ACTIVE}
    if challenge.state in (Status.JUDGING, Status.RESULTS_PROPOSED):
        # Judging has started: nobody is moved; only pairs that became invalid go, and gaps are filled.
        valid = {
            (judge_id, entry_id)
            for judge_id, entry_id in active
            if judge_id in caps
            and entry_id in {entry.id for entry in entries}
            and (judge_id, entry_id) not in forbidden
        }
        on_entry: dict[int, set[int]] = {}
        for judge_id, entry_id in valid:
            on_entry.setdefault(entry_id, set()).add(judge_id)
        needs = {
            entry.id: challenge.judges_per_entry - len(on_entry.get(entry.id, ()))
            for entry in entries
            if len(on_entry.get(entry.id, ())) < challenge.judges_per_entry
        }
        filled = fill_gaps(
            needs,
            Counter(judge_id for judge_id, _ in valid),
            caps,
            on_entry={entry_id: frozenset(judge_ids) for entry_id, judge_ids in on_entry.items()},
            conflicts=forbidden,
        )
        result = type(filled)(frozenset(valid | filled.pairs), filled.missing, judges=filled.judges)
    else:
        result = assign(
            [entry.id for entry in entries],
            caps,
            challenge.judges_per_entry,
            conflicts=forbidden,
            affinity=affinity,
            previous=active,
        )
    wanted = set(result.pairs)
    for pair, row in rows.items():
        if row.status == ACTIVE and pair not in wanted:
            row.status, row.ended_at = REMOVED, now
    added = 0
    for judge_id, entry_id in sorted(wanted):
        row = rows.get((judge_id, entry_id))
        if row is None:
            db.session.add(
                Assignment(
                    challenge_id=challenge.id, judge_id=judge_id, submission_id=entry_id, assigned_at=now
                )
            )
            added += 1
        elif row.status == REMOVED:
            row.status, row.ended_at, row.assigned_at = ACTIVE, None, now
            added += 1
    aliases = {entry.id: entry.alias for entry in entries}
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


# --- reviewing ------------------------------------------------------------------------------------

NOT_YOURS = "You are not assigned to this entry."


def assignments_of(judge: User) -> list[Assignment]:
    """The judge's active assignments on challenges being judged, nearest judging deadline first."""
    return list(
        db.session.scalars(
            select(Assignment)
            .join(Challenge, Challenge.id == Assignment.challenge_id)
            .where(
                Assignment.judge_id == judge.id,
                Assignment.status == ACTIVE,
                Challenge.status.in_((Status.JUDGING.value, Status.RESULTS_PROPOSED.value)),
            )
            .order_by(Challenge.judging_due_at, Assignment.id)
        )
    )


def queue_progress(judge: User) -> list[tuple[Challenge, list[Assignment], int]]:
    """Per challenge the judge reviews: its assignments and how many are submitted."""
    grouped: dict[int, tuple[Challenge, list[Assignment]]] = {}
    for assignment in assignments_of(judge):
        challenge = assignment.submission.challenge
        grouped.setdefault(challenge.id, (challenge, []))[1].append(assignment)
    return [
        (challenge, rows, sum(1 for row in rows if row.review and row.review.status == SUBMITTED))
        for challenge, rows in grouped.values()
    ]


def next_unscored(judge: User, *, after: int | None = None) -> int | None:
    """The next assignment without a submitted review, after ``after`` if given, else the first."""
    open_ones = [
        row.id for row in assignments_of(judge) if not (row.review and row.review.status == SUBMITTED)
    ]
    later = [assignment_id for assignment_id in open_ones if after is None or assignment_id > after]
    candidates = later or [assignment_id for assignment_id in open_ones if assignment_id != after]
    return candidates[0] if candidates else None


def assignment_for(assignment_id: int, judge: User) -> Assignment:
    """The judge's own active, non-conflicted assignment, or one refusal that says nothing more.

    Every way in (a guessed id, someone else's assignment, a conflicted entry) gets the same answer,
    so the response never reveals whether an entry exists or who made it.
    """
    assignment = db.session.get(Assignment, assignment_id)
    if (
        assignment is None
        or assignment.judge_id != judge.id
        or assignment.status != ACTIVE
        or is_conflicted(judge, assignment.submission)
    ):
        raise PermissionDenied(NOT_YOURS)
    return assignment


def may_review_file(judge: User, submission: Submission) -> bool:
    """Assigned, active and not conflicted: the only way a judge reaches an entry's file."""
    assignment = db.session.scalar(
        select(Assignment).where(
            Assignment.judge_id == judge.id,
            Assignment.submission_id == submission.id,
            Assignment.status == ACTIVE,
        )
    )
    return assignment is not None and not is_conflicted(judge, submission)


def weighted_total(challenge: Challenge, scores: dict[str, int]) -> float:
    """The review's score on the rubric's scale: each criterion's score weighted by its weight."""
    total_weight = sum(criterion.weight for criterion in challenge.criteria)
    return (
        sum(criterion.weight * scores[str(criterion.id)] for criterion in challenge.criteria) / total_weight
    )


def _checked_scores(challenge: Challenge, raw: dict[str, object], *, complete: bool) -> dict[str, int]:
    scores: dict[str, int] = {}
    problems: dict[str, str] = {}
    for criterion in challenge.criteria:
        key = str(criterion.id)
        value = raw.get(key)
        if value in (None, ""):
            if complete:
                problems[f"criterion-{key}"] = f"Score “{criterion.name}” before submitting."
            continue
        try:
            number = int(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            problems[f"criterion-{key}"] = f"“{criterion.name}” needs a whole number."
            continue
        if not criterion.scale_min <= number <= criterion.scale_max:
            problems[f"criterion-{key}"] = (
                f"“{criterion.name}” is scored from {criterion.scale_min} to {criterion.scale_max}."
            )
            continue
        scores[key] = number
    unknown = set(raw) - {str(criterion.id) for criterion in challenge.criteria}
    if unknown:
        problems["scores"] = "Scores were sent for criteria this rubric does not have."
    if problems:
        raise ValidationFailed(" ".join(problems.values()), errors=problems)
    return scores


@atomic
def save_review(
    assignment_id: int,
    judge: User,
    scores: dict[str, object],
    *,
    comment_for_sponsor: str = "",
    comment_for_contributor: str = "",
    submit: bool = False,
    now: datetime | None = None,
) -> Review:
    """Save a draft, or submit, a review; a submitted review may be revised until judging closes."""
    now = now or utcnow()
    assignment = assignment_for(assignment_id, judge)
    challenge = assignment.submission.challenge
    if challenge.state is not Status.JUDGING or now > challenge.judging_due_at:
        raise Conflict("Judging has closed for this challenge; reviews can no longer change.")
    checked = _checked_scores(challenge, scores, complete=submit)
    # Saves of one review (autosaved drafts, the submit button) take turns on the assignment's row,
    # and the review is read again once it is their turn: a draft still in flight when the judge
    # submits finds the review submitted, instead of writing its older text over it.
    db.session.execute(select(Assignment.id).where(Assignment.id == assignment.id).with_for_update())
    review = db.session.scalar(
        select(Review).where(Review.assignment_id == assignment.id).execution_options(populate_existing=True)
    ) or Review(assignment=assignment)
    if review.status == SUBMITTED and not submit:
        raise Conflict("This review was submitted; change it by submitting again.")
    review.scores = checked
    review.comment_for_sponsor = (comment_for_sponsor or "").strip()[:10_000]
    review.comment_for_contributor = (comment_for_contributor or "").strip()[:10_000]
    review.updated_at = now
    if submit:
        review.status = SUBMITTED
        review.submitted_at = now
    db.session.add(review)
    db.session.flush()
    audit.record(
        "review.submitted" if submit else "review.draft_saved",
        review,
        actor=judge,
        assignment_id=assignment.id,
    )
    if submit and reviews_outstanding(challenge) == 0:
        jobs.enqueue("app.judging.jobs:aggregate_when_ready", challenge.id, subject=challenge, commit=False)
    db.session.commit()
    return review


@atomic
def recuse(assignment_id: int, judge: User, reason: str = "", *, now: datetime | None = None) -> Assignment:
    """Step away from an entry ("I recognise this work"); a replacement is found at once."""
    now = now or utcnow()
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.judge_id != judge.id:
        raise PermissionDenied(NOT_YOURS)
    if assignment.status == RECUSED:
        raise Conflict("You already recused yourself from this entry.")
    if assignment.status != ACTIVE:
        raise PermissionDenied(NOT_YOURS)
    assignment.status = RECUSED
    assignment.recusal_reason = (reason or "").strip()[:1000]
    assignment.ended_at = now
    audit.record("assignment.recused", assignment, actor=judge)
    jobs.enqueue(
        "app.judging.jobs:reassign",
        assignment.challenge_id,
        subject=assignment.submission.challenge,
        started_by=judge,
        commit=False,
    )
    db.session.commit()
    return assignment


# --- aggregation and results ----------------------------------------------------------------------


def _submitted_reviews(challenge: Challenge) -> list[tuple[Assignment, Review]]:
    rows = db.session.execute(
        select(Assignment, Review)
        .join(Review, Review.assignment_id == Assignment.id)
        .join(Submission, Submission.id == Assignment.submission_id)
        .where(
            Assignment.challenge_id == challenge.id,
            Assignment.status == ACTIVE,
            Review.status == SUBMITTED,
            Submission.status == ENTRY_ACTIVE,
        )
    ).all()
    return [(assignment, review) for assignment, review in rows]


def reviews_outstanding(challenge: Challenge) -> int:
    """Active assignments still without a submitted review."""
    active = db.session.scalars(
        select(Assignment).where(Assignment.challenge_id == challenge.id, Assignment.status == ACTIVE)
    ).all()
    return sum(1 for row in active if not (row.review and row.review.status == SUBMITTED))


def rubric_scale(challenge: Challenge) -> tuple[float, float]:
    """The range a review's weighted total can take on this rubric."""
    total_weight = sum(criterion.weight for criterion in challenge.criteria)
    low = sum(criterion.weight * criterion.scale_min for criterion in challenge.criteria) / total_weight
    high = sum(criterion.weight * criterion.scale_max for criterion in challenge.criteria) / total_weight
    return low, high


@atomic
def aggregate(challenge_id: int, *, now: datetime | None = None) -> list[EntryResult]:
    """Calibrate the judges, rank the entries, apply the tie rule, and propose the results.

    Runs when every review is in, or at the judging deadline with what is in; running it again
    (after an extra review) replaces the previous proposal.
    """
    from app.judging.aggregation import rank
    from app.judging.ties import Tied, places

    now = now or utcnow()
    challenge = lock_challenge(challenge_id)
    if challenge.state not in (Status.JUDGING, Status.RESULTS_PROPOSED):
        raise Conflict("Results are computed only while judging or after they were proposed.")
    pairs = _submitted_reviews(challenge)
    if not pairs:
        raise Conflict("No review has been submitted yet; there is nothing to rank.")
    first = challenge.criteria[0]
    reviews = [
        (assignment.submission_id, assignment.judge_id, weighted_total(challenge, review.scores))
        for assignment, review in pairs
    ]
    ranking = rank(reviews, scale=rubric_scale(challenge), prize_places=challenge.winners)
    first_means: dict[int, list[int]] = {}
    for assignment, review in pairs:
        first_means.setdefault(assignment.submission_id, []).append(review.scores[str(first.id)])
    entries = {
        entry.id: entry
        for entry in db.session.scalars(
            select(Submission).where(Submission.id.in_([row.entry_id for row in ranking.entries]))
        )
    }
    placed = places(
        [
            Tied(
                row.entry_id,
                row.rank,
                row.tie_group,
                entries[row.entry_id].latest.created_at,
                sum(first_means[row.entry_id]) / len(first_means[row.entry_id]),
            )
            for row in ranking.entries
        ],
        challenge.tie_rule,
    )
    db.session.execute(EntryResult.__table__.delete().where(EntryResult.challenge_id == challenge.id))
    db.session.execute(
        JudgeCalibration.__table__.delete().where(JudgeCalibration.challenge_id == challenge.id)
    )
    results = [
        EntryResult(
            challenge_id=challenge.id,
            submission_id=row.entry_id,
            rank=row.rank,
            place=placed[row.entry_id],
            calibrated_score=row.calibrated_score,
            raw_mean=row.raw_mean,
            p_prize=row.place_probability,
            p_first=row.p_first,
            sd=row.sd,
            tie_group=row.tie_group,
            review_count=row.review_count,
            flags=list(row.flags),
            computed_at=now,
        )
        for row in ranking.entries
    ]
    db.session.add_all(results)
    db.session.add_all(
        JudgeCalibration(
            challenge_id=challenge.id,
            judge_id=judge.judge_id,
            leniency=judge.leniency,
            scale=judge.scale,
            noise=judge.noise,
            relative_weight=judge.relative_weight,
            review_count=judge.review_count,
            computed_at=now,
        )
        for judge in ranking.judges
    )
    if challenge.state is Status.JUDGING:
        challenge.status = Status.RESULTS_PROPOSED.value
        challenge.status_changed_at = now
    audit.record("judging.aggregated", challenge, entries=len(results), reviews=len(reviews))
    tell_sponsors(
        challenge,
        f"Proposed results: {challenge.title}",
        "The judges' scores are calibrated and a ranking is proposed. Review it, send flagged entries "
        "for an extra review if needed, then publish.",
        link=f"/judging/results/{challenge.slug}",
    )
    db.session.commit()
    return results


def results_of(challenge: Challenge) -> list[EntryResult]:
    return list(
        db.session.scalars(
            select(EntryResult)
            .where(EntryResult.challenge_id == challenge.id)
            .order_by(EntryResult.place, EntryResult.rank, EntryResult.id)
        )
    )


def calibrations_of(challenge: Challenge) -> list[JudgeCalibration]:
    return list(
        db.session.scalars(
            select(JudgeCalibration)
            .where(JudgeCalibration.challenge_id == challenge.id)
            .order_by(JudgeCalibration.judge_id)
        )
    )


@atomic
def request_extra_review(
    challenge_id: int, submission_id: int, actor: User, *, now: datetime | None = None
) -> Assignment:
    """Give a flagged entry one more review by a fresh judge: the least busy one without a conflict."""
    now = now or utcnow()
    challenge = get_challenge(challenge_id)
    _require_manager(actor, challenge)
    if challenge.state is not Status.RESULTS_PROPOSED:
        raise Conflict("Extra reviews are requested on proposed results, before publishing.")
    entry = db.session.get(Submission, submission_id)
    if entry is None or entry.challenge_id != challenge.id:
        raise NotFound("No such entry.")
    members = [member for member in panel_of(challenge.id) if member.status == ACCEPTED]
    taken = {
        row.judge_id
        for row in db.session.scalars(select(Assignment).where(Assignment.submission_id == entry.id))
    }
    forbidden = conflicts_for(challenge, [member.judge for member in members], [entry])
    loads = Counter(
        row.judge_id
        for row in db.session.scalars(
            select(Assignment).where(Assignment.challenge_id == challenge.id, Assignment.status == ACTIVE)
        )
    )
    candidates = [
        member
        for member in members
        if member.judge_id not in taken
        and (member.judge_id, entry.id) not in forbidden
        and (member.max_load is None or loads[member.judge_id] < member.max_load)
    ]
    if not candidates:
        raise Conflict("No judge on the panel can take this entry; invite another judge first.")
    chosen = min(candidates, key=lambda member: (loads[member.judge_id], member.judge_id))
    assignment = Assignment(
        challenge_id=challenge.id, judge_id=chosen.judge_id, submission_id=entry.id, assigned_at=now
    )
    db.session.add(assignment)
    challenge.status = Status.JUDGING.value  # back to judging until the extra review is in
    challenge.status_changed_at = now
    audit.record("judging.extra_review_requested", challenge, actor=actor, entry=entry.alias)
    notifications.notify(
        chosen.judge,
        f"One more entry to review: {challenge.title}",
        f"The sponsor asked for an extra review of {entry.label}.",
        link="/judge",
        commit=False,
    )
    db.session.commit()
    return assignment


def panel_judges(challenge: Challenge) -> list[User]:
    """The judges who accepted: contributors may name any they have a conflict with."""
    return [member.judge for member in panel_of(challenge.id) if member.status == ACCEPTED]


def named_conflicts_of(submission: Submission) -> set[int]:
    return set(
        db.session.scalars(
            select(NamedJudgeConflict.judge_id).where(NamedJudgeConflict.submission_id == submission.id)
        )
    )


@atomic
def name_conflicted_judges(
    submission_id: int, actor: User, judge_ids: list[int], *, now: datetime | None = None
) -> set[int]:
    """A contributor names the panel judges who must not review their entry, until the deadline."""
    now = now or utcnow()
    submission = db.session.get(Submission, submission_id)
    if submission is None or submission.contributor_id != actor.id:
        raise NotFound("No such submission of yours.")
    challenge = submission.challenge
    if challenge.state not in (Status.OPEN, Status.FUNDED) or now > challenge.closes_at:
        raise Conflict("Conflicts can be named only until the challenge closes.")
    panel = {judge.id for judge in panel_judges(challenge)}
    chosen = set(judge_ids)
    if chosen - panel:
        raise ValidationFailed("Only judges on this challenge's panel can be named.", field="judges")
    current = named_conflicts_of(submission)
    for judge_id in chosen - current:
        db.session.add(NamedJudgeConflict(submission_id=submission.id, judge_id=judge_id))
    for row in db.session.scalars(
        select(NamedJudgeConflict).where(
            NamedJudgeConflict.submission_id == submission.id,
            NamedJudgeConflict.judge_id.in_(current - chosen),
        )
    ):
        db.session.delete(row)
    audit.record("submission.conflicts_named", submission, actor=actor, judges=len(chosen))
    db.session.commit()
    return chosen


@atomic
def publish_results(challenge_id: int, actor: User, *, now: datetime | None = None) -> Challenge:
    """Publish the proposed ranking: prizes move to the winners, names are revealed, people are told."""
    from app.challenges.lifecycle import Action, IllegalTransition, next_status
    from app.challenges.services import ChallengeStateError
    from app.payouts.money import format_money
    from app.payouts.payout_services import PAYOUT_JOB
    from app.payouts.services import award_prizes

    now = now or utcnow()
    challenge = lock_challenge(challenge_id)
    _require_manager(actor, challenge)
    try:
        target = next_status(challenge.state, Action.AWARD)
    except IllegalTransition as refusal:
        raise ChallengeStateError(str(refusal)) from None
    results = results_of(challenge)
    if not results:
        raise Conflict("There are no results to publish yet.")
    groups: dict[int, list[int]] = {}
    for row in results:
        groups.setdefault(row.place, []).append(row.submission_id)
    ranking = [groups[place] for place in sorted(groups)]
    entries = {row.submission_id: row.submission for row in results}
    order = sorted(entries, key=lambda entry_id: (entries[entry_id].latest.created_at, entry_id))
    awarded = award_prizes(
        challenge, ranking, order_hint={entry_id: index for index, entry_id in enumerate(order)}, actor=actor
    )
    challenge.status = target.value
    challenge.status_changed_at = now
    audit.record("judging.results_published", challenge, actor=actor, winners=len(awarded.amounts))
    # Every participant gets the short outcome survey, by a job once this commits.
    jobs.enqueue(
        "app.marketplace.jobs:send_outcome_surveys",
        challenge.id,
        subject=challenge,
        started_by=actor,
        commit=False,
    )
    jobs.enqueue(PAYOUT_JOB, challenge.id, subject=challenge, started_by=actor, commit=False)
    for row in results:
        entry = entries[row.submission_id]
        amount = awarded.amounts.get(row.submission_id, 0)
        prize = f" and wins {format_money(amount, challenge.currency)}" if amount else ""
        notifications.notify(
            entry.contributor,
            f"Results: {challenge.title}",
            f"Your entry “{entry.title}” placed {row.place}{prize}. Your scores and the judges' comments are on "
            "your submission page.",
            link=f"/submissions/{entry.id}",
            commit=False,
        )
    db.session.commit()
    return challenge


def published(challenge: Challenge) -> bool:
    return challenge.state in (Status.AWARDED, Status.PAID)


def my_scores(submission: Submission) -> list[tuple[str, Review]]:
    """After publication, a contributor's own reviews, judges named only "Judge A", "Judge B"…"""
    if not published(submission.challenge):
        return []
    rows = db.session.execute(
        select(Assignment, Review)
        .join(Review, Review.assignment_id == Assignment.id)
        .where(Assignment.submission_id == submission.id, Review.status == SUBMITTED)
        .order_by(Assignment.id)
    ).all()
    return [(f"Judge {chr(ord('A') + index)}", review) for index, (_assignment, review) in enumerate(rows)]
