"""Payout-domain services that an admin or finance team drives: deposits and points budgets."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from app import audit
from app.accounts.models import Organization, Role, User
from app.errors import NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.payouts import ledger
from app.payouts.models import AccountKind, LedgerAccount
from app.payouts.money import MAX_AMOUNT_MINOR, POINTS, MoneyError, normalise_currency
from app.transactions import atomic


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
    """What the organisation can still spend, per currency (money in escrow is not included)."""
    accounts = db.session.scalars(
        select(LedgerAccount).where(
            LedgerAccount.kind == AccountKind.SPONSOR.value, LedgerAccount.organization_id == organization_id
        )
    ).all()
    return {
        account.currency: ledger.balance(account) for account in sorted(accounts, key=lambda a: a.currency)
    }


def entry_shares(submission) -> dict[int, int]:
    """Who shares an entry's prize, and in what proportion: user id → share.

    Entries have one maker until teams exist; a team model answers here with its members' declared
    shares, and the award splits each prize among them exactly (``split_shares``).
    """
    return {submission.contributor_id: 1}


def award_prizes(challenge, groups: list[list[int]], *, order_hint: dict[int, int], actor: User):
    """Move the bounty from escrow to each winner's payable account in one transaction.

    ``groups`` is the published ranking as tie groups of submission ids, best first. The split is
    the pure core's; money for places nobody won goes back to the sponsor or to the winners, as
    the challenge stated at posting. The caller commits.
    """
    from app.payouts.splitting import split, split_shares
    from app.submissions.models import Submission

    escrow = ledger.account(AccountKind.ESCROW, challenge.currency, challenge_id=challenge.id)
    ledger.lock(escrow)
    held = ledger.balance(escrow)
    result = split(
        held, challenge.tiers_bp, groups, unawarded=challenge.unawarded_rule, order_hint=order_hint
    )
    legs: list[ledger.Leg] = []
    entries = {
        submission.id: submission
        for submission in db.session.scalars(
            select(Submission).where(Submission.id.in_(list(result.amounts)))
        )
    }
    # Each entry's prize is split among its members by their shares, then summed per person, so one
    # person gets one leg (and later one payout) per challenge however many entries they won with.
    per_person: dict[int, int] = defaultdict(int)
    for submission_id, amount in sorted(result.amounts.items()):
        for member_id, share in split_shares(amount, entry_shares(entries[submission_id])).items():
            per_person[member_id] += share
    for user_id, amount in sorted(per_person.items()):
        if amount:
            payable = ledger.account(AccountKind.PAYABLE, challenge.currency, user_id=user_id)
            legs.append((payable, amount))
    if result.returned:
        sponsor = ledger.account(
            AccountKind.SPONSOR, challenge.currency, organization_id=challenge.sponsor_org_id
        )
        legs.append((sponsor, result.returned))
    paid_out_of_escrow = sum(amount for _, amount in legs)
    if paid_out_of_escrow:
        legs.append((escrow, -paid_out_of_escrow))
        ledger.post(
            f"challenge:{challenge.id}:award",
            "award",
            legs,
            memo=f"prizes of {challenge.title}",
            challenge_id=challenge.id,
            actor_id=actor.id,
        )
    return result
