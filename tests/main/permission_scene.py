"""The permission matrix's scene: one person per role, the objects every route's address needs, a
signed-in client per role, and a snapshot of the database to go back to after a request changed it.

Built once per test through the real services (tests/scenes.py's scene underneath), so every row in it
is one the product could have made.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.accounts import services as accounts
from app.accounts import tokens
from app.accounts.models import TokenScope
from app.challenges import services as challenges
from app.core.access import Role
from app.core.timeutil import utcnow
from app.extensions import db
from app.judging import assigning, panels
from app.judging.models import Assignment
from app.marketplace import services as marketplace
from app.notifications.models import Notification
from app.payouts import services as payouts
from app.payouts.models import Payout
from app.skills.models import Skill
from app.storage import get_storage
from app.submissions import services as submissions
from app.submissions.models import Submission, SubmissionVersion
from tests.challenges.support import terms_at
from tests.conftest import extract_csrf
from tests.marketplace.support import with_manager
from tests.payouts.support import publish_with_winners

PDF = b"%PDF-1.7\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 40 + b"%%EOF\n"

# The columns of the matrix, in the order the table lists them.
ROLES = (
    "anonymous",
    "contributor_internal",  # Inez: an entry in the judged challenge, reports to the manager
    "contributor_external",  # Alice: the entry every entry-shaped address points at, a prize, a survey
    "other_contributor",  # Bob: his own entry, never Alice's
    "judge_assigned",  # reviews Alice's entry
    "judge_unassigned",  # on the same panel, reviews another entry
    "judge_conflicted",  # on the same panel, declared a conflict with Alice
    "sponsor",  # Acme's sponsor: every challenge in the scene is Acme's
    "rival_sponsor",  # a sponsor of another organisation
    "sponsor_org_member",  # works at Acme without the sponsor role
    "manager",  # Inez's manager, with her approval request waiting
    "admin",
    "token_read",  # the admin's read-only API token, sent without any session
    "token_rw",  # the admin's read-write API token, sent without any session
)
TOKEN_ROLES = ("token_read", "token_rw")


@dataclass
class World:
    """Who plays each role, and the ids and slugs the addresses are built from."""

    users: dict[str, Any]
    open: Any  # open, needs a manager's approval (Inez asked)
    judging: Any  # being judged: Alice, Bob and Inez entered, one judge per entry
    draft: Any
    published: Any  # awarded: Alice first, Bob second, Inez third
    entry: Any  # Alice's entry in the judged challenge
    assignment: Any  # the assigned judge's assignment of Alice's entry
    other_entry: Any  # Bob's entry in the judged challenge
    upload_id: int  # Alice's unfinished upload to the open challenge
    payout: Any  # Inez's payout (sent, in a batch)
    batch_id: int
    survey_id: int  # Alice's outcome survey
    notification_id: int  # one of Alice's notifications
    approval_id: int  # Inez's request to the manager
    invitation_id: int  # the unassigned judge's open invitation to the open challenge's panel
    alice_token_id: int
    skill_id: int
    job_record_id: int
    rq_job_id: str  # the payout job, waiting in its queue
    invitation_path: str  # a new judge's set-your-password link
    download_path: str  # a signed local-storage link to Alice's file
    secrets: dict[str, str] = field(default_factory=dict)  # token role -> the token


def build_world(scene, make_user) -> World:
    """The scene of tests/scenes.py, grown to every role and every state a route needs."""
    now = utcnow()
    sponsor, admin = scene.sponsor, scene.admin
    alice, bob, inez = scene.alice, scene.bob, scene.inez
    accounts.create_organization("Rival", ["rival.example"], is_sponsor=True)
    users = {
        "contributor_internal": inez,
        "contributor_external": alice,
        "other_contributor": bob,
        "sponsor": sponsor,
        "rival_sponsor": make_user("olga@rival.example", Role.SPONSOR, name="Olga Rival"),
        "sponsor_org_member": make_user("carl@acme.example", Role.CONTRIBUTOR, name="Carl Acme"),
        "admin": admin,
    }
    users["manager"] = with_manager(scene, make_user)
    approval = marketplace.request_approval(scene.challenge.id, inez, hours_per_week=4)

    judging = _challenge(sponsor, now, title="Forklift battery planner", judges_per_entry=1)
    judges = [make_user(f"judge-{n}@judges.example", Role.JUDGE, name=f"Judge {n}") for n in "abc"]
    for judge in judges:
        member = panels.invite_judge(judging.id, sponsor, judge.email)
        panels.respond_to_invitation(member.id, judge, accept=True)
    conflicted = judges[2]
    panels.declare_conflict(conflicted, email=alice.email)
    entries = [_entry(judging, maker, index) for index, maker in enumerate((alice, bob, inez))]
    challenges.close_if_due(judging.id, now=judging.closes_at)
    assigning.assign_judges(judging.id)
    challenges.start_judging(judging.id, now=challenges.grace_ends_at(judging))
    assignment = db.session.scalar(select(Assignment).where(Assignment.submission_id == entries[0].id))
    assigned = next(judge for judge in judges if judge.id == assignment.judge_id)
    users["judge_assigned"] = assigned
    users["judge_unassigned"] = next(judge for judge in judges[:2] if judge is not assigned)
    users["judge_conflicted"] = conflicted
    invitation = panels.invite_judge(scene.challenge.id, sponsor, users["judge_unassigned"].email)
    newcomer = panels.invite_judge(scene.challenge.id, sponsor, "newcomer@judges.example").judge

    draft = challenges.create_challenge(sponsor, terms_at(now, title="Secret draft plan"), now=now)

    published = _challenge(sponsor, now, title="Returns desk triage")
    publish_with_winners(published, sponsor, [alice, bob, inez], make_user, judge_prefix="pub-judge")
    payouts.create_payouts(published.id)
    payouts.send_ready_payouts(published.id)
    payout = db.session.scalar(
        select(Payout).where(Payout.challenge_id == published.id, Payout.recipient_id == inez.id)
    )
    assert payout.batch_id is not None, "the internal winner's payout should be sent in a batch"
    marketplace.send_outcome_surveys(published.id)
    survey = marketplace.open_surveys_of(alice)[0]

    ticket = submissions.start_upload(
        scene.challenge.id,
        alice,
        filename="draft.pdf",
        size=len(PDF),
        content_type="application/pdf",
        title="Mine",
    )
    notification = db.session.scalar(
        select(Notification).where(Notification.user_id == alice.id).order_by(Notification.id)
    )
    from app.jobs import JobRecord

    job_record = db.session.scalar(select(JobRecord).order_by(JobRecord.id))
    version = entries[0].versions[0]
    download = get_storage().presign_download(
        version.storage_key, filename="entry.pdf", expires_in=timedelta(hours=1)
    )
    world = World(
        users=users,
        open=scene.challenge,
        judging=judging,
        draft=draft,
        published=published,
        entry=entries[0],
        assignment=assignment,
        other_entry=entries[1],
        upload_id=ticket.upload_id,
        payout=payout,
        batch_id=payout.batch_id,
        survey_id=survey.id,
        notification_id=notification.id,
        approval_id=approval.id,
        invitation_id=invitation.id,
        alice_token_id=tokens.issue_token(alice, "alice's laptop").token.id,
        skill_id=db.session.scalar(select(Skill.id).order_by(Skill.id)),
        job_record_id=job_record.id,
        rq_job_id=job_record.rq_job_id,
        invitation_path=accounts.invitation_link(newcomer),
        download_path=download,
    )
    world.secrets["token_read"] = tokens.issue_token(admin, "read", scope=TokenScope.READ.value).secret
    world.secrets["token_rw"] = tokens.issue_token(admin, "write", scope=TokenScope.READ_WRITE.value).secret
    return world


def _challenge(sponsor, now, **terms: Any):
    challenge = challenges.create_challenge(
        sponsor,
        terms_at(
            now,
            opens_at=now,
            closes_at=now + timedelta(days=7),
            judging_due_at=now + timedelta(days=14),
            **terms,
        ),
        now=now,
    )
    challenges.fund_challenge(challenge.id, sponsor, now=now)
    challenges.open_now(challenge.id, sponsor, now=now)
    return challenge


def _entry(challenge, maker, index: int) -> Submission:
    """An entry with one stored PDF, inserted as tests/payouts/support.py does."""
    key = f"submissions/matrix-{challenge.id}-{index}"
    get_storage().put_stream(key, io.BytesIO(PDF), content_type="application/pdf")
    entry = Submission(
        challenge_id=challenge.id, contributor_id=maker.id, alias=f"M{index}X", title=f"Entry {index}"
    )
    entry.versions.append(
        SubmissionVersion(
            number=1,
            storage_key=key,
            size_bytes=len(PDF),
            sha256="0" * 64,
            content_type="application/pdf",
            original_filename=f"entry-{index}.pdf",
            upload_started_at=utcnow(),
        )
    )
    db.session.add(entry)
    db.session.commit()
    return entry


# --- clients -----------------------------------------------------------------------------------------


@dataclass
class Caller:
    """One role's browser (or API client): its cookies, its CSRF token, and its Bearer token if any."""

    client: FlaskClient
    csrf: str
    bearer: str | None = None
    cookies: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.cookies = dict(self.client._cookies)  # werkzeug's jar has no public copy

    def forget_new_cookies(self) -> None:
        """Back to the session of the scene, after a request that started another (a new password)."""
        self.client._cookies = dict(self.cookies)


def callers(app: Flask, world: World, login) -> dict[str, Caller]:
    """A client per role: people signed in through the login form, the token roles without a session."""
    found = {}
    for role in ROLES:
        if role in world.users:
            browser = login(world.users[role].email)
            csrf = extract_csrf(browser.get("/account").get_data(as_text=True))
        else:
            browser = app.test_client()
            csrf = extract_csrf(browser.get("/login").get_data(as_text=True))
        found[role] = Caller(browser, csrf, world.secrets.get(role))
    return found


# --- going back to the scene ---------------------------------------------------------------------------


class Snapshot:
    """Every table's rows, to put back after a request changed them.

    A digest of each table tells which ones changed; in those, the scene's rows are written back over
    whatever became of them and rows made since are deleted. Sequences keep counting upwards, so a
    row made after a restore never takes an id the scene uses.
    """

    def __init__(self) -> None:
        self.tables = list(db.metadata.sorted_tables)
        db.session.expire_all()
        self.rows = {
            table.name: [dict(row) for row in db.session.execute(select(table)).mappings()]
            for table in self.tables
        }
        self.digests = self._digests()

    def _digests(self) -> dict[str, str]:
        query = " UNION ALL ".join(
            f"SELECT '{table.name}', md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "  # noqa: S608 - our own table names
            f'FROM "{table.name}" t'
            for table in self.tables
        )
        return dict(db.session.execute(text(query)).all())

    def restore(self) -> list[str]:
        """Put back the tables that changed; returns their names."""
        db.session.rollback()
        digests = self._digests()
        changed = [table for table in self.tables if digests[table.name] != self.digests[table.name]]
        # The scene's rows first (parents before children), so nothing points at a newer row any more.
        for table in changed:
            rows = self.rows[table.name]
            if not rows:
                continue
            keys = [column.name for column in table.primary_key.columns]
            upsert = pg_insert(table)
            others = {
                column.name: upsert.excluded[column.name]
                for column in table.columns
                if column.name not in keys
            }
            upsert = (
                upsert.on_conflict_do_update(index_elements=keys, set_=others)
                if others
                else upsert.on_conflict_do_nothing()
            )
            db.session.execute(upsert, rows)
        for table in reversed(changed):
            keys = list(table.primary_key.columns)
            kept = [tuple(row[column.name] for column in keys) for row in self.rows[table.name]]
            newer = delete(table)
            if kept:
                newer = newer.where(tuple_(*keys).not_in(kept))
            db.session.execute(newer)
        db.session.commit()
        db.session.expire_all()
        return [table.name for table in changed]
