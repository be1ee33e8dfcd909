"""Finance pages: deposits and points budgets recorded by admins, balances for sponsors."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.accounts import queries as accounts
from app.accounts.models import Organization
from app.core.access import Role, role_required
from app.core.forms import submit_form
from app.core.money import POINTS, format_money
from app.ledger import bp, queries, services
from app.ledger.forms import DepositForm, PointsForm


def _balances(sponsors: list[Organization]) -> list[tuple[Organization, list[str]]]:
    balances = queries.sponsor_balances([organization.id for organization in sponsors])
    return [
        (
            organization,
            [format_money(amount, currency) for currency, amount in balances[organization.id].items()],
        )
        for organization in sponsors
    ]


def _finance_page(template: str, form, sponsors: list[Organization], status: int):
    return (
        render_template(
            template,
            form=form,
            sponsors=sponsors,
            credits=queries.recent_credits(),
            balances=_balances(sponsors),
        ),
        status,
    )


def _organization_name(sponsors: list[Organization], organization_id: int) -> str:
    return next((org.name for org in sponsors if org.id == organization_id), "the organisation")


@bp.route("/admin/deposits", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_deposits():
    sponsors = accounts.sponsor_organizations()
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
    sponsors = accounts.sponsor_organizations()
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
