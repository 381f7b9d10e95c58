"""Published benchmarks: figures from national reports and studies (level shares, averages), read from CSV.

They are shown as what they are, with their source and year, and never mixed with our own enterprises' data.
The bundled file is `assessment/data/published_benchmarks.csv`; no Flask and no database here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from assessment.classifications import DATA_DIR, load_industries, load_regions
from assessment.reference_csv import CsvProblem, Number, Year, csv_file_error, validate_csv_rows

PUBLISHED_PATH = DATA_DIR / "published_benchmarks.csv"
SHARE_TOLERANCE = 0.01  # a publication's level shares must sum to 1 within this (published percentages are rounded)

Measure = Literal["level_share", "mean"]


class PublishedRow(BaseModel):
    """A row of a published-benchmarks CSV: one figure of one publication, as published."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(min_length=1, max_length=300)
    year: Year
    framework: str = Field(min_length=1, max_length=40)
    scope: str = Field(min_length=1, max_length=200)
    region_code: str | None = Field(max_length=6)
    industry_code: str | None = Field(max_length=2)
    measure: Measure
    level: str | None = Field(max_length=20)
    value: Number

    @field_validator("region_code", "industry_code", "level", mode="before")
    @classmethod
    def _empty_is_none(cls, text: object) -> object:
        return None if text == "" else text

    @field_validator("region_code")
    @classmethod
    def _known_region(cls, code: str | None, info: ValidationInfo) -> str | None:
        if code is not None and code not in info.context["regions"]:
            raise ValueError(f"unknown region code {code!r} (leave empty for a scope outside China)")
        return code

    @field_validator("industry_code")
    @classmethod
    def _known_industry(cls, code: str | None, info: ValidationInfo) -> str | None:
        if code is not None and code not in info.context["industries"]:
            raise ValueError(f"unknown industry code {code!r} (a GB/T 4754 division 13-43, or empty)")
        return code

    @field_validator("level")
    @classmethod
    def _level_of_a_share(cls, level: str | None, info: ValidationInfo) -> str | None:
        if level is None and info.data.get("measure") == "level_share":
            raise ValueError("a level share needs the level it is the share of")
        return level

    @field_validator("value")
    @classmethod
    def _share_in_range(cls, value: float, info: ValidationInfo) -> float:
        if info.data.get("measure") == "level_share" and not 0 <= value <= 1:
            raise ValueError(f"a level share is between 0 and 1, got {value:g}")
        return value

    @property
    def publication(self) -> tuple[str, int, str]:
        """What identifies the publication a figure belongs to: (source, year, scope)."""
        return self.source, self.year, self.scope


def _lines_text(lines: list[int]) -> str:
    return f"line {lines[0]}" if len(lines) == 1 else "lines " + ", ".join(map(str, lines))


def _share_problems(rows: list[tuple[int, PublishedRow]]) -> list[CsvProblem]:
    """Each publication's level shares sum to 1 (within SHARE_TOLERANCE), each level given once."""
    problems: list[CsvProblem] = []
    shares: dict[tuple[str, int, str], list[tuple[int, PublishedRow]]] = defaultdict(list)
    first_line: dict[tuple, int] = {}
    for line, row in rows:
        key = (*row.publication, row.measure, row.level)
        if key in first_line:
            problems.append((line, "level", f"level {row.level!r} of this publication is already on line "
                             f"{first_line[key]}"))
            continue
        first_line[key] = line
        if row.measure == "level_share":
            shares[row.publication].append((line, row))
    for (source, year, scope), group in shares.items():
        total = sum(row.value for _, row in group)
        if abs(total - 1) > SHARE_TOLERANCE + 1e-9:  # the tolerance itself is allowed, despite float rounding
            lines = [line for line, _ in group]
            problems.append((lines[0], "value", f"the level shares on {_lines_text(lines)} ({source}, {year}, {scope}) "
                             f"sum to {total:.3f}, not 1 ± {SHARE_TOLERANCE}"))
    return problems


def parse_published_csv(text: str, *, file_name: str) -> list[PublishedRow]:
    """The rows of a published-benchmarks CSV; ReferenceFileError names the file, line and field of every problem."""
    context = {"regions": load_regions(), "industries": load_industries()}
    rows, problems = validate_csv_rows(text, PublishedRow, context=context)
    problems.extend(_share_problems(rows))
    if problems:
        raise csv_file_error(file_name, problems)
    return [row for _, row in rows]


@dataclass(frozen=True)
class Publication:
    """One publication's level distribution (and averages), as it is shown: source, year, scope, figures."""

    source: str
    year: int
    framework: str
    scope: str
    shares: tuple[tuple[str, float], ...]  # (level as published, share 0-1)
    means: tuple[float, ...]


def publications(figures: Iterable) -> list[Publication]:
    """Published figures (rows with source, year, framework, scope, measure, level, value) grouped by publication,
    newest first within a framework."""
    grouped: dict[tuple, list] = defaultdict(list)
    for figure in figures:
        grouped[(figure.framework, figure.year, figure.source, figure.scope)].append(figure)
    ordered = sorted(grouped.items(), key=lambda item: (item[0][0], -item[0][1]))
    return [Publication(source=source, year=year, framework=framework, scope=scope,
                        shares=tuple((f.level, f.value) for f in rows if f.measure == "level_share"),
                        means=tuple(f.value for f in rows if f.measure == "mean"))
            for (framework, year, source, scope), rows in ordered]
