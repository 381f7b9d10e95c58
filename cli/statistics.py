"""`flask benchmarks rebuild`: every cohort statistic recomputed from the submitted assessments."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlmodel import Session

from storage.statistics import rebuild

benchmarks_cli = AppGroup("benchmarks", help="Cohort statistics of the submitted assessments.")


@benchmarks_cli.command("rebuild")
def rebuild_command() -> None:
    """Recompute every cohort statistic from the submitted assessments."""
    k = current_app.config["BENCHMARK_MIN_GROUP"]
    with Session(current_app.extensions["db_engine"], expire_on_commit=False) as session:
        built = rebuild(session=session, catalog=current_app.extensions["questionnaires"], k=k)
    for (questionnaire_id, period), cohorts in sorted(built.items()):
        click.echo(f"{questionnaire_id} {period}: {cohorts} cohorts")
    click.echo(f"Rebuilt {sum(built.values())} cohort statistics (groups of fewer than {k} are withheld).")
