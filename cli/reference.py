"""`flask reference import-indicators|import-published|import-margins FILE`: reference data from CSV files, all rows
or none."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlmodel import Session

from assessment.margins import parse_margins_csv
from assessment.published import parse_published_csv
from assessment.reference_csv import ReferenceFileError, read_csv_text
from assessment.regional.indicators import parse_indicator_csv
from storage.margins import import_margins
from storage.reference_data import import_indicators, import_published

reference_cli = AppGroup(
    "reference", help="Import regional indicators, published benchmarks and population margins from CSV files.")


def _import_file(path: Path, parse: Callable, store: Callable, what: str) -> None:
    """Parse a whole file (every bad row listed on standard error, exit 1, nothing written), then store it."""
    try:
        rows = parse(read_csv_text(path), file_name=str(path))
    except ReferenceFileError as error:
        for line in str(error).splitlines():
            click.echo(line, err=True)
        raise click.exceptions.Exit(1) from None
    with Session(current_app.extensions["db_engine"], expire_on_commit=False) as session:
        count = store(session=session, rows=rows)
    click.echo(f"Imported {count} {what} from {path}.")


@reference_cli.command("import-indicators")
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
def import_indicators_command(path: Path) -> None:
    """Import regional indicators (region_code,period,indicator,value,source); nothing is written if a row is bad."""
    _import_file(path, parse_indicator_csv, import_indicators, "regional indicator values")


@reference_cli.command("import-published")
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
def import_published_command(path: Path) -> None:
    """Import published benchmarks, replacing earlier imports of the same publications; all rows or none."""
    _import_file(path, parse_published_csv, import_published, "published benchmark figures")


@reference_cli.command("import-margins")
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--source", required=True, help="The census or register the counts come from, as it should be cited.")
@click.option("--year", required=True, type=click.IntRange(1900, 2100), help="The year the counts describe.")
def import_margins_command(path: Path, source: str, year: int) -> None:
    """Import population margins (region_code,industry,size_class,count), replacing an earlier import of the same
    source and year; all rows or none. Releases weight regions' figures to them from the next release on."""
    source = source.strip()
    if not source or len(source) > 300:
        raise click.BadParameter("give the source, at most 300 characters", param_hint="--source")

    def store(*, session, rows):
        return import_margins(session=session, rows=rows, source=source, year=year)

    _import_file(path, parse_margins_csv, store, "population counts")
