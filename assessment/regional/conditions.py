"""The regional enabling conditions of the compared regions: the composite index (country = 100), its sub-indices,
the indicators left out, and every input behind each figure, so that the page, its chart and both exports show the
same rounded cells and a reader can work each index out again. Built next to a `ComparisonTable`, one row per row
of it; the indicators are public statistics, so nothing here is withheld. Plain functions: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from assessment.classifications import RegionTree
from assessment.regional.comparison import Cell, Column, ComparisonTable, number
from assessment.regional.index import IndexDefinition, IndicatorResult, RegionalIndex, formula_text

SYNTHETIC_SOURCE = "synthetic"  # a source that says this marks a demo figure (the demo CSV's "synthetic demo figures")


@dataclass(frozen=True)
class ConditionsWording:
    """The index section's words in the reader's language; the web layer passes translated ones, tests the defaults.

    `none_in_period` is said when the period has no indicators at all (the web layer names the periods that have)."""

    heading: str = "Regional enabling conditions (country = 100)"
    index: str = "Index"
    coverage: str = "Weight measured (%)"
    missing: str = "Missing indicators"
    no_indicators: str = "no indicators"
    sub_index: str = "Sub-index"
    sub_index_weight: str = "Weight of the sub-index"
    indicator: str = "Indicator (compared as)"
    value: str = "Value"
    denominator: str = "Denominator"
    intensity: str = "Intensity"
    reference_intensity: str = "Intensity of the country"
    relative: str = "Relative (country = 100)"
    weight: str = "Weight in the sub-index"
    value_source: str = "Source of the value"
    denominator_source: str = "Source of the denominator"
    missing_reason: str = "Left out because"
    reasons: Mapping[str, str] = field(default_factory=lambda: {
        "value": "no value", "denominator": "no denominator", "reference": "no figure for the country"})
    summed: str = "sum over the provinces"
    formula: str = "Formula of the regional index"
    synthetic: str = "Synthetic indicators"
    synthetic_note: str = "Some regional indicators are synthetic demo figures, not official statistics; their " \
                          "source says so."
    none_in_period: str = "There are no regional indicators for this period."
    none_for_regions: str = "None of the regions shown has regional indicators; they are kept for the provinces " \
                            "and the country."
    source: Callable[[str], str] = str  # a source as the reader reads it (one side of "English / 中文")


@dataclass(frozen=True)
class IndexRow:
    """One region's index, sub-indices, coverage and missing indicators, and one row of inputs per indicator."""

    region_code: str
    region_name: str
    cells: tuple[Cell, ...]
    inputs: tuple[tuple[Cell, ...], ...]  # in the order of `Conditions.input_columns`; none without indicators


@dataclass(frozen=True)
class Conditions:
    """The index section: a row per region of the table (same order), the inputs, the formula, and `notice` instead
    of rows when there is nothing to show."""

    columns: tuple[Column, ...]
    rows: tuple[IndexRow, ...]
    input_columns: tuple[Column, ...]
    formula: str
    notes: tuple[tuple[str, str], ...]  # (label, text): the formula and notices, for the About sheet and the CSV
    reference_code: str  # the country's, whose index is 100
    notice: str = ""
    synthetic: bool = False
    normalisation: str = "relative"  # the index's: "relative" (country = 100), "min_max" or "none"

    def with_index(self) -> list[tuple[IndexRow, Cell]]:
        """The rows that have an index, each with its index cell (what the chart draws)."""
        return [(row, row.cells[2]) for row in self.rows if row.cells[2].value is not None]


def _has_indicators(index: RegionalIndex | None) -> bool:
    return index is not None and any(i.value is not None or i.denominator is not None
                                     for s in index.sub_indices for i in s.indicators)


def _text(text: str) -> Cell:
    return Cell(text or None, text)


def _source(index: RegionalIndex, indicator: str | None, result: IndicatorResult,
                 sources: Mapping[tuple[str, str], str], regions: RegionTree, wording: ConditionsWording) -> Cell:
    """Where a value came from; the country's summed values name the sources of the provinces."""
    if indicator is None:
        return Cell(None, "")
    if index.is_reference and result.reference_summed:
        found = sorted({sources[p.code, indicator] for p in regions.provinces() if (p.code, indicator) in sources})
        raw = "; ".join(found)
        text = f"{wording.summed}: {'; '.join(sorted({wording.source(source) for source in found}))}"
    else:
        raw = text = sources.get((index.region_code, indicator), "")
        text = wording.source(text)
    return Cell(text or None, text, synthetic=SYNTHETIC_SOURCE in raw.lower())


def build_conditions(*, table: ComparisonTable, indices: Sequence[RegionalIndex],
                     sources: Mapping[tuple[str, str], str], definition: IndexDefinition, regions: RegionTree,
                     wording: ConditionsWording, lang: str) -> Conditions:
    """The index section of `table` from `regional_index_table` for its regions and the sources of the period's
    values by (region, indicator); no sources means that the period has no indicators."""
    w, names = wording, {s.id: s.name(lang) for s in definition.sub_indices}
    columns = (*table.columns[:2], Column("index", "index", w.heading, w.index, "index"),
               *(Column(f"sub_{s}", "index", w.heading, name, "index") for s, name in names.items()),
               Column("coverage", "coverage", w.coverage, w.coverage, "percent"),
               Column("missing", "missing", w.missing, w.missing))
    input_columns = (*table.columns[:2], *(Column(key, "inputs", label, label, unit) for key, label, unit in (
        ("sub_index", w.sub_index, ""), ("sub_index_weight", w.sub_index_weight, "weight"),
        ("indicator", w.indicator, ""), ("value", w.value, "raw"), ("denominator", w.denominator, "raw"),
        ("intensity", w.intensity, "significant"), ("reference_intensity", w.reference_intensity, "significant"),
        ("relative", w.relative, "index"), ("weight", w.weight, "weight"), ("value_source", w.value_source, ""),
        ("denominator_source", w.denominator_source, ""), ("missing", w.missing_reason, ""))))
    by_code = {index.region_code: index for index in indices}
    rows = []
    for row in table.rows if sources else ():
        index = by_code.get(row.region_code)
        if not _has_indicators(index):
            cells = (*row.cells[:2], *(Cell(None, "") for _ in columns[2:-1]), _text(w.no_indicators))
            rows.append(IndexRow(row.region_code, row.region_name, cells, ()))
            continue
        inputs, missing = [], []
        for sub_index in index.sub_indices:
            for result in sub_index.indicators:
                indicator = definition.indicators[result.indicator]
                reason = w.reasons[result.missing] if result.missing else ""
                missing += [f"{indicator.label(lang)} ({reason})"] if reason else []
                inputs.append((
                    *row.cells[:2], _text(names[sub_index.sub_index]), number(sub_index.weight, "weight"),
                    _text(indicator.label(lang)), number(result.value, "raw"), number(result.denominator, "raw"),
                    number(result.intensity, "significant"), number(result.reference_intensity, "significant"),
                    number(result.relative, "index"), number(result.weight, "weight"),
                    _source(index, indicator.id, result, sources, regions, w),
                    _source(index, indicator.per, result, sources, regions, w), _text(reason)))
        cells = (*row.cells[:2], number(index.value, "index"), *(number(s.value, "index") for s in index.sub_indices),
                 number(100 * index.coverage, "percent"), _text("; ".join(missing)))
        rows.append(IndexRow(row.region_code, row.region_name, cells, tuple(inputs)))
    notice = "" if any(row.inputs for row in rows) else w.none_for_regions if sources else w.none_in_period
    rows = rows if not notice else []
    synthetic = any(cell.synthetic for row in rows for cells in row.inputs for cell in cells)
    formula = formula_text(definition, lang, reference_name=regions.country.name(lang))
    notes = [(w.formula, formula)] if rows else [(w.heading, notice)]
    notes += [(w.synthetic, w.synthetic_note)] if synthetic else []
    return Conditions(columns, tuple(rows), input_columns, formula, tuple(notes), regions.country.code, notice,
                      synthetic, definition.normalisation)
