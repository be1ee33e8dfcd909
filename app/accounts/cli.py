"""``flask users ...``: account administration from the shell."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.accounts import services
from app.core.access import Role
from app.core.errors import PodiumError


@click.group("users")
def users_group() -> None:
    """Manage user accounts."""


@users_group.command("create-admin")
@click.option("--email", prompt=True, help="The administrator's e-mail address.")
@click.option("--name", "display_name", prompt="Display name", help="The name shown to others.")
@click.password_option(help="At least 10 characters.")
@with_appcontext
def create_admin(email: str, display_name: str, password: str) -> None:
    """Create an administrator account."""
    try:
        user = services.register_user(email, display_name, password, roles=(Role.ADMIN,))
    except PodiumError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Created administrator {user.email} (id {user.id}).")
