"""`flask questionnaires check|export` for questionnaire files, and `flask score` for a file of answers."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from assessment.answers import parse_answers
from assessment.scoring import score
from questionnaires.catalog import Catalog
from questionnaires.export import export_questionnaire
from questionnaires.loader import Questionnaire, check_report
from questionnaires.vocabulary import INDUSTRY_TYPES

# what a JSON document that is not an object holds, for the error message
JSON_TYPES = {
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "true or false",
    type(None): "null",
}

questionnaires_cli = AppGroup("questionnaires", help="Check and export questionnaire files.")


@questionnaires_cli.command("check")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
def check_command(paths: tuple[Path, ...]) -> None:
    """Check questionnaire files (default: every *.yaml in QUESTIONNAIRE_DIR) and list every problem."""
    try:
        lines, failed = check_report(paths, current_app.config["QUESTIONNAIRE_DIR"])
    except FileNotFoundError as error:
        raise click.ClickException(str(error)) from None
    for line in lines:
        click.echo(line)
    if failed:
        raise click.exceptions.Exit(1)


@questionnaires_cli.command("export")
@click.argument("questionnaire_id", metavar="ID")
@click.option("--version", "version", help="The version to export (default: the newest).")
def export_command(questionnaire_id: str, version: str | None) -> None:
    """Print one questionnaire version as JSON in the export format of questionnaires/FORMAT.md."""
    questionnaire = _find(questionnaire_id, version)
    click.echo(json.dumps(export_questionnaire(questionnaire), ensure_ascii=False, indent=2))


@click.command("score")
@click.argument("questionnaire_id", metavar="ID")
@click.argument("answers_file", metavar="ANSWERS.json", type=click.File("r", encoding="utf-8"))
@click.option("--version", "version", help="The questionnaire version (default: the newest).")
@click.option(
    "--industry-type",
    type=click.Choice(INDUSTRY_TYPES),
    help="Picks the weight profile (default: the questionnaire's default profile).",
)
@with_appcontext
def score_command(questionnaire_id: str, answers_file, version: str | None, industry_type: str | None) -> None:
    """Score a JSON object of question id -> answer and print the result as JSON."""
    questionnaire = _find(questionnaire_id, version)
    name = answers_file.name
    try:
        raw = json.load(answers_file)
    except json.JSONDecodeError as error:
        raise click.ClickException(
            f"{name}: not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    except UnicodeDecodeError:
        raise click.ClickException(f"{name}: not UTF-8 text") from None
    except ValueError as error:  # e.g. an integer with more digits than Python converts
        raise click.ClickException(f"{name}: not valid JSON: {error}") from None
    if not isinstance(raw, dict):
        raise click.ClickException(
            f"{name}: expected a JSON object of question id -> answer, got {JSON_TYPES[type(raw)]}"
        )
    answers, problems = parse_answers(questionnaire, raw, complete=True)
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        raise click.exceptions.Exit(1)
    result = score(questionnaire, answers, profile=industry_type)
    click.echo(json.dumps(result.to_dict(questionnaire), ensure_ascii=False, indent=2))


def _find(questionnaire_id: str, version: str | None) -> Questionnaire:
    """The questionnaire the app offers under this id and version, or a usage error naming what there is."""
    catalog: Catalog = current_app.extensions["questionnaires"]
    questionnaire = catalog.get(questionnaire_id, version)
    if questionnaire is not None:
        return questionnaire
    if questionnaire_id not in catalog.ids():
        available = ", ".join(catalog.ids()) or "none"
        raise click.ClickException(f"no questionnaire '{questionnaire_id}'; available: {available}")
    versions = ", ".join(catalog.versions(questionnaire_id))
    raise click.ClickException(f"questionnaire '{questionnaire_id}' has no version '{version}'; available: {versions}")
