"""``flask storage verify``: the check on the stored files of submissions, from the shell; the
``storage`` group it joins is the app's (``app/cli.py``)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.core.errors import ServiceUnavailable
from app.submissions import verification


@click.command("verify")
@click.option("--restart", is_flag=True, help="Start a new run instead of continuing an unfinished one.")
@with_appcontext
def verify_command(restart: bool) -> None:
    """Re-hash every stored version (streamed) against the SHA-256 and size verified at finalize;
    exit non-zero when any differs or is missing.

    Each version's result is saved as soon as it is checked, so an interrupted run is continued by
    running this command again; ``--restart`` starts over. Versions still at the key their upload
    form could reach are moved to a key of their own once their bytes are confirmed.
    """
    check = verification.open_check(restart=restart)
    if check.last_version_id:
        click.echo(
            f"Continuing run #{check.id} after version {check.last_version_id} "
            f"({check.versions_checked} checked so far)."
        )
    else:
        click.echo(f"Run #{check.id}.")
    left = verification.remaining(check)
    with click.progressbar(
        length=left.bytes, label=f"Hashing {left.versions} version(s)", show_pos=True
    ) as bar:
        try:
            for version_id in verification.version_ids_after(check.last_version_id):
                verification.check_version(check.id, version_id, on_bytes=bar.update)
        except ServiceUnavailable as outage:
            raise click.ClickException(
                f"{outage.message} Run #{check.id} stopped; run this command again to continue it."
            ) from None
    check = verification.finish_check(check.id)
    for mismatch in check.mismatches:
        click.echo(
            f"version {mismatch.version_id} ({mismatch.storage_key}): {mismatch.problem} "
            f"expected {mismatch.expected_sha256} ({mismatch.expected_size} bytes), "
            f"found {mismatch.found_sha256 or 'nothing'}"
            f"{f' ({mismatch.found_size} bytes)' if mismatch.found_size is not None else ''}"
        )
    if check.mismatch_count:
        raise click.ClickException(
            f"storage verification failed: {check.mismatch_count} mismatch(es) in "
            f"{check.versions_checked} version(s)"
        )
    click.echo(
        f"storage verified: {check.versions_checked} version(s) match their SHA-256"
        f"{f'; {check.versions_moved} moved to a version key' if check.versions_moved else ''}"
    )
