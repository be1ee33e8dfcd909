"""``flask challenges ...``: lifecycle housekeeping from the shell."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.challenges import services


@click.group("challenges")
def challenges_group() -> None:
    """Challenge lifecycle commands."""


@challenges_group.command("sweep")
@with_appcontext
def sweep_command() -> None:
    """Open, close and start judging every challenge whose time has come (repairs missed jobs)."""
    moved = services.sweep_due_transitions()
    click.echo(
        f"opened {moved['opened']}, closed {moved['closed']}, judging started {moved['assigning']}, "
        f"judging due {moved['judging_due']}"
    )
