"""`flask db upgrade|revision`, `flask backup FILE` and `flask restore FILE [--replace]`."""

from __future__ import annotations

import time
from pathlib import Path

import click
from alembic import command
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.engine import make_url

from cli.progress import duration, progress_bar
from storage.backup import BackupError, backup_size, restore_backup, restore_size, write_backup
from storage.db import alembic_config, upgrade
from storage.evidence import evidence_folder

db_cli = AppGroup("db", help="Create or upgrade the database schema.")


@db_cli.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def upgrade_command(revision: str) -> None:
    """Create the schema or upgrade it to the newest migration."""
    upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"Database at {_safe_url(current_app.config['DATABASE_URL'])} is at revision {revision}.")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def revision_command(message: str) -> None:
    """Write a new migration from the difference between the tables and the database."""
    command.revision(alembic_config(current_app.config["DATABASE_URL"]), message=message, autogenerate=True)


def _safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def _display_url() -> str:
    return current_app.extensions["db_engine"].url.render_as_string()


def _echo_counts(counts: dict[str, int]) -> None:
    width = max(map(len, counts))
    for name, count in counts.items():
        click.echo(f"  {name:<{width}}  {count:>9}")
    click.echo(f"  {'total':<{width}}  {sum(counts.values()):>9}")


def _summary(done: str, counts: dict[str, int], started: float) -> str:
    """The closing line, e.g. 'Backed up 12,345 rows in 2 min 13 s.'"""
    return f"{done} {sum(counts.values()):,} rows in {duration(time.monotonic() - started)}."


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path) -> None:
    """Write every table of the database to FILE (gzip-compressed JSON Lines)."""
    engine, folder = current_app.extensions["db_engine"], evidence_folder(current_app.instance_path)
    started = time.monotonic()
    try:
        with progress_bar(backup_size(engine=engine, evidence_folder=folder), "Backing up") as advance:
            counts = write_backup(engine=engine, path=file, evidence_folder=folder, progress=advance)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up {_display_url()} to {file}:")
    _echo_counts(counts)
    click.echo(_summary("Backed up", counts, started))


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Delete every row of the database first (in the same transaction).")
@with_appcontext
def restore_command(file: Path, replace: bool) -> None:
    """Load a backup FILE into the database (migrated first); refused if the database has rows, unless --replace."""
    started = time.monotonic()
    try:
        with progress_bar(restore_size(file), "Restoring") as advance:
            counts = restore_backup(engine=current_app.extensions["db_engine"], path=file, replace=replace,
                                    evidence_folder=evidence_folder(current_app.instance_path), progress=advance)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {file} into {_display_url()}:")
    _echo_counts(counts)
    click.echo(_summary("Restored", counts, started))
