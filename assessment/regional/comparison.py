"""The agencies' comparison of regions as one table: what the page shows and what its CSV and XLSX exports hold.

A selection (questionnaire, period, optional earlier period for change, regions, industry and size scope, and
what counts as lagging) names the cohorts to read; `build_table` turns their published statistics into rows of
ready-made cells. Every figure is rounded here, once, so the page and the files show the same numbers. Cohorts that
are withheld carry no figure, and their cells stay empty. The regional enabling-conditions index of the same regions
is `assessment/regional/conditions.py`; the CSV and XLSX writers are `reports/region_export.py`. Plain functions: no
Flask, no database.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from assessment.classifications import RegionTree
from assessment.cohorts.groups import ALL, Cohort, CohortStats, Hidden
from assessment.scoring import level_for
from questionnaires.loader import Questionnaire

# A paradigm counts as reached from the band that starts at 80 % progress ("Established"), as CMMM counts a
# level once its requirements are met to 0.8.
REACHED_PROGRESS = 80.0
# per unit: how many decimals a figure keeps; "raw" figures are kept as imported, "significant" ones to SIGNIFICANT
DECIMALS = {"count": 0, "percent": 1, "score": 2, "points": 1, "index": 1, "weight": 3}
SIGNIFICANT = 5  # digits an intensity keeps: enough to work its relative out again to a hundredth


@dataclass(frozen=True)
class Selection:
    """What an agency asked to compare; `base_period` 0 means no change columns."""

    questionnaire_id: str
    period: int
    region_codes: tuple[str, ...]
    base_period: int = 0
    industry: str = ALL
    size: str = ALL
    lagging_level: int = 2
    lagging_dimensions: int = 2
    only_with_data: bool = False  # leave out regions with no enterprise (the default list of provinces)
    index: str = ""  # the regional index shown beside the table; "" the default (regional_index.yaml's first)

    def cohorts(self) -> list[Cohort]:
        """Every cohort the table reads: the period's, then the change's when a base period is chosen."""
        found = [Cohort(self.questionnaire_id, self.period, code, self.industry, self.size)
                 for code in self.region_codes]
        if self.base_period:
            found += [Cohort(self.questionnaire_id, self.period, code, self.industry, self.size, self.base_period)
                      for code in self.region_codes]
        return found


@dataclass(frozen=True)
class Wording:
    """The table's words in the reader's language; the web layer passes translated ones, tests the defaults."""

    region_code: str = "Region code"
    region: str = "Region"
    enterprises: str = "Enterprises"
    synthetic: str = "Synthetic enterprises"
    levels: str = "Overall level: share of enterprises (%)"
    reached: str = "Reaching the paradigm: share of enterprises (%)"
    means: str = "Mean score (0–5)"
    gaps: str = "Gap to best in class (p90 − mean)"
    lagging: str = "Lagging: share of enterprises (%)"
    lagging_label: str = "Lagging"
    change: str = "Mean change"
    both_periods: str = "Assessed in both periods"
    overall: str = "Overall (0–5)"
    withheld_small: str = "withheld: small group"
    withheld_complementary: str = "withheld so that a small group cannot be derived"
    paradigm_names: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Column:
    """One column: `group` and `node`/`level` say what it holds, `heading` is the group's words, `label` its own."""

    key: str
    group: str  # "region", "count", "levels", "reached", "means", "gaps", "lagging", "change"
    heading: str
    label: str
    unit: str = ""  # "count", "percent", "score" or "points"; "" for text
    node: str = ""
    level: int | None = None


@dataclass(frozen=True)
class Cell:
    """A cell as shown: its number (None when empty), its text, and whether it is empty because withheld."""

    value: float | int | str | None
    text: str
    withheld: bool = False
    synthetic: bool = False  # a source that says its figure is a synthetic demo figure


@dataclass(frozen=True)
class Row:
    """One region: its cells in column order, and whether its figures (and its change figures) are shown."""

    region_code: str
    region_name: str
    region_level: str
    status: str  # "shown", "small", "complementary" or "empty"
    change_status: str  # the same for the change cohort; "" without a base period
    cells: tuple[Cell, ...]
    synthetic: int  # synthetic enterprises among the row's (0 when withheld)

    def value(self, columns: tuple[Column, ...], key: str) -> float | int | str | None:
        """The number in the column `key` (None when empty or withheld)."""
        return next(cell.value for column, cell in zip(columns, self.cells, strict=True) if column.key == key)


@dataclass(frozen=True)
class ComparisonTable:
    """The whole comparison: columns, rows, and how many shown rows include synthetic demo enterprises."""

    selection: Selection
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    synthetic_rows: int

    def columns_of(self, group: str) -> list[Column]:
        """The columns of one group, in order."""
        return [column for column in self.columns if column.group == group]

    def heading_spans(self) -> list[tuple[str, int]]:
        """The headings over the columns, each with the number of neighbouring columns it spans."""
        spans: list[tuple[str, int]] = []
        for column in self.columns:
            if spans and spans[-1][0] == column.heading:
                spans[-1] = (column.heading, spans[-1][1] + 1)
            else:
                spans.append((column.heading, 1))
        return spans

    def has_figures(self, group: str) -> bool:
        """Whether any row shows a number in the group's columns (a chart of nothing is left out)."""
        indexes = [i for i, column in enumerate(self.columns) if column.group == group and column.unit]
        return any(isinstance(row.cells[i].value, float | int) for row in self.rows for i in indexes)

    @property
    def withheld_rows(self) -> int:
        """Rows whose figures are withheld."""
        return sum(row.status in ("small", "complementary") for row in self.rows)


def reached_level(questionnaire: Questionnaire) -> int | None:
    """The paradigm level from which a paradigm counts as reached (the band holding REACHED_PROGRESS); None for a
    questionnaire without paradigms."""
    node = next(iter(questionnaire.paradigm_nodes.values()), None)
    return None if node is None else level_for(questionnaire.bands(node), REACHED_PROGRESS)


def table_columns(questionnaire: Questionnaire, selection: Selection, wording: Wording, lang: str) -> list[Column]:
    """The columns of a selection's table, in the order they are shown and exported."""
    w = wording
    columns = [Column("region_code", "region", w.region, w.region_code), Column("region", "region", w.region, w.region),
               Column("count", "count", w.enterprises, w.enterprises, "count"),
               Column("synthetic", "count", w.enterprises, w.synthetic, "count")]
    overall = questionnaire.overall_node
    leveled = questionnaire.standard_node or overall  # a standard's level (CMMM's) when there is one
    columns += [Column(f"level_{band.level}", "levels", w.levels, f"{band.level} {band.name.get(lang)}", "percent",
                       leveled.id, band.level) for band in questionnaire.bands(leveled)]
    paradigms = questionnaire.paradigm_nodes
    names = {paradigm: w.paradigm_names.get(paradigm, paradigm) for paradigm in paradigms}
    columns += [Column(f"reached_{p}", "reached", w.reached, names[p], "percent", node.id)
                for p, node in paradigms.items()]
    dimensions = [(d.id, d.name.get(lang)) for d in questionnaire.dimensions]
    columns += [Column(f"mean_{d}", "means", w.means, name, "score", d) for d, name in dimensions]
    columns += [Column(f"gap_{d}", "gaps", w.gaps, name, "score", d) for d, name in dimensions]
    columns.append(Column("lagging", "lagging", w.lagging, w.lagging_label, "percent"))
    if selection.base_period:
        columns.append(Column("both_periods", "change", w.change, w.both_periods, "count"))
        columns.append(Column("change_overall", "change", w.change, w.overall, "score", overall.id))
        columns += [Column(f"change_{p}", "change", w.change, names[p], "points", node.id)
                    for p, node in paradigms.items()]
        columns += [Column(f"change_{d}", "change", w.change, name, "score", d) for d, name in dimensions]
    return columns


def build_table(*, questionnaire: Questionnaire, selection: Selection,
                stats: Mapping[Cohort, CohortStats | Hidden | None], regions: RegionTree, wording: Wording,
                lang: str) -> ComparisonTable:
    """The comparison table of a selection from the `cohort_stats` answer for `selection.cohorts()`."""
    columns = tuple(table_columns(questionnaire, selection, wording, lang))
    reached = reached_level(questionnaire)
    rows = []
    for code in selection.region_codes:
        now = stats.get(Cohort(selection.questionnaire_id, selection.period, code, selection.industry, selection.size))
        if now is None and selection.only_with_data:
            continue
        change = (stats.get(Cohort(selection.questionnaire_id, selection.period, code, selection.industry,
                                   selection.size, selection.base_period)) if selection.base_period else None)
        region = regions.get(code)
        figures = _figures(now, change, selection, columns, reached)
        cells = (Cell(code, code), Cell(region.name(lang), region.name(lang)),
                 *(_cell(column, figures, change if column.group == "change" else now, wording)
                   for column in columns[2:]))
        rows.append(Row(code, region.name(lang), region.level, _status(now),
                        _status(change) if selection.base_period else "", cells,
                        now.synthetic if isinstance(now, CohortStats) else 0))
    return ComparisonTable(selection, columns, tuple(rows), sum(row.synthetic > 0 for row in rows))


def _status(found: CohortStats | Hidden | None) -> str:
    if isinstance(found, Hidden):
        return found.reason
    return "shown" if found is not None else "empty"


def _share(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


def _figures(now, change, selection: Selection, columns, reached: int) -> dict[str, float | int | None]:
    """The unrounded figures of a row, by column key; only from published statistics."""
    figures: dict[str, float | int | None] = {}
    if isinstance(now, CohortStats):
        figures["count"], figures["synthetic"] = now.count, now.synthetic
        for column in columns:
            node = now.nodes.get(column.node)
            if node is None:
                continue
            if column.group == "levels":
                figures[column.key] = _share(node.levels.get(column.level, 0), sum(node.levels.values()))
            elif column.group == "reached":
                figures[column.key] = _share(sum(n for lv, n in node.levels.items() if lv >= reached),
                                             sum(node.levels.values()))
            elif column.group == "means":
                figures[column.key] = node.mean
            elif column.group == "gaps":
                figures[column.key] = node.p90 - node.mean
        lagging = now.lagging.get(selection.lagging_level, ())
        figures["lagging"] = _share(now.lagging_count(selection.lagging_level, selection.lagging_dimensions),
                                    sum(lagging))
    elif now is None:
        figures["count"] = 0
    if isinstance(change, CohortStats):
        figures["both_periods"] = change.count
        for column in columns:
            if column.group == "change" and column.node:
                node = change.nodes.get(column.node)
                figures[column.key] = node.mean if node else None
    elif change is None and selection.base_period:
        figures["both_periods"] = 0
    return figures


def _cell(column: Column, figures, source: CohortStats | Hidden | None, wording: Wording) -> Cell:
    """A cell's number and text; withheld cells are empty except the count cell, which says why."""
    if isinstance(source, Hidden):
        reason = wording.withheld_small if source.reason == "small" else wording.withheld_complementary
        text = reason if column.key in ("count", "both_periods") else ""
        return Cell(None, text, withheld=True)
    return number(figures.get(column.key), column.unit)


def number(value: float | None, unit: str) -> Cell:
    """A figure rounded as its unit says: to DECIMALS, to SIGNIFICANT digits, or as imported ("raw")."""
    if value is None:
        return Cell(None, "")
    if unit == "raw":
        value = int(value) if float(value).is_integer() else value
        return Cell(value, str(value))
    if unit == "significant":
        decimals = max(0, SIGNIFICANT - 1 - math.floor(math.log10(abs(value)))) if value else 0
    else:
        decimals = DECIMALS[unit]
    value = round(value, decimals) + 0.0 if decimals else int(round(value))  # + 0.0: no "-0.0"
    return Cell(value, f"{value:.{decimals}f}" if decimals else str(value))

