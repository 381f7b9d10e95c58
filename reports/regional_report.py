"""The agencies' regional report: the comparison of `/agencies/` printed as a PDF, for the same query string.

Built from the page's own `RegionComparisonView` (reports/region_view.py): the same table, regional index, charts
and published figures, so the report never prints a figure the page would not show. The table is too wide for a
page, so it is printed in parts, a part per group of columns beside its chart; in a part, a withheld region's cells
are printed as one shaded cell that says why. The inputs of the regional index go to an annex, their sources to a
numbered list. Runs in an application context: every word comes through gettext in the view's language.

The web queues the report (jobs/regional_reports.py) with the selection as the page read it; `print_queued` then
reads the same comparison again, in the language asked for, and prints it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from flask import render_template
from flask_babel import force_locale
from sqlmodel import Session

from assessment.classifications import load_regions
from assessment.regional.comparison import Cell, Column, ComparisonTable, Row, Selection
from assessment.regional.conditions import Conditions
from assessment.regional.selection import lagging_bands, reached_band
from assessment.weighting import MAX_WEIGHT_RATIO
from reports.agency_figures import comparison_charts, index_chart
from reports.chart_export import ChartSize, figure_height
from reports.display import format_share
from reports.pdf import Charts, Figures, print_report
from reports.region_view import RegionComparisonView, file_name, region_comparison
from reports.region_wording import selection_choices, synthetic_line, withheld_rule
from storage.statistics import periods_with_statistics
from storage.tables import RegionalReportJob

CHART_WIDTH = 700  # CSS pixels, printed across the text width of an A4 page (178 mm)
MAX_CHART_HEIGHT = 860  # taller charts (many regions) are drawn squeezed, so that a chart and its heading fit a page
# the parts of the table: (key, the columns it holds, the charts printed before its table); change is printed in two
# parts (paradigms, then dimensions), as one would not fit the width of a page
PARTS: tuple[tuple[str, Callable[[Column], bool], tuple[str, ...]], ...] = (
    ("levels", lambda column: column.group in ("count", "levels", "lagging"), ("chart-levels",)),
    ("reached", lambda column: column.group == "reached", ("chart-reached",)),
    ("means", lambda column: column.group == "means", ("chart-means",)),
    ("gaps", lambda column: column.group == "gaps", ("chart-gaps",)),
    (
        "change",
        lambda column: column.group == "change" and (column.unit != "score" or column.key == "change_overall"),
        ("chart-change",),
    ),
    (
        "change-dimensions",
        lambda column: column.group == "change" and column.unit == "score" and column.key != "change_overall",
        ("chart-change-dimensions",),
    ),
)


@dataclass(frozen=True)
class PartRow:
    """A region's cells in a part; `withheld` says why when they are all withheld (they are then printed as one)."""

    region_code: str
    region_name: str
    region_level: str
    cells: tuple[Cell, ...]
    withheld: str


@dataclass(frozen=True)
class Part:
    """Some groups of the table's columns with every row, printed under the heading of its main group."""

    key: str
    heading: str
    spans: tuple[tuple[str, int], ...]  # the group headings over the columns; none when the part is one group
    columns: tuple[Column, ...]
    rows: tuple[PartRow, ...]
    charts: tuple[str, ...]


@dataclass(frozen=True)
class SubIndexInputs:
    """The inputs of one sub-index of a region's index: its name and weight, then a row per indicator."""

    name: str
    weight: str
    rows: tuple[tuple[Cell, ...], ...]  # indicator, value, ..., weight, value source, denominator source, reason


@dataclass(frozen=True)
class RegionInputs:
    """Every input of one region's index, by sub-index."""

    region_code: str
    region_name: str
    index: str
    sub_indices: tuple[SubIndexInputs, ...]


@dataclass(frozen=True)
class Annex:
    """The inputs of the regional index: the columns printed, a block per region, and the sources they cite, each
    (number, text, synthetic) once; source cells print the source's number."""

    columns: tuple[Column, ...]
    regions: tuple[RegionInputs, ...]
    sources: tuple[tuple[int, str, bool], ...]


def parts(table: ComparisonTable) -> list[Part]:
    """The table in printable parts; the change parts only with a comparison period."""
    found = []
    for key, holds, charts in PARTS:
        indexes = [i for i, column in enumerate(table.columns) if holds(column)]
        if not indexes:
            continue
        columns = tuple(table.columns[i] for i in indexes)
        spans: list[tuple[str, int]] = []
        for column in columns:
            if spans and spans[-1][0] == column.heading:
                spans[-1] = (column.heading, spans[-1][1] + 1)
            else:
                spans.append((column.heading, 1))
        reason_key = "both_periods" if columns[0].group == "change" else "count"
        rows = tuple(
            PartRow(
                row.region_code,
                row.region_name,
                row.region_level,
                tuple(row.cells[i] for i in indexes),
                _withheld(table, row, reason_key, indexes),
            )
            for row in table.rows
        )
        # the heading of the part's main group: the levels, rather than the count before them
        heading = next(column.heading for column in columns if column.group != "count")
        found.append(Part(key, heading, tuple(spans) if len(spans) > 1 else (), columns, rows, charts))
    return found


def _withheld(table: ComparisonTable, row: Row, reason_key: str, indexes: list[int]) -> str:
    """Why a row's cells in a part are withheld (what its cell `reason_key` says: its count, or its count of
    enterprises assessed in both periods for change), or "" when they are shown."""
    if not all(row.cells[i].withheld for i in indexes):
        return ""
    return row.cells[[column.key for column in table.columns].index(reason_key)].text


def annex(conditions: Conditions) -> Annex:
    """The inputs of every region with indicators, grouped by sub-index, with their sources numbered."""
    keys = [column.key for column in conditions.input_columns]
    at = {key: keys.index(key) for key in keys}
    printed = [i for i, key in enumerate(keys) if key not in ("region_code", "region", "sub_index", "sub_index_weight")]
    sources: dict[str, tuple[int, bool]] = {}
    regions = []
    for row in conditions.rows:
        if not row.inputs:
            continue
        groups: dict[str, tuple[str, list[tuple[Cell, ...]]]] = {}
        for cells in row.inputs:
            printed_cells = []
            for i in printed:
                cell = cells[i]
                if keys[i] in ("value_source", "denominator_source") and cell.text:
                    number, _synthetic = sources.setdefault(cell.text, (len(sources) + 1, cell.synthetic))
                    cell = Cell(cell.value, f"[{number}]", synthetic=cell.synthetic)
                printed_cells.append(cell)
            name = cells[at["sub_index"]].text
            groups.setdefault(name, (cells[at["sub_index_weight"]].text, []))[1].append(tuple(printed_cells))
        sub_indices = tuple(SubIndexInputs(name, weight, tuple(rows)) for name, (weight, rows) in groups.items())
        regions.append(RegionInputs(row.region_code, row.region_name, row.cells[2].text, sub_indices))
    columns = tuple(conditions.input_columns[i] for i in printed)
    listed = tuple((number, text, synthetic) for text, (number, synthetic) in sources.items())
    return Annex(columns, tuple(regions), listed)


def chart_size(figure) -> ChartSize:
    """The printed size of a chart: the text width, and the height the figure asks for within a page."""
    return ChartSize(CHART_WIDTH, min(figure_height(figure) or 420, MAX_CHART_HEIGHT))


def report_figures(shown: RegionComparisonView) -> Figures:
    """The page's charts and the regional index's, with their printed sizes."""
    figures = dict(comparison_charts(shown.table))
    index_figure = index_chart(shown.conditions, load_regions().country.name(shown.lang))
    if index_figure is not None:
        figures["chart-index"] = index_figure
    return {name: (figure, chart_size(figure)) for name, figure in figures.items()}


def render_html(shown: RegionComparisonView, charts: Charts) -> str:
    """The report as HTML for WeasyPrint, in the view's language."""
    table, questionnaire, lang, choices = shown.table, shown.questionnaire, shown.lang, shown.choices
    selection = table.selection
    lagging = next(band for band in lagging_bands(questionnaire) if band.level == selection.lagging_level)
    return render_template(
        "reports/regional.html",
        subject=" · ".join((choices.label("industry", selection.industry), choices.label("size", selection.size))),
        table=table,
        selection=selection,
        questionnaire_title=questionnaire.definition.title.get(lang),
        described=shown.described,
        withheld_rule=withheld_rule(shown.k),
        synthetic_line=synthetic_line(table),
        parts=parts(table),
        conditions=shown.conditions,
        annex=annex(shown.conditions),
        published=shown.published,
        charts=charts,
        reached_band=reached_band(questionnaire),
        lagging_band=lagging,
        dimensions=len(questionnaire.dimensions),
        country=load_regions().country.name(lang),
        k=shown.k,
        printed=datetime.now(UTC),
        format_share=format_share,
        weighted=shown.weighted,
        weight_cap=f"{MAX_WEIGHT_RATIO:g}",
    )


def render_regional_report(shown: RegionComparisonView, browser: str | None) -> bytes:
    """The comparison as PDF bytes: charts through `browser` (None: the first Chromium on PATH), or tables only
    with a note saying why when it is missing or fails."""
    return print_report(report_figures(shown), browser, lambda charts: render_html(shown, charts)).pdf


def selection_to_json(selection: Selection) -> dict:
    """A selection as stored with a queued report."""
    return asdict(selection)


def selection_from_json(data: dict) -> Selection:
    """A selection stored with a queued report."""
    return Selection(**{**data, "region_codes": tuple(data["region_codes"])})


def print_queued(*, session: Session, catalog, job: RegionalReportJob, k: int,
                 browser: str | None) -> tuple[bytes, str]:  # fmt: skip
    """A queued report printed as its user asked for it, and the name its PDF is saved under; LookupError when its
    questionnaire is no longer installed."""
    selection = selection_from_json(job.selection)
    questionnaire = catalog.get(selection.questionnaire_id)
    if questionnaire is None:
        raise LookupError(f"questionnaire {selection.questionnaire_id} is not installed")
    periods_of = periods_with_statistics(session=session, catalog=catalog, verified_only=job.verified_only)
    with force_locale(job.language):
        choices = selection_choices(questionnaires=[catalog.get(found) for found in periods_of], chosen=questionnaire,
                                    periods=periods_of.get(questionnaire.id, []), regions=load_regions(),
                                    jurisdiction=job.jurisdiction, lang=job.language)  # fmt: skip
        shown = region_comparison(session=session, questionnaire=questionnaire, selection=selection, choices=choices,
                                  k=k, lang=job.language, verified_only=job.verified_only, weighted=job.weighted)
        return render_regional_report(shown, browser), file_name(shown.table, "pdf")
