"""``flask ledger ...``: checks on the double-entry ledger from the shell."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from app.extensions import db
from app.ledger.models import LedgerTransaction
from app.payouts.verification import verify_ledger


@click.group("ledger")
def ledger_group() -> None:
    """Inspect the ledger."""


@ledger_group.command("verify")
@with_appcontext
def verify_command() -> None:
    """Check that every transaction balances, entries match their accounts' currencies, settled
    challenges hold no escrow, and payouts agree with the ledger; exit non-zero when anything is wrong.
    """
    problems = verify_ledger()
    for problem in problems:
        click.echo(problem)
    if problems:
        raise click.ClickException(f"ledger verification failed: {len(problems)} problem(s) found")
    count = db.session.scalar(select(func.count()).select_from(LedgerTransaction))
    click.echo(f"ledger verified: {count} transactions balance")
