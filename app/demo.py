"""Demo data for README command 1: enough people to try every role on first run."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts import services
from app.accounts.models import Role, User
from app.extensions import db

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
    return created
