"""`flask benchmarks rebuild` (publish a new release of every cohort statistic) and `flask benchmarks releases`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlmodel import Session

from storage.releases import make_release, release_due, releases

benchmarks_cli = AppGroup("benchmarks", help="Released cohort statistics of the submitted assessments.")


@benchmarks_cli.command("rebuild")
@click.option("--if-due", is_flag=True, help="Only if the administrator's release schedule asks for one now "
                                             "(for cron).")
def rebuild_command(if_due: bool) -> None:
    """Publish a new release: every cohort statistic recomputed from the submissions that count."""
    k = current_app.config["BENCHMARK_MIN_GROUP"]
    with Session(current_app.extensions["db_engine"], expire_on_commit=False) as session:
        if if_due and not release_due(session=session):
            click.echo("No release is due.")
            return
        release = make_release(session=session, catalog=current_app.extensions["questionnaires"], k=k,
                               trigger="schedule" if if_due else "command")
    click.echo(f"Published release {release.id}: {release.cells} cohort statistics of {release.entries} entries "
               f"({release.withheld} withheld: groups of fewer than {k} and their complements), counting "
               f"submissions from trust level '{release.min_trust}' up, in {release.seconds:.1f} s.")


@benchmarks_cli.command("releases")
def releases_command() -> None:
    """List every release, the latest first."""
    with Session(current_app.extensions["db_engine"], expire_on_commit=False) as session:
        found = releases(session=session)
    if not found:
        click.echo("No release yet: `flask benchmarks rebuild` publishes the first.")
    for release in found:
        click.echo(f"{release.id:>5}  {release.created_at:%Y-%m-%d %H:%M} UTC  {release.trigger:<13} "
                   f"{release.entries:>9} entries  {release.cells:>8} cohorts  {release.withheld:>7} withheld  "
                   f"from '{release.min_trust}'")
