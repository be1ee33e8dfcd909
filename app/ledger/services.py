"""Ledger services an admin or finance team drives: sponsors' deposits, points budgets, and balances."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import Organization, User
from app.core import audit
from app.core.access import Role
from app.core.errors import NotFound, PermissionDenied, ValidationFailed
from app.core.money import MAX_AMOUNT_MINOR, POINTS, MoneyError, normalise_currency
from app.core.transactions import atomic
from app.extensions import db
from app.ledger import posting as ledger
from app.ledger.models import AccountKind, LedgerAccount, LedgerEntry


def _organization(organization_id: int) -> Organization:
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        raise NotFound("No such organisation.")
    return organization


def _require_admin(actor: User) -> None:
    if not actor.has_role(Role.ADMIN):
        raise PermissionDenied("Only an administrator records deposits and points budgets.")


def _clean_reference(reference: str) -> str:
    cleaned = (reference or "").strip()
    if not cleaned:
        raise ValidationFailed("Give the wire, invoice or grant reference.", field="reference")
    if len(cleaned) > 120:
        raise ValidationFailed("Keep the reference under 120 characters.", field="reference")
    return cleaned


def _credit_organization(
    organization: Organization, currency: str, amount_minor: int, reference: str, kind: str, actor: User
):
    if amount_minor <= 0:
        raise ValidationFailed("The amount must be more than zero.", field="amount")
    if amount_minor > MAX_AMOUNT_MINOR:
        raise ValidationFailed("That amount is too large.", field="amount")
    source = ledger.account(AccountKind.EXTERNAL, currency)
    sponsor = ledger.account(AccountKind.SPONSOR, currency, organization_id=organization.id)
    transaction = ledger.post(
        f"{kind}:{organization.id}:{currency}:{reference.lower()}",
        kind,
        [(source, -amount_minor), (sponsor, amount_minor)],
        memo=f"{kind.replace('_', ' ')} for {organization.name}",
        reference=reference,
        actor_id=actor.id,
    )
    audit.record(
        f"ledger.{kind}",
        organization,
        actor=actor,
        currency=currency,
        amount_minor=amount_minor,
        reference=reference,
        transaction_id=transaction.id,
    )
    db.session.commit()
    return transaction


@atomic
def record_deposit(organization_id: int, currency: str, amount_minor: int, reference: str, *, actor: User):
    """Record money a sponsor organisation sent us, as finance confirmed it; once per reference."""
    _require_admin(actor)
    organization = _organization(organization_id)
    try:
        currency = normalise_currency(currency)
    except MoneyError as error:
        raise ValidationFailed(str(error), field="currency") from None
    if currency == POINTS:
        raise ValidationFailed("Points are granted as a budget, not deposited.", field="currency")
    return _credit_organization(
        organization, currency, amount_minor, _clean_reference(reference), "deposit", actor
    )


@atomic
def grant_points(organization_id: int, amount: int, reference: str, *, actor: User):
    """Give an organisation a budget of points to put into points challenges; once per reference."""
    _require_admin(actor)
    organization = _organization(organization_id)
    return _credit_organization(
        organization, POINTS, amount, _clean_reference(reference), "points_grant", actor
    )


def organization_balances(organization_id: int) -> dict[str, int]:
    """What the organisation can still spend, per currency (money in escrow is not included).

    One statement sums every sponsor account's entries, instead of a sum per account."""
    rows = db.session.execute(
        select(LedgerAccount.currency, func.coalesce(func.sum(LedgerEntry.amount_minor), 0))
        .outerjoin(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .where(
            LedgerAccount.kind == AccountKind.SPONSOR.value, LedgerAccount.organization_id == organization_id
        )
        .group_by(LedgerAccount.currency)
        .order_by(LedgerAccount.currency)
    ).all()
    return {currency: int(total) for currency, total in rows}
