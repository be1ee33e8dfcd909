"""Reaching published results through the real services: judges, entries, reviews, aggregation, publication."""

from __future__ import annotations

from datetime import timedelta

from app.awards import publication
from app.challenges import services as challenges
from app.core.access import Role
from app.core.timeutil import utcnow
from app.judging import assigning, panels, reviews
from app.judging import results as judging_results
from app.submissions.models import Submission, SubmissionVersion
from tests.challenges.support import terms_at


def publish_with_winners(
    challenge, sponsor, makers, make_user, *, judge_prefix: str = "judge"
) -> list[Submission]:
    """One entry per maker, ranked in the order given (the first maker wins first place), then published."""
    judges = []
    for index in range(challenge.judges_per_entry):
        judge = make_user(f"{judge_prefix}{index}@judges.example", Role.JUDGE, name=f"Judge Person {index}")
        member = panels.invite_judge(challenge.id, sponsor, judge.email)
        panels.respond_to_invitation(member.id, judge, accept=True)
        judges.append(judge)
    from app.extensions import db

    entries = [
        Submission(
            challenge_id=challenge.id, contributor_id=maker.id, alias=f"E{index}Z", title=f"Entry {index}"
        )
        for index, maker in enumerate(makers)
    ]
    db.session.add_all(entries)
    db.session.commit()
    for index, entry in enumerate(entries):
        db.session.add(
            SubmissionVersion(
                submission=entry,
                number=1,
                storage_key=f"submissions/c{challenge.id}-{index}",
                size_bytes=10,
                sha256="0" * 64,
                content_type="application/pdf",
                original_filename=f"entry-{index}.pdf",
                upload_started_at=utcnow(),
            )
        )
    db.session.commit()
    challenges.close_if_due(challenge.id, now=challenge.closes_at)
    assigning.assign_judges(challenge.id)
    challenges.start_judging(challenge.id, now=challenges.grace_ends_at(challenge))
    quality = {entry.id: 10 - index for index, entry in enumerate(entries)}  # the first entry is the best
    for judge in judges:
        for assignment in reviews.assignments_of(judge):
            value = quality[assignment.submission_id]
            reviews.save_review(
                assignment.id, judge, {str(c.id): value for c in challenge.criteria}, submit=True
            )
    judging_results.aggregate(challenge.id)
    publication.publish_results(challenge.id, sponsor)
    return entries


def points_challenge(org, sponsor, admin, *, bounty: int = 3_000, title: str = "Internal tooling sprint"):
    """An open internal points challenge funded from a points grant."""
    from app.ledger import services as payouts

    payouts.grant_points(org.id, bounty, f"GRANT-{title}", actor=admin)
    now = utcnow()
    terms = terms_at(
        now,
        title=title,
        currency="PTS",
        bounty_minor=bounty,
        eligibility="internal",
        opens_at=now,
        closes_at=now + timedelta(days=7),
        judging_due_at=now + timedelta(days=14),
    )
    challenge = challenges.create_challenge(sponsor, terms, now=now)
    challenges.fund_challenge(challenge.id, sponsor, now=now)
    challenges.open_now(challenge.id, sponsor, now=now)
    return challenge


def confirmation_csv(
    *rows: tuple[str, ...], header=("reference", "bank_reference", "amount", "currency")
) -> list[str]:
    """CSV lines as the import reads them."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().splitlines(keepends=True)
