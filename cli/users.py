"""`flask users create EMAIL` and `flask users token EMAIL --name NAME` (an API token, shown once)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlmodel import Session, select

from assessment.classifications import load_regions
from storage.accounts import AccountError, create_user, normalise_email
from storage.tables import ROLES, User
from storage.tokens import create_token

users_cli = AppGroup("users", help="Accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="enterprise", show_default=True)
@click.option("--name", default="")
@click.option("--jurisdiction", help="Region code an agency analyst may see (GB/T 2260), e.g. 370000.")
@click.option("--enterprise", "enterprise_id", type=int, help="The enterprise an enterprise user belongs to.")
@click.password_option("--password", help="Asked for when not given.")
def create_user_command(email, role, name, jurisdiction, enterprise_id, password) -> None:
    """Create an account (agency analysts and administrators are created this way or by an administrator); its
    e-mail address counts as confirmed."""
    if role == "agency" and not jurisdiction:
        raise click.BadParameter("an agency analyst needs a jurisdiction", param_hint="--jurisdiction")
    if jurisdiction and jurisdiction not in load_regions():
        raise click.BadParameter(f"unknown region code {jurisdiction}", param_hint="--jurisdiction")
    with Session(current_app.extensions["db_engine"], expire_on_commit=False) as session:
        try:
            user = create_user(session=session, email=email, password=password, role=role, name=name,
                               jurisdiction=jurisdiction, enterprise_id=enterprise_id,
                               confirmed=True)  # fmt: skip
        except AccountError as error:
            hint = f"--{error.field}" if error.field != "email" else "EMAIL"
            raise click.BadParameter(str(error), param_hint=hint) from None
    click.echo(f"created {user.role} {user.email} (id {user.id})")


@users_cli.command("token")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for, e.g. 'ERP sync'.")
def token_command(email: str, name: str) -> None:
    """Make an API token for a user and print it (once: only its hash is kept)."""
    with Session(current_app.extensions["db_engine"], expire_on_commit=False) as session:
        user = session.exec(select(User).where(User.email == normalise_email(email))).first()
        if user is None:
            raise click.BadParameter(f"no account with the e-mail {email}", param_hint="EMAIL")
        if not user.active:
            raise click.BadParameter(f"the account {user.email} is deactivated", param_hint="EMAIL")
        if not name.strip():
            raise click.BadParameter("give the token a name", param_hint="--name")
        token = create_token(session=session, user=user, name=name)
    click.echo(token)
    click.echo(f"API token '{name.strip()}' for {user.role} {user.email}. It is shown only now: keep it secret; send "
               "it as 'Authorization: Bearer <token>'.", err=True)
