"""Cohorts and their statistics, as plain functions over arrays: no Flask, no database.

A cohort is the enterprises of one region (the country, a province or a city), one industry scope (all, discrete or
process, or one manufacturing division) and one size scope (all, or a size class) that took one questionnaire in
one period. Each enterprise counts once per period, with its latest submission. Quantiles interpolate linearly
between the sorted scores (the "type 7" rule of R and numpy, Excel's PERCENTILE.INC).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

import numpy as np

from assessment.cohorts.perturbation import LEVEL_SCALE
from assessment.scoring import band_table
from questionnaires.loader import Questionnaire

ALL = "all"
QUANTILES = {"q1": 0.25, "median": 0.5, "q3": 0.75, "p90": 0.9}  # p90 is "best in class"
LEVELS = range(6)
# How a node's statistics are stored: count, mean, the quantiles, then the number of enterprises at levels 0-5.
STORED_FIELDS = ("count", "mean", *QUANTILES, *(f"level_{level}" for level in LEVELS))
# Cohort kinds, from the finest to the whole country: which level of each classification a cohort fixes.
REGION_LEVELS = ("city", "province", "country")
INDUSTRY_LEVELS = ("division", "type", ALL)
SIZE_LEVELS = ("class", ALL)

# The order in which an enterprise's comparison widens until a cohort of at least k enterprises is found:
# same city, division and size first; the whole country's manufacturing last.
FALLBACK_PATH = (
    ("city", "division", "class"),
    ("city", "division", ALL),
    ("city", "type", ALL),
    ("province", "division", "class"),
    ("province", "division", ALL),
    ("province", "type", ALL),
    ("country", "division", "class"),
    ("country", "division", ALL),
    ("country", "type", ALL),
    ("country", ALL, ALL),
)


@dataclass(frozen=True, order=True)
class Cohort:
    """The enterprises of a region, industry scope and size scope in a period (or, with `base_period`, the change
    since then of those assessed in both periods)."""

    questionnaire_id: str
    period: int
    region_code: str
    industry: str = ALL  # "all", "discrete", "process" or a GB/T 4754 division code
    size: str = ALL  # "all" or a size class
    base_period: int = 0


@dataclass(frozen=True)
class NodeStats:
    """Statistics of one score (overall, a paradigm or a dimension) over a cohort."""

    count: int  # enterprises with this score
    mean: float
    q1: float
    median: float
    q3: float
    p90: float
    levels: dict[int, int]  # enterprises per level, levels with none left out


@dataclass(frozen=True)
class CohortStats:
    """A published cohort: its size and statistics of every benchmarked score."""

    cohort: Cohort
    count: int
    synthetic: int  # how many of `count` are synthetic demo enterprises
    nodes: dict[str, NodeStats]
    # lagging[level][j]: enterprises with exactly j dimensions below `level` (dimensions without a level not counted)
    lagging: dict[int, tuple[int, ...]] = field(default_factory=dict)

    def lagging_count(self, level: int, at_least: int) -> int:
        """Enterprises below `level` in at least `at_least` dimensions."""
        return sum(self.lagging.get(level, ())[at_least:])


@dataclass(frozen=True)
class Hidden:
    """A cohort whose statistics are withheld: "small" (fewer than k enterprises) or "complementary" (shown, it
    would let a small group be worked out by difference). It carries no figure on purpose."""

    cohort: Cohort
    reason: str


@dataclass(frozen=True)
class NodeComparison:
    """An enterprise's score against its cohort: its percentile rank, the quartiles and the best in class (p90)."""

    score: float
    rank: float
    q1: float
    median: float
    q3: float
    p90: float


@dataclass(frozen=True)
class CohortComparison:
    """An enterprise against the closest published cohort; `passed` lists the closer cohorts that could not be used
    (too small, or withheld to protect a small group)."""

    cohort: Cohort
    kind: tuple[str, str, str]
    count: int
    synthetic: int
    nodes: dict[str, NodeComparison]
    passed: tuple[Cohort, ...]
    release_id: int = 0  # the release the cohort's figures come from
    released_at: datetime | None = None


# A cohort's place in the tables: (region code, industry scope, size scope).
CellKey = tuple[str, str, str]


class EntryRow(NamedTuple):
    """One enterprise's latest submission in a period, as the statistics need it."""

    enterprise_id: int
    version: str
    province_code: str
    city_code: str | None
    industry_code: str
    industry_type: str
    size_class: str
    synthetic: bool
    scores: bytes
    levels: bytes
    noise: bytes | None = None  # the entry's secret perturbation (see assessment/cohorts/perturbation.py)


def benchmark_nodes(questionnaire: Questionnaire) -> tuple[str, ...]:
    """The scores that are benchmarked, in their stored order: overall, the paradigms, the dimensions, then a
    standard's level (e.g. CMMM's) when it is a node of its own."""
    standard = questionnaire.standard_node
    return (
        questionnaire.overall_node.id,
        *(node.id for node in questionnaire.paradigm_nodes.values()),
        *(dimension.id for dimension in questionnaire.dimensions),
        *((standard.id,) if standard is not None and standard.kind == "standard" else ()),
    )


def release_scales(questionnaire: Questionnaire, node_ids: Sequence[str]) -> tuple[list[float], list]:
    """Per benchmarked node: the top of its scale (100 for a paradigm's progress or a DMA score, 5 for levels) and
    its bands as (minimums, levels), or None; what `Population.released` perturbs with. Nodes the questionnaire
    lacks (those of an older version) get the 0-5 scale and no bands."""
    scales, bands = [], []
    for node_id in node_ids:
        node = questionnaire.nodes.get(node_id)
        scales.append(questionnaire.score_tops[node_id] if node is not None else LEVEL_SCALE)
        found = questionnaire.bands(node) if node is not None else []
        bands.append(band_table(found) if found else None)
    return scales, bands


def pack_scores(scores: Sequence[float | None], levels: Sequence[int | None]) -> tuple[bytes, bytes]:
    """Scores and levels as the two blobs a benchmark entry stores (NaN and -1 stand for none)."""
    values = np.array([np.nan if s is None else s for s in scores], dtype="<f8")
    steps = np.array([-1 if v is None else v for v in levels], dtype="i1")
    return values.tobytes(), steps.tobytes()


def unpack_scores(scores: bytes, levels: bytes) -> tuple[np.ndarray, np.ndarray]:
    """The arrays behind a benchmark entry's blobs."""
    return np.frombuffer(scores, dtype="<f8"), np.frombuffer(levels, dtype="i1")


def quantile(sorted_values: Sequence[float], p: float) -> float:
    """The p-quantile of ascending values, interpolating linearly between neighbours."""
    position = p * (len(sorted_values) - 1)
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def percentile_rank(sorted_values: Sequence[float], value: float) -> float:
    """The p (0-100) at which the cohort's p-th percentile equals `value`: the inverse of `quantile`.

    The lowest score ranks 0, the highest 100, the median 50; tied scores share the middle of their span."""
    values = np.asarray(sorted_values, dtype=float)
    n = len(values)
    if n == 1:
        return 50.0
    first = int(np.searchsorted(values, value, side="left"))
    last = int(np.searchsorted(values, value, side="right")) - 1
    if first <= last:  # ties: the middle of the span the value occupies
        position = (first + last) / 2
    elif first == 0:
        position = 0.0
    elif first == n:
        position = n - 1.0
    else:
        low, high = values[first - 1], values[first]
        position = first - 1 + (value - low) / (high - low)
    return 100 * position / (n - 1)


def estimated_rank(score: float, stats: NodeStats, scale: float) -> float:
    """An enterprise's percentile rank (0-100) in a released cohort, read off the release's quantiles: linear between
    the bottom of the scale (0), the quartiles, the best in class (90) and the top (100). The cohort's own scores are
    never read, so the rank changes only when a release does."""
    points = [0.0, stats.q1, stats.median, stats.q3, stats.p90, scale]
    points = list(np.maximum.accumulate(np.clip(points, 0.0, scale)))
    return float(np.interp(score, points, [0.0, 25.0, 50.0, 75.0, 90.0, 100.0]))


def decode_node(stored: list[float]) -> NodeStats:
    """A node's statistics from the list they are stored as (see STORED_FIELDS)."""
    count, mean, q1, median, q3, p90, *levels = stored
    return NodeStats(count=int(count), mean=mean, q1=q1, median=median, q3=q3, p90=p90,
                     levels={level: int(n) for level, n in enumerate(levels) if n})


def stats_from_json(cohort: Cohort, count: int, synthetic: int, data: dict) -> CohortStats:
    """A stored cohort's statistics as domain objects."""
    nodes = {node_id: decode_node(stored) for node_id, stored in data["nodes"].items()}
    lagging = {int(level): tuple(counts) for level, counts in data.get("lagging", {}).items()}
    return CohortStats(cohort=cohort, count=count, synthetic=synthetic, nodes=nodes, lagging=lagging)
