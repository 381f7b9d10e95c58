"""`flask benchmarks rebuild` (publish a new release of every cohort statistic) and `flask benchmarks releases`."""

from __future__ import annotations

import sys
from contextlib import ExitStack

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
        with ExitStack() as bars:
            release = make_release(session=session, catalog=current_app.extensions["questionnaires"], k=k,
                                   trigger="schedule" if if_due else "command", progress=ReleaseBars(bars))
    click.echo(f"Published release {release.id}: {release.cells} cohort statistics of {release.entries} entries "
               f"({release.withheld} withheld: groups of fewer than {k} and their complements), counting "
               f"submissions from trust level '{release.min_trust}' up, in {release.seconds:.1f} s.")


class ReleaseBars:
    """A progress bar (steps done, in all, time left) for a release, and another for its verified-only companion."""

    def __init__(self, bars: ExitStack) -> None:
        self.bars, self.bar, self.shown, self.verified_only = bars, None, 0, None

    def __call__(self, verified_only: bool, done: int, steps: int) -> None:
        if self.bar is None or verified_only != self.verified_only:
            if self.bar is not None:
                self.bar.render_finish()
            label = "Verified-only companion, entries" if verified_only else "Cohort statistics, entries"
            self.bar = self.bars.enter_context(click.progressbar(length=max(steps, 1), label=label, show_pos=True,
                                                                 show_eta=True, file=sys.stderr))
            self.shown, self.verified_only = 0, verified_only
        self.bar.update(done - self.shown)
        self.shown = done


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
