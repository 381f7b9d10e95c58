"""One agencies' comparison as it is shown: `RegionComparisonView` holds the table (one `cohort_stats` call), the
regional index of the same regions (one query for the index, one for its sources), the published figures (listed
apart) and the lines about the selection. The page, its charts, the CSV and XLSX files and the PDF report are all
drawn from one view, so none of them shows a figure the others would not."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlmodel import Session

from assessment.classifications import RegionTree, load_regions
from assessment.published import Publication, publications
from assessment.regional.comparison import ComparisonTable, Selection, Wording, build_table
from assessment.regional.conditions import Conditions, IndexRow, build_conditions
from assessment.regional.index import load_index_definition
from questionnaires.loader import Questionnaire
from reports.region_wording import (
    SelectionChoices,
    conditions_wording,
    synthetic_line,
    table_wording,
    withheld_rule,
)
from reports.standard import comparable_publications
from reports.weighted_view import WeightedTable, weighted_table
from storage.reference_data import indicator_periods, indicator_sources, published_benchmarks, regional_index_table
from storage.statistics import cohort_stats, latest_release
from storage.tables import StatisticsRelease


@dataclass(frozen=True)
class RegionComparisonView:
    """Everything shown of one valid selection, in `lang`, with `k` the smallest group whose figures are shown."""

    questionnaire: Questionnaire
    choices: SelectionChoices
    table: ComparisonTable
    conditions: Conditions
    published: list[Publication]
    described: list[tuple[str, str]]  # what was compared, as (label, text) lines: the page, XLSX and report cover
    about: list[tuple[str, str]]  # the same with when and by which rules: the page and the XLSX
    k: int
    lang: str
    weighted: WeightedTable | None = None  # the figures weighted to the population, when asked for


def comparison_table(*, session: Session, questionnaire: Questionnaire, selection: Selection, lang: str,
                     wording: Wording | None = None, release: StatisticsRelease | None = None) -> ComparisonTable:
    """The table of a valid selection from a release (the latest unless given): one `cohort_stats` call for every
    region (and its change)."""
    stats = cohort_stats(session=session, cohorts=selection.cohorts(), release=release)
    return build_table(questionnaire=questionnaire, selection=selection, stats=stats, regions=load_regions(),
                       wording=wording or table_wording(questionnaire, selection, lang), lang=lang)


def conditions_of(*, session: Session, table: ComparisonTable, lang: str) -> Conditions:
    """The regional index of the table's regions, with its inputs and their sources; the periods that have
    indicators are only asked for when the table's period has none."""
    regions, period = load_regions(), table.selection.period
    codes = [row.region_code for row in table.rows]
    # the provinces too: the country's value may be their sum
    sources = indicator_sources(session=session, period=period, region_codes=[
        regions.country.code, *(province.code for province in regions.provinces()), *codes])
    definition = load_index_definition(index_id=table.selection.index or None)
    indices = regional_index_table(session=session, region_codes=codes, period=period,
                                   definition=definition) if sources else []
    periods = [] if sources else indicator_periods(session=session)
    conditions = build_conditions(table=table, indices=indices, sources=sources, definition=definition,
                                  regions=regions, wording=conditions_wording(period, periods, definition), lang=lang)
    return replace(conditions, rows=tuple(at_province_level(row, regions) for row in conditions.rows))


def at_province_level(row: IndexRow, regions: RegionTree) -> IndexRow:
    """A city's row says that indicators are kept at province level (the reference data have none for cities)
    rather than "no indicators", which would read as a gap in its data."""
    if row.inputs or regions.get(row.region_code).level != "city":
        return row
    note = _("at province level only")
    return replace(row, cells=(*row.cells[:-1], replace(row.cells[-1], value=note, text=note)))


def described(questionnaire: Questionnaire, choices: SelectionChoices, table: ComparisonTable,
              k: int, release: StatisticsRelease | None) -> list[tuple[str, str]]:  # fmt: skip
    """The selection as (label, text) lines: what the page, the XLSX and the report's cover say was compared, and
    the release its figures come from."""
    selection = table.selection
    return [(_("Statistics release"), release_name(release)),
            (_("Questionnaire"), _("%(title)s, version %(version)s", title=choices.label("q", questionnaire.id),
                                    version=questionnaire.version)),
            (_("Period"), str(selection.period)),
            (_("Change since"), choices.label("base", str(selection.base_period or ""))),
            (_("Regions"), ", ".join(f"{row.region_name} ({row.region_code})" for row in table.rows) or "–"),
            (_("Industry"), choices.label("industry", selection.industry)),
            (_("Size"), choices.label("size", selection.size)),
            (_("Lagging"), table.columns_of("lagging")[0].label),
            (_("Smallest group shown (k)"), str(k))]


def about(selection_lines: list[tuple[str, str]], table: ComparisonTable, k: int) -> list[tuple[str, str]]:
    """The selection's lines and the rules behind the figures, as (label, text) lines for the page and the XLSX."""
    lines = [*selection_lines,
             (_("Created"), datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
             (_("Withheld cells"), withheld_rule(k))]
    if table.synthetic_rows:
        lines.append((_("Synthetic data"), synthetic_line(table)))
    return lines


def region_comparison(*, session: Session, questionnaire: Questionnaire, selection: Selection,
                      choices: SelectionChoices, k: int, lang: str, verified_only: bool = False,
                      weighted: bool = False) -> RegionComparisonView:  # fmt: skip
    """The comparison of a valid selection: the table, the regional index of its regions, the lines about them and
    the published figures; from the verified-only release when asked (storage/releases.py), with the figures
    weighted to the population when asked."""
    release = latest_release(session=session, verified_only=verified_only)
    table = comparison_table(session=session, questionnaire=questionnaire, selection=selection, lang=lang,
                             release=release)
    lines = described(questionnaire, choices, table, k, release)
    lines.insert(1, (_("Assessments counted"), _("verified assessments only (signed off by a reviewer)")
                     if verified_only else _("all, self-declared and verified")))
    return RegionComparisonView(
        questionnaire=questionnaire, choices=choices, table=table,
        conditions=conditions_of(session=session, table=table, lang=lang),
        published=comparable_publications(questionnaire, publications(published_benchmarks(session=session))),
        described=lines,
        about=about(lines, table, k), k=k, lang=lang,
        weighted=weighted_table(session=session, questionnaire=questionnaire, table=table, release=release,
                                lang=lang, k=k) if weighted else None)


def release_name(release: StatisticsRelease | None) -> str:
    """How a figure names the release it comes from."""
    if release is None:
        return _("none yet")
    date = release.created_at.strftime("%Y-%m-%d %H:%M UTC")
    return _("%(number)s, published %(date)s", number=release.id, date=date)


def file_name(table: ComparisonTable, extension: str) -> str:
    """The name a file of the comparison is saved under, e.g. imready-regions-quick_check-2026.pdf."""
    return f"imready-regions-{table.selection.questionnaire_id}-{table.selection.period}.{extension}"
