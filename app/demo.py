"""Demo data for README command 1: people for every role, money, and challenges to look at."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from app.accounts import services
from app.accounts.models import Role, User
from app.challenges import services as challenges
from app.challenges.rules import ChallengeTerms, Criterion
from app.extensions import db
from app.payouts import services as payouts
from app.timeutil import utcnow

DEMO_PASSWORD = "podium-demo-1"  # noqa: S105 - printed to the person running the demo, on purpose
HOST_DOMAIN = "podium-host.example"
SPONSOR_DOMAIN = "acme-sponsor.example"

# (e-mail, display name, roles)
DEMO_PEOPLE: tuple[tuple[str, str, tuple[Role, ...]], ...] = (
    (f"admin@{HOST_DOMAIN}", "Ada Admin", (Role.ADMIN,)),
    (f"sponsor@{SPONSOR_DOMAIN}", "Sam Sponsor", (Role.SPONSOR,)),
    (f"judge1@{HOST_DOMAIN}", "Jun Judge", (Role.JUDGE,)),
    ("judge2@judges.example", "Jess Judge", (Role.JUDGE,)),
    ("judge3@judges.example", "Jo Judge", (Role.JUDGE,)),
    (f"manager@{HOST_DOMAIN}", "Mina Manager", (Role.CONTRIBUTOR,)),
    (f"ines@{HOST_DOMAIN}", "Ines Internal", (Role.CONTRIBUTOR,)),
    (f"ivan@{HOST_DOMAIN}", "Ivan Internal", (Role.CONTRIBUTOR,)),
    ("erin@outside.example", "Erin External", (Role.CONTRIBUTOR,)),
    ("eli@outside.example", "Eli External", (Role.CONTRIBUTOR,)),
    ("emma@freelance.example", "Emma External", (Role.CONTRIBUTOR,)),
)


def seed_demo() -> list[tuple[str, str]] | None:
    """Create the demo organisations and people unless they exist; return who was created."""
    if db.session.scalar(select(User).where(User.email_key == DEMO_PEOPLE[0][0])) is not None:
        return None
    services.create_organization("Podium Host", [HOST_DOMAIN], is_host=True)
    services.create_organization("Acme Sponsor", [SPONSOR_DOMAIN], is_sponsor=True)
    created: list[tuple[str, str]] = []
    for email, name, roles in DEMO_PEOPLE:
        services.register_user(email, name, DEMO_PASSWORD, roles=roles)
        created.append((email, ", ".join(role.value for role in roles)))
    manager = services.find_user_by_email(f"manager@{HOST_DOMAIN}")
    for email in (f"ines@{HOST_DOMAIN}", f"ivan@{HOST_DOMAIN}"):
        services.set_manager(services.find_user_by_email(email), manager)
    _seed_money_and_challenges()
    return created


def _seed_money_and_challenges() -> None:
    """A funded sponsor with one open cash challenge and one upcoming points challenge."""
    admin = services.find_user_by_email(DEMO_PEOPLE[0][0])
    sponsor = services.find_user_by_email(f"sponsor@{SPONSOR_DOMAIN}")
    payouts.record_deposit(sponsor.organization_id, "EUR", 5_000_000, "DEMO-WIRE-0001", actor=admin)
    payouts.grant_points(sponsor.organization_id, 20_000, "DEMO-POINTS-2026", actor=admin)
    now = utcnow()
    day = timedelta(days=1)
    rubric = (
        Criterion("Insight", "Does the entry show something the team did not know?", 2),
        Criterion("Clarity", "Could a shift lead act on it tomorrow?", 1),
    )
    open_now = ChallengeTerms(
        title="Warehouse heat map",
        summary="Show where pickers walk most, so we can move the fast sellers closer.",
        brief_md="## The problem\nPickers walk **11 km** a shift. Use the sample scan log to show where.",
        rules_md="- One entry per person\n- PDF or PNG\n- Original work only",
        skills=("Python", "Data visualisation"),
        eligibility="open",
        currency="EUR",
        bounty_minor=1_000_000,
        tiers_bp=(5000, 3000, 2000),
        tie_rule="share",
        unawarded_rule="return",
        opens_at=now,
        closes_at=now + 14 * day,
        judging_due_at=now + 28 * day,
        max_file_bytes=50 * 1024 * 1024,
        allowed_types=("application/pdf", "image/png"),
        submissions_per_contributor=1,
        versions_per_submission=10,
        judges_per_entry=3,
        criteria=rubric,
    )
    warehouse = challenges.create_challenge(sponsor, open_now, now=now)
    challenges.fund_challenge(warehouse.id, sponsor, now=now)
    challenges.open_if_due(warehouse.id, now=now)
    upcoming = replace(
        open_now,
        title="Onboarding guide for new pickers",
        summary="Write the one-page guide you wish you had on day one.",
        skills=("Writing", "Training"),
        eligibility="internal",
        currency="PTS",
        bounty_minor=5_000,
        tiers_bp=(4000, 2500, 1500, 1200, 800),
        opens_at=now + 3 * day,
        closes_at=now + 17 * day,
        judging_due_at=now + 31 * day,
        allowed_types=("application/pdf",),
        requires_manager_approval=True,
        expected_hours_per_week=2,
    )
    guide = challenges.create_challenge(sponsor, upcoming, now=now)
    challenges.fund_challenge(guide.id, sponsor, now=now)
