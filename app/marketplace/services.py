"""Marketplace services: manager approvals within the hours cap, the org chart import, outcome
surveys, and the read-only views built on them ("For you", the leaderboard)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from app.accounts import services as accounts
from app.accounts.models import Organization, User
from app.challenges.lifecycle import Status
from app.challenges.models import Challenge
from app.core import audit
from app.core.access import Role
from app.core.errors import AlreadyDone, Conflict, NotFound, PermissionDenied, ValidationFailed
from app.core.money import POINTS
from app.core.timeutil import utcnow
from app.core.transactions import atomic
from app.extensions import db
from app.ledger.models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction
from app.marketplace import capacity, matching, orgchart
from app.marketplace.models import APPROVED, DECLINED, PENDING, ApprovalRequest, OutcomeSurvey
from app.marketplace.quarters import Quarter
from app.notifications import services as notifications
from app.submissions.models import ACTIVE, Submission

# Approved hours count against the cap from approval until the challenge's judging is over: an
# upcoming (funded) challenge already holds the time it was approved for.
HOLDING_STATES = (
    Status.FUNDED.value,
    Status.OPEN.value,
    Status.CLOSED.value,
    Status.JUDGING.value,
    Status.JUDGING_OVERDUE.value,
)
REQUESTABLE_STATES = (Status.FUNDED, Status.OPEN)
MAX_NOTE = 1000
# The stable code API clients read when hours would pass the organisation-wide cap.
OVER_CAP = "approval_cap_exceeded"


# --- manager approval ------------------------------------------------------------------------------


def host_organization() -> Organization | None:
    return db.session.scalar(select(Organization).where(Organization.is_host))


def approval_cap_hours() -> int:
    """The host organisation's cap on approved hours a week per person (the default without a host)."""
    host = host_organization()
    return host.approval_cap_hours_per_week if host else capacity.MAX_HOURS


def held_hours(contributor_id: int) -> int:
    """Hours a week already approved for this person on challenges still running."""
    return db.session.scalar(
        select(func.coalesce(func.sum(ApprovalRequest.hours_per_week), 0))
        .join(Challenge, Challenge.id == ApprovalRequest.challenge_id)
        .where(
            ApprovalRequest.contributor_id == contributor_id,
            ApprovalRequest.status == APPROVED,
            Challenge.status.in_(HOLDING_STATES),
        )
    )


def held_hours_of(contributor_ids: set[int]) -> dict[int, int]:
    """``held_hours`` of each of these people (0 for those holding none), in one query: the
    manager's list shows it beside every request."""
    if not contributor_ids:
        return {}
    rows = db.session.execute(
        select(ApprovalRequest.contributor_id, func.sum(ApprovalRequest.hours_per_week))
        .join(Challenge, Challenge.id == ApprovalRequest.challenge_id)
        .where(
            ApprovalRequest.contributor_id.in_(contributor_ids),
            ApprovalRequest.status == APPROVED,
            Challenge.status.in_(HOLDING_STATES),
        )
        .group_by(ApprovalRequest.contributor_id)
    ).all()
    held = {contributor_id: int(hours) for contributor_id, hours in rows}
    return {contributor_id: held.get(contributor_id, 0) for contributor_id in contributor_ids}


def approval_for(challenge: Challenge, user: User | None) -> ApprovalRequest | None:
    """The contributor's latest request for this challenge, if any."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(ApprovalRequest)
        .where(ApprovalRequest.challenge_id == challenge.id, ApprovalRequest.contributor_id == user.id)
        .order_by(ApprovalRequest.id.desc())
        .limit(1)
    )


def has_approval(user: User, challenge: Challenge) -> bool:
    request = approval_for(challenge, user)
    return request is not None and request.status == APPROVED


# What every list of requests shows beside each one, loaded with the rows.
_REQUEST_PARTS = (
    joinedload(ApprovalRequest.challenge),
    joinedload(ApprovalRequest.contributor),
    joinedload(ApprovalRequest.manager),
)


def approvals_of(user: User) -> list[ApprovalRequest]:
    return list(
        db.session.scalars(
            select(ApprovalRequest)
            .where(ApprovalRequest.contributor_id == user.id)
            .options(*_REQUEST_PARTS)
            .order_by(ApprovalRequest.id.desc())
        )
    )


def requests_to_decide(manager: User) -> list[ApprovalRequest]:
    """Requests addressed to ``manager``: those waiting first, then the decided ones, newest first."""
    return list(
        db.session.scalars(
            select(ApprovalRequest)
            .where(ApprovalRequest.manager_id == manager.id)
            .options(*_REQUEST_PARTS)
            .order_by(ApprovalRequest.status != PENDING, ApprovalRequest.id.desc())
            .limit(200)
        )
    )


def _lock_person(user_id: int) -> User:
    """The person re-read under a row lock, so two approvals for them are checked one after the other."""
    person = db.session.scalar(
        select(User).where(User.id == user_id).with_for_update().execution_options(populate_existing=True)
    )
    if person is None:
        raise NotFound("No such user.")
    return person


def _clean_note(note: str, field_name: str) -> str:
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed(f"Keep the note under {MAX_NOTE} characters.", field=field_name)
    return note


@atomic
def request_approval(
    challenge_id: int,
    actor: User,
    *,
    hours_per_week: int,
    approver_email: str | None = None,
    note: str = "",
) -> ApprovalRequest:
    """Ask one's manager (from the org chart) to agree to hours a week on a challenge.

    ``approver_email`` is who the contributor thinks approves; anyone but their recorded manager is
    refused, naming the right person. Hours that would pass the cap are refused here already.
    """
    challenge = db.session.get(Challenge, challenge_id)
    if challenge is None or challenge.state is Status.DRAFT:
        raise NotFound("No such challenge.")
    if not actor.has_role(Role.CONTRIBUTOR) or not accounts.is_internal(actor):
        raise PermissionDenied("Only internal contributors ask their manager for approval.")
    if not challenge.requires_manager_approval:
        raise Conflict("This challenge does not need a manager's approval.")
    if challenge.state not in REQUESTABLE_STATES:
        raise Conflict("Approval can be asked only while the challenge is upcoming or open.")
    person = _lock_person(actor.id)
    manager = person.manager
    if manager is None:
        raise ValidationFailed(
            "No manager is recorded for you; ask an administrator to import the org chart.",
            field="approver_email",
        )
    if approver_email and accounts.email_key(approver_email) != manager.email_key:
        raise ValidationFailed(
            f"{approver_email.strip()} is not your manager; the org chart names {manager.display_name} "
            f"({manager.email}).",
            field="approver_email",
        )
    if manager.id == person.id:
        raise ValidationFailed("You can't approve your own request.", field="approver_email")
    problem = capacity.hours_problem(hours_per_week)
    if problem:
        raise ValidationFailed(problem, field="hours_per_week")
    previous = approval_for(challenge, person)
    if previous is not None and previous.status == PENDING:
        raise AlreadyDone("You already asked; your manager has not answered yet.")
    if previous is not None and previous.status == APPROVED:
        raise AlreadyDone("Your manager already approved this challenge.")
    problem = capacity.capacity_problem(held_hours(person.id), hours_per_week, approval_cap_hours())
    if problem:
        raise ValidationFailed(problem, field="hours_per_week", code=OVER_CAP)
    request = ApprovalRequest(
        challenge_id=challenge.id,
        contributor_id=person.id,
        manager_id=manager.id,
        hours_per_week=hours_per_week,
        request_note=_clean_note(note, "note"),
        status=PENDING,
    )
    db.session.add(request)
    db.session.flush()
    audit.record(
        "approval.requested",
        request,
        actor=actor,
        challenge_id=challenge.id,
        manager_id=manager.id,
        hours_per_week=hours_per_week,
    )
    reason = f" Their note: “{request.request_note}”" if request.request_note else ""
    notifications.notify(
        manager,
        f"Approval requested: {challenge.title}",
        f"{person.display_name} asks to spend {hours_per_week} hours a week on “{challenge.title}”.{reason} "
        f"Approve or decline, with a note, here: {accounts.public_url('/approvals')}",
        link="/approvals",
        commit=False,
    )
    db.session.commit()
    return request


@atomic
def decide_approval(request_id: int, actor: User, *, approve: bool, note: str = "") -> ApprovalRequest:
    """The manager approves or declines; an approval that would pass the cap is refused unchanged."""
    request = db.session.scalar(
        select(ApprovalRequest)
        .where(ApprovalRequest.id == request_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if request is None:
        raise NotFound("No such approval request.")
    if request.contributor_id == actor.id:
        raise PermissionDenied("You can't approve or decline your own request.")
    if request.manager_id != actor.id:
        raise NotFound("No such approval request for you.")
    if request.status == (APPROVED if approve else DECLINED):
        # The same answer again (a double click, a second tab): already so, nothing is written twice.
        raise AlreadyDone(f"This request was already {request.status}.")
    if request.status != PENDING:
        raise Conflict(f"This request was already {request.status}.")
    note = _clean_note(note, "note")
    person = _lock_person(request.contributor_id)
    if person.manager_id != actor.id:
        raise PermissionDenied(f"You are no longer {person.display_name}'s manager in the org chart.")
    if approve:
        if request.challenge.status not in HOLDING_STATES:
            raise Conflict("This challenge is no longer running.")
        problem = capacity.capacity_problem(
            held_hours(person.id), request.hours_per_week, approval_cap_hours()
        )
        if problem:
            raise ValidationFailed(problem, field="note", code=OVER_CAP)
    request.status = APPROVED if approve else DECLINED
    request.decision_note = note
    request.decided_at = utcnow()
    audit.record(
        "approval.approved" if approve else "approval.declined",
        request,
        actor=actor,
        hours_per_week=request.hours_per_week,
    )
    verdict = "approved" if approve else "declined"
    said = f" Their note: “{note}”" if note else ""
    notifications.notify(
        person,
        f"Your manager {verdict}: {request.challenge.title}",
        f"{actor.display_name} {verdict} {request.hours_per_week} hours a week on “{request.challenge.title}”."
        f"{said}",
        link=f"/challenges/{request.challenge.slug}",
        commit=False,
    )
    db.session.commit()
    return request


@atomic
def set_approval_cap(organization_id: int, hours_per_week: int, *, actor: User) -> Organization:
    """Change the host organisation's cap; approvals already given stand."""
    if not actor.has_role(Role.ADMIN):
        raise PermissionDenied("Only an administrator sets the approval cap.")
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        raise NotFound("No such organisation.")
    if not organization.is_host:
        raise ValidationFailed("The cap applies to the host organisation's people.", field="hours_per_week")
    problem = capacity.hours_problem(hours_per_week)
    if problem:
        raise ValidationFailed(problem, field="hours_per_week")
    previous = organization.approval_cap_hours_per_week
    organization.approval_cap_hours_per_week = hours_per_week
    audit.record(
        "organization.approval_cap_set", organization, actor=actor, previous=previous, hours=hours_per_week
    )
    db.session.commit()
    return organization


# --- "For you" ------------------------------------------------------------------------------------


def recommendations_for(user: User, *, now=None) -> list[tuple[Challenge, matching.Recommendation]]:
    """Open challenges ranked for ``user`` by the matching core, with its reasons."""

    now = now or utcnow()
    challenges = db.session.scalars(
        select(Challenge)
        .where(Challenge.status == Status.OPEN.value, Challenge.closes_at > now)
        .options(selectinload(Challenge.skills), selectinload(Challenge.preferred_skills))
    ).all()
    entered = dict(
        db.session.execute(
            select(Submission.challenge_id, func.count())
            .where(Submission.contributor_id == user.id, Submission.status == ACTIVE)
            .group_by(Submission.challenge_id)
        ).all()
    )
    contributor = matching.Contributor(
        skill_levels={row.skill.slug: row.level for row in user.skill_levels},
        is_internal=accounts.is_internal(user),
        hours_available_per_week=user.hours_available_per_week,
    )
    openings = [
        matching.Opening(
            challenge_id=challenge.id,
            title=challenge.title,
            eligibility=challenge.eligibility,
            closes_at=challenge.closes_at,
            required_skills=tuple(matching.SkillRef(s.slug, s.name) for s in challenge.skills),
            preferred_skills=tuple(matching.SkillRef(s.slug, s.name) for s in challenge.preferred_skills),
            expected_hours_per_week=challenge.expected_hours_per_week,
            requires_manager_approval=challenge.requires_manager_approval,
            already_entered=entered.get(challenge.id, 0) >= challenge.submissions_per_contributor,
        )
        for challenge in challenges
    ]
    by_id = {challenge.id: challenge for challenge in challenges}
    return [(by_id[r.challenge_id], r) for r in matching.rank(contributor, openings, now)]


# --- org chart import ------------------------------------------------------------------------------


class _CappedReader(io.RawIOBase):
    """A read-through byte stream that refuses to go past ``limit`` bytes."""

    def __init__(self, stream: BinaryIO, limit: int):
        self._stream = stream
        self._limit = limit
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self._stream.read(min(len(buffer), 64 * 1024))
        self.consumed += len(chunk)
        if self.consumed > self._limit:
            raise orgchart.OrgChartFileError(
                f"The file is larger than {self._limit // 1024} KB; split it into smaller files."
            )
        buffer[: len(chunk)] = chunk
        return len(chunk)


def _lines(stream: BinaryIO, limit: int) -> Iterator[str]:
    text = io.TextIOWrapper(io.BufferedReader(_CappedReader(stream, limit)), encoding="utf-8-sig", newline="")
    try:
        yield from text
    except UnicodeDecodeError:
        raise orgchart.OrgChartFileError("The file is not UTF-8 text; save it as CSV UTF-8.") from None


@dataclass
class ImportReport:
    """What an import did, or would have done: counts and every refused line with its reason."""

    applied: bool = False
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    errors: list[orgchart.LineError] = field(default_factory=list)
    valid_rows: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _existing_managers() -> dict[str, str | None]:
    manager = aliased(User)
    rows = db.session.execute(
        select(User.email_key, manager.email_key).outerjoin(manager, manager.id == User.manager_id)
    ).all()
    return {email: manager_email for email, manager_email in rows}


@atomic
def import_org_chart(stream: BinaryIO, actor: User, *, apply_valid_rows: bool = False) -> ImportReport:
    """Bring accounts in line with an org chart CSV: create missing people (with an invitation link),
    set departments and managers. Importing the same file again changes nothing.

    A file with any bad line changes nothing unless ``apply_valid_rows``; then only the good lines
    are applied. A file whose header, encoding or size is wrong is refused outright. Names of
    existing accounts are left as their owners set them.
    """
    if not actor.has_role(Role.ADMIN):
        raise PermissionDenied("Only an administrator imports the org chart.")
    config = current_app.config
    try:
        rows = orgchart.parse(
            _lines(stream, config["ORG_CHART_MAX_BYTES"]), max_rows=config["ORG_CHART_MAX_ROWS"]
        )
        chart = orgchart.check(rows, _existing_managers())
    except orgchart.OrgChartFileError as error:
        raise ValidationFailed(str(error), field="file") from None
    report = ImportReport(errors=list(chart.errors), valid_rows=len(chart.employees))
    if chart.errors and not apply_valid_rows:
        return report
    people: dict[str, User] = {}
    wanted = [employee.email for employee in chart.employees]
    wanted += [e.manager_email for e in chart.employees if e.manager_email]
    for user in db.session.scalars(select(User).where(User.email_key.in_(set(wanted)))):
        people[user.email_key] = user
    created: list[User] = []
    for employee in chart.employees:
        user = people.get(employee.email)
        if user is None:
            user = accounts.new_invited_user(employee.email, employee.name)
            people[employee.email] = user
            created.append(user)
    db.session.flush()
    for employee in chart.employees:
        user = people[employee.email]
        manager = people[employee.manager_email] if employee.manager_email else None
        changes = {}
        if user.department != employee.department:
            changes["department"] = employee.department
            user.department = employee.department
        if user.manager_id != (manager.id if manager else None):
            changes["manager_id"] = manager.id if manager else None
            user.manager_id = manager.id if manager else None
        if user in created:
            report.created.append(employee.email)
            audit.record("user.invited_by_org_chart", user, actor=actor, line=employee.line, **changes)
        elif changes:
            report.updated.append(employee.email)
            audit.record("user.org_chart_updated", user, actor=actor, line=employee.line, **changes)
        else:
            report.unchanged += 1
    report.applied = True
    if not report.changed:
        db.session.rollback()
        return report
    audit.record(
        "org_chart.imported",
        subject_type="org_chart",
        actor=actor,
        created=len(report.created),
        updated=len(report.updated),
        unchanged=report.unchanged,
        refused_lines=[error.line for error in chart.errors],
    )
    for user in created:
        link = accounts.invitation_link(user)
        notifications.notify(
            user,
            "You are invited to Podium",
            f"{actor.display_name} added you to Podium, where you can take on challenges beside your job "
            "with your manager's agreement. Set your password here (the link works once, for 14 days): "
            f"{accounts.public_url(link)}",
            link=link,
            commit=False,
        )
    db.session.commit()
    return report


# --- outcome surveys -------------------------------------------------------------------------------


def participants_of(challenge: Challenge) -> list[User]:
    """Everyone with an entry still in the challenge when results were published."""

    makers = select(Submission.contributor_id).where(
        Submission.challenge_id == challenge.id, Submission.status == ACTIVE
    )
    return list(db.session.scalars(select(User).where(User.id.in_(makers)).order_by(User.id)))


@atomic
def send_outcome_surveys(challenge_id: int) -> int:
    """After results: give each participant a survey and tell them; people already asked are skipped,
    so a retried job never asks twice. Returns how many were sent now."""
    challenge = db.session.get(Challenge, challenge_id)
    if challenge is None:
        raise LookupError(f"challenge {challenge_id} does not exist")
    if challenge.state not in (Status.AWARDED, Status.PAID):
        return 0
    asked = set(
        db.session.scalars(select(OutcomeSurvey.user_id).where(OutcomeSurvey.challenge_id == challenge.id))
    )
    sent = 0
    for person in participants_of(challenge):
        if person.id in asked:
            continue
        survey = OutcomeSurvey(challenge_id=challenge.id, user_id=person.id)
        db.session.add(survey)
        db.session.flush()
        survey_path = f"/surveys/{survey.id}"
        notifications.notify(
            person,
            f"Three questions about {challenge.title}",
            f"Results for “{challenge.title}” are out. Was taking part useful for your career, would you "
            f"do it again, and which skills did you gain? It takes a minute: {accounts.public_url(survey_path)}",
            link=survey_path,
            commit=False,
        )
        sent += 1
    if sent:
        audit.record("outcome_surveys.sent", challenge, sent=sent)
    db.session.commit()
    return sent


def own_survey(survey_id: int, user: User) -> OutcomeSurvey:
    survey = db.session.get(OutcomeSurvey, survey_id)
    if survey is None or survey.user_id != user.id:
        raise NotFound("No such survey for you.")
    return survey


def open_surveys_of(user: User) -> list[OutcomeSurvey]:
    return list(
        db.session.scalars(
            select(OutcomeSurvey)
            .where(OutcomeSurvey.user_id == user.id, OutcomeSurvey.answered_at.is_(None))
            .order_by(OutcomeSurvey.id.desc())
        )
    )


@atomic
def answer_survey(
    survey_id: int, actor: User, *, useful_score: int, would_do_again: bool, skills_gained: list[str]
) -> OutcomeSurvey:
    """Record a participant's answers, once."""
    survey = own_survey(survey_id, actor)
    if survey.answered_at is not None:
        raise Conflict("You already answered this survey; thank you.")
    if useful_score not in range(1, 6):
        raise ValidationFailed("Choose 1 (not at all) to 5 (very useful).", field="useful_score")
    skills = list(dict.fromkeys(name.strip() for name in skills_gained if name.strip()))
    if len(skills) > 10 or any(len(name) > 80 for name in skills):
        raise ValidationFailed("Name up to 10 skills, each under 80 characters.", field="skills_gained")
    survey.useful_score = useful_score
    survey.would_do_again = bool(would_do_again)
    survey.skills_gained = skills
    survey.answered_at = utcnow()
    audit.record("outcome_survey.answered", survey, actor=actor)
    db.session.commit()
    return survey


# --- points leaderboard ----------------------------------------------------------------------------


def leaderboard(quarter: Quarter, *, limit: int = 100) -> list[tuple[User, int]]:
    """Points won in the quarter by people who opted in, most first (then by name)."""
    points = func.sum(LedgerEntry.amount_minor)
    rows = db.session.execute(
        select(User, points)
        .join(LedgerAccount, LedgerAccount.user_id == User.id)
        .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(
            User.shows_on_leaderboard.is_(True),
            LedgerAccount.kind == AccountKind.PAYABLE.value,
            LedgerAccount.currency == POINTS,
            LedgerTransaction.kind == "award",
            LedgerTransaction.created_at >= quarter.starts_at,
            LedgerTransaction.created_at < quarter.ends_at,
            LedgerEntry.amount_minor > 0,
        )
        .group_by(User.id)
        .order_by(points.desc(), User.display_name, User.id)
        .limit(limit)
    ).all()
    return [(user, int(total)) for user, total in rows]
