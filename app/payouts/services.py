"""Payout services: an award becomes payouts, payouts are sent, confirmed paid or reported failed.

Every function here is the one way to make its change. Each locks the challenge row first (then the
payout rows, in id order), so two workers or two admins acting on the same challenge take turns; the
unique (challenge, recipient) pair, the payouts' idempotency keys and the ledger's idempotency keys are
the backstop should anything get past the locks. Money leaves a winner's payable account only when a
payment is confirmed, in the same transaction that marks the payout paid.

Points are credited, not paid: the award already put them in the winner's points balance, so the job
settles a points payout at once, with no provider and no bank reference.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app import jobs
from app.accounts import services as accounts
from app.accounts.models import User
from app.challenges.lifecycle import Action, Status
from app.challenges.models import Challenge
from app.challenges.services import lock_challenge
from app.challenges.transitions import transition
from app.core import audit
from app.core.access import Role
from app.core.errors import AlreadyDone, Conflict, NotFound, PermissionDenied, PodiumError, ValidationFailed
from app.core.money import POINTS, format_money
from app.core.timeutil import utcnow
from app.core.transactions import atomic
from app.extensions import db
from app.ledger import posting as ledger
from app.ledger.models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction
from app.notifications import services as notifications
from app.payouts.confirmations import MAX_BANK_REFERENCE, bank_reference_problem, parse_confirmations
from app.payouts.countries import is_country
from app.payouts.models import (
    PAYOUT_TRANSITIONS,
    PayeeDetails,
    Payout,
    PayoutBatch,
    PayoutMethod,
    PayoutStatus,
    TaxForm,
)
from app.payouts.providers import cash_provider

PAYOUT_JOB = "app.payouts.jobs:pay_out_challenge"
PUBLISHED = (Status.AWARDED, Status.PAID)
PAYEE_LINK = "/payouts/payee"
EARNINGS_LINK = "/payouts/earnings"


def award_key(challenge_id: int) -> str:
    return f"challenge:{challenge_id}:award"


def payout_key(challenge_id: int, recipient_id: int) -> str:
    return f"challenge:{challenge_id}:payout:user:{recipient_id}"


def paid_key(payout: Payout) -> str:
    """The ledger key of the payment: one payment per payout, ever."""
    return f"{payout.idempotency_key}:paid"


# --- reading -------------------------------------------------------------------------------------------


def get_payout(payout_id: int) -> Payout:
    """The payout with its recipient and challenge, which every page and answer about it names."""
    payout = db.session.get(
        Payout, payout_id, options=[joinedload(Payout.recipient), joinedload(Payout.challenge)]
    )
    if payout is None:
        raise NotFound("No such payout.")
    return payout


def get_batch(batch_id: int) -> PayoutBatch:
    batch = db.session.get(PayoutBatch, batch_id)
    if batch is None:
        raise NotFound("No such payout batch.")
    return batch


def payouts_of(challenge_id: int) -> list[Payout]:
    return list(
        db.session.scalars(select(Payout).where(Payout.challenge_id == challenge_id).order_by(Payout.id))
    )


def payee_details_of(user_id: int) -> PayeeDetails | None:
    return db.session.scalar(select(PayeeDetails).where(PayeeDetails.user_id == user_id))


def needs_payee_details(user: User, currency: str) -> bool:
    """External winners of cash give payee details first; employees are paid through payroll."""
    return currency != POINTS and not accounts.is_internal(user) and payee_details_of(user.id) is None


def award_credits(challenge_id: int) -> tuple[LedgerTransaction | None, dict[int, tuple[int, str]]]:
    """The challenge's award transaction and what it credited each recipient: user id → (amount, currency)."""
    award = db.session.scalar(
        select(LedgerTransaction).where(LedgerTransaction.idempotency_key == award_key(challenge_id))
    )
    if award is None:
        return None, {}
    rows = db.session.execute(
        select(LedgerAccount.user_id, LedgerEntry.currency, func.sum(LedgerEntry.amount_minor))
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerEntry.transaction_id == award.id, LedgerAccount.kind == AccountKind.PAYABLE.value)
        .group_by(LedgerAccount.user_id, LedgerEntry.currency)
        .order_by(LedgerAccount.user_id, LedgerEntry.currency)
    ).all()
    credits: dict[int, tuple[int, str]] = {}
    for user_id, currency, amount in rows:
        if user_id in credits:
            raise ValidationFailed(
                f"The award credits user #{user_id} in two currencies; nothing was paid out."
            )
        credits[user_id] = (int(amount), currency)
    return award, credits


# --- shared steps (never commit) --------------------------------------------------------------------------


def _advance(payout: Payout, target: PayoutStatus) -> None:
    if target not in PAYOUT_TRANSITIONS[payout.state]:
        raise Conflict(
            f"Payout {payout.reference} is {payout.status.replace('_', ' ')}; it can't become {target}."
        )
    payout.status = target.value


def _require_finance(actor: User) -> None:
    if not actor.has_role(Role.ADMIN):
        raise PermissionDenied("Only an administrator confirms or reports payments.")


def _lock_payouts(payout_ids: Iterable[int]) -> dict[int, Payout]:
    ids = sorted(set(payout_ids))
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Payout)
        .where(Payout.id.in_(ids))
        .order_by(Payout.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {payout.id: payout for payout in rows}


def _settle(payout: Payout, *, bank_reference: str | None, actor: User | None, now: datetime) -> None:
    """Move the payout's money payable → paid out and mark it paid, under the payout's own ledger key."""
    payable = ledger.account(AccountKind.PAYABLE, payout.currency, user_id=payout.recipient_id)
    paid_out = ledger.account(AccountKind.PAID_OUT, payout.currency, user_id=payout.recipient_id)
    ledger.lock(payable)
    held = ledger.balance(payable)
    if held < payout.amount_minor:
        raise Conflict(
            f"Payout {payout.reference} is for {format_money(payout.amount_minor, payout.currency)}, but the "
            f"recipient's payable account holds {format_money(held, payout.currency)}. Run `flask ledger "
            "verify` before paying."
        )
    transaction = ledger.post(
        paid_key(payout),
        "payout",
        [(payable, -payout.amount_minor), (paid_out, payout.amount_minor)],
        memo=f"payout {payout.reference}",
        reference=bank_reference or payout.reference,
        challenge_id=payout.challenge_id,
        actor_id=getattr(actor, "id", None),
    )
    _advance(payout, PayoutStatus.PAID)
    payout.bank_reference = bank_reference
    payout.paid_transaction_id = transaction.id
    payout.paid_by_id = getattr(actor, "id", None)
    payout.paid_at = now


def _mark_challenge_paid_if_settled(challenge: Challenge, actor: User | None, now: datetime) -> None:
    """A challenge is paid once every recipient of its award has a paid payout."""
    if challenge.state is not Status.AWARDED:
        return
    _, credits = award_credits(challenge.id)
    paid = set(
        db.session.scalars(
            select(Payout.recipient_id).where(
                Payout.challenge_id == challenge.id, Payout.status == PayoutStatus.PAID.value
            )
        )
    )
    if set(credits) - paid:
        return
    transition(challenge, Action.MARK_PAID, actor=actor, now=now, event="challenge.paid", payouts=len(paid))


def _require_published(challenge: Challenge) -> None:
    if challenge.state not in PUBLISHED:
        raise Conflict(
            f"Prizes are paid out only after the results are published; {challenge.title!r} is "
            f"{challenge.status_label.lower()}."
        )


# --- the payout job's two steps ------------------------------------------------------------------------------


@atomic
def create_payouts(challenge_id: int, *, actor: User | None = None) -> list[Payout]:
    """One payout per recipient of the challenge's award, made once however often this runs.

    External winners of cash without payee details wait as "awaiting details" and are asked for them.
    """
    challenge = lock_challenge(challenge_id)
    _require_published(challenge)
    award, credits = award_credits(challenge.id)
    for user_id, (amount, currency) in credits.items():
        if amount <= 0:
            raise ValidationFailed(
                f"The award gives user #{user_id} {format_money(amount, currency)}; a payout must be more "
                "than zero. Nothing was paid out."
            )
        if currency != challenge.currency:
            raise ValidationFailed(
                f"The award credits user #{user_id} in {currency}, but the challenge pays in "
                f"{challenge.currency}. Nothing was paid out."
            )
    existing = {payout.recipient_id for payout in payouts_of(challenge.id)}
    created: list[Payout] = []
    for user_id, (amount, currency) in credits.items():
        if user_id in existing:
            continue
        recipient = accounts.get_user(user_id)
        waits = needs_payee_details(recipient, currency)
        payout = Payout(
            challenge_id=challenge.id,
            recipient_id=user_id,
            amount_minor=amount,
            currency=currency,
            status=(PayoutStatus.AWAITING_DETAILS if waits else PayoutStatus.PENDING).value,
            idempotency_key=payout_key(challenge.id, user_id),
            award_transaction_id=award.id,
        )
        db.session.add(payout)
        audit.record(
            "payout.created",
            payout,
            actor=actor,
            challenge_id=challenge.id,
            amount_minor=amount,
            currency=currency,
        )
        if waits:
            notifications.notify(
                recipient,
                "Complete your payee details to receive your prize",
                f"You won {format_money(amount, currency)} in “{challenge.title}”. Complete your payee "
                "details (legal name, country, payout method and tax form) and your prize goes to finance "
                "for payment.",
                link=PAYEE_LINK,
                commit=False,
            )
        created.append(payout)
    db.session.commit()
    return created


@atomic
def send_ready_payouts(challenge_id: int, *, actor: User | None = None) -> list[Payout]:
    """Send the challenge's pending payouts: cash through the provider, points credited at once."""
    now = utcnow()
    challenge = lock_challenge(challenge_id)
    _require_published(challenge)
    ready_ids = db.session.scalars(
        select(Payout.id).where(
            Payout.challenge_id == challenge.id, Payout.status == PayoutStatus.PENDING.value
        )
    ).all()
    ready = [
        payout
        for payout in _lock_payouts(ready_ids).values()
        if payout.state is PayoutStatus.PENDING  # re-read under the lock
    ]
    if challenge.is_points:
        for payout in ready:
            _settle(payout, bank_reference=None, actor=actor, now=now)
            audit.record("payout.credited", payout, actor=actor, amount_minor=payout.amount_minor)
    elif ready:
        provider = cash_provider()
        handover = provider.send(challenge, ready)
        for payout in ready:
            _advance(payout, PayoutStatus.SENT)
            payout.provider = provider.name
            payout.sent_at = now
            audit.record("payout.sent", payout, actor=actor, provider=provider.name, handover=handover)
    _mark_challenge_paid_if_settled(challenge, actor, now)
    db.session.commit()
    return ready


# --- confirming payments -----------------------------------------------------------------------------------


def _clean_bank_reference(bank_reference: str) -> str:
    cleaned = (bank_reference or "").strip()
    if not cleaned:
        raise ValidationFailed("Give the bank's reference for the transfer.", field="bank_reference")
    if len(cleaned) > MAX_BANK_REFERENCE:
        raise ValidationFailed(
            f"Keep the bank reference under {MAX_BANK_REFERENCE} characters.", field="bank_reference"
        )
    problem = bank_reference_problem(cleaned)
    if problem is not None:
        raise ValidationFailed(problem, field="bank_reference")
    return cleaned


def _confirmation_problem(
    payout: Payout, bank_reference: str, amount_minor: int, currency: str
) -> PodiumError | None:
    """Why this confirmation can't be applied to this payout, or None when it can."""
    if payout.state is PayoutStatus.PAID:
        return Conflict(
            f"Payout {payout.reference} was already paid (bank reference {payout.bank_reference or 'none'})."
        )
    if payout.state is not PayoutStatus.SENT:
        return Conflict(
            f"Payout {payout.reference} is {payout.status.replace('_', ' ')}; only a sent payout can be paid."
        )
    if amount_minor <= 0:
        return ValidationFailed("The amount paid must be more than zero.", field="amount")
    if currency != payout.currency:
        return ValidationFailed(
            f"Payout {payout.reference} is in {payout.currency}, not {currency}.", field="currency"
        )
    if amount_minor != payout.amount_minor:
        return ValidationFailed(
            f"Payout {payout.reference} is for {format_money(payout.amount_minor, payout.currency)}, "
            f"not {format_money(amount_minor, currency)}.",
            field="amount",
        )
    used_by = db.session.scalar(
        select(Payout.id).where(
            func.lower(Payout.bank_reference) == bank_reference.lower(), Payout.id != payout.id
        )
    )
    if used_by is not None:
        return Conflict(
            f"Bank reference {bank_reference!r} already confirms payout #{used_by}; one transfer pays one payout.",
            field="bank_reference",
        )
    return None


def _tell_paid(payout: Payout) -> None:
    notifications.notify(
        payout.recipient,
        f"Your prize from “{payout.challenge.title}” was paid",
        f"{format_money(payout.amount_minor, payout.currency)} was sent to you; the bank's reference is "
        f"{payout.bank_reference}.",
        link=EARNINGS_LINK,
        commit=False,
    )


@atomic
def mark_paid(
    payout_id: int, bank_reference: str, amount_minor: int, currency: str, *, actor: User
) -> Payout:
    """Finance confirms the bank paid this payout: the money leaves the winner's payable account."""
    _require_finance(actor)
    now = utcnow()
    bank_reference = _clean_bank_reference(bank_reference)
    challenge = lock_challenge(get_payout(payout_id).challenge_id)
    payout = _lock_payouts([payout_id])[payout_id]
    if payout.state is PayoutStatus.PAID and (payout.bank_reference or "").lower() == bank_reference.lower():
        # The same confirmation again (a double click, or the file got there first): already so.
        raise AlreadyDone(f"Payout {payout.reference} was already marked paid with this bank reference.")
    problem = _confirmation_problem(payout, bank_reference, amount_minor, currency)
    if problem is not None:
        raise problem
    _settle(payout, bank_reference=bank_reference, actor=actor, now=now)
    audit.record("payout.paid", payout, actor=actor, bank_reference=bank_reference, via="one at a time")
    _tell_paid(payout)
    _mark_challenge_paid_if_settled(challenge, actor, now)
    db.session.commit()
    return payout


@dataclass(frozen=True)
class ReportRow:
    """One line of a confirmations file and what became of it: ``problem`` is None when it applies."""

    line: int
    reference: str
    problem: str | None


class ConfirmationsRejected(ValidationFailed):
    """A confirmations file with at least one problem: nothing in it was applied."""

    code = "confirmations_rejected"

    def __init__(self, message: str, report: Sequence[ReportRow]):
        super().__init__(message, field="file")
        self.report = list(report)

    def extensions(self) -> dict[str, Any]:
        """Every row with its problem, so an API client can show them as the page does."""
        return {"rows": [asdict(row) for row in self.report]}


@atomic
def import_confirmations(lines: Iterable[str], *, actor: User) -> list[ReportRow]:
    """Apply a file of bank confirmations all together, or, if any row has a problem, none of it."""
    _require_finance(actor)
    now = utcnow()
    parsed = parse_confirmations(lines)
    if parsed.file_problem is not None:
        raise ConfirmationsRejected(parsed.file_problem, [])
    wanted = [confirmation.payout_id for confirmation in parsed.confirmations]
    challenge_ids = db.session.scalars(
        select(Payout.challenge_id).where(Payout.id.in_(wanted)).distinct().order_by(Payout.challenge_id)
    ).all()
    challenges = [lock_challenge(challenge_id) for challenge_id in challenge_ids]
    payouts = _lock_payouts(wanted)
    by_line = {confirmation.line: confirmation for confirmation in parsed.confirmations}
    report: list[ReportRow] = []
    for line, reference in parsed.references.items():
        problem = parsed.problems.get(line)
        if problem is None:
            confirmation = by_line[line]
            payout = payouts.get(confirmation.payout_id)
            found = (
                _confirmation_problem(
                    payout, confirmation.bank_reference, confirmation.amount_minor, confirmation.currency
                )
                if payout is not None
                else NotFound("No payout has this reference.")
            )
            problem = found.message if found is not None else None
        report.append(ReportRow(line, reference, problem))
    failing = sum(row.problem is not None for row in report)
    if failing:
        raise ConfirmationsRejected(
            f"{failing} of {len(report)} rows have problems, so nothing in the file was applied. Fix them "
            "and import the whole file again.",
            report,
        )
    for confirmation in parsed.confirmations:
        payout = payouts[confirmation.payout_id]
        _settle(payout, bank_reference=confirmation.bank_reference, actor=actor, now=now)
        audit.record(
            "payout.paid",
            payout,
            actor=actor,
            bank_reference=confirmation.bank_reference,
            via="confirmations file",
        )
        _tell_paid(payout)
    for challenge in challenges:
        _mark_challenge_paid_if_settled(challenge, actor, now)
    audit.record("payouts.confirmations_imported", subject_type="payouts", actor=actor, rows=len(report))
    db.session.commit()
    return report


@atomic
def mark_failed(payout_id: int, reason: str, *, actor: User) -> Payout:
    """Finance reports that a sent payment bounced; the money stays payable to the winner."""
    _require_finance(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why the payment failed; the winner reads it.", field="reason")
    lock_challenge(get_payout(payout_id).challenge_id)
    payout = _lock_payouts([payout_id])[payout_id]
    _advance(payout, PayoutStatus.FAILED)
    payout.failure_reason = reason
    audit.record("payout.failed", payout, actor=actor, reason=reason)
    notifications.notify(
        payout.recipient,
        f"Your prize from “{payout.challenge.title}” could not be paid",
        f"The payment of {format_money(payout.amount_minor, payout.currency)} failed: {reason}. Check your payee "
        "details; finance will send it again.",
        link=EARNINGS_LINK,
        commit=False,
    )
    db.session.commit()
    return payout


@atomic
def resend_payout(payout_id: int, *, actor: User) -> Payout:
    """Try a failed payout again: it goes back to pending (or waits for details) and the job sends it."""
    _require_finance(actor)
    challenge = lock_challenge(get_payout(payout_id).challenge_id)
    payout = _lock_payouts([payout_id])[payout_id]
    waits = needs_payee_details(payout.recipient, payout.currency)
    _advance(payout, PayoutStatus.AWAITING_DETAILS if waits else PayoutStatus.PENDING)
    payout.batch_id = None
    payout.sent_at = None
    audit.record("payout.resend", payout, actor=actor, previous_failure=payout.failure_reason)
    jobs.enqueue(PAYOUT_JOB, challenge.id, subject=challenge, started_by=actor, commit=False)
    db.session.commit()
    return payout


# --- payee details -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PayeeInput:
    legal_name: str
    country: str
    payout_method: str
    tax_form: str
    certified: bool


def _validated_payee(data: PayeeInput) -> PayeeInput:
    errors: dict[str, str] = {}
    legal_name = " ".join((data.legal_name or "").split())
    country = (data.country or "").strip().upper()
    if not legal_name:
        errors["legal_name"] = "Enter your legal name as your bank knows it."
    elif len(legal_name) > 200:
        errors["legal_name"] = "Keep the legal name under 200 characters."
    if not is_country(country):
        errors["country"] = "Choose the country you live in."
    if data.payout_method not in {method.value for method in PayoutMethod}:
        errors["payout_method"] = "Choose how you want to be paid."
    if data.tax_form not in {form.value for form in TaxForm}:
        errors["tax_form"] = "Choose the tax form that applies to you."
    if not data.certified:
        errors["certified"] = "Confirm that these details are correct."
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    return PayeeInput(legal_name, country, data.payout_method, data.tax_form, True)


@atomic
def save_payee_details(user: User, data: PayeeInput) -> PayeeDetails:
    """Record where a winner's prizes go; payouts that waited for these details are sent next."""
    now = utcnow()
    data = _validated_payee(data)
    details = payee_details_of(user.id) or PayeeDetails(user_id=user.id)
    details.legal_name = data.legal_name
    details.country = data.country
    details.payout_method = data.payout_method
    details.tax_form = data.tax_form
    details.certified_at = now
    details.updated_at = now
    db.session.add(details)
    audit.record(
        "payee.details_saved",
        details,
        actor=user,
        country=data.country,
        payout_method=data.payout_method,
        tax_form=data.tax_form,
    )
    waiting = db.session.execute(
        select(Payout.id, Payout.challenge_id).where(
            Payout.recipient_id == user.id, Payout.status == PayoutStatus.AWAITING_DETAILS.value
        )
    ).all()
    challenges = {
        challenge_id: lock_challenge(challenge_id)
        for challenge_id in sorted({row.challenge_id for row in waiting})
    }
    released: dict[int, list[int]] = defaultdict(list)
    for payout in _lock_payouts(row.id for row in waiting).values():
        if payout.state is PayoutStatus.AWAITING_DETAILS:
            _advance(payout, PayoutStatus.PENDING)
            audit.record("payout.details_received", payout, actor=user)
            released[payout.challenge_id].append(payout.id)
    for challenge_id in sorted(released):
        jobs.enqueue(
            PAYOUT_JOB, challenge_id, subject=challenges[challenge_id], started_by=user, commit=False
        )
    db.session.commit()
    return details
