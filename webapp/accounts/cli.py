"""`flask users create EMAIL --password P [--phone N] [--admin | --operator SLUG]` and
`flask users token EMAIL`."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from webapp.accounts import services
from webapp.accounts.models import Role, User
from webapp.errors import DomainError
from webapp.extensions import db

users_cli = AppGroup("users", help="Manage user accounts and API tokens.")


@users_cli.command("create")
@click.argument("email")
@click.option("--password", required=True, help="At least 10 characters.")
@click.option("--name", default="", help="Display name (defaults to the e-mail's local part).")
@click.option("--phone", default=None, help="Phone number, any usual Nigerian way of writing it.")
@click.option("--admin", is_flag=True, help="Give the account the admin role.")
@click.option("--operator", default=None, help="Make the account staff of this operator (slug).")
def create_user(
    email: str, password: str, name: str, phone: str | None, admin: bool, operator: str | None
) -> None:
    """Create an account."""
    if admin and operator:
        raise click.ClickException("An account is an admin or an operator's staff, not both.")
    role = Role.ADMIN if admin else Role.PASSENGER
    try:
        user = services.register_user(
            email,
            password,
            name or email.split("@")[0],
            role,
            phone=phone,
            operator_slug=operator,
        )
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@users_cli.command("token")
@click.argument("email")
@click.option("--name", default="cli", help="A name to recognise the token by.")
def issue_token(email: str, name: str) -> None:
    """Print a new API token for an account (shown once; only its hash is stored)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No account with the e-mail address {email!r}.")
    try:
        _, plain = services.create_api_token(user.id, name)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(plain)
