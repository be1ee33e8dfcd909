"""Flask CLI commands of the whole app: the worker, the cron scheduler, storage set-up and demo data.
Each domain registers its own commands (``flask users``, ``flask challenges``, ``flask ledger``)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from redis.exceptions import RedisError

from app import backup, demo, jobs
from app.core import audit
from app.extensions import db
from app.storage import StorageError, get_storage
from app.storage.outages import storage_outage
from app.submissions.cli import verify_command as storage_verify_command


@click.command("worker")
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then exit.")
@click.option("--queue", "queues", multiple=True, help="Queue to listen on (repeatable; default: all).")
@with_appcontext
def worker_command(burst: bool, queues: tuple[str, ...]) -> None:
    """Run an RQ worker with the scheduler on, inside this app's configuration."""
    _require_redis()
    jobs.run_worker(list(queues) or None, burst=burst)


@click.command("cron")
@with_appcontext
def cron_command() -> None:
    """Run the periodic-job scheduler (lifecycle and recovery sweeps). Any number may run, one per machine
    if you like: each run of a periodic job is claimed in Redis first, so it happens once."""
    _require_redis()
    jobs.run_cron()


def _require_redis() -> None:
    """A loop that waits on Redis starts only if Redis answers: otherwise one line says so."""
    try:
        jobs.redis_connection().ping()
    except RedisError as error:
        raise click.ClickException(f"cannot reach Redis at REDIS_URL: {error}") from None


@click.group("storage")
def storage_group() -> None:
    """Storage backend commands."""


@storage_group.command("init")
@with_appcontext
def storage_init() -> None:
    """Create the bucket and CORS rule (S3) or the storage folder (local)."""
    try:
        get_storage().ensure_ready()
    except StorageError as error:
        raise click.ClickException(str(error)) from None
    except Exception as error:
        if storage_outage(error) is None:
            raise
        raise click.ClickException(f"storage at S3_ENDPOINT_URL is not answering: {error}") from None
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


@click.command("backup")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(folder: Path) -> None:
    """Write a consistent copy of the database and the inventory of stored files (key, size, SHA-256)
    into FOLDER, which must be missing or empty. Storage itself is not copied: replicate it (README)."""
    try:
        manifest = backup.take_backup(current_app.config["SQLALCHEMY_DATABASE_URI"], folder)
    except backup.BackupError as refusal:
        raise click.ClickException(str(refusal)) from None
    click.echo(
        f"backup written to {folder}: {manifest.database} database at revision {manifest.alembic_revision}, "
        f"{manifest.objects} stored object(s) listed ({manifest.object_bytes} bytes)"
    )


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--no-rehash", is_flag=True, help="Check each stored object's presence and size only, not its SHA-256."
)
@with_appcontext
def restore_command(folder: Path, no_rehash: bool) -> None:
    """Restore the backup in FOLDER into the empty database of DATABASE_URL, then check that storage
    holds every object it lists, with its size and SHA-256; exit non-zero if anything differs."""
    try:
        manifest = backup.restore_database(current_app.config["SQLALCHEMY_DATABASE_URI"], folder)
    except backup.BackupError as refusal:
        raise click.ClickException(str(refusal)) from None
    click.echo(f"database restored from the backup of {manifest.created_at}")
    with click.progressbar(
        length=manifest.object_bytes if not no_rehash else manifest.objects,
        label=f"Checking {manifest.objects} stored object(s)",
    ) as bar:
        if no_rehash:
            checked = backup.check_storage(
                folder, get_storage(), rehash=False, on_object=lambda: bar.update(1)
            )
        else:
            checked = backup.check_storage(folder, get_storage(), on_bytes=bar.update)
        problems = list(checked)
    audit.record(
        "backup.restored",
        subject_type="backup",
        subject_id=manifest.created_at[:64],
        objects=manifest.objects,
        storage_problems=len(problems),
    )
    db.session.commit()
    for problem in problems:
        click.echo(problem)
    if problems:
        raise click.ClickException(
            f"storage check failed: {len(problems)} of {manifest.objects} stored object(s) missing or "
            "different; copy storage back from its replica, then run flask storage verify"
        )
    click.echo(f"storage holds all {manifest.objects} stored object(s) as backed up")


def register_commands(app: Flask) -> None:
    app.cli.add_command(worker_command)
    app.cli.add_command(cron_command)
    app.cli.add_command(storage_group)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
