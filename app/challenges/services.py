"""Challenge services: the only code that creates challenges or moves them through their lifecycle.

Each function checks who is acting and the challenge's current state, changes rows, writes an audit
event and commits once; money moves in the same transaction as the state it pays for. ``now`` is the
server's clock, passed in only so tests can stand at a chosen moment.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import replace
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import jobs
from app.accounts.models import User, UserRole
from app.challenges import hooks, rules
from app.challenges.lifecycle import Action, Status
from app.challenges.models import Challenge, RubricCriterion
from app.challenges.rules import ChallengeTerms, Criterion, Windows
from app.challenges.transitions import check, transition, unless_done
from app.core import audit
from app.core.access import Role
from app.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.core.money import format_money
from app.core.timeutil import utcnow
from app.core.transactions import atomic
from app.extensions import db
from app.ledger import posting as ledger
from app.ledger.models import AccountKind
from app.notifications import services as notifications
from app.skills import services as skills

SCHEDULE_QUEUE = "scheduled"
RESERVED_SLUGS = frozenset({"new"})  # paths of their own under /challenges/
ASSIGN_JOB = "app.judging.jobs:assign_after_close"
AGGREGATE_JOB = "app.judging.jobs:aggregate_when_ready"


# --- loading and permission -----------------------------------------------------------------------


def get_challenge(challenge_id: int) -> Challenge:
    challenge = db.session.get(Challenge, challenge_id)
    if challenge is None:
        raise NotFound("No such challenge.")
    return challenge


def get_by_slug(slug: str, viewer: User | None) -> Challenge:
    """The challenge at ``slug`` as ``viewer`` may know it: a draft they may not see is not found,
    like an address that was never used, so no answer tells them it exists or whose it is."""
    challenge = db.session.scalar(
        select(Challenge).where(Challenge.slug == slug).options(joinedload(Challenge.sponsor_org))
    )
    if challenge is None or not may_view(viewer, challenge):
        raise NotFound("No such challenge.")
    return challenge


def challenges_of(organization_id: int) -> list[Challenge]:
    """A sponsor organisation's challenges, the ones still running first, newest first within."""
    finished = (Status.PAID.value, Status.CANCELLED.value)
    return list(
        db.session.scalars(
            select(Challenge)
            .where(Challenge.sponsor_org_id == organization_id)
            .order_by(Challenge.status.in_(finished), Challenge.created_at.desc())
        )
    )


def lock_challenge(challenge_id: int) -> Challenge:
    """The challenge re-read under a row lock: concurrent actions on it run one after the other."""
    challenge = db.session.scalar(
        select(Challenge)
        .where(Challenge.id == challenge_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if challenge is None:
        raise NotFound("No such challenge.")
    return challenge


def hold_for_entry(challenge_id: int) -> Challenge:
    """The challenge re-read under a shared row lock, for an entry about to be recorded.

    Many entries may be recorded at once, but no state change (which takes ``lock_challenge``) runs
    until they commit: an entry lands either before judging starts, and is assigned with the rest,
    or after, and sees that judging started so it asks for its own judges.
    """
    challenge = db.session.scalar(
        select(Challenge)
        .where(Challenge.id == challenge_id)
        .with_for_update(read=True)
        .execution_options(populate_existing=True)
    )
    if challenge is None:
        raise NotFound("No such challenge.")
    return challenge


def grace_ends_at(challenge: Challenge) -> datetime:
    """Until when uploads started before the deadline may still be finalized; judging starts after."""
    return challenge.closes_at + current_app.config["SUBMISSION_GRACE"]


def can_manage(user: User | None, challenge: Challenge) -> bool:
    """Admins, and sponsors who belong to the challenge's sponsor organisation."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.has_role(Role.ADMIN):
        return True
    return user.has_role(Role.SPONSOR) and user.organization_id == challenge.sponsor_org_id


def may_view(user: User | None, challenge: Challenge) -> bool:
    """Drafts are private to the sponsors of their organisation and to admins; everything else is public."""
    if challenge.status != Status.DRAFT:
        return True
    return can_manage(user, challenge)


def _require_manager(actor: User, challenge: Challenge) -> None:
    if not can_manage(actor, challenge):
        raise PermissionDenied(f"Only members of {challenge.sponsor_org.name} can change this challenge.")


def _windows() -> Windows:
    return Windows(
        submission=current_app.config["CHALLENGE_MIN_SUBMISSION_WINDOW"],
        judging=current_app.config["CHALLENGE_MIN_JUDGING_WINDOW"],
    )


# --- terms ---------------------------------------------------------------------------------------


def terms_of(challenge: Challenge) -> ChallengeTerms:
    """The challenge's current terms, in the shape the rules and forms use."""
    return ChallengeTerms(
        title=challenge.title,
        summary=challenge.summary,
        brief_md=challenge.brief_md,
        rules_md=challenge.rules_md,
        skills=tuple(skill.name for skill in challenge.skills),
        eligibility=challenge.eligibility,
        currency=challenge.currency,
        bounty_minor=challenge.bounty_minor,
        tiers_bp=tuple(challenge.tiers_bp),
        tie_rule=challenge.tie_rule,
        unawarded_rule=challenge.unawarded_rule,
        opens_at=challenge.opens_at,
        closes_at=challenge.closes_at,
        judging_due_at=challenge.judging_due_at,
        max_file_bytes=challenge.max_file_bytes,
        allowed_types=tuple(challenge.allowed_types),
        submissions_per_contributor=challenge.submissions_per_contributor,
        versions_per_submission=challenge.versions_per_submission,
        judges_per_entry=challenge.judges_per_entry,
        criteria=tuple(
            Criterion(c.name, c.guidance, c.weight, c.scale_min, c.scale_max) for c in challenge.criteria
        ),
        requires_manager_approval=challenge.requires_manager_approval,
        expected_hours_per_week=challenge.expected_hours_per_week,
        judges_conflict_with_own_org=challenge.judges_conflict_with_own_org,
        preferred_skills=tuple(skill.name for skill in challenge.preferred_skills),
    )


def _validated(terms: ChallengeTerms, now: datetime) -> ChallengeTerms:
    terms = replace(terms, currency=terms.currency.strip().upper(), title=terms.title.strip())
    found = rules.problems(terms, now=now, windows=_windows())
    if found:
        raise ValidationFailed("Some terms need fixing: " + " ".join(found.values()), errors=found)
    return terms


def _apply(challenge: Challenge, terms: ChallengeTerms) -> None:
    challenge.title = terms.title
    challenge.summary = terms.summary.strip()
    challenge.brief_md = terms.brief_md
    challenge.rules_md = terms.rules_md
    challenge.skills = skills.skills_named(terms.skills)
    challenge.preferred_skills = skills.skills_named(terms.preferred_skills)
    challenge.eligibility = terms.eligibility
    challenge.currency = terms.currency
    challenge.bounty_minor = terms.bounty_minor
    challenge.tiers_bp = list(terms.tiers_bp)
    challenge.tie_rule = terms.tie_rule
    challenge.unawarded_rule = terms.unawarded_rule
    challenge.opens_at = terms.opens_at
    challenge.closes_at = terms.closes_at
    challenge.judging_due_at = terms.judging_due_at
    challenge.max_file_bytes = terms.max_file_bytes
    challenge.allowed_types = list(terms.allowed_types)
    challenge.submissions_per_contributor = terms.submissions_per_contributor
    challenge.versions_per_submission = terms.versions_per_submission
    challenge.judges_per_entry = terms.judges_per_entry
    challenge.requires_manager_approval = terms.requires_manager_approval
    challenge.expected_hours_per_week = (
        terms.expected_hours_per_week if terms.requires_manager_approval else None
    )
    challenge.judges_conflict_with_own_org = terms.judges_conflict_with_own_org
    if terms.criteria != terms_of(challenge).criteria or not challenge.criteria:
        challenge.criteria = [
            RubricCriterion(
                position=position,
                name=criterion.name.strip(),
                guidance=criterion.guidance.strip(),
                weight=criterion.weight,
                scale_min=criterion.scale_min,
                scale_max=criterion.scale_max,
            )
            for position, criterion in enumerate(terms.criteria)
        ]


def _unique_slug(title: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "challenge"
    slug = base
    while slug in RESERVED_SLUGS or db.session.scalar(select(Challenge.id).where(Challenge.slug == slug)):
        slug = f"{base}-{secrets.token_hex(2)}"
    return slug


@atomic
def create_challenge(actor: User, terms: ChallengeTerms, *, now: datetime | None = None) -> Challenge:
    """Post a draft challenge for the actor's sponsor organisation."""
    now = now or utcnow()
    if not actor.has_role(Role.SPONSOR) or actor.organization is None:
        raise PermissionDenied("Only sponsors who belong to an organisation can post challenges.")
    terms = _validated(terms, now)
    challenge = Challenge(
        slug=_unique_slug(terms.title),
        sponsor_org_id=actor.organization_id,
        created_by_id=actor.id,
        status=Status.DRAFT.value,
        status_changed_at=now,
    )
    _apply(challenge, terms)
    db.session.add(challenge)
    db.session.flush()
    audit.record(
        "challenge.created", challenge, actor=actor, bounty_minor=terms.bounty_minor, currency=terms.currency
    )
    db.session.commit()
    return challenge


@atomic
def update_challenge(
    challenge_id: int, actor: User, terms: ChallengeTerms, *, now: datetime | None = None
) -> Challenge:
    """Change a challenge's terms; what contributors rely on stays fixed once it opens."""
    now = now or utcnow()
    challenge = lock_challenge(challenge_id)
    _require_manager(actor, challenge)
    check(challenge, Action.EDIT)
    before = terms_of(challenge)
    changed = rules.changed_fields(before, replace(terms, currency=terms.currency.strip().upper()))
    if not changed:
        return challenge
    fixed = {
        Status.FUNDED: rules.FIXED_AFTER_FUNDING,
        Status.OPEN: rules.FIXED_AFTER_OPENING,
    }.get(challenge.state, ())
    frozen = [name for name in changed if name in fixed]
    if frozen:
        hint = (
            " Extend deadlines or raise the bounty with their own actions."
            if challenge.state is Status.OPEN
            else " Raise the bounty with a top-up; cancel to get the escrow back."
        )
        raise ValidationFailed(
            f"These terms can no longer change: {rules.describe_fields(frozen)}.{hint}", field="title"
        )
    # An open challenge keeps its times, so the submission-window rule is checked against them as set.
    terms = _validated(terms, now if challenge.state is Status.DRAFT else min(now, challenge.opens_at))
    _apply(challenge, terms)
    audit.record("challenge.edited", challenge, actor=actor, fields=changed)
    if challenge.state is Status.FUNDED and {"opens_at", "closes_at"} & set(changed):
        _schedule_opening(challenge, actor)
    db.session.commit()
    return challenge


# --- money ---------------------------------------------------------------------------------------


def _sponsor_account(challenge: Challenge):
    return ledger.account(AccountKind.SPONSOR, challenge.currency, organization_id=challenge.sponsor_org_id)


def escrow_account(challenge: Challenge):
    return ledger.account(AccountKind.ESCROW, challenge.currency, challenge_id=challenge.id)


def escrow_balance(challenge: Challenge) -> int:
    """What the challenge's escrow holds now; reading it creates no account."""
    return ledger.balance_of(AccountKind.ESCROW, challenge.currency, challenge_id=challenge.id)


def _move_to_escrow(challenge: Challenge, amount_minor: int, key: str, kind: str, actor: User) -> None:
    sponsor = _sponsor_account(challenge)
    ledger.lock(sponsor)
    available = ledger.balance(sponsor)
    if amount_minor > available:
        source = "points budget" if challenge.is_points else "balance"
        raise ValidationFailed(
            f"{challenge.sponsor_org.name}'s {source} is {format_money(available, challenge.currency)}; "
            f"{format_money(amount_minor, challenge.currency)} is needed. Ask an administrator to record "
            "a deposit first.",
            field="bounty",
        )
    ledger.post(
        key,
        kind,
        [(sponsor, -amount_minor), (escrow_account(challenge), amount_minor)],
        memo=f"{kind} of {challenge.title}",
        challenge_id=challenge.id,
        actor_id=actor.id,
    )


@atomic
def fund_challenge(challenge_id: int, actor: User, *, now: datetime | None = None) -> Challenge:
    """Move the bounty from the sponsor's balance into escrow; the challenge can then open on time."""
    now = now or utcnow()
    challenge = lock_challenge(challenge_id)
    _require_manager(actor, challenge)
    unless_done(challenge, Action.FUND)
    check(challenge, Action.FUND)
    _move_to_escrow(challenge, challenge.bounty_minor, f"challenge:{challenge.id}:fund", "fund", actor)
    transition(
        challenge,
        Action.FUND,
        actor=actor,
        now=now,
        event="challenge.funded",
        amount_minor=challenge.bounty_minor,
    )
    _schedule_opening(challenge, actor)
    db.session.commit()
    return challenge


@atomic
def raise_bounty(
    challenge_id: int, actor: User, new_bounty_minor: int, *, now: datetime | None = None
) -> Challenge:
    """Top up the bounty: the difference goes into escrow first. A bounty never falls."""
    now = now or utcnow()
    challenge = lock_challenge(challenge_id)
    _require_manager(actor, challenge)
    check(challenge, Action.RAISE_BOUNTY)
    if new_bounty_minor <= challenge.bounty_minor:
        current = format_money(challenge.bounty_minor, challenge.currency)
        raise ValidationFailed(
            f"The new bounty must be more than the current {current}; a bounty never falls.", field="bounty"
        )
    difference = new_bounty_minor - challenge.bounty_minor
    key = f"challenge:{challenge.id}:topup:{new_bounty_minor}"
    _move_to_escrow(challenge, difference, key, "topup", actor)
    previous = challenge.bounty_minor
    challenge.bounty_minor = new_bounty_minor
    audit.record(
        "challenge.bounty_raised", challenge, actor=actor, previous=previous, bounty_minor=new_bounty_minor
    )
    _announce(
        challenge,
        f"Bounty raised: {challenge.title}",
        f"The bounty of {challenge.title} is now {format_money(new_bounty_minor, challenge.currency)}.",
    )
    db.session.commit()
    return challenge


@atomic
def cancel_challenge(
    challenge_id: int, actor: User, reason: str, *, now: datetime | None = None
) -> Challenge:
    """Cancel before awards: every cent in escrow goes back to the sponsor, and people are told."""
    now = now or utcnow()
    reason = (reason or "").strip()
    challenge = lock_challenge(challenge_id)
    _require_manager(actor, challenge)
    unless_done(challenge, Action.CANCEL)
    if not reason:
        raise ValidationFailed(
            "Say why the challenge is cancelled; participants will read it.", field="reason"
        )
    check(challenge, Action.CANCEL)
    escrow = escrow_account(challenge)
    ledger.lock(escrow)
    held = ledger.balance(escrow)
    if held:
        ledger.post(
            f"challenge:{challenge.id}:refund",
            "refund",
            [(escrow, -held), (_sponsor_account(challenge), held)],
            memo=f"refund of {challenge.title}",
            challenge_id=challenge.id,
            actor_id=actor.id,
        )
    transition(
        challenge,
        Action.CANCEL,
        actor=actor,
        now=now,
        event="challenge.cancelled",
        reason=reason,
        refunded_minor=held,
    )
    _announce(
        challenge, f"Cancelled: {challenge.title}", f"{challenge.title} was cancelled. Reason: {reason}"
    )
    db.session.commit()
    return challenge


# --- the clock ------------------------------------------------------------------------------------


@atomic
def extend_deadline(
    challenge_id: int,
    actor: User,
    closes_at: datetime,
    judging_due_at: datetime | None = None,
    *,
    now: datetime | None = None,
) -> Challenge:
    """Give contributors more time; the judging deadline keeps its distance unless one is given."""
    now = now or utcnow()
    challenge = lock_challenge(challenge_id)
    _require_manager(actor, challenge)
    check(challenge, Action.EXTEND_DEADLINE)
    if closes_at.tzinfo is None:
        raise ValidationFailed("The new closing time needs a timezone.", field="closes_at")
    if closes_at <= challenge.closes_at:
        raise ValidationFailed("A deadline can only move later.", field="closes_at")
    if closes_at <= now:
        raise ValidationFailed("The new closing time is already past.", field="closes_at")
    judging_due_at = judging_due_at or closes_at + (challenge.judging_due_at - challenge.closes_at)
    if judging_due_at - closes_at < _windows().judging:
        raise ValidationFailed(
            "Judging must end at least a day after the challenge closes.", field="judging_due_at"
        )
    previous = challenge.closes_at
    challenge.closes_at = closes_at
    challenge.judging_due_at = judging_due_at
    audit.record(
        "challenge.deadline_extended",
        challenge,
        actor=actor,
        previous=previous.isoformat(),
        closes_at=closes_at.isoformat(),
        judging_due_at=judging_due_at.isoformat(),
    )
    _announce(
        challenge,
        f"More time: {challenge.title}",
        f"{challenge.title} now closes at {closes_at:%Y-%m-%d %H:%M} UTC.",
    )
    if challenge.state is Status.OPEN:
        _schedule(challenge, "close_when_due", closes_at, actor)
    db.session.commit()
    return challenge


@atomic
def open_if_due(challenge_id: int, *, now: datetime | None = None) -> bool:
    """Open a funded challenge whose opening time has come; anything else is left as it is.

    Safe to call any number of times (scheduled job, sweep, retry): only the first call opens.
    """
    now = now or utcnow()
    challenge = lock_challenge(challenge_id)
    if challenge.state is not Status.FUNDED or challenge.opens_at > now:
        db.session.rollback()
        return False
    transition(
        challenge,
        Action.OPEN,
        actor=None,
        now=now,
        event="challenge.opened",
        opens_at=challenge.opens_at.isoformat(),
    )
    _schedule(challenge, "close_when_due", challenge.closes_at, None)
    db.session.commit()
    return True


@atomic
def close_if_due(challenge_id: int, *, now: datetime | None = None) -> bool:
    """Close an open challenge whose closing time has passed, by the server's clock; else no-op."""
    now = now or utcnow()
    challenge = lock_challenge(challenge_id)
    if challenge.state is not Status.OPEN or challenge.closes_at > now:
        db.session.rollback()
        return False
    transition(
        challenge,
        Action.CLOSE,
        actor=None,
        now=now,
        event="challenge.closed",
        closes_at=challenge.closes_at.isoformat(),
    )
    _after_close(challenge, None)
    db.session.commit()
    return True


@atomic
def open_now(challenge_id: int, actor: User, *, now: datetime | None = None) -> Challenge:
    """Publish a funded challenge at once instead of waiting for its opening time."""
    now = now or utcnow()
    challenge = lock_challenge(challenge_id)
    _require_manager(actor, challenge)
    unless_done(challenge, Action.OPEN)
    check(challenge, Action.OPEN)
    if challenge.closes_at - now < _windows().submission:
        raise ValidationFailed(
            "Too little time would be left to submit; extend the deadline first.", field="closes_at"
        )
    challenge.opens_at = min(challenge.opens_at, now)
    transition(
        challenge,
        Action.OPEN,
        actor=actor,
        now=now,
        event="challenge.opened",
        opens_at=challenge.opens_at.isoformat(),
        early=True,
    )
    _schedule(challenge, "close_when_due", challenge.closes_at, actor)
    db.session.commit()
    return challenge


@atomic
def close_now(challenge_id: int, actor: User, *, now: datetime | None = None) -> Challenge:
    """Close an open challenge whose deadline has passed, without waiting for the scheduled job.

    Nobody can close a challenge early: contributors were promised its deadline.
    """
    now = now or utcnow()
    challenge = lock_challenge(challenge_id)
    _require_manager(actor, challenge)
    unless_done(challenge, Action.CLOSE)
    check(challenge, Action.CLOSE)
    if challenge.closes_at > now:
        raise ValidationFailed(
            f"It closes at {challenge.closes_at:%Y-%m-%d %H:%M} UTC; deadlines are kept by the server's clock.",
            field="closes_at",
        )
    transition(
        challenge,
        Action.CLOSE,
        actor=actor,
        now=now,
        event="challenge.closed",
        closes_at=challenge.closes_at.isoformat(),
    )
    _after_close(challenge, actor)
    db.session.commit()
    return challenge


@atomic
def start_judging(challenge_id: int, *, actor: User | None = None, now: datetime | None = None) -> Challenge:
    """Mark a closed challenge as being judged, once uploads started before the deadline have had
    their grace window to finish: an entry accepted in it must not miss the judges."""
    now = now or utcnow()
    challenge = lock_challenge(challenge_id)
    if actor is not None:
        _require_manager(actor, challenge)
    unless_done(challenge, Action.START_JUDGING)
    check(challenge, Action.START_JUDGING)
    if now < grace_ends_at(challenge):
        raise Conflict(
            "Uploads started before the deadline may still finish until "
            f"{grace_ends_at(challenge):%Y-%m-%d %H:%M:%S} UTC; judging starts after that."
        )
    transition(challenge, Action.START_JUDGING, actor=actor, now=now, event="challenge.judging_started")
    # At the judging deadline the results are computed from whatever reviews are in.
    schedule_aggregation(challenge, challenge.judging_due_at, actor)
    db.session.commit()
    return challenge


def sweep_due_transitions(*, now: datetime | None = None) -> dict[str, int]:
    """Open and close every challenge whose time has come, repairing any missed scheduled job."""
    now = now or utcnow()
    to_open = db.session.scalars(
        select(Challenge.id).where(Challenge.status == Status.FUNDED.value, Challenge.opens_at <= now)
    ).all()
    to_close = db.session.scalars(
        select(Challenge.id).where(Challenge.status == Status.OPEN.value, Challenge.closes_at <= now)
    ).all()
    opened = sum(open_if_due(challenge_id, now=now) for challenge_id in to_open)
    # A challenge opened just now may also be past its closing time already.
    newly_due = db.session.scalars(
        select(Challenge.id).where(
            Challenge.status == Status.OPEN.value, Challenge.closes_at <= now, Challenge.id.in_(to_open)
        )
    ).all()
    closed = sum(close_if_due(challenge_id, now=now) for challenge_id in [*to_close, *newly_due])
    # Closed challenges whose grace window is over start judging: a lost assignment job is repaired.
    waiting = db.session.scalars(
        select(Challenge).where(Challenge.status == Status.CLOSED.value, Challenge.closes_at <= now)
    ).all()
    to_assign = [
        c for c in waiting if grace_ends_at(c) <= now and not jobs.is_pending(ASSIGN_JOB, c, now=now)
    ]
    for challenge in to_assign:
        jobs.enqueue(ASSIGN_JOB, challenge.id, subject=challenge, commit=False)
    overdue = db.session.scalars(
        select(Challenge).where(Challenge.status == Status.JUDGING.value, Challenge.judging_due_at <= now)
    ).all()
    # One aggregation per challenge at a time: each sweep must not queue another copy of it.
    to_aggregate = [c for c in overdue if not jobs.is_pending(AGGREGATE_JOB, c, now=now)]
    for challenge in to_aggregate:
        jobs.enqueue(AGGREGATE_JOB, challenge.id, subject=challenge, commit=False)
    db.session.commit()
    return {
        "opened": opened,
        "closed": closed,
        "assigning": len(to_assign),
        "judging_due": len(to_aggregate),
    }


# --- scheduling and telling people ------------------------------------------------------------------


def schedule_aggregation(challenge: Challenge, at: datetime, actor: User | None) -> None:
    """Queue the job that proposes results at ``at`` (a new judging deadline), in the caller's
    transaction."""
    _schedule(challenge, AGGREGATE_JOB, at, actor)


def _schedule(challenge: Challenge, job_name: str, at: datetime, actor: User | None) -> None:
    """Queue the job that moves the challenge at ``at``; it runs only once this transaction commits.
    A time already past queues it to run at once (a sweep closing a challenge long after its grace)."""
    jobs.enqueue(
        job_name if ":" in job_name else f"app.challenges.jobs:{job_name}",
        challenge.id,
        queue=SCHEDULE_QUEUE,
        subject=challenge,
        started_by=actor,
        at=at if at > utcnow() else None,
        commit=False,
    )


def _after_close(challenge: Challenge, actor: User | None) -> None:
    """Judges are assigned (and judging starts) by a job once the grace window after closing is over."""
    _schedule(challenge, ASSIGN_JOB, grace_ends_at(challenge), actor)


def schedule_assignment(challenge_id: int) -> None:
    """Queue the assignment job again for the end of the grace window (it came too early)."""
    challenge = get_challenge(challenge_id)
    _schedule(challenge, ASSIGN_JOB, grace_ends_at(challenge), None)
    db.session.commit()


def _schedule_opening(challenge: Challenge, actor: User | None) -> None:
    _schedule(challenge, "open_when_due", challenge.opens_at, actor)


def tell_sponsors(challenge: Challenge, subject: str, body: str, *, link: str | None = None) -> None:
    """Notify the sponsor team's sponsors (in the caller's transaction)."""
    for person in db.session.scalars(select(User).where(User.organization_id == challenge.sponsor_org_id)):
        if person.has_role(Role.SPONSOR):
            notifications.notify(person, subject, body, link=link, commit=False)


def participants(challenge: Challenge) -> list[User]:
    """Who hears about changes to a challenge: its sponsor's team and everyone with an active entry
    (judges join when panels exist). Submissions answer who the entrants are, through a hook."""
    # The team is the organisation's sponsors: other members may not even see the challenge while it is a draft.
    team = (
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.organization_id == challenge.sponsor_org_id, UserRole.role == Role.SPONSOR.value)
    )
    everyone = team.union(*hooks.entrants.answers(challenge))
    return list(db.session.scalars(select(User).where(User.id.in_(everyone)).order_by(User.id)).all())


def _announce(challenge: Challenge, subject: str, body: str) -> None:
    link = f"/challenges/{challenge.slug}"
    for person in participants(challenge):
        notifications.notify(person, subject, body, link=link, commit=False)
