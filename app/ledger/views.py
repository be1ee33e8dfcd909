"""Finance pages: deposits and points budgets recorded by admins, balances for sponsors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from app.accounts.models import Organization, User
from app.core.access import Role, role_required
from app.core.forms import submit_form
from app.core.money import POINTS, format_money
from app.extensions import db
from app.ledger import bp, services
from app.ledger.forms import DepositForm, PointsForm
from app.ledger.models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction

CREDIT_KINDS = ("deposit", "points_grant")
RECENT_LIMIT = 50


@dataclass(frozen=True)
class CreditRow:
    """One recorded deposit or points grant, as the finance table shows it."""

    kind: str
    organization: str
    amount: str
    reference: str
    recorded_by: str
    recorded_at: datetime


def _sponsor_organizations() -> list[Organization]:
    return list(
        db.session.scalars(select(Organization).where(Organization.is_sponsor).order_by(Organization.name))
    )


def _recent_credits() -> list[CreditRow]:
    rows = db.session.execute(
        select(
            LedgerTransaction.kind,
            LedgerTransaction.reference,
            LedgerTransaction.created_at,
            LedgerEntry.amount_minor,
            LedgerEntry.currency,
            Organization.name,
            User.display_name,
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .join(Organization, Organization.id == LedgerAccount.organization_id)
        .outerjoin(User, User.id == LedgerTransaction.created_by_id)
        .where(LedgerTransaction.kind.in_(CREDIT_KINDS), LedgerAccount.kind == AccountKind.SPONSOR.value)
        .order_by(LedgerTransaction.created_at.desc(), LedgerTransaction.id.desc())
        .limit(RECENT_LIMIT)
    )
    return [
        CreditRow(
            kind="points grant" if kind == "points_grant" else "deposit",
            organization=organization,
            amount=format_money(amount_minor, currency),
            reference=reference or "",
            recorded_by=recorded_by or "(deleted user)",
            recorded_at=created_at,
        )
        for kind, reference, created_at, amount_minor, currency, organization, recorded_by in rows
    ]


def _balances(sponsors: list[Organization]) -> list[tuple[Organization, list[str]]]:
    return [
        (
            organization,
            [
                format_money(amount, currency)
                for currency, amount in services.organization_balances(organization.id).items()
            ],
        )
        for organization in sponsors
    ]


def _finance_page(template: str, form, sponsors: list[Organization], status: int):
    return (
        render_template(
            template,
            form=form,
            sponsors=sponsors,
            credits=_recent_credits(),
            balances=_balances(sponsors),
        ),
        status,
    )


def _organization_name(sponsors: list[Organization], organization_id: int) -> str:
    return next((org.name for org in sponsors if org.id == organization_id), "the organisation")


@bp.route("/admin/deposits", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_deposits():
    sponsors = _sponsor_organizations()
    form = DepositForm()
    form.organization_id.choices = [SelectChoice(org.id, org.name) for org in sponsors]
    outcome = submit_form(
        form,
        lambda: services.record_deposit(
            form.organization_id.data,
            form.currency.data,
            form.amount_minor,
            form.reference.data,
            actor=current_user._get_current_object(),
        ),
    )
    if outcome.done:
        amount = format_money(form.amount_minor, form.currency.data)
        name = _organization_name(sponsors, form.organization_id.data)
        flash(
            f"Recorded a deposit of {amount} from {name} (reference {outcome.result.reference}).", "success"
        )
        return redirect(url_for("ledger.admin_deposits"))
    return _finance_page("payouts/deposits.html", form, sponsors, outcome.status)


@bp.route("/admin/points", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_points():
    sponsors = _sponsor_organizations()
    form = PointsForm()
    form.organization_id.choices = [SelectChoice(org.id, org.name) for org in sponsors]
    outcome = submit_form(
        form,
        lambda: services.grant_points(
            form.organization_id.data,
            form.amount_minor,
            form.reference.data,
            actor=current_user._get_current_object(),
        ),
    )
    if outcome.done:
        amount = format_money(form.amount_minor, POINTS)
        name = _organization_name(sponsors, form.organization_id.data)
        flash(f"Granted {amount} to {name} (reference {outcome.result.reference}).", "success")
        return redirect(url_for("ledger.admin_points"))
    return _finance_page("payouts/points.html", form, sponsors, outcome.status)
