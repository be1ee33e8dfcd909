"""Scene builders for the page count tests: a few people made through the real services, then the many
rows a page lists added in bulk through the ORM, shaped as the services would leave them.

Bulk rows skip the services on purpose: walking 500 entries through uploads, assignment and aggregation
would take minutes, and the count tests measure reads. What is inserted matches what the services
write (an entry has a finalized version; a judged entry has its assignments and reviews; proposed
results have a row for every entry and a calibration for every judge).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from app.accounts import services as accounts
from app.accounts.models import Organization, User, UserRole
from app.accounts.services import email_key
from app.challenges.models import Challenge, RubricCriterion
from app.core.access import Role
from app.core.timeutil import utcnow
from app.judging.aggregation import JUDGES_DISAGREE
from app.judging.models import (
    ACCEPTED,
    ACTIVE,
    DRAFT,
    SUBMITTED,
    Assignment,
    EntryResult,
    JudgeCalibration,
    PanelMember,
    Review,
)
from app.skills.models import Skill
from app.submissions.models import Submission, SubmissionVersion
from tests.factories import make_challenge

_numbers = itertools.count(1)


@dataclass
class People:
    """The few people a page is asked by: made through the real account service, so they can sign in."""

    org: Organization
    sponsor: User
    admin: User
    judge: User
    contributor: User


def people(make_user: Callable[..., Any]) -> People:
    accounts.create_organization("Host", ["host.example"], is_host=True)
    org = accounts.create_organization("Acme", ["acme.example"], is_sponsor=True)
    return People(
        org=org,
        sponsor=make_user("sam@acme.example", Role.SPONSOR, name="Sam Sponsor"),
        admin=make_user("root@host.example", Role.ADMIN, name="Root Admin"),
        judge=make_user("jo@judges.example", Role.JUDGE, name="Jo Judge"),
        contributor=make_user("cy@outside.example", Role.CONTRIBUTOR, name="Cy Contributor"),
    )


def bulk_users(db: Any, count: int, role: Role, prefix: str) -> list[User]:
    """``count`` people with ``role``, inserted at once (they never sign in: no real password)."""
    users = []
    for _ in range(count):
        number = next(_numbers)
        email = f"{prefix}{number}@bulk.example"
        user = User(
            email=email,
            email_key=email_key(email),
            display_name=f"{prefix.title()} Person {number}",
            password_hash="!unusable",
            email_verified_at=utcnow(),
        )
        user.role_grants = [UserRole(role=role.value)]
        users.append(user)
    db.session.add_all(users)
    db.session.commit()
    return users


def bulk_organizations(db: Any, count: int) -> list[Organization]:
    """``count`` sponsor organisations, so rows that name their sponsor name different ones."""
    made = [Organization(name=f"Sponsor {next(_numbers)}", is_sponsor=True) for _ in range(count)]
    db.session.add_all(made)
    db.session.commit()
    return made


def bulk_challenges(
    db: Any,
    org: Organization | list[Organization],
    count: int,
    *,
    with_skill: bool = False,
    **fields: Any,
) -> list[Challenge]:
    """``count`` challenges of ``org`` (or of each organisation in turn) with two rubric criteria each,
    as make_challenge writes them, and with ``with_skill`` a skill of its own each."""
    now = utcnow()
    orgs = org if isinstance(org, list) else [org]
    status = fields.pop("status", "open")
    made = []
    for index in range(count):
        number = next(_numbers)
        challenge = Challenge(
            slug=f"bulk-challenge-{number}",
            title=f"Bulk challenge {number}",
            summary="A challenge added in bulk.",
            status=status,
            sponsor_org_id=orgs[index % len(orgs)].id,
            eligibility="open",
            currency="EUR",
            bounty_minor=1_000_000,
            tiers_bp=[5000, 3000, 2000],
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=7),
            judging_due_at=now + timedelta(days=14),
            max_file_bytes=50 * 1024 * 1024,
            allowed_types=["application/pdf"],
            **fields,
        )
        challenge.criteria = [
            RubricCriterion(position=0, name="Accuracy", weight=2),
            RubricCriterion(position=1, name="Clarity", weight=1),
        ]
        if with_skill:
            challenge.skills = [Skill(name=f"Skill {number}", slug=f"skill-{number}")]
        made.append(challenge)
    db.session.add_all(made)
    db.session.commit()
    return made


def bulk_entries(db: Any, challenge_ids: list[int], contributor_ids: list[int]) -> list[Submission]:
    """One entry per (challenge, contributor) pair given, each with its finalized version 1."""
    now = utcnow()
    entries = []
    for challenge_id, contributor_id in zip(challenge_ids, contributor_ids, strict=True):
        number = next(_numbers)
        entry = Submission(
            challenge_id=challenge_id,
            contributor_id=contributor_id,
            alias=f"B{number:05d}",
            title=f"Entry title {number}",
            description_md="What it does.",
        )
        entry.versions = [
            SubmissionVersion(
                number=1,
                storage_key=f"submissions/{uuid.uuid4().hex}",
                size_bytes=1024,
                sha256="0" * 64,
                content_type="application/pdf",
                original_filename=f"maker-secret-{number}.pdf",
                upload_started_at=now - timedelta(minutes=5),
                created_at=now - timedelta(minutes=number % 1000),
            )
        ]
        entries.append(entry)
    db.session.add_all(entries)
    db.session.commit()
    return entries


def scores_for(challenge: Challenge, seed: int) -> dict[str, int]:
    return {str(criterion.id): 1 + (seed + index) % 10 for index, criterion in enumerate(challenge.criteria)}


@dataclass
class JudgedChallenge:
    """A challenge whose rows grow: entries from distinct contributors, a panel, assignments, reviews,
    and (from ``results_proposed`` on) a results row per entry and a calibration per judge."""

    db: Any
    challenge: Challenge
    status: str
    judges: list[User] = field(default_factory=list)
    entries: list[Submission] = field(default_factory=list)
    judges_per_entry: int = 3
    panel_grows: bool = True  # False: the judges given review every entry (one judge's queue)

    def grow(self, count: int) -> None:
        """Grow to ``count`` entries (and a panel of ``count // 20 + 3`` judges): the sizes the page shows."""
        db, challenge = self.db, self.challenge
        wanted_judges = count // 20 + 3 if self.panel_grows else 0
        if len(self.judges) < wanted_judges:
            added = bulk_users(db, wanted_judges - len(self.judges), Role.JUDGE, "judge")
            db.session.add_all(
                PanelMember(
                    challenge_id=challenge.id, judge_id=judge.id, status=ACCEPTED, responded_at=utcnow()
                )
                for judge in added
            )
            self.judges += added
        makers = bulk_users(db, count - len(self.entries), Role.CONTRIBUTOR, "maker")
        new = bulk_entries(db, [challenge.id] * len(makers), [maker.id for maker in makers])
        first = len(self.entries)
        self.entries += new
        if self.status in ("open", "closed"):
            return
        self._judge(new, first)
        if self.status in ("judging", "judging_overdue"):
            return
        self._rank()

    def _judge(self, new: list[Submission], first: int) -> None:
        db, challenge = self.db, self.challenge
        assignments = []
        for index, entry in enumerate(new, first):
            for offset in range(self.judges_per_entry):
                judge = self.judges[(index + offset) % len(self.judges)]
                assignments.append(
                    Assignment(
                        challenge_id=challenge.id, judge_id=judge.id, submission_id=entry.id, status=ACTIVE
                    )
                )
        db.session.add_all(assignments)
        db.session.flush()
        judging = self.status in ("judging", "judging_overdue")
        unreviewed = {entry.id for index, entry in enumerate(new, first) if index % 4 == 3}
        reviews = []
        for number, assignment in enumerate(assignments):
            if judging and number % 3 == 2:
                continue  # a third not started while judging
            if self.status == "judging_overdue" and assignment.submission_id in unreviewed:
                continue  # every fourth entry has no review at the deadline
            draft = judging and number % 3 == 1
            reviews.append(
                Review(
                    assignment_id=assignment.id,
                    scores=scores_for(challenge, number),
                    comment_for_sponsor="Solid.",
                    comment_for_contributor="Well argued.",
                    status=DRAFT if draft else SUBMITTED,
                    submitted_at=None if draft else utcnow(),
                )
            )
        db.session.add_all(reviews)
        db.session.commit()

    def _rank(self) -> None:
        """Results as aggregation writes them: replaced whole, ties in pairs sharing a place."""
        db, challenge = self.db, self.challenge
        db.session.execute(EntryResult.__table__.delete().where(EntryResult.challenge_id == challenge.id))
        db.session.execute(
            JudgeCalibration.__table__.delete().where(JudgeCalibration.challenge_id == challenge.id)
        )
        now = utcnow()
        results = []
        for index, entry in enumerate(self.entries):
            group = index // 2 + 1  # every two neighbours tie
            place = 2 * (group - 1) + 1
            score = 9.0 - index * 8.0 / max(len(self.entries), 1)
            results.append(
                EntryResult(
                    challenge_id=challenge.id,
                    submission_id=entry.id,
                    rank=place,
                    place=place,
                    calibrated_score=score,
                    raw_mean=score,
                    p_prize=max(0.0, 1.0 - index / 5),
                    p_first=1.0 if index == 0 else 0.0,
                    sd=0.5,
                    tie_group=group,
                    review_count=self.judges_per_entry,
                    flags=[JUDGES_DISAGREE] if index % 7 == 3 else [],
                    computed_at=now,
                )
            )
        db.session.add_all(results)
        db.session.add_all(
            JudgeCalibration(
                challenge_id=challenge.id,
                judge_id=judge.id,
                leniency=(number % 5) / 5 - 0.4,
                scale=1.0,
                noise=0.5,
                relative_weight=1.0,
                review_count=self.judges_per_entry,
                computed_at=now,
            )
            for number, judge in enumerate(self.judges)
        )
        db.session.commit()


def judged_challenge(
    db: Any, org: Organization, status: str, *, judges: list[User] | None = None, **fields: Any
) -> JudgedChallenge:
    """A challenge of ``org`` in ``status`` whose judging rows grow with ``grow``; dates fit the status.

    With ``judges``, those judges (on the panel, accepted) review every entry and the panel stays as is.
    """
    now = utcnow()
    if status not in ("draft", "funded", "open"):
        fields.setdefault("opens_at", now - timedelta(days=20))
        fields.setdefault("closes_at", now - timedelta(days=10))
        fields.setdefault(
            "judging_due_at", now + timedelta(days=5) if status == "judging" else now - timedelta(days=1)
        )
    judged = JudgedChallenge(db, make_challenge(db, org, status=status, **fields), status)
    if judges:
        db.session.add_all(
            PanelMember(
                challenge_id=judged.challenge.id, judge_id=judge.id, status=ACCEPTED, responded_at=utcnow()
            )
            for judge in judges
        )
        db.session.commit()
        judged.judges, judged.judges_per_entry, judged.panel_grows = list(judges), len(judges), False
    return judged


def bulk_versions(db: Any, entry: Submission, count: int) -> None:
    """Further finalized versions of ``entry`` until it has ``count``."""
    now = utcnow()
    have = len(entry.versions)
    entry.versions += [
        SubmissionVersion(
            number=number,
            storage_key=f"submissions/{uuid.uuid4().hex}",
            size_bytes=2048,
            sha256="1" * 64,
            content_type="application/pdf",
            original_filename=f"version-{number}.pdf",
            upload_started_at=now,
        )
        for number in range(have + 1, count + 1)
    ]
    db.session.commit()


@dataclass
class Queues:
    """A judge's assignments across challenges being judged: ``count`` entries in all, in up to ten
    challenges (one at a small count), so both the challenges and the entries per challenge grow."""

    db: Any
    org: Organization
    judge: User
    challenges: list[JudgedChallenge] = field(default_factory=list)

    def grow(self, count: int) -> None:
        per = max(5, count // 10)
        for index in range(-(-count // per)):
            if index == len(self.challenges):
                self.challenges.append(judged_challenge(self.db, self.org, "judging", judges=[self.judge]))
            judged = self.challenges[index]
            wanted = min(per, count - index * per)
            if len(judged.entries) < wanted:
                judged.grow(wanted)
