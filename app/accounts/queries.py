"""Read-only views of people and organisations for the admin pages and the homes.

Nothing here changes state; searches take the text as the page checked it.
"""

from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.models import Organization, User, UserRole
from app.extensions import db


def user_count() -> int:
    return db.session.execute(select(func.count()).select_from(User)).scalar_one()


def has_reports(user_id: int) -> bool:
    """Whether anyone names this person as their manager (the navigation then links to approvals)."""
    return bool(db.session.scalar(select(exists().where(User.manager_id == user_id))))


def organization_count() -> int:
    return db.session.execute(select(func.count()).select_from(Organization)).scalar_one()


def user_page(search: str, role: str | None, *, page: int, per_page: int) -> Pagination:
    """People by name whose e-mail or name contains ``search`` (any, when empty), with ``role`` if given.

    ``%`` and ``_`` in the search are dropped rather than matched as wildcards. A page past the
    last is empty, not an error.
    """
    query = select(User).options(selectinload(User.organization)).order_by(User.display_name, User.id)
    if search:
        pattern = f"%{search.lower().replace('%', '').replace('_', '')}%"
        query = query.where(or_(User.email_key.like(pattern), func.lower(User.display_name).like(pattern)))
    if role:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def organizations_by_name() -> list[Organization]:
    """Every organisation by name, with its e-mail domains loaded (both admin lists show them).

    Joined, not select-in: select-in loading asks once per 500 parents, so the count would grow."""
    return list(
        db.session.scalars(
            select(Organization).options(joinedload(Organization.domains)).order_by(Organization.name)
        ).unique()
    )


def sponsor_organizations() -> list[Organization]:
    """Organisations that sponsor challenges, by name: whom finance records deposits and points for."""
    return list(
        db.session.scalars(select(Organization).where(Organization.is_sponsor).order_by(Organization.name))
    )


def member_counts() -> dict[int | None, int]:
    """How many people belong to each organisation (None: people in none)."""
    return dict(
        db.session.execute(select(User.organization_id, func.count()).group_by(User.organization_id)).all()
    )


def organization_by_id(organization_id: int) -> Organization | None:
    """The organisation with its e-mail domains, which its page lists."""
    return db.session.get(Organization, organization_id, options=[selectinload(Organization.domains)])


def members_of(organization_id: int) -> list[User]:
    """The organisation's members by name, with their roles."""
    return list(
        db.session.scalars(
            select(User).where(User.organization_id == organization_id).order_by(User.display_name, User.id)
        )
    )


def user_by_id(user_id: int) -> User | None:
    """The person with their organisation, which their admin page names."""
    return db.session.get(User, user_id, options=[joinedload(User.organization)])
