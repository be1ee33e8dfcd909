"""Winner pages: my earnings with each prize's status, payee details, and the points statement."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.accounts import services as accounts
from app.accounts.viewer import viewer_zone
from app.core.access import Role, role_required
from app.core.forms import submit_form
from app.core.money import POINTS
from app.payouts import bp, queries
from app.payouts import services as payout_services
from app.payouts.countries import countries
from app.payouts.forms import METHOD_LABELS, TAX_FORM_LABELS, PayeeDetailsForm
from app.payouts.models import PayoutStatus
from app.payouts.statements import by_quarter


def _asks_for_details(earnings: list[queries.Earning]) -> bool:
    return any(e.payout is not None and e.payout.state is PayoutStatus.AWAITING_DETAILS for e in earnings)


@bp.get("/earnings")
@role_required(Role.CONTRIBUTOR)
def earnings():
    user = current_user._get_current_object()
    rows = queries.earnings_of(user)
    return render_template(
        "payouts/earnings.html",
        earnings=rows,
        asks_for_details=_asks_for_details(rows),
        details=payout_services.payee_details_of(user.id),
        is_internal=accounts.is_internal(user),
        has_cash=any(row.currency != POINTS for row in rows),
        points=queries.points_balance(user.id),
        countries=countries(),
        method_labels=METHOD_LABELS,
    )


@bp.route("/payee", methods=["GET", "POST"])
@role_required(Role.CONTRIBUTOR)
def payee_details():
    user = current_user._get_current_object()
    existing = payout_services.payee_details_of(user.id)
    form = PayeeDetailsForm(obj=existing if request.method == "GET" else None)
    if request.method == "GET":
        form.certified.data = False
    outcome = submit_form(
        form,
        lambda: payout_services.save_payee_details(
            user,
            payout_services.PayeeInput(
                legal_name=form.legal_name.data,
                country=form.country.data,
                payout_method=form.payout_method.data,
                tax_form=form.tax_form.data,
                certified=bool(form.certified.data),
            ),
        ),
    )
    if outcome.done:
        flash("Payee details saved. Prizes that were waiting for them go to finance now.", "success")
        return redirect(url_for("payouts.earnings"))
    return (
        render_template("payouts/payee.html", form=form, existing=existing, tax_form_labels=TAX_FORM_LABELS),
        outcome.status,
    )


@bp.get("/points")
@role_required(Role.CONTRIBUTOR)
def points_statement():
    quarters = by_quarter(queries.points_credits(current_user.id), viewer_zone())
    return render_template(
        "payouts/points_statement.html",
        quarters=list(reversed(quarters)),
        balance=queries.points_balance(current_user.id),
    )
