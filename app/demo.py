"""Demo data for README command 1: people for every role, money, and a challenge at every stage.

Everything goes through the services a person would use, so the demo shows nothing the product
could not produce. Seeding runs once per database; a second run finds the admin and stops.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select

from app.accounts import services
from app.accounts.models import User
from app.challenges import services as challenges
from app.challenges.models import Challenge
from app.challenges.rules import ChallengeTerms, Criterion
from app.core.access import Role
from app.core.timeutil import utcnow
from app.demo_contests import DemoEntry, enter, post_and_open, run_contest
from app.extensions import db
from app.ledger import services as payouts
from app.marketplace import services as marketplace
from app.payouts import services as payout_services

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


# What each contributor says they know, with levels, so "For you" can give its reasons.
DEMO_SKILLS: dict[str, tuple[str, ...]] = {
    f"manager@{HOST_DOMAIN}": ("Training: expert", "Writing"),
    f"ines@{HOST_DOMAIN}": ("Python: expert", "SQL", "Data visualisation: learning"),
    f"ivan@{HOST_DOMAIN}": ("SQL: expert", "Writing: learning"),
    "erin@outside.example": ("Python", "Data visualisation: expert"),
    "eli@outside.example": ("Writing: expert", "Python: learning"),
    "emma@freelance.example": ("Data visualisation", "SQL: learning"),
}
# Internal contributors who opted in to the points leaderboard.
ON_LEADERBOARD = (f"ines@{HOST_DOMAIN}", f"ivan@{HOST_DOMAIN}")

PUBLISHED_CASH_TITLE = "Returns desk triage"
PUBLISHED_POINTS_TITLE = "Shift handover checklist"
JUDGING_TITLE = "Forklift battery planner"
APPROVAL_TITLE = "Slotting query clean-up"


def seed_demo() -> list[tuple[str, str]] | None:
    """Create the demo organisations, people and challenges unless they exist; return who was created."""
    if db.session.scalar(select(User).where(User.email_key == DEMO_PEOPLE[0][0])) is not None:
        return None
    services.create_organization("Podium Host", [HOST_DOMAIN], is_host=True)
    services.create_organization("Acme Sponsor", [SPONSOR_DOMAIN], is_sponsor=True)
    created: list[tuple[str, str]] = []
    for email, name, roles in DEMO_PEOPLE:
        services.register_user(email, name, DEMO_PASSWORD, roles=roles, email_verified=True)
        created.append((email, ", ".join(role.value for role in roles)))
    manager = person(f"manager@{HOST_DOMAIN}")
    for email in (f"ines@{HOST_DOMAIN}", f"ivan@{HOST_DOMAIN}"):
        services.set_manager(person(email), manager)
    _seed_profiles()
    _seed_money_and_challenges()
    return created


def person(email: str) -> User:
    """A demo person by e-mail; every one was registered before anything else is seeded."""
    user = services.find_user_by_email(email)
    if user is None:
        raise LookupError(f"demo person {email} is missing")
    return user


def _seed_profiles() -> None:
    """Skills with levels for every contributor; the internal ones also say how much time they have."""
    for email, skills in DEMO_SKILLS.items():
        user = person(email)
        internal = services.is_internal(user)
        services.update_profile(
            user,
            display_name=user.display_name,
            timezone=user.timezone,
            skills=skills,
            hours_available_per_week=6 if internal else user.hours_available_per_week,
            shows_on_leaderboard=email in ON_LEADERBOARD,
        )
    payout_services.save_payee_details(
        person("erin@outside.example"),
        payout_services.PayeeInput(
            legal_name="Erin Example",
            country="IE",
            payout_method="bank_transfer",
            tax_form="W-8BEN",
            certified=True,
        ),
    )


def _seed_money_and_challenges() -> None:
    """Money for the sponsor, then one challenge at each stage a visitor may want to see."""
    admin = person(DEMO_PEOPLE[0][0])
    sponsor = person(f"sponsor@{SPONSOR_DOMAIN}")
    payouts.record_deposit(sponsor.organization_id, "EUR", 5_000_000, "DEMO-WIRE-0001", actor=admin)
    payouts.grant_points(sponsor.organization_id, 20_000, "DEMO-POINTS-2026", actor=admin)
    now = utcnow()
    warehouse = _open_and_upcoming(sponsor, now)
    enter(
        warehouse,
        DemoEntry(person("emma@freelance.example"), "Heat map of the picking aisles", 0),
        now=now,
    )
    _published_contests(sponsor, now)
    _judging_contest(sponsor, now)
    _approval_challenge(sponsor, now)


DAY = timedelta(days=1)
RUBRIC = (
    Criterion("Insight", "Does the entry show something the team did not know?", 2),
    Criterion("Clarity", "Could a shift lead act on it tomorrow?", 1),
)


def _terms(now: datetime, **changes) -> ChallengeTerms:
    """The demo's usual terms: an open cash challenge, two weeks to enter and two to judge."""
    base = ChallengeTerms(
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
        closes_at=now + 14 * DAY,
        judging_due_at=now + 28 * DAY,
        max_file_bytes=50 * 1024 * 1024,
        allowed_types=("application/pdf", "image/png"),
        submissions_per_contributor=1,
        versions_per_submission=10,
        judges_per_entry=3,
        criteria=RUBRIC,
    )
    return replace(base, **changes)


def _open_and_upcoming(sponsor: User, now: datetime) -> Challenge:
    """An open cash challenge anyone may enter, and an upcoming internal points one."""
    open_now = _terms(now)
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
        opens_at=now + 3 * DAY,
        closes_at=now + 17 * DAY,
        judging_due_at=now + 31 * DAY,
        allowed_types=("application/pdf",),
        requires_manager_approval=True,
        expected_hours_per_week=2,
    )
    guide = challenges.create_challenge(sponsor, upcoming, now=now)
    challenges.fund_challenge(guide.id, sponsor, now=now)
    return warehouse


def _judges() -> list[User]:
    return [person(email) for email, _name, roles in DEMO_PEOPLE if Role.JUDGE in roles]


def _published_contests(sponsor: User, now: datetime) -> None:
    """Two finished contests: cash open to all (payouts, one winner still owes payee details) and
    internal points (the leaderboard and points statements)."""
    run_contest(
        sponsor,
        _terms(
            now,
            title=PUBLISHED_CASH_TITLE,
            summary="Sort returned parcels in half the time: restock, refurbish or recycle.",
            brief_md="## The problem\nThe returns desk sorts **1,200 parcels** a day by hand. Propose a triage.",
            skills=("Python", "SQL"),
            bounty_minor=600_000,
            opens_at=now - 40 * DAY,
            closes_at=now - 26 * DAY,
            judging_due_at=now - 12 * DAY,
        ),
        _judges(),
        [
            DemoEntry(person("erin@outside.example"), "Three-bin returns triage", 9),
            DemoEntry(person(f"ines@{HOST_DOMAIN}"), "Returns rules in SQL", 8),
            DemoEntry(person("eli@outside.example"), "A checklist for the returns desk", 6),
            DemoEntry(person("emma@freelance.example"), "Returns by the numbers", 4),
        ],
        publish=True,
    )
    run_contest(
        sponsor,
        _terms(
            now,
            title=PUBLISHED_POINTS_TITLE,
            summary="One page that tells the next shift what the last one left behind.",
            brief_md="## The problem\nHalf-finished waves are found an hour into the next shift.",
            skills=("Writing",),
            eligibility="internal",
            currency="PTS",
            bounty_minor=3_000,
            tiers_bp=(5000, 3000, 2000),
            allowed_types=("application/pdf",),
            opens_at=now - 30 * DAY,
            closes_at=now - 16 * DAY,
            judging_due_at=now - 2 * DAY,
        ),
        _judges(),
        [
            DemoEntry(person(f"ivan@{HOST_DOMAIN}"), "Handover in five lines", 9),
            DemoEntry(person(f"ines@{HOST_DOMAIN}"), "The handover board", 7),
            DemoEntry(person(f"manager@{HOST_DOMAIN}"), "Handover checklist v2", 5),
        ],
        publish=True,
    )
    survey = marketplace.open_surveys_of(person(f"ines@{HOST_DOMAIN}"))[0]
    marketplace.answer_survey(
        survey.id,
        person(f"ines@{HOST_DOMAIN}"),
        useful_score=4,
        would_do_again=True,
        skills_gained=["Writing"],
    )


def _judging_contest(sponsor: User, now: datetime) -> None:
    """Closed and being judged: two judges are done, Jun Judge still has entries in the queue."""
    judges = _judges()
    run_contest(
        sponsor,
        _terms(
            now,
            title=JUDGING_TITLE,
            summary="Plan battery swaps so no forklift stops mid-wave.",
            brief_md="## The problem\nForklifts run flat at the busiest hour. Plan the swaps.",
            skills=("Python",),
            bounty_minor=400_000,
            opens_at=now - 16 * DAY,
            closes_at=now - 2 * DAY,
            judging_due_at=now + 12 * DAY,
        ),
        judges,
        [
            DemoEntry(person("eli@outside.example"), "Swap before the wave", 7),
            DemoEntry(person("emma@freelance.example"), "Battery swap timetable", 6),
            DemoEntry(person(f"ivan@{HOST_DOMAIN}"), "Charge by the shift plan", 8),
        ],
        late_judges=judges[:1],
        publish=False,
    )


def _approval_challenge(sponsor: User, now: datetime) -> None:
    """An open internal challenge that needs a manager's yes: Ivan has it, Ines is waiting for it."""
    challenge = post_and_open(
        sponsor,
        _terms(
            now,
            title=APPROVAL_TITLE,
            summary="Make the slotting report run in seconds, not minutes.",
            brief_md="## The problem\nThe nightly slotting query takes **40 minutes**. Make it fast.",
            skills=("SQL",),
            preferred_skills=("Python",),
            eligibility="internal",
            currency="PTS",
            bounty_minor=4_000,
            allowed_types=("application/pdf",),
            requires_manager_approval=True,
            expected_hours_per_week=3,
        ),
        (),
    )
    manager = person(f"manager@{HOST_DOMAIN}")
    approved = marketplace.request_approval(
        challenge.id, person(f"ivan@{HOST_DOMAIN}"), hours_per_week=3, note="Quiet weeks ahead for me."
    )
    marketplace.decide_approval(approved.id, manager, approve=True, note="Go for it.")
    marketplace.request_approval(
        challenge.id, person(f"ines@{HOST_DOMAIN}"), hours_per_week=3, note="I wrote half of that query."
    )
