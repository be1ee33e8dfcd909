"""Builders for the count tests: the few objects the services need, then rows inserted in bulk.

Rows are inserted with one ``INSERT ... VALUES`` per table, shaped as the services would leave them,
so a scene grows to 500 rows in well under a second. Each builder adds rows until there are ``n``
and returns the ids it made, so ``grow(5)`` then ``grow(500)`` adds 5 then 495.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, select

from app.extensions import db

_numbers = itertools.count(1)


def unique() -> int:
    """A number no other row of this test run has used (for slugs, e-mails, keys)."""
    return next(_numbers)


def bulk(model: Any, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` of ``model`` in one statement and commit; their ids, in order."""
    if not rows:
        return []
    ids = list(db.session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), rows))
    db.session.commit()
    return ids


def bulk_table(table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows into a plain table (an association table) and commit."""
    if rows:
        db.session.execute(insert(table), list(rows))
        db.session.commit()


def count_of(model: Any, *where: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def more(model: Any, n: int, *where: Any) -> range:
    """The positions of the rows still missing for ``n`` of ``model`` matching ``where``."""
    have = count_of(model, *where)
    return range(have, max(have, n))


# --- people -----------------------------------------------------------------------------------------


def users(n: int, *, domain: str = "crowd.example", **columns: Any) -> list[int]:
    """``n`` confirmed contributors (no password anyone can use), inserted in bulk."""
    from app.accounts.models import User, UserRole
    from app.core.access import Role
    from app.core.timeutil import utcnow

    now = utcnow()
    rows = []
    for _ in range(n):
        number = unique()
        email = f"person{number}@{domain}"
        rows.append(
            {
                "email": email,
                "email_key": email,
                "display_name": f"Person {number}",
                "password_hash": "!",
                "email_verified_at": now,
                **columns,
            }
        )
    ids = bulk(User, rows)
    bulk(UserRole, [{"user_id": user_id, "role": Role.CONTRIBUTOR.value} for user_id in ids])
    return ids


# --- challenges -------------------------------------------------------------------------------------


def skills(names: Iterable[str]) -> list[int]:
    """The ids of these skills, made when missing."""
    from app.skills.models import Skill
    from app.skills.services import skill_slug

    wanted = {skill_slug(name): name for name in names}
    known = dict(db.session.execute(select(Skill.slug, Skill.id).where(Skill.slug.in_(wanted))).all())
    bulk(Skill, [{"name": name, "slug": slug} for slug, name in wanted.items() if slug not in known])
    found = dict(db.session.execute(select(Skill.slug, Skill.id).where(Skill.slug.in_(wanted))).all())
    return [found[slug] for slug in wanted]


def challenges(
    sponsor_org_id: int,
    n: int,
    *,
    status: str = "open",
    skill_names: Sequence[str] = ("Python",),
    criteria: int = 1,
    **columns: Any,
) -> list[int]:
    """Challenges of one sponsor, each with ``skill_names`` as required and preferred skills and
    ``criteria`` rubric criteria, until the organisation has ``n``; the ids of those added."""
    from app.challenges.models import Challenge

    missing = more(Challenge, n, Challenge.sponsor_org_id == sponsor_org_id)
    return challenges_of(
        [(sponsor_org_id, position) for position in missing],
        status=status,
        skill_names=skill_names,
        criteria=criteria,
        **columns,
    )


def challenges_of(
    owners: Sequence[tuple[int, int]],
    *,
    status: str = "open",
    skill_names: Sequence[str] = ("Python",),
    criteria: int = 1,
    **columns: Any,
) -> list[int]:
    """One challenge per (sponsor organisation id, position), the position spreading deadlines and
    bounties; each with skills and criteria as ``challenges`` gives them."""
    from app.challenges.models import Challenge, RubricCriterion
    from app.core.timeutil import utcnow
    from app.skills.models import challenge_preferred_skills, challenge_skills

    now = utcnow()
    rows = []
    for sponsor_org_id, position in owners:
        number = unique()
        rows.append(
            {
                "slug": f"counted-{number}",
                "title": f"Counted challenge {number}",
                "summary": "A challenge made in bulk for a count test.",
                "status": status,
                "sponsor_org_id": sponsor_org_id,
                "currency": "EUR",
                "bounty_minor": 1_000_000 + position,
                "tiers_bp": [5000, 3000, 2000],
                "opens_at": now - timedelta(days=1),
                "closes_at": now + timedelta(days=7, minutes=position),
                "judging_due_at": now + timedelta(days=21),
                "max_file_bytes": 10 * 1024 * 1024,
                "allowed_types": ["application/pdf"],
                **columns,
            }
        )
    ids = bulk(Challenge, rows)
    skill_ids = skills(skill_names)
    pairs = [{"challenge_id": cid, "skill_id": sid} for cid in ids for sid in skill_ids]
    bulk_table(challenge_skills, pairs)
    bulk_table(challenge_preferred_skills, pairs)
    bulk(
        RubricCriterion,
        [
            {"challenge_id": cid, "position": position, "name": f"Criterion {position + 1}", "weight": 1}
            for cid in ids
            for position in range(criteria)
        ],
    )
    return ids


def widen_challenges(challenge_ids: Sequence[int], skill_names: Sequence[str], criteria: int) -> None:
    """Give each challenge more embedded rows: these skills too, and ``criteria`` criteria in all."""
    from app.challenges.models import RubricCriterion
    from app.skills.models import challenge_preferred_skills, challenge_skills

    skill_ids = skills(skill_names)
    for table in (challenge_skills, challenge_preferred_skills):
        have = {tuple(row) for row in db.session.execute(select(table.c.challenge_id, table.c.skill_id))}
        bulk_table(
            table,
            [
                {"challenge_id": cid, "skill_id": sid}
                for cid in challenge_ids
                for sid in skill_ids
                if (cid, sid) not in have
            ],
        )
    counts = dict(
        db.session.execute(
            select(RubricCriterion.challenge_id, func.count())
            .where(RubricCriterion.challenge_id.in_(challenge_ids))
            .group_by(RubricCriterion.challenge_id)
        ).all()
    )
    bulk(
        RubricCriterion,
        [
            {"challenge_id": cid, "position": position, "name": f"Criterion {position + 1}", "weight": 1}
            for cid in challenge_ids
            for position in range(counts.get(cid, 0), criteria)
        ],
    )


# --- submissions ------------------------------------------------------------------------------------


def challenge_ids(sponsor_org_id: int) -> list[int]:
    from app.challenges.models import Challenge

    return list(db.session.scalars(select(Challenge.id).where(Challenge.sponsor_org_id == sponsor_org_id)))


def entries(pairs: Sequence[tuple[int, int]], *, versions: int = 1) -> list[int]:
    """One active submission per (challenge id, contributor id) pair, each with ``versions`` versions."""
    from app.submissions.models import Submission

    rows = []
    for challenge_id, contributor_id in pairs:
        number = unique()
        rows.append(
            {
                "challenge_id": challenge_id,
                "contributor_id": contributor_id,
                "alias": f"C{number:06d}",
                "title": f"Entry {number}",
                "description_md": "",
            }
        )
    ids = bulk(Submission, rows)
    add_versions(ids, versions)
    return ids


def add_versions(submission_ids: Sequence[int], versions: int) -> None:
    """Give each submission ``versions`` finalized versions in all."""
    from app.core.timeutil import utcnow
    from app.submissions.models import SubmissionVersion

    now = utcnow()
    have = dict(
        db.session.execute(
            select(SubmissionVersion.submission_id, func.count())
            .where(SubmissionVersion.submission_id.in_(submission_ids))
            .group_by(SubmissionVersion.submission_id)
        ).all()
    )
    bulk(
        SubmissionVersion,
        [
            {
                "submission_id": sid,
                "number": number,
                "storage_key": f"counted/{sid}/{number}/{unique()}",
                "size_bytes": 1024,
                "sha256": "0" * 64,
                "content_type": "application/pdf",
                "original_filename": "entry.pdf",
                "upload_started_at": now,
            }
            for sid in submission_ids
            for number in range(have.get(sid, 0) + 1, versions + 1)
        ],
    )


# --- the ledger and payouts -------------------------------------------------------------------------


def account(kind: str, currency: str = "EUR", **owner: int) -> int:
    """The ledger account of this kind, currency and owner, made when missing (as posting.account does)."""
    from app.ledger.models import LedgerAccount
    from app.ledger.posting import owner_label

    label = owner_label(owner.get("organization_id"), owner.get("challenge_id"), owner.get("user_id"))
    found = db.session.scalar(
        select(LedgerAccount.id).where(
            LedgerAccount.kind == kind, LedgerAccount.currency == currency, LedgerAccount.owner == label
        )
    )
    if found is not None:
        return found
    return bulk(LedgerAccount, [{"kind": kind, "currency": currency, "owner": label, **owner}])[0]


def award(challenge_id: int, user_ids: Sequence[int], amount_minor: int = 10_000) -> int:
    """An award transaction of one challenge: escrow → each person's payable account; its id."""
    return awards([challenge_id], user_ids, amount_minor)[challenge_id]


def awards(
    challenge_ids: Sequence[int], user_ids: Sequence[int], amount_minor: int = 10_000, currency: str = "EUR"
) -> dict[int, int]:
    """One award transaction per challenge, each crediting every one of ``user_ids`` from the
    challenge's escrow, as publishing results posts it; the transaction id of each challenge."""
    from app.ledger.models import LedgerEntry, LedgerTransaction

    transaction_ids = bulk(
        LedgerTransaction,
        [
            {
                "idempotency_key": f"challenge:{cid}:award:{unique()}",
                "kind": "award",
                "memo": "prizes",
                "challenge_id": cid,
            }
            for cid in challenge_ids
        ],
    )
    payable = {uid: account("payable", currency, user_id=uid) for uid in user_ids}
    escrow = accounts("escrow", "challenge_id", challenge_ids, currency)
    legs = []
    for cid, tid in zip(challenge_ids, transaction_ids, strict=True):
        legs += [
            {"transaction_id": tid, "account_id": payable[uid], "amount_minor": amount_minor}
            for uid in user_ids
        ]
        legs.append(
            {"transaction_id": tid, "account_id": escrow[cid], "amount_minor": -amount_minor * len(user_ids)}
        )
    bulk(LedgerEntry, [{**leg, "currency": currency} for leg in legs])
    return dict(zip(challenge_ids, transaction_ids, strict=True))


def accounts(kind: str, owner_column: str, owner_ids: Sequence[int], currency: str = "EUR") -> dict[int, int]:
    """The ledger accounts of this kind, one per owner (``owner_column`` names the owner's id), made
    when missing."""
    from app.ledger.models import LedgerAccount
    from app.ledger.posting import owner_label

    labels = {}
    for owner_id in owner_ids:
        owner = {owner_column: owner_id}
        labels[owner_id] = owner_label(
            owner.get("organization_id"), owner.get("challenge_id"), owner.get("user_id")
        )

    def known() -> dict[str, int]:
        found = select(LedgerAccount.owner, LedgerAccount.id).where(
            LedgerAccount.kind == kind,
            LedgerAccount.currency == currency,
            LedgerAccount.owner.in_(labels.values()),
        )
        return dict(db.session.execute(found).all())

    have = known()
    bulk(
        LedgerAccount,
        [
            {"kind": kind, "currency": currency, "owner": label, owner_column: owner_id}
            for owner_id, label in labels.items()
            if label not in have
        ],
    )
    have = known()
    return {owner_id: have[label] for owner_id, label in labels.items()}


def payouts(
    challenge_id: int,
    transaction_id: int,
    recipient_ids: Sequence[int],
    *,
    status: str = "pending",
    **columns: Any,
) -> list[int]:
    """One payout per recipient of one challenge's award, as the payout job makes them."""
    return payouts_of([(challenge_id, transaction_id, uid, columns) for uid in recipient_ids], status=status)


def payouts_of(rows: Sequence[tuple[int, int, int, dict[str, Any]]], *, status: str) -> list[int]:
    """Payouts of (challenge id, award transaction id, recipient id, other columns)."""
    from app.payouts.models import Payout

    return bulk(
        Payout,
        [
            {
                "challenge_id": challenge_id,
                "recipient_id": uid,
                "amount_minor": 10_000,
                "currency": "EUR",
                "status": status,
                "idempotency_key": f"challenge:{challenge_id}:payout:user:{uid}",
                "award_transaction_id": transaction_id,
                **columns,
            }
            for challenge_id, transaction_id, uid, columns in rows
        ],
    )


def submission_ids(*, contributor_id: int) -> list[int]:
    from app.submissions.models import Submission

    return list(db.session.scalars(select(Submission.id).where(Submission.contributor_id == contributor_id)))


def alias_of(submission_id: int) -> str:
    from app.submissions.models import Submission

    return db.session.scalar(select(Submission.alias).where(Submission.id == submission_id))


def payee_details(user_ids: Sequence[int]) -> None:
    """Complete payee details for these people, as the payee form saves them."""
    from app.core.timeutil import utcnow
    from app.payouts.models import PayeeDetails

    now = utcnow()
    bulk(
        PayeeDetails,
        [
            {
                "user_id": uid,
                "legal_name": f"Legal name {uid}",
                "country": "DE",
                "payout_method": "bank_transfer",
                "tax_form": "W-8BEN",
                "certified_at": now,
            }
            for uid in user_ids
        ],
    )


def batch(challenge_id: int) -> int:
    """An (empty) finance batch of one challenge; payouts join it through ``payouts(batch_id=...)``."""
    return batches([challenge_id])[0]


def batches(challenge_ids: Sequence[int]) -> list[int]:
    """An (empty) finance batch of each challenge."""
    from app.payouts.models import PayoutBatch

    return bulk(PayoutBatch, [{"provider": "finance_batch", "challenge_id": cid} for cid in challenge_ids])


# --- judging ------------------------------------------------------------------------------------------


def panel(challenge_ids: Sequence[int], judge_ids: Sequence[int], *, status: str = "accepted") -> None:
    """These judges on these challenges' panels, answered ``status``."""
    from app.core.timeutil import utcnow
    from app.judging.models import PanelMember

    now = utcnow()
    bulk(
        PanelMember,
        [
            {"challenge_id": cid, "judge_id": jid, "status": status, "responded_at": now}
            for cid in challenge_ids
            for jid in judge_ids
        ],
    )


def assign(judge_id: int, submission_ids: Sequence[int], *, reviewed_every: int = 2) -> None:
    """The judge assigned to each entry; every ``reviewed_every``-th one with a submitted review."""
    assign_pairs([(judge_id, sid) for sid in submission_ids], reviewed_every=reviewed_every)


def assign_pairs(pairs: Sequence[tuple[int, int]], *, reviewed_every: int = 2) -> None:
    """Active assignments of (judge id, submission id), some with submitted reviews, some drafts."""
    from app.core.timeutil import utcnow
    from app.judging.models import Assignment, Review
    from app.submissions.models import Submission

    if not pairs:
        return
    challenge_of = dict(
        db.session.execute(
            select(Submission.id, Submission.challenge_id).where(Submission.id.in_([sid for _, sid in pairs]))
        ).all()
    )
    ids = bulk(
        Assignment,
        [{"challenge_id": challenge_of[sid], "judge_id": jid, "submission_id": sid} for jid, sid in pairs],
    )
    now = utcnow()
    bulk(
        Review,
        [
            {
                "assignment_id": aid,
                "scores": {},
                "status": "submitted" if index % reviewed_every == 0 else "draft",
                "submitted_at": now if index % reviewed_every == 0 else None,
            }
            for index, aid in enumerate(ids)
            if index % reviewed_every != 1
        ],
    )


def results(
    challenge_id: int, submission_ids: Sequence[int], judge_ids: Sequence[int], *, start: int
) -> None:
    """A ranking of these entries (places from ``start + 1``) and a calibration of these judges."""
    from app.judging.models import EntryResult, JudgeCalibration

    bulk(
        EntryResult,
        [
            {
                "challenge_id": challenge_id,
                "submission_id": sid,
                "rank": start + index + 1,
                "place": start + index + 1,
                "calibrated_score": 7.0,
                "raw_mean": 7.0,
                "p_prize": 0.5,
                "p_first": 0.1,
                "sd": 0.5,
                "tie_group": start + index + 1,
                "review_count": 1,
                "flags": [],
            }
            for index, sid in enumerate(submission_ids)
        ],
    )
    bulk(
        JudgeCalibration,
        [
            {
                "challenge_id": challenge_id,
                "judge_id": jid,
                "leniency": 0.0,
                "scale": 1.0,
                "noise": 0.5,
                "relative_weight": 1.0,
                "review_count": 1,
            }
            for jid in judge_ids
        ],
    )


# --- the marketplace ----------------------------------------------------------------------------------


def user_skills(user_id: int, names: Sequence[str]) -> None:
    """The person lists these skills too (practised)."""
    from app.skills.models import UserSkill

    have = set(db.session.scalars(select(UserSkill.skill_id).where(UserSkill.user_id == user_id)))
    bulk_table(
        UserSkill.__table__,
        [{"user_id": user_id, "skill_id": sid, "level": 2} for sid in skills(names) if sid not in have],
    )


def approval_requests(pairs: Sequence[tuple[int, int]], manager_id: int, *, approved_every: int = 0) -> None:
    """Requests for hours of (challenge id, contributor id) to the manager; every ``approved_every``-th
    approved, the rest waiting."""
    from app.core.timeutil import utcnow
    from app.marketplace.models import ApprovalRequest

    now = utcnow()
    bulk(
        ApprovalRequest,
        [
            {
                "challenge_id": cid,
                "contributor_id": uid,
                "manager_id": manager_id,
                "hours_per_week": 2,
                "status": "approved" if approved_every and index % approved_every == 0 else "pending",
                "decided_at": now if approved_every and index % approved_every == 0 else None,
            }
            for index, (cid, uid) in enumerate(pairs)
        ],
    )


def revoked_tokens(user_id: int, n: int) -> None:
    """Revoked API tokens of the person until they have ``n`` tokens in all."""
    from app.accounts.models import ApiToken
    from app.core.timeutil import utcnow

    now = utcnow()
    bulk(
        ApiToken,
        [
            {
                "user_id": user_id,
                "name": f"Old token {position}",
                "prefix": f"pod_old{unique()}",
                "secret_sha256": "0" * 64,
                "scope": "read",
                "expires_at": now + timedelta(days=30),
                "revoked_at": now,
            }
            for position in more(ApiToken, n, ApiToken.user_id == user_id)
        ],
    )


# --- administration -----------------------------------------------------------------------------------


def organizations(n: int) -> list[int]:
    """Sponsor organisations with a domain each, until there are ``n`` (the host and others count)."""
    from app.accounts.models import Organization, OrganizationDomain

    made = bulk(
        Organization,
        [{"name": f"Organisation {unique()}", "is_sponsor": True} for _ in more(Organization, n)],
    )
    bulk(
        OrganizationDomain,
        [{"organization_id": oid, "domain": f"org{oid}-{unique()}.example"} for oid in made],
    )
    return made


def audit_events(n: int, actor_ids: Sequence[int]) -> None:
    """Audit events by these people (and by the system) until there are ``n``."""
    from app.core.audit import AuditEvent

    bulk(
        AuditEvent,
        [
            {
                "actor_id": actor_ids[position % len(actor_ids)] if position % 4 else None,
                "action": "challenge.funded",
                "subject_type": "challenges",
                "subject_id": str(position),
                "data": {"amount": position},
            }
            for position in more(AuditEvent, n)
        ],
    )


def job_records(n: int, *, status: str = "finished") -> None:
    """Background job records until there are ``n`` of them in ``status``."""
    from app.jobs import JobRecord

    bulk(
        JobRecord,
        [
            {
                "rq_job_id": f"counted-{unique()}",
                "kind": "app.challenges.jobs:close_challenge",
                "queue": "default",
                "args": [position],
                "subject_type": "challenges",
                "subject_id": str(position),
                "status": status,
                "error": "Traceback: it broke" if status == "failed" else None,
            }
            for position in more(JobRecord, n, JobRecord.status == status)
        ],
    )


def storage_check() -> int:
    """A finished run of ``flask storage verify``."""
    from app.core.timeutil import utcnow
    from app.submissions.models import StorageCheck

    return bulk(StorageCheck, [{"finished_at": utcnow()}])[0]


def mismatches(check_id: int, submission_ids: Sequence[int]) -> None:
    """A mismatch found by the check in the latest version of each of these submissions."""
    from app.submissions.models import StorageMismatch, SubmissionVersion

    versions = db.session.execute(
        select(SubmissionVersion.id, SubmissionVersion.storage_key).where(
            SubmissionVersion.submission_id.in_(submission_ids)
        )
    ).all()
    bulk(
        StorageMismatch,
        [
            {
                "check_id": check_id,
                "version_id": vid,
                "storage_key": key,
                "problem": "The stored bytes differ from the ones verified at finalize.",
                "expected_sha256": "0" * 64,
                "found_sha256": "1" * 64,
                "expected_size": 1024,
                "found_size": 1024,
            }
            for vid, key in versions
        ],
    )


def credits(
    organization_ids: Sequence[int], *, kind: str = "deposit", currency: str = "EUR", actor_id: int
) -> None:
    """A deposit (or points grant) to each organisation recorded by ``actor_id``, as finance records
    them: the outside world's account → the sponsor's."""
    from app.ledger.models import LedgerEntry, LedgerTransaction

    transaction_ids = bulk(
        LedgerTransaction,
        [
            {
                "idempotency_key": f"{kind}:{oid}:{currency}:ref-{unique()}",
                "kind": kind,
                "memo": f"{kind} for a sponsor",
                "reference": f"WIRE-{unique()}",
                "created_by_id": actor_id,
            }
            for oid in organization_ids
        ],
    )
    source = account("external", currency)
    sponsors = accounts("sponsor", "organization_id", organization_ids, currency)
    legs = []
    for oid, tid in zip(organization_ids, transaction_ids, strict=True):
        legs.append(
            {"transaction_id": tid, "account_id": source, "amount_minor": -500_000, "currency": currency}
        )
        legs.append(
            {
                "transaction_id": tid,
                "account_id": sponsors[oid],
                "amount_minor": 500_000,
                "currency": currency,
            }
        )
    bulk(LedgerEntry, legs)


def surveys(pairs: Sequence[tuple[int, int]]) -> None:
    """An answered outcome survey of each (challenge id, person id)."""
    from app.core.timeutil import utcnow
    from app.marketplace.models import OutcomeSurvey

    now = utcnow()
    bulk(
        OutcomeSurvey,
        [
            {
                "challenge_id": cid,
                "user_id": uid,
                "answered_at": now,
                "useful_score": 4,
                "would_do_again": True,
                "skills_gained": ["Python"],
            }
            for cid, uid in pairs
        ],
    )


def notifications(user_id: int, n: int) -> None:
    """Inbox messages for the person until they have ``n``, every other one read."""
    from app.core.timeutil import utcnow
    from app.notifications.models import Notification

    now = utcnow()
    bulk(
        Notification,
        [
            {
                "user_id": user_id,
                "subject": f"Message {position}",
                "body": "Something happened.",
                "link": "/inbox/",
                "read_at": now if position % 2 else None,
            }
            for position in more(Notification, n, Notification.user_id == user_id)
        ],
    )
