"""The rules of an agencies' selection that the page and the API share: which regions it compares, which scopes and
levels it may name, from which period change is measured, and from which band a paradigm counts as reached.

Plain functions: no Flask, no database. What each caller says about a value outside these rules is its own (the page
lists the offered values, the API names the field in JSON).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from assessment.classifications import Region, RegionTree
from assessment.cohorts.groups import ALL
from assessment.regional.comparison import reached_level
from questionnaires.loader import Questionnaire
from questionnaires.schema import Band
from questionnaires.vocabulary import INDUSTRY_TYPES, SIZES


def selected_regions(regions: RegionTree, *, chosen: Sequence[str] = (), within: str = "",
                     jurisdiction: str | None = None) -> tuple[tuple[str, ...], bool]:  # fmt: skip
    """The codes of the regions compared and whether those without data are left out: the regions chosen, else a
    province and its cities, else a jurisdiction and the regions below it, else every province and the country."""
    if chosen:
        return tuple(dict.fromkeys(chosen)), False
    if within:
        return (within, *(city.code for city in regions.children(within))), False
    if jurisdiction is not None:
        return (jurisdiction, *(region.code for region in regions.children(jurisdiction))), False
    # only here are regions without data left out: a default list of every province would be mostly empty rows
    return (*(province.code for province in regions.provinces()), regions.country.code), True


def provinces_with_cities(regions: RegionTree) -> list[Region]:
    """The provinces that can be opened into their cities (`within`); the municipalities have none."""
    return [province for province in regions.provinces() if regions.children(province.code)]


def industry_scopes(divisions: Iterable[str]) -> list[str]:
    """The industry scopes a selection may name: all manufacturing, an industry type, or a division."""
    return [ALL, *INDUSTRY_TYPES, *sorted(divisions)]


def size_scopes() -> list[str]:
    """The size scopes a selection may name: all sizes or a size class."""
    return [ALL, *SIZES]


def lagging_bands(questionnaire: Questionnaire) -> list[Band]:
    """The bands below whose level a dimension can count as lagging: the dimensions' bands but the lowest."""
    return [band for band in questionnaire.bands(questionnaire.nodes[questionnaire.dimensions[0].id])
            if band.level > 0]  # nothing is below level 0


def reached_band(questionnaire: Questionnaire) -> Band | None:
    """The band from which a paradigm counts as reached (see `reached_level`); None without paradigms."""
    level = reached_level(questionnaire)
    if level is None:
        return None
    return next(band for band in questionnaire.bands(next(iter(questionnaire.paradigm_nodes.values())))
                if band.level == level)


def follows(periods: Sequence[int], period: int, base: int) -> bool:
    """Whether `base` is the period just before `period` among `periods` (ascending): change statistics are kept
    between consecutive periods only."""
    position = periods.index(period)
    return position > 0 and periods[position - 1] == base
