"""Flask CLI commands of the whole app: the worker, the cron scheduler, storage set-up and demo data.
Each domain registers its own commands (``flask users``, ``flask challenges``, ``flask ledger``)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from app import demo, jobs
from app.storage import get_storage
from app.submissions.cli import verify_command as storage_verify_command


@click.command("worker")
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then exit.")
@click.option("--queue", "queues", multiple=True, help="Queue to listen on (repeatable; default: all).")
@with_appcontext
def worker_command(burst: bool, queues: tuple[str, ...]) -> None:
    """Run an RQ worker with the scheduler on, inside this app's configuration."""
    jobs.run_worker(list(queues) or None, burst=burst)


@click.command("cron")
@with_appcontext
def cron_command() -> None:
    """Run the periodic-job scheduler (lifecycle and recovery sweeps); a second one is safe but idle."""
    jobs.run_cron()


@click.group("storage")
def storage_group() -> None:
    """Storage backend commands."""


@storage_group.command("init")
@with_appcontext
def storage_init() -> None:
    """Create the bucket and CORS rule (S3) or the storage folder (local)."""
    get_storage().ensure_ready()
    click.echo(f"storage ready: {current_app.config['STORAGE_BACKEND']}")


storage_group.add_command(storage_verify_command)


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Create the demo organisations and users once; print their logins. Refused in production: the
    demo accounts share a password printed in the README."""
    if current_app.config["PODIUM_ENV"] == "production":
        raise click.ClickException(
            "seed-demo refuses to run in production: its accounts share a published password"
        )
    created = demo.seed_demo()
    click.echo("Demo data " + ("created." if created else "already present."))
    click.echo(f"Every demo login uses the password: {demo.DEMO_PASSWORD}")
    for email, roles in created or []:
        click.echo(f"  {email:<32} {roles}")


def register_commands(app: Flask) -> None:
    app.cli.add_command(worker_command)
    app.cli.add_command(cron_command)
    app.cli.add_command(storage_group)
    app.cli.add_command(seed_demo_command)
