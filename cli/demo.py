"""`flask demo load` (a synthetic population, labelled so wherever it is shown) and `flask demo accounts`."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from contextlib import ExitStack

import click
from flask import current_app
from flask.cli import AppGroup
from sqlmodel import Session, func, select

from cli.progress import duration, progress_bar
from cli.statistics import ReleaseBars
from storage.demo import PERIODS, demo_accounts, load_demo
from storage.tables import Enterprise

demo_cli = AppGroup("demo", help="Demonstration data (synthetic, and labelled so wherever it is shown).")


@demo_cli.command("load")
@click.option("--count", default=5000, show_default=True, help="How many synthetic enterprises.")
@click.option("--seed", default=2026, show_default=True, help="Random seed: the same seed gives the same data.")
@click.option("--questionnaire", "questionnaire_id", default="quick_check", show_default=True)
@click.option("--force", is_flag=True, help="Load even if synthetic enterprises already exist.")
def load_command(count: int, seed: int, questionnaire_id: str, force: bool) -> None:
    """Load synthetic enterprises with submitted assessments in two periods (skipped if some exist, unless --force)."""
    with Session(current_app.extensions["db_engine"], expire_on_commit=False) as session:
        real = session.exec(select(func.count()).select_from(Enterprise).where(~Enterprise.synthetic)).one()
        if real:
            raise click.ClickException(
                f"This database holds {real} real enterprises: demo data is never loaded beside real data. Load it "
                "into a database of its own (make run uses instance/demo.db).")
        existing = session.exec(select(func.count()).select_from(Enterprise).where(Enterprise.synthetic)).one()
        if existing and not force:
            click.echo(f"{existing} synthetic enterprises already loaded; nothing to do (use --force to add more).")
            return
        started = time.monotonic()
        with progress_bar(count, "Loading synthetic enterprises") as advance, ExitStack() as release_bars:
            tokens = load_demo(
                session=session, catalog=current_app.extensions["questionnaires"], count=count, seed=seed,
                questionnaire_id=questionnaire_id, k=current_app.config["BENCHMARK_MIN_GROUP"],
                progress=_ending_line(advance, count), release_progress=ReleaseBars(release_bars),
            )
    click.echo(f"Loaded {count:,} synthetic enterprises, {len(tokens):,} submitted '{questionnaire_id}' assessments "
               f"in {PERIODS[0]} and {PERIODS[1]}, rebuilt the benchmark statistics and imported synthetic regional "
               f"indicators in {duration(time.monotonic() - started)}.")
    click.echo(f"Open /a/{tokens[0]}/results on the running app to see one.")




def _ending_line(advance: Callable[[int], None], steps: int) -> Callable[[int], None]:
    """`advance`, and a new line on the terminal once all `steps` are done: the statistics' bar comes next."""
    done = 0

    def step(count: int) -> None:
        nonlocal done
        advance(count)
        done += count
        if done == steps and sys.stderr.isatty():
            click.echo(err=True)

    return step


@demo_cli.command("accounts")
@click.option("--password", required=True, help="The password of every demo account.")
def accounts_command(password: str) -> None:
    """Create (or reset) one demo account per role."""
    with Session(current_app.extensions["db_engine"], expire_on_commit=False) as session:
        users = demo_accounts(session=session, password=password)
    for user in users:
        click.echo(f"{user.role:<11} {user.email}")
