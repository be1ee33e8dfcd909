"""Panels: who judges a challenge (invitations and answers), and the conflicts judges declare and
contributors name, which assignment treats as hard constraints."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app import jobs
from app.accounts import services as accounts
from app.accounts.models import Organization, User
from app.challenges.lifecycle import Status
from app.challenges.models import Challenge
from app.challenges.services import can_manage, get_challenge
from app.core import audit
from app.core.access import Role
from app.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.core.timeutil import utcnow
from app.core.transactions import atomic
from app.extensions import db
from app.judging import conflicts as conflict_rules
from app.judging.models import (
    ACCEPTED,
    ACTIVE,
    DECLINED,
    INVITED,
    RECUSED,
    RELEASED,
    Assignment,
    DeclaredConflict,
    NamedJudgeConflict,
    PanelMember,
)
from app.notifications import services as notifications
from app.submissions.models import Submission

PANEL_OPEN_STATES = (
    Status.DRAFT,
    Status.FUNDED,
    Status.OPEN,
    Status.CLOSED,
    Status.JUDGING,
    Status.JUDGING_OVERDUE,  # inviting judges is one of the sponsor's ways out
)
# Assigned and not yet published: a judge's entries here are theirs to see (or about to be).
HELD_STATES = (Status.CLOSED, Status.JUDGING, Status.JUDGING_OVERDUE, Status.RESULTS_PROPOSED)


def require_manager(actor: User, challenge: Challenge) -> None:
    if not can_manage(actor, challenge):
        raise PermissionDenied(f"Only members of {challenge.sponsor_org.name} can change this panel.")


def panel_of(challenge_id: int) -> list[PanelMember]:
    return list(
        db.session.scalars(
            select(PanelMember)
            .where(PanelMember.challenge_id == challenge_id)
            .options(selectinload(PanelMember.judge))
            .order_by(PanelMember.id)
        )
    )


def invitations_for(judge: User) -> list[PanelMember]:
    return list(
        db.session.scalars(
            select(PanelMember)
            .where(PanelMember.judge_id == judge.id)
            .options(joinedload(PanelMember.challenge).joinedload(Challenge.sponsor_org))
            .order_by(PanelMember.invited_at.desc())
        )
    )


@atomic
def invite_judge(challenge_id: int, actor: User, email: str, *, name: str = "") -> PanelMember:
    """Invite someone to judge; a person without an account gets one, and a link to set a password."""
    challenge = get_challenge(challenge_id)
    require_manager(actor, challenge)
    if challenge.state not in PANEL_OPEN_STATES:
        raise Conflict("Judges can be invited only until judging ends.")
    email = (email or "").strip()
    if "@" not in email:
        raise ValidationFailed("Enter the judge's e-mail address.", field="email")
    judge = accounts.find_user_by_email(email)
    created = judge is None
    if judge is None:
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
        f"you can set how many you are willing to review. Answer here: {accounts.public_url(link)}",
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
    if accept and get_challenge(member.challenge_id).state is Status.JUDGING:
        # Entries left short of judges (a judge stepped away with nobody free) get the newcomer now,
        # not at the next extension: the sponsor was told that inviting a judge is what helps.
        jobs.enqueue(
            "app.judging.jobs:reassign", member.challenge_id, subject=member, started_by=actor, commit=False
        )
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


def challenges_held_by(judge_id: int) -> list[Challenge]:
    """Challenges past their close on which this judge holds entries: a declaration there waits for
    the replacement run, so that nothing the judge sees changes the moment they declare."""
    return list(
        db.session.scalars(
            select(Challenge)
            .where(
                Challenge.id.in_(
                    select(Assignment.challenge_id).where(
                        Assignment.judge_id == judge_id, Assignment.status == ACTIVE
                    )
                ),
                Challenge.status.in_([state.value for state in HELD_STATES]),
            )
            .order_by(Challenge.id)
        )
    )


def _same_declaration(
    judge_id: int, email_key: str | None, organization: str | None
) -> DeclaredConflict | None:
    return db.session.scalar(
        select(DeclaredConflict).where(
            DeclaredConflict.judge_id == judge_id,
            DeclaredConflict.email_key == email_key
            if email_key is not None
            else DeclaredConflict.organization_name == organization,
        )
    )


@atomic
def declare_conflict(
    actor: User, *, email: str | None = None, organization: str | None = None, now: datetime | None = None
) -> DeclaredConflict:
    """Record a person (by e-mail) or an organisation (by name) this judge must never review.

    Declaring the same one again (or twice at once) answers with the first declaration. While the
    judge holds entries of a challenge being judged, the declaration waits for the replacement run
    (``assigning.apply_declared_conflicts``), which releases the matching entries among decoys.
    """
    now = now or utcnow()
    if not actor.has_role(Role.JUDGE):
        raise PermissionDenied("Only judges declare conflicts.")
    key = accounts.email_key(email) if email and email.strip() else None
    org = organization.strip().lower() if organization and organization.strip() else None
    if (key is None) == (org is None):
        raise ValidationFailed("Name either one person's e-mail or one organisation.", field="email")
    if key is not None and "@" not in key:
        raise ValidationFailed("Enter a full e-mail address.", field="email")
    if org is not None and len(org) > 200:
        raise ValidationFailed("An organisation's name is at most 200 characters.", field="organization")
    if key is not None and len(key) > 320:
        raise ValidationFailed("An e-mail address is at most 320 characters.", field="email")
    judge_id = actor.id
    existing = _same_declaration(judge_id, key, org)
    if existing is not None:
        return existing
    waits = bool(challenges_held_by(judge_id))
    declared = DeclaredConflict(
        judge_id=judge_id,
        email_key=key,
        organization_name=org,
        created_at=now,
        effective_at=None if waits else now,
    )
    db.session.add(declared)
    try:
        db.session.flush()
    except IntegrityError:
        # The same declaration arrived at the same moment from another request: it stands.
        db.session.rollback()
        existing = _same_declaration(judge_id, key, org)
        if existing is None:
            raise
        return existing
    audit.record("conflict.declared", declared, actor=actor, waits_for_replacement_run=waits)
    if waits:
        jobs.enqueue(
            "app.judging.jobs:apply_declared_conflicts",
            judge_id,
            subject=actor,
            started_by=actor,
            commit=False,
        )
    db.session.commit()
    return declared


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
    """A contributor names the panel judges who must not review their entry, until the deadline.

    Sending the same choice twice at once (a double click, two tabs) saves it once."""
    try:
        return _name_conflicted_judges(submission_id, actor, judge_ids, now=now)
    except IntegrityError:
        db.session.rollback()  # the other request added the same names first: apply ours over it
        return _name_conflicted_judges(submission_id, actor, judge_ids, now=now)


def _name_conflicted_judges(
    submission_id: int, actor: User, judge_ids: list[int], *, now: datetime | None = None
) -> set[int]:
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
    db.session.flush()
    audit.record("submission.conflicts_named", submission, actor=actor, judges=len(chosen))
    db.session.commit()
    return chosen


def _person(row: Any) -> conflict_rules.Person:
    return conflict_rules.Person(
        user_id=row.user_id,
        email_key=row.email_key,
        organization_id=row.organization_id,
        organization_name=row.organization_name,
        manager_id=row.manager_id,
    )


def _people(query: Select[Any]) -> Select[Any]:
    """``query`` (which already selects from ``users``) with those people's conflict facts: who they
    are, their organisation and its name, and their manager."""
    return query.add_columns(
        User.id.label("user_id"),
        User.email_key,
        User.organization_id,
        Organization.name.label("organization_name"),
        User.manager_id,
    ).outerjoin(Organization, Organization.id == User.organization_id)


def conflicts_for(
    challenge: Challenge, judges: list[User], entries: list[Submission], *, pending: bool = False
) -> frozenset[tuple[int, int]]:
    """Every forbidden (judge id, submission id) pair for this challenge, by the conflict rules.

    Declarations still waiting for their replacement run count only with ``pending=True`` (the run
    itself): everywhere else they change nothing, so no page or answer singles out a match early.
    """
    return conflicts_among(
        challenge,
        [judge.id for judge in judges],
        Submission.id.in_([entry.id for entry in entries]),
        pending=pending,
    )


@dataclass(frozen=True)
class _ConflictFacts:
    """What the conflict rules read from the database for some judges and entries, as plain rows."""

    judges: list[Any]  # user_id, email_key, organization_id, organization_name, manager_id
    makers: list[Any]  # the same, with entry_id and challenge_id
    emails: dict[int, set[str]]
    organizations: dict[int, set[str]]
    named: frozenset[tuple[int, int]]
    recused: frozenset[tuple[int, int]]


def _conflict_facts(judge_ids: list[int], entries: ColumnElement[bool], *, pending: bool) -> _ConflictFacts:
    """The facts for these judges and the entries a condition on ``submissions`` selects, in five
    set-based statements whatever the numbers."""
    judge_rows = db.session.execute(_people(select().select_from(User)).where(User.id.in_(judge_ids))).all()
    entry_columns: Any = select(Submission.id.label("entry_id"), Submission.challenge_id)
    maker_rows = db.session.execute(
        _people(entry_columns.join(User, User.id == Submission.contributor_id)).where(entries)
    ).all()
    declared_query = select(
        DeclaredConflict.judge_id, DeclaredConflict.email_key, DeclaredConflict.organization_name
    ).where(DeclaredConflict.judge_id.in_(judge_ids))
    if not pending:
        declared_query = declared_query.where(DeclaredConflict.effective_at.is_not(None))
    emails: dict[int, set[str]] = {}
    organizations: dict[int, set[str]] = {}
    for judge_id, email_key, organization_name in db.session.execute(declared_query):
        if email_key:
            emails.setdefault(judge_id, set()).add(email_key)
        if organization_name:
            organizations.setdefault(judge_id, set()).add(organization_name)
    named = db.session.execute(
        select(NamedJudgeConflict.judge_id, NamedJudgeConflict.submission_id)
        .join(Submission, Submission.id == NamedJudgeConflict.submission_id)
        .where(entries)
    ).all()
    recused = db.session.execute(
        select(Assignment.judge_id, Assignment.submission_id)
        .join(Submission, Submission.id == Assignment.submission_id)
        .where(entries, Assignment.status.in_((RECUSED, RELEASED)))
    ).all()
    return _ConflictFacts(
        list(judge_rows),
        list(maker_rows),
        emails,
        organizations,
        frozenset((judge_id, entry_id) for judge_id, entry_id in named),
        frozenset((judge_id, entry_id) for judge_id, entry_id in recused),
    )


def _decide(challenge: Challenge, facts: _ConflictFacts, makers: list[Any]) -> frozenset[tuple[int, int]]:
    """The pure rules over the facts, for ``makers`` (rows of entries of this one challenge)."""
    return conflict_rules.conflicted_pairs(
        [
            conflict_rules.JudgeFacts(
                _person(row),
                frozenset(facts.emails.get(row.user_id, ())),
                frozenset(facts.organizations.get(row.user_id, ())),
            )
            for row in facts.judges
        ],
        [conflict_rules.EntryFacts(row.entry_id, (_person(row),)) for row in makers],
        conflict_rules.ConflictRules(
            same_organization=challenge.judges_conflict_with_own_org,
            named_by_contributors=facts.named,
            recusals=facts.recused,
        ),
    )


def conflicts_among(
    challenge: Challenge, judge_ids: list[int], entries: ColumnElement[bool], *, pending: bool = False
) -> frozenset[tuple[int, int]]:
    """``conflicts_for`` over the entries a condition on ``submissions`` selects (all of a challenge's
    active entries, say): the facts come in five set-based statements whatever the numbers, and the
    decision is the pure ``conflicts.conflicted_pairs``."""
    facts = _conflict_facts(judge_ids, entries, pending=pending)
    return _decide(challenge, facts, facts.makers)


def conflicted_entries(judge: User, entries: list[Submission]) -> set[int]:
    """The ids of those ``entries`` (of any challenges) this judge may never see, read in a fixed
    number of queries however many entries and challenges there are: a judge's queue checks them all."""
    facts = _conflict_facts([judge.id], Submission.id.in_([entry.id for entry in entries]), pending=False)
    challenges = {entry.challenge_id: entry.challenge for entry in entries}
    by_challenge: dict[int, list[Any]] = {}
    for row in facts.makers:
        by_challenge.setdefault(row.challenge_id, []).append(row)
    # The facts hold other judges' named conflicts and recusals too: only this judge's pairs count.
    return {
        entry_id
        for challenge_id, makers in by_challenge.items()
        for judge_id, entry_id in _decide(challenges[challenge_id], facts, makers)
        if judge_id == judge.id
    }


def is_conflicted(judge: User, submission: Submission) -> bool:
    """Whether this judge may never see this entry: checked on every judge-facing request."""
    return (judge.id, submission.id) in conflicts_for(submission.challenge, [judge], [submission])
