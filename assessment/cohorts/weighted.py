"""A region's figures weighted to its population: the released (perturbed) entries of the region raked to the
region's margins (assessment/margins.py, assessment/weighting.py), then the weighted mean of the overall score and
the weighted share at each level, each with its 95 % interval and the effective sample size. Plain functions over
a `Population`: no Flask, no database.

The result is what a release stores (JSON-ready); whether it may be shown is decided by the same small-group rule
as every cohort statistic, by the caller, from the region's cohort cell, and here by one more: every weighting class
must be a cohort cell of at least k respondents that the release shows (`withheld_weighting_classes`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence

import numpy as np

from assessment.classifications import RegionTree
from assessment.cohorts.groups import ALL
from assessment.cohorts.statistics import Population
from assessment.margins import Margins, respondent_categories
from assessment.weighting import Estimate, level_shares, rake, weighted_mean

# Why a region's weighted figures are withheld unless every weighting class is a cohort cell the release shows.
# Raking gives every respondent of one combination of raking categories (region, industry, size class) the same
# weight, and the margins are public, so an analyst can work the weights out. The weighted and the unweighted mean
# (and the shares, n_eff, the intervals) are then known combinations of the classes' figures: with two classes they
# give each class's mean, with one process enterprise among four discrete ones that enterprise's perturbed score.
# Each class is a cohort cell (its region, industry and size class), so the figures are safe exactly when those
# cells are: at least k respondents, and not withheld by complementary suppression (a class of k or more whose
# cell is withheld would, once its mean is known, let a small group beside it be derived by difference). We
# withhold rather than collapse classes: collapsing changes the margins the figures claim to be weighted to, and in
# the small regions where it would bite it leaves almost no weighting to show.
SMALL_CLASS = "small-class"
WeightingClass = tuple[str, str, str]  # (region, industry, size class): the cohort cell of a weighting class


def withheld_weighting_classes(units: Sequence[Mapping[str, str]], k: int,
                               shown: Collection[WeightingClass]) -> list[WeightingClass]:  # fmt: skip
    """The weighting classes of `units` that hold fewer than `k` of them or whose cohort cell is not `shown`."""
    classes = Counter((unit["region"], unit["industry"], unit["size"]) for unit in units)
    return sorted(found for found, count in classes.items() if count < k or found not in shown)


def _label(population: Population, name: str, row: int) -> str | None:
    return population.labels[name][population.codes[name][row]]


def _triple(estimate: Estimate) -> list[float]:
    return [round(estimate.value, 6), round(estimate.low, 6), round(estimate.high, 6)]


def region_weighted(population: Population, margins: Margins, regions: RegionTree, region_code: str, *,
                    mean_column: int, level_column: int, scale: float, levels: Sequence[int], k: int,
                    shown: Collection[WeightingClass]) -> dict:  # fmt: skip
    """The weighted figures of one region's entries as stored: {"count", "mean", "unweighted_mean", "levels"
    ({level: [share, low, high, unweighted share]}), "n_eff", "converged", "iterations", "max_ratio"}; or, when the
    entries cannot be raked, {"count", "empty": [[variable, category]...], "unknown": [[variable, category]...]};
    or, when a weighting class holds fewer than `k` of them or is a cohort cell not `shown`, {"count", "withheld":
    SMALL_CLASS} and nothing else.
    Shares are 0-1, the mean on its score's scale; intervals are 95 %."""
    rows = np.flatnonzero(population.in_cell((region_code, ALL, ALL), regions.country.code))
    units = [respondent_categories(margins, regions, province=_label(population, "province", r),
                                   city=_label(population, "city", r), division=_label(population, "division", r),
                                   industry_type=_label(population, "type", r), size=_label(population, "size", r))
             for r in rows]
    raked = rake(units, margins.counts)
    found: dict = {"count": len(rows)}
    if raked.weights is None or raked.unknown:
        found["empty"] = sorted([variable, category] for variable, category in raked.empty_categories)
        found["unknown"] = [list(pair) for pair in sorted({(variable, category)
                                                           for _, variable, category in raked.unknown})]
        return found
    kept = [unit for unit, weight in zip(units, raked.weights, strict=True) if weight > 0]
    if withheld_weighting_classes(kept, k, shown):
        return {**found, "withheld": SMALL_CLASS}
    weights = raked.weights
    scores = population.scores[rows, mean_column]
    mean = weighted_mean(scores, weights, scale=(0.0, scale))
    plain = np.ones(len(rows))
    unweighted = level_shares(population.levels[rows, level_column], plain, levels)
    shares = level_shares(population.levels[rows, level_column], weights, levels)
    found.update(
        mean=_triple(mean) if mean else None,
        unweighted_mean=round(float(np.nanmean(scores)), 6) if mean else None,
        levels={str(level): [*_triple(share), round(unweighted[level].value, 6)] for level, share in shares.items()},
        n_eff=round(mean.n_eff if mean else 0.0, 3), converged=raked.converged, iterations=raked.iterations,
        max_ratio=round(raked.max_ratio, 3),
    )
    return found
