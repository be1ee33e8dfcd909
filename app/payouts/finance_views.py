"""Finance pages: payouts to confirm, batches to download, confirmation files, the ledger's health."""

from __future__ import annotations

import io

from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user

from app.core.access import Role, role_required
from app.core.errors import AlreadyDone
from app.core.forms import attach_error, submit_form
from app.core.money import format_money, format_plain
from app.payouts import bp, queries
from app.payouts import services as payout_services
from app.payouts.batch_csv import batch_filename
from app.payouts.forms import ActionForm, ConfirmationsForm, MarkFailedForm, MarkPaidForm
from app.payouts.models import PayoutStatus
from app.payouts.verification import verify_ledger


def _actor():
    return current_user._get_current_object()


@bp.get("/admin/payouts")
@role_required(Role.ADMIN)
def admin_payouts():
    return render_template(
        "payouts/admin_payouts.html",
        sent=queries.payouts_in((PayoutStatus.SENT,)),
        failed=queries.payouts_in((PayoutStatus.FAILED,)),
        waiting=queries.payouts_in((PayoutStatus.AWAITING_DETAILS, PayoutStatus.PENDING)),
        paid=queries.recently_paid(),
    )


def _render_payout(payout, status: int = 200, **forms):
    if "paid_form" not in forms:
        paid_form = MarkPaidForm(prefix="paid")
        paid_form.amount.data = format_plain(payout.amount_minor, payout.currency)
        paid_form.currency.data = payout.currency
        forms["paid_form"] = paid_form
    forms.setdefault("failed_form", MarkFailedForm(prefix="failed"))
    forms.setdefault("resend_form", ActionForm(prefix="resend"))
    return render_template("payouts/admin_payout.html", payout=payout, **forms), status


@bp.get("/admin/payouts/<int:payout_id>")
@role_required(Role.ADMIN)
def admin_payout(payout_id: int):
    return _render_payout(payout_services.get_payout(payout_id))


def _act(payout_id: int, form, form_name: str, action, success: str):
    try:
        outcome = submit_form(form, action)
    except AlreadyDone as done:  # a success: it already held, nothing was written twice
        flash(done.message, "info")
        return redirect(url_for("payouts.admin_payout", payout_id=payout_id))
    if outcome.done:
        flash(success, "success")
        return redirect(url_for("payouts.admin_payout", payout_id=payout_id))
    # A refused action was rolled back (the payout services are atomic), which expired what the
    # session held, so the payout is read afresh; an invalid form changed nothing.
    return _render_payout(payout_services.get_payout(payout_id), outcome.status, **{form_name: form})


@bp.post("/admin/payouts/<int:payout_id>/paid")
@role_required(Role.ADMIN)
def mark_paid(payout_id: int):
    form = MarkPaidForm(prefix="paid")
    return _act(
        payout_id,
        form,
        "paid_form",
        lambda: payout_services.mark_paid(
            payout_id, form.bank_reference.data, form.amount_minor, form.currency.data, actor=_actor()
        ),
        "Marked paid; the money left the winner's payable account and the winner was told.",
    )


@bp.post("/admin/payouts/<int:payout_id>/failed")
@role_required(Role.ADMIN)
def mark_failed(payout_id: int):
    form = MarkFailedForm(prefix="failed")
    return _act(
        payout_id,
        form,
        "failed_form",
        lambda: payout_services.mark_failed(payout_id, form.reason.data, actor=_actor()),
        "Marked failed; the winner was told. Send it again once the details are fixed.",
    )


@bp.post("/admin/payouts/<int:payout_id>/resend")
@role_required(Role.ADMIN)
def resend(payout_id: int):
    form = ActionForm(prefix="resend")
    return _act(
        payout_id,
        form,
        "resend_form",
        lambda: payout_services.resend_payout(payout_id, actor=_actor()),
        "The payout goes into a new batch as soon as it can be sent.",
    )


@bp.get("/admin/batches")
@role_required(Role.ADMIN)
def batches():
    return render_template("payouts/batches.html", batches=queries.batches(), format_money=format_money)


@bp.get("/admin/batches/<int:batch_id>.csv")
@role_required(Role.ADMIN)
def batch_download(batch_id: int):
    return Response(
        queries.batch_file(batch_id),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{batch_filename(batch_id)}"'},
    )


@bp.route("/admin/confirmations", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def confirmations():
    form = ConfirmationsForm()
    report: list[payout_services.ReportRow] = []
    status = 200
    if form.validate_on_submit():
        lines = io.TextIOWrapper(form.file.data.stream, encoding="utf-8-sig", newline="")
        try:
            report = payout_services.import_confirmations(lines, actor=_actor())
        except payout_services.ConfirmationsRejected as rejected:
            attach_error(form, rejected)
            report, status = rejected.report, rejected.status
        else:
            flash(f"Applied {len(report)} confirmations; those payouts are paid.", "success")
            return redirect(url_for("payouts.admin_payouts"))
    elif form.is_submitted():
        status = 422
    return render_template("payouts/confirmations.html", form=form, report=report), status


@bp.get("/admin/ledger")
@role_required(Role.ADMIN)
def ledger_check():
    return render_template("payouts/ledger.html", problems=verify_ledger())
