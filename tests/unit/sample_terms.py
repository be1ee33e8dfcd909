"""One challenge's terms that pass every posting rule, for the unit tests that change one term at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.challenges.rules import ChallengeTerms, Criterion

NOW = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
GOOD = ChallengeTerms(
    title="Faster checkout",
    summary="Halve the time to pay.",
    brief_md="",
    rules_md="",
    skills=(),
    eligibility="open",
    currency="EUR",
    bounty_minor=500_000,
    tiers_bp=(5000, 3000, 2000),
    tie_rule="share",
    unawarded_rule="return",
    opens_at=NOW + DAY,
    closes_at=NOW + 8 * DAY,
    judging_due_at=NOW + 15 * DAY,
    max_file_bytes=10 * 1024 * 1024,
    allowed_types=("application/pdf",),
    submissions_per_contributor=1,
    versions_per_submission=5,
    judges_per_entry=3,
    criteria=(Criterion("Speed"),),
)
