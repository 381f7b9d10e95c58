"""`flask reports batch`: enterprise reports for many assessments into one ZIP, with progress on the terminal."""

from __future__ import annotations

import shutil
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlmodel import Session

from assessment.roadmap import Settings, Target
from questionnaires.vocabulary import GOALS
from reports.batch import BatchWriteError, create_batch, latest_assessments, run_batch
from reports.enterprise_report import Branding, BrandingError

reports_cli = AppGroup("reports", help="Render PDF reports.")


@reports_cli.command("batch")
@click.option("--questionnaire", "questionnaire_id", default="quick_check", show_default=True)
@click.option("--assessment", "assessment_ids", type=int, multiple=True, help="An assessment id (repeatable).")
@click.option("--region", default="", help="Only enterprises whose region code starts with this, e.g. 37 or 3701.")
@click.option("--limit", type=int, default=0, help="At most this many enterprises (0: all that match).")
@click.option("--lang", "language", type=click.Choice(["en", "zh"]), default="en", show_default=True)
@click.option("--target", default="next_level", show_default=True,
              help="next_level, upper_quartile, best_in_class or paradigm:<digital|networked|intelligent>.")
@click.option("--goal", "goals", multiple=True,
              type=click.Choice(GOALS))
@click.option("--brand-name", default="")
@click.option("--brand-colour", default="#2f6f9f", show_default=True)
@click.option("--brand-logo", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The ZIP to write.")
def batch_command(questionnaire_id, assessment_ids, region, limit, language, target, goals, brand_name, brand_colour,
                  brand_logo, out):  # fmt: skip
    """Render the reports of the given assessments, or of each enterprise's latest assessment, into one ZIP."""
    try:
        settings = Settings(default=Target.parse(target), goals=frozenset(goals))
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--target") from None
    try:
        branding = Branding(brand_name, brand_colour, brand_logo.read_bytes() if brand_logo else None)
    except BrandingError as error:
        raise click.BadParameter(str(error), param_hint=f"--{error.field.replace('_', '-')}") from None
    catalog = current_app.extensions["questionnaires"]
    with Session(current_app.extensions["db_engine"], expire_on_commit=False) as session:
        ids = list(assessment_ids)
        if not ids:
            if catalog.get(questionnaire_id) is None:
                raise click.BadParameter(f"no questionnaire '{questionnaire_id}'", param_hint="--questionnaire")
            rows, _total = latest_assessments(session=session, questionnaire_id=questionnaire_id,
                                              region_prefix=region, limit=limit or 10**9)  # fmt: skip
            ids = [assessment.id for assessment, _enterprise in rows]
        if not ids:
            raise click.ClickException("no submitted assessment matches")
        batch = create_batch(session=session, assessment_ids=ids, language=language, settings=settings,
                             branding=branding)  # fmt: skip
        total = len(ids)

        def progress(current, name, error):
            state = click.style("failed: " + error, fg="red") if error else "ok"
            click.echo(f"[{current.done}/{total}] {name}: {state}")

        folder = Path(current_app.instance_path) / "reports"
        try:
            batch = run_batch(session=session, catalog=catalog, batch=batch, folder=folder, progress=progress)
        except BatchWriteError as error:
            raise click.ClickException(f"{error.strerror} (in {folder})") from None
        out.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copyfile(batch.path, out)
        except OSError as error:
            Path(out).unlink(missing_ok=True)
            raise click.ClickException(f"{out} could not be written: {error.strerror or error}") from None
        failed = len(batch.failures)
        click.echo(f"{total - failed} of {total} reports written to {out}" + (f"; {failed} failed" if failed else ""))
        if failed:
            raise SystemExit(1)
