"""Sponsor pages: post, edit, fund, extend, top up and cancel a challenge. Thin: forms in, services do."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from app.accounts.viewer import viewer_zone
from app.challenges import bp, hooks, queries, services
from app.challenges.forms import (
    CancelForm,
    ChallengeForm,
    ExtendForm,
    FundForm,
    PrizeSplitForm,
    RaiseBountyForm,
    fill_form,
    terms_from_form,
)
from app.challenges.prize_preview import asked_split, shown_split
from app.core.access import Role, role_required
from app.core.errors import AlreadyDone, PermissionDenied, ValidationFailed, problem
from app.core.forms import submit_form
from app.core.money import MoneyError, format_money, parse_amount
from app.core.timeutil import utcnow
from app.ledger.services import organization_balances


def _managed(slug: str):
    challenge = services.get_by_slug(slug, current_user)
    if not services.can_manage(current_user, challenge):
        raise PermissionDenied(f"Only members of {challenge.sponsor_org.name} can manage this challenge.")
    return challenge


def _default_times(form: ChallengeForm) -> None:
    """Suggest two weeks to submit and two to judge, starting tomorrow at this hour."""
    start = (
        (utcnow() + timedelta(days=1)).astimezone(viewer_zone()).replace(second=0, microsecond=0, tzinfo=None)
    )
    form.opens_at.data = start
    form.closes_at.data = start + timedelta(days=14)
    form.judging_due_at.data = start + timedelta(days=28)


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.SPONSOR)
def new_challenge():
    form = ChallengeForm()
    if request.method == "GET":
        _default_times(form)
    outcome = submit_form(
        form, lambda: services.create_challenge(current_user, terms_from_form(form, viewer_zone()))
    )
    if outcome.done:
        flash("Draft saved. Fund the bounty to schedule its opening.", "success")
        return redirect(url_for("challenges.manage", slug=outcome.result.slug))
    return _render_posting_form(form, None, outcome.status)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@role_required(Role.SPONSOR, Role.ADMIN)
def edit_challenge(slug: str):
    challenge = _managed(slug)
    form = ChallengeForm()
    if request.method == "GET":
        fill_form(form, services.terms_of(challenge), viewer_zone())
    outcome = submit_form(
        form,
        lambda: services.update_challenge(challenge.id, current_user, terms_from_form(form, viewer_zone())),
    )
    if outcome.done:
        flash("Changes saved.", "success")
        return redirect(url_for("challenges.manage", slug=challenge.slug))
    return _render_posting_form(form, challenge, outcome.status)


def _render_posting_form(form: ChallengeForm, challenge, status: int):
    return (
        render_template(
            "challenges/edit.html", form=form, challenge=challenge, prize_split=shown_split(form)
        ),
        status,
    )


@bp.get("/new/prize-split")  # under "new", a reserved slug, so no challenge's address can ever be this
@role_required(Role.SPONSOR, Role.ADMIN)
def prize_split():
    """What each place wins for the bounty and split typed so far, for the posting form's live preview.

    Always JSON: the split, or a 422 problem naming the field that is wrong."""
    try:
        split = asked_split(PrizeSplitForm(formdata=request.args))
    except ValidationFailed as refusal:
        return problem(refusal.status, refusal.title, refusal.message, code=refusal.code, field=refusal.field)
    return jsonify(split.as_json())


def _render_manage(challenge, status: int = 200, **forms):
    forms.setdefault("fund_form", FundForm(prefix="fund"))
    forms.setdefault("open_form", FundForm(prefix="open"))
    forms.setdefault("close_form", FundForm(prefix="close"))
    forms.setdefault("extend_form", ExtendForm(prefix="extend"))
    forms.setdefault("raise_form", RaiseBountyForm(prefix="raise"))
    forms.setdefault("cancel_form", CancelForm(prefix="cancel"))
    history = queries.history(challenge)
    return (
        render_template(
            "challenges/manage.html",
            challenge=challenge,
            escrow_minor=services.escrow_balance(challenge),
            balances=organization_balances(challenge.sponsor_org_id),
            history=history,
            now=utcnow(),
            format_money=format_money,
            **forms,
            **hooks.manage_page.merged(challenge),
        ),
        status,
    )


@bp.get("/<slug>/manage")
@role_required(Role.SPONSOR, Role.ADMIN)
def manage(slug: str):
    return _render_manage(_managed(slug))


def _act(slug: str, form, form_name: str, action, success: str):
    challenge = _managed(slug)
    try:
        outcome = submit_form(form, lambda: action(challenge))
    except AlreadyDone as done:  # a success: what was asked for already holds, nothing was done twice
        flash(done.message, "info")
        return redirect(url_for("challenges.manage", slug=challenge.slug))
    if outcome.done:
        flash(success, "success")
        return redirect(url_for("challenges.manage", slug=challenge.slug))
    # A refused service rolled back, which expired what the session held: the page shows the stored state.
    return _render_manage(challenge, outcome.status, **{form_name: form})


@bp.post("/<slug>/fund")
@role_required(Role.SPONSOR, Role.ADMIN)
def fund(slug: str):
    return _act(
        slug,
        FundForm(prefix="fund"),
        "fund_form",
        lambda challenge: services.fund_challenge(challenge.id, current_user),
        "The bounty is in escrow. The challenge opens at its opening time.",
    )


@bp.post("/<slug>/open")
@role_required(Role.SPONSOR, Role.ADMIN)
def open_now(slug: str):
    return _act(
        slug,
        FundForm(prefix="open"),
        "open_form",
        lambda challenge: services.open_now(challenge.id, current_user),
        "The challenge is open for submissions now.",
    )


@bp.post("/<slug>/close")
@role_required(Role.SPONSOR, Role.ADMIN)
def close_now(slug: str):
    return _act(
        slug,
        FundForm(prefix="close"),
        "close_form",
        lambda challenge: services.close_now(challenge.id, current_user),
        "The challenge is closed.",
    )


@bp.post("/<slug>/extend")
@role_required(Role.SPONSOR, Role.ADMIN)
def extend(slug: str):
    form = ExtendForm(prefix="extend")
    zone = viewer_zone()

    def extend_deadline(challenge):
        judging_due = form.judging_due_at.data.replace(tzinfo=zone) if form.judging_due_at.data else None
        return services.extend_deadline(
            challenge.id, current_user, form.closes_at.data.replace(tzinfo=zone), judging_due
        )

    return _act(slug, form, "extend_form", extend_deadline, "Deadline extended; participants were told.")


@bp.post("/<slug>/raise")
@role_required(Role.SPONSOR, Role.ADMIN)
def raise_bounty(slug: str):
    form = RaiseBountyForm(prefix="raise")

    def top_up(challenge):
        try:
            amount = parse_amount(form.bounty.data, challenge.currency)
        except MoneyError as error:
            raise ValidationFailed(str(error), field="bounty") from None
        return services.raise_bounty(challenge.id, current_user, amount)

    return _act(slug, form, "raise_form", top_up, "Bounty raised; the difference is in escrow.")


@bp.post("/<slug>/cancel")
@role_required(Role.SPONSOR, Role.ADMIN)
def cancel(slug: str):
    form = CancelForm(prefix="cancel")
    return _act(
        slug,
        form,
        "cancel_form",
        lambda challenge: services.cancel_challenge(challenge.id, current_user, form.reason.data),
        "Challenge cancelled; the escrow went back to your balance.",
    )
