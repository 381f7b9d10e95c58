"""Population margins: how many enterprises a region holds per industry and size class, read from CSV, and the
one-way margins (region, industry, size class) that `assessment/weighting.py` rakes respondents to.

A margins CSV has the columns region_code, industry, size_class, count; its source and year are given with the
import. Every cell is checked against the region tree (GB/T 2260), the GB/T 4754 divisions (or "discrete" /
"process") and the size classes. No Flask and no database here.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator

from assessment.classifications import DATA_DIR, RegionTree, load_industries, load_regions
from assessment.reference_csv import CsvProblem, csv_file_error, validate_csv_rows
from questionnaires.vocabulary import INDUSTRY_TYPES, SizeClass

DEMO_MARGINS_PATH = DATA_DIR / "population_margins_demo.csv"
DEMO_MARGINS_SOURCE = ("Synthetic illustrative margins for Shandong (imready demo data, not official statistics: "
                       "invented counts shaped like a provincial enterprise census) / "
                       "山东省合成示例边际分布（imready 演示数据，并非官方统计：仿照省级企业普查编造的企业数）")
DEMO_MARGINS_YEAR = 2025
RAKING_VARIABLES = ("region", "industry", "size")  # the one-way margins respondents are raked to, in this order


def _count(text: object) -> object:
    if isinstance(text, str) and not re.fullmatch(r"\d+", text):
        raise ValueError(f"{text!r} is not a count (a whole number, 0 or more)" if text else "is empty")
    return text


class MarginRow(BaseModel):
    """A row of a margins CSV: how many enterprises of one region, industry and size class the population holds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    region_code: str
    industry: str  # a GB/T 4754 division code, or "discrete" / "process" for every division of that type
    size_class: SizeClass
    count: Annotated[int, BeforeValidator(_count), Field(ge=0)]

    @field_validator("region_code")
    @classmethod
    def _known_region(cls, code: str, info: ValidationInfo) -> str:
        regions: RegionTree = info.context["regions"]
        if code not in regions:
            raise ValueError(f"unknown region code {code!r}")
        if code == regions.country.code:
            raise ValueError("give the counts of provinces or cities, not of the whole country")
        return code

    @field_validator("industry")
    @classmethod
    def _known_industry(cls, industry: str, info: ValidationInfo) -> str:
        if industry not in info.context["industries"] and industry not in INDUSTRY_TYPES:
            raise ValueError(f"unknown industry {industry!r} (a GB/T 4754 division 13-43, or discrete or process)")
        return industry


def _consistency_problems(rows: Sequence[tuple[int, MarginRow]], regions: RegionTree) -> list[CsvProblem]:
    """No (region, industry, size) twice; industries all divisions or all types; a province or its cities, not
    both (a respondent would then belong to two regions' counts)."""
    problems: list[CsvProblem] = []
    first_line: dict[tuple[str, str, str], int] = {}
    first_of_kind: dict[bool, int] = {}  # industry given as a type (True) or a division (False): its first line
    given = {row.region_code for _, row in rows}
    for line, row in rows:
        key = (row.region_code, row.industry, row.size_class)
        if key in first_line:
            problems.append((line, "region_code, industry, size_class",
                             f"{', '.join(key)} is already given on line {first_line[key]}"))
        first_line.setdefault(key, line)
        first_of_kind.setdefault(row.industry in INDUSTRY_TYPES, line)
        parent = regions.get(row.region_code).parent_code
        if parent in given:
            problems.append((line, "region_code", f"{row.region_code} lies in {parent}, which the file also "
                             "counts: give a province's cities or the province, not both"))
    if len(first_of_kind) > 1:
        problems.append((max(first_of_kind.values()), "industry", "use GB/T 4754 divisions or discrete/process "
                         f"throughout, not both (line {min(first_of_kind.values())} uses the other)"))
    return problems


def parse_margins_csv(text: str, *, file_name: str) -> list[MarginRow]:
    """The rows of a margins CSV; ReferenceFileError names the file, line and column of every problem."""
    regions = load_regions()
    context = {"regions": regions, "industries": load_industries()}
    rows, problems = validate_csv_rows(text, MarginRow, context=context)
    problems.extend(_consistency_problems(rows, regions))
    if not rows and not problems:
        problems.append((0, "", "holds no rows of counts"))
    if problems:
        raise csv_file_error(file_name, problems)
    return [row for _, row in rows]


@dataclass(frozen=True)
class Margins:
    """One-way population margins for one region (the raking variables and their counts), and where they come from."""

    source: str
    year: int
    counts: dict[str, dict[str, float]]  # variable (RAKING_VARIABLES) -> category -> enterprises
    by_division: bool  # industry categories are GB/T 4754 divisions (else discrete / process)


def covers(regions: RegionTree, region_code: str, margin_regions: Iterable[str]) -> bool:
    """Whether counts given for `margin_regions` describe `region_code`: some lie in it (the region itself or its
    cities) and, for the country, every province has some."""
    given = set(margin_regions)
    if region_code == regions.country.code:
        return all(any(_within(regions, code, p.code) for code in given) for p in regions.provinces())
    return any(_within(regions, code, region_code) for code in given)


def _within(regions: RegionTree, code: str, ancestor: str) -> bool:
    return ancestor in {region.code for region in regions.path(code)}


def one_way_margins(rows: Iterable[MarginRow], regions: RegionTree, region_code: str, *, source: str,
                    year: int) -> Margins:
    """The region, industry and size margins of the counts that lie in `region_code` (itself or its cities)."""
    counts: dict[str, dict[str, float]] = {variable: defaultdict(float) for variable in RAKING_VARIABLES}
    by_division = False
    for row in rows:
        if not _within(regions, row.region_code, region_code):
            continue
        counts["region"][row.region_code] += row.count
        counts["industry"][row.industry] += row.count
        counts["size"][row.size_class] += row.count
        by_division = by_division or row.industry not in INDUSTRY_TYPES
    return Margins(source, year, {variable: dict(found) for variable, found in counts.items()}, by_division)


def respondent_categories(margins: Margins, regions: RegionTree, *, province: str, city: str | None,
                          division: str, industry_type: str, size: str) -> Mapping[str, str]:
    """A respondent's category in each raking variable: the finest region the margins count it in (its city, or
    its province; its own finest region when they count neither), its division or its type as the margins use,
    its size class."""
    counted = margins.counts["region"]
    region = province if province in counted or city is None else city
    return {"region": region, "industry": division if margins.by_division else industry_type, "size": size}
