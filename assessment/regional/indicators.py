"""Indicator CSV files: the value of each regional indicator for each region and period, checked against the index
definition (`assessment/regional/index.py`) and the region tree. No Flask and no database here."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from assessment.classifications import DATA_DIR, RegionTree, load_regions
from assessment.reference_csv import Number, Year, csv_file_error, validate_csv_rows
from assessment.regional.index import IndexDefinition, load_index_definitions

DEMO_INDICATORS_PATH = DATA_DIR / "regional_indicators_demo.csv"


class IndicatorRow(BaseModel):
    """A row of an indicator CSV: the value of one indicator for one region in one period (a calendar year)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    region_code: str
    period: Year
    indicator: str
    value: Number
    source: str = Field(max_length=300)

    @field_validator("region_code")
    @classmethod
    def _known_region(cls, code: str, info: ValidationInfo) -> str:
        if code not in info.context["regions"]:
            raise ValueError(f"unknown region code {code!r}")
        return code

    @field_validator("indicator")
    @classmethod
    def _known_indicator(cls, indicator: str, info: ValidationInfo) -> str:
        if indicator not in info.context["indicators"]:
            raise ValueError(f"unknown indicator {indicator!r}")
        return indicator

    @field_validator("value")
    @classmethod
    def _not_negative(cls, value: float) -> float:
        if value < 0:
            raise ValueError(f"{value:g} is negative; an indicator is a count or a ratio, 0 or more")
        return value


def parse_indicator_csv(text: str, *, file_name: str, definition: IndexDefinition | None = None,
                        regions: RegionTree | None = None) -> list[IndicatorRow]:
    """The rows of an indicator CSV; ReferenceFileError names the file, line and field of every problem. Without
    `definition`, an indicator of any bundled index is known."""
    definitions = load_index_definitions().values() if definition is None else [definition]
    known = {indicator for each in definitions for indicator in each.indicators}
    context = {"indicators": known, "regions": load_regions() if regions is None else regions}
    rows, problems = validate_csv_rows(text, IndicatorRow, context=context)
    first_line: dict[tuple[str, int, str], int] = {}
    for line, row in rows:
        key = (row.region_code, row.period, row.indicator)
        if key in first_line:
            problems.append((line, "region_code, period, indicator", f"{row.region_code}, {row.period}, "
                             f"{row.indicator} is already given on line {first_line[key]}"))
        first_line.setdefault(key, line)
    if problems:
        raise csv_file_error(file_name, problems)
    return [row for _, row in rows]
