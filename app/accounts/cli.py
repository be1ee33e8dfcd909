"""``flask users ...``: account administration from the shell (the operator acts; every change is audited)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.accounts import services
from app.core.access import Role
from app.core.errors import PodiumError

ROLE_NAMES = click.Choice([role.value for role in Role])


@click.group("users")
def users_group() -> None:
    """Manage user accounts, organisations and roles."""


@users_group.command("create-admin")
@click.option("--email", prompt=True, help="The administrator's e-mail address.")
@click.option("--name", "display_name", prompt="Display name", help="The name shown to others.")
@click.password_option(help="At least 10 characters.")
@with_appcontext
def create_admin(email: str, display_name: str, password: str) -> None:
    """Create an administrator account (the operator vouches for the address)."""
    try:
        user = services.register_user(email, display_name, password, roles=(Role.ADMIN,), email_verified=True)
    except PodiumError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Created administrator {user.email} (id {user.id}).")


@users_group.command("create-organization")
@click.argument("name")
@click.option("--domain", "domains", multiple=True, help="An e-mail domain it owns; repeat for several.")
@click.option("--sponsor", is_flag=True, help="It sponsors challenges.")
@click.option("--host", is_flag=True, help="It is the host organisation: its people are internal.")
@with_appcontext
def create_organization(name: str, domains: tuple[str, ...], sponsor: bool, host: bool) -> None:
    """Create an organisation."""
    try:
        organization = services.create_organization(name, domains, is_host=host, is_sponsor=sponsor)
    except PodiumError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Created organisation {organization.name} (id {organization.id}).")


def _organization_id(name: str) -> int:
    for organization in services.organizations_named(name):
        return organization.id
    raise click.ClickException(f"There is no organisation named {name!r}.")


@users_group.command("invite")
@click.argument("email")
@click.option("--organization", "organization_name", required=True, help="The organisation's name.")
@click.option("--role", type=ROLE_NAMES, default=Role.SPONSOR.value, show_default=True)
@click.option("--name", "display_name", default="", help="The name shown to others.")
@with_appcontext
def invite(email: str, organization_name: str, role: str, display_name: str) -> None:
    """Invite a person to an organisation with a role; they get an e-mail (with a link to set a password
    if they have no account)."""
    try:
        user = services.invite_member(
            _organization_id(organization_name), email, display_name, role, actor=None
        )
    except PodiumError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Invited {user.email} to {organization_name} as {role}; the e-mail is queued.")


def _user_id(email: str) -> int:
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"There is no account for {email}.")
    return user.id


@users_group.command("grant-role")
@click.argument("email")
@click.argument("role", type=ROLE_NAMES)
@with_appcontext
def grant_role(email: str, role: str) -> None:
    """Grant a role to the person with this e-mail address."""
    try:
        user = services.give_role(_user_id(email), role, actor=None)
    except PodiumError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"{user.email} holds the {role} role.")


@users_group.command("revoke-role")
@click.argument("email")
@click.argument("role", type=ROLE_NAMES)
@with_appcontext
def revoke_role(email: str, role: str) -> None:
    """Withdraw a role from the person with this e-mail address."""
    try:
        user = services.take_role(_user_id(email), role, actor=None)
    except PodiumError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"{user.email} no longer holds the {role} role.")
