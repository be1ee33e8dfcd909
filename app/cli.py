"""Flask CLI commands: the worker, storage set-up and demo data; account commands live in accounts."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then exit.")
@click.option("--queue", "queues", multiple=True, help="Queue to listen on (repeatable; default: all).")
@with_appcontext
def worker_command(burst: bool, queues: tuple[str, ...]) -> None:
    """Run an RQ worker with the scheduler on, inside this app's configuration."""
    from app.jobs import run_worker

    run_worker(list(queues) or None, burst=burst)


@click.command("cron")
@with_appcontext
def cron_command() -> None:
    """Run the periodic-job scheduler (the lifecycle sweep); one is enough per deployment."""
    from app.jobs import run_cron

    run_cron()


@click.group("storage")
def storage_group() -> None:
    """Storage backend commands."""


@storage_group.command("init")
@with_appcontext
def storage_init() -> None:
    """Create the bucket and CORS rule (S3) or the storage folder (local)."""
    from flask import current_app

    from app.storage import get_storage

    get_storage().ensure_ready()
    click.echo(f"storage ready: {current_app.config['STORAGE_BACKEND']}")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Create the demo organisations and users once; print their logins."""
    from app.demo import DEMO_PASSWORD, seed_demo

    created = seed_demo()
    click.echo("Demo data " + ("created." if created else "already present."))
    click.echo(f"Every demo login uses the password: {DEMO_PASSWORD}")
    for email, roles in created or []:
        click.echo(f"  {email:<32} {roles}")


def register_commands(app: Flask) -> None:
    from app.accounts.cli import users_group
    from app.challenges.cli import challenges_group
    from app.payouts.cli import ledger_group

    app.cli.add_command(worker_command)
    app.cli.add_command(cron_command)
    app.cli.add_command(challenges_group)
    app.cli.add_command(storage_group)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(users_group)
    app.cli.add_command(ledger_group)
