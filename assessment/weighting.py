"""Figures for the population of enterprises, not only for those who answered: raking and weighted estimates.

`rake` fits one weight per respondent to one-way population margins (region, industry, size class: each maps a
category to its count of enterprises) by iterative proportional fitting, with a cap on weights. The weighted mean
and the weighted shares then carry a 95 % interval and the effective sample size. Plain functions over numbers and
numpy arrays: no Flask, no database.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

# No weight above this many times the mean weight. Without a cap, a respondent alone in a large population category
# (one small firm answering for 2,000) carries the estimate by itself and its variance with it: Kish's design effect
# 1 + CV² of the weights grows without bound. A cap of 5 is at the usual end of trimming practice (3.5-6 times the
# mean or median weight) and keeps the design effect of one such respondent modest; weights above it are trimmed and
# the others raked again, so the margins still hold whenever they can with the cap.
MAX_WEIGHT_RATIO = 5.0
MAX_ITERATIONS = 100  # passes over the margins; 2-3 variables converge in a few dozen at most, even with trimming
TOLERANCE = 1e-6  # the largest gap allowed between a weighted margin and its population count, relative to it
Z_95 = 1.959964  # the standard normal quantile of a two-sided 95 % interval

Category = str
Unit = Mapping[str, Category]  # one respondent: its category in each raking variable


@dataclass(frozen=True)
class RakeResult:
    """Raked weights (None when raking was impossible) and what happened on the way."""

    weights: np.ndarray | None  # one per unit, in order; 0 for a unit left out (its category has no population)
    converged: bool  # margins within TOLERANCE and no weight above the cap
    iterations: int
    max_ratio: float  # the largest weight over the mean weight (population / units kept)
    empty_categories: tuple[tuple[str, Category], ...] = ()  # (variable, category): population, no respondent
    unknown: tuple[tuple[int, str, Category], ...] = ()  # (unit, variable, category): respondent, no population count
    problems: tuple[str, ...] = field(default=())  # other reasons raking could not start (e.g. no margins)


def rake(units: Sequence[Unit], margins: Mapping[str, Mapping[Category, float]], *, cap: float = MAX_WEIGHT_RATIO,
         max_iterations: int = MAX_ITERATIONS, tolerance: float = TOLERANCE) -> RakeResult:
    """Weights that make the units' weighted counts match every margin, no weight above `cap` times the mean.

    Starts from equal weights (population / respondents), then adjusts to each margin in turn; after each pass
    weights above the cap are trimmed to it and the next pass rakes the others again, until both hold or the
    iterations run out. A unit whose category has no population count is left out (weight 0) and reported; a
    category with population but no unit cannot be raked: it is reported and no weights are returned. The cap's
    mean is population / units kept: the mean weight once the margins hold, which trimming does not lower."""
    variables = list(margins)
    unknown = tuple((i, v, unit.get(v, "")) for i, unit in enumerate(units) for v in variables
                    if unit.get(v, "") not in margins[v])
    kept = np.ones(len(units), dtype=bool)
    for i, _, _ in unknown:
        kept[i] = False
    present = {v: {unit[v] for unit, keep in zip(units, kept, strict=True) if keep} for v in variables}
    empty = tuple((v, c) for v in variables for c, count in margins[v].items() if count > 0 and c not in present[v])
    if empty:
        return RakeResult(None, False, 0, 0.0, empty, unknown)
    if not variables or not kept.any():
        problem = "no margins" if not variables else "no respondent in the margins' categories"
        return RakeResult(None, False, 0, 0.0, (), unknown, (problem,))
    population = float(sum(margins[variables[0]].values()))
    mean = population / kept.sum()  # the mean weight whenever the margins hold, the cap's reference
    weights = np.where(kept, mean, 0.0)
    columns = {v: np.array([unit.get(v, "") for unit in units], dtype=object) for v in variables}
    iterations, converged = 0, False
    while iterations < max_iterations and not converged:
        iterations += 1
        for v in variables:
            for category, target in margins[v].items():
                members = kept & (columns[v] == category)
                total = weights[members].sum()
                if total > 0:
                    weights[members] *= target / total
        trimmed = bool((weights > cap * mean * (1 + 1e-9)).any())
        weights = np.minimum(weights, cap * mean)
        converged = not trimmed and bool(_margin_gap(weights, kept, columns, margins) <= tolerance)
    ratio = float(weights[kept].max() / mean)
    return RakeResult(weights, converged, iterations, ratio, (), unknown)


def _margin_gap(weights: np.ndarray, kept: np.ndarray, columns: Mapping[str, np.ndarray],
                margins: Mapping[str, Mapping[Category, float]]) -> float:
    """The largest gap between a weighted margin and its population count, relative to the count."""
    gaps = [abs(weights[kept & (columns[v] == c)].sum() - target) / target
            for v, counts in margins.items() for c, target in counts.items() if target > 0]
    return float(max(gaps, default=0.0))


@dataclass(frozen=True)
class Estimate:
    """A weighted figure with its 95 % interval and the effective sample size it rests on."""

    value: float
    low: float
    high: float
    n_eff: float


def effective_sample_size(weights: Sequence[float] | np.ndarray) -> float:
    """Kish's effective sample size (Σw)² / Σw²: how many equally weighted respondents give the same precision."""
    w = np.asarray(weights, dtype=float)
    squares = float((w * w).sum())
    return float(w.sum()) ** 2 / squares if squares > 0 else 0.0


def weighted_mean(values: Sequence[float] | np.ndarray, weights: Sequence[float] | np.ndarray, *,
                  scale: tuple[float, float]) -> Estimate | None:
    """The weighted mean Σwy / Σw with its 95 % interval by linearisation, clipped to `scale` (low, high).

    The mean is a ratio estimator; its linearised variance is n/(n-1) Σ (w_i (y_i - ȳ))² / (Σw)², the with-
    replacement estimator treating the weights as fixed (it leaves out the small gain raking to margins brings, so
    it errs on the wide side). Units with a missing value (NaN) or no weight are left out; None without any."""
    y, w = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    keep = ~np.isnan(y) & (w > 0)
    y, w = y[keep], w[keep]
    if not len(y):
        return None
    total = w.sum()
    mean = float((w * y).sum() / total)
    n = len(y)
    variance = n / (n - 1) * float(((w * (y - mean)) ** 2).sum()) / total**2 if n > 1 else math.inf
    half = Z_95 * math.sqrt(variance)
    low, high = scale
    return Estimate(mean, max(low, mean - half), min(high, mean + half), effective_sample_size(w))


def wilson_interval(share: float, n: float, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a share observed in `n` (here the effective sample size) respondents."""
    if n <= 0:
        return 0.0, 1.0
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def weighted_share(indicator: Sequence[bool] | np.ndarray, weights: Sequence[float] | np.ndarray
                   ) -> Estimate | None:
    """The weighted share Σw·[yes] / Σw with a Wilson interval at the effective sample size.

    Chosen over linearisation because shares near 0 or 1 are common here (few enterprises at level 4 or 5): there
    the linearised interval collapses to a point or leaves [0, 1], while Wilson's stays inside and keeps a width
    that reflects how few respondents stand behind it; using n_eff instead of n carries the weights' loss of
    precision into it (Kish's approximation). None when no unit has a weight."""
    yes, w = np.asarray(indicator, dtype=bool), np.asarray(weights, dtype=float)
    keep = w > 0
    yes, w = yes[keep], w[keep]
    if not len(w):
        return None
    share = float(w[yes].sum() / w.sum())
    n_eff = effective_sample_size(w)
    low, high = wilson_interval(share, n_eff)
    return Estimate(share, low, high, n_eff)


def level_shares(levels: Sequence[int] | np.ndarray, weights: Sequence[float] | np.ndarray,
                 level_range: Sequence[int]) -> dict[int, Estimate]:
    """The weighted share of units at each level of `level_range` (units with no level, -1, left out)."""
    found, w = np.asarray(levels), np.asarray(weights, dtype=float)
    known = found >= 0
    shares = {level: weighted_share(found[known] == level, w[known]) for level in level_range}
    return {level: estimate for level, estimate in shares.items() if estimate is not None}


def share_at_least(levels: Sequence[int] | np.ndarray, weights: Sequence[float] | np.ndarray,
                   level: int) -> Estimate | None:
    """The weighted share of units at `level` or above (units with no level, -1, left out)."""
    found, w = np.asarray(levels), np.asarray(weights, dtype=float)
    known = found >= 0
    return weighted_share(found[known] >= level, w[known])
