"""Demo contests played through the real services, backdated with each service's ``now``.

A contest here goes the whole way a real one does (posting, funding, opening, entries streamed to
storage, closing, assignment, reviews, aggregation, publication, payouts), only with the clock set to
the moment each step would have happened, so every page shows what it shows in real life.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.accounts.models import User
from app.awards import publication
from app.challenges import services as challenges
from app.challenges.models import Challenge
from app.challenges.rules import ChallengeTerms
from app.judging import assigning, panels, reviews
from app.judging import results as judging_results
from app.marketplace import services as marketplace
from app.payouts import services as payout_services
from app.submissions import services as submissions

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class DemoEntry:
    """One contributor's entry and the score (on every criterion) each judge gives it."""

    contributor: User
    title: str
    score: int


def demo_pdf(title: str) -> bytes:
    """A small, well-formed one-page PDF naming the entry, so previews and downloads work."""
    text = title.replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def enter(challenge: Challenge, entry: DemoEntry, *, now: datetime) -> None:
    """Submit ``entry`` the way the no-JavaScript form does: streamed to storage, then finalized."""
    content = demo_pdf(entry.title)
    submissions.submit_through_app(
        challenge.id,
        entry.contributor,
        io.BytesIO(content),
        filename=entry.title.lower().replace(" ", "-") + ".pdf",
        size_at_most=len(content),
        content_type="application/pdf",
        title=entry.title,
        description_md=f"A demo entry: {entry.title}.",  # never its maker: judges read it blind
        now=now,
    )


def post_and_open(sponsor: User, terms: ChallengeTerms, judges: Sequence[User]) -> Challenge:
    """Post, fund and open a challenge at its opening time, with ``judges`` on its panel."""
    posted_at = terms.opens_at - HOUR
    challenge = challenges.create_challenge(sponsor, terms, now=posted_at)
    challenges.fund_challenge(challenge.id, sponsor, now=posted_at)
    for judge in judges:
        member = panels.invite_judge(challenge.id, sponsor, judge.email)
        panels.respond_to_invitation(member.id, judge, accept=True)
    challenges.open_if_due(challenge.id, now=terms.opens_at)
    return challenge


def run_contest(
    sponsor: User,
    terms: ChallengeTerms,
    judges: Sequence[User],
    entries: Sequence[DemoEntry],
    *,
    late_judges: Sequence[User] = (),
    publish: bool,
) -> Challenge:
    """Take a challenge whose deadline has passed through entries, closing, assignment and reviews.

    ``late_judges`` leave their reviews unscored, so judging stays open with work in their queue.
    With ``publish`` the results are aggregated and published, and the payout job's two steps run
    at once (the job the publication queued finds nothing left to do).
    """
    challenge = post_and_open(sponsor, terms, judges)
    for index, entry in enumerate(entries):
        enter(challenge, entry, now=terms.opens_at + (index + 1) * HOUR)
    challenges.close_if_due(challenge.id, now=terms.closes_at)
    assigning.assign_judges(challenge.id, now=terms.closes_at)
    challenges.start_judging(challenge.id, now=challenges.grace_ends_at(challenge))
    scores = {_submission_key(entry): entry.score for entry in entries}
    reviewed_at = terms.closes_at + HOUR
    for judge in judges:
        if judge in late_judges:
            continue
        for assignment in reviews.assignments_of(judge):
            submission = assignment.submission
            value = scores[(submission.contributor_id, submission.title)]
            reviews.save_review(
                assignment.id,
                judge,
                {str(criterion.id): value for criterion in challenge.criteria},
                comment_for_contributor=_comment(value),
                submit=True,
                now=reviewed_at,
            )
    if publish:
        judging_results.aggregate(challenge.id, now=reviewed_at + HOUR)
        publication.publish_results(challenge.id, sponsor, now=reviewed_at + 2 * HOUR)
        payout_services.create_payouts(challenge.id)
        payout_services.send_ready_payouts(challenge.id)
        marketplace.send_outcome_surveys(challenge.id)
    return challenges.get_challenge(challenge.id)


def _submission_key(entry: DemoEntry) -> tuple[int, str]:
    return entry.contributor.id, entry.title


def _comment(score: int) -> str:
    if score >= 8:
        return "Clear and convincing; the team could act on this tomorrow."
    if score >= 6:
        return "Useful, though the recommendation needs sharper numbers."
    return "A fair start; show the data behind the conclusion."
