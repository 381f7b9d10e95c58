"""A questionnaire's scoring tree read for one weight profile: weights, levels nodes' requirements, bands.

Shared by the compiled plan (which computes the scores) and the trace (which explains them), so both read the tree
the same way.
"""

from __future__ import annotations

from bisect import bisect_right

from questionnaires.loader import Questionnaire
from questionnaires.schema import Band, Node, NodeInput

BandTable = tuple[tuple[float, ...], tuple[int, ...]]  # (band minimums, their levels), ascending

# A level or band counts when reached to within this (a mean of 0.7999999999 meets 0.8).
TOLERANCE = 1e-9


def band_table(bands: list[Band]) -> BandTable:
    """Bands as parallel tuples for a binary search (a score a hair below a minimum still reaches it)."""
    return tuple(band.min - TOLERANCE for band in bands), tuple(band.level for band in bands)


def level_in(table: BandTable, score: float | None) -> int | None:
    """The level of the band with the highest minimum not above the score; None without score or bands."""
    minimums, levels = table
    if score is None or not levels:
        return None
    return levels[max(0, bisect_right(minimums, score) - 1)]


def level_for(bands: list[Band], score: float | None) -> int | None:
    """The level a score reaches in a list of bands."""
    return level_in(band_table(bands), score)


def profile_of(questionnaire: Questionnaire, profile: str | None) -> str | None:
    """The weight profile scoring uses: the one asked for when the questionnaire has it, else its default."""
    profiles = questionnaire.definition.scoring.profiles
    if profiles is None:
        return None
    return profile if profile in profiles.values else profiles.default


def profile_names(questionnaire: Questionnaire) -> list[str | None]:
    """Every weight profile of a questionnaire ([None] when its weights are the same for every enterprise)."""
    profiles = questionnaire.definition.scoring.profiles
    return list(profiles.values) if profiles else [None]


def weight_of(source: NodeInput, profile: str | None) -> float:
    """An input's weight under a profile."""
    return source.weight[profile] if isinstance(source.weight, dict) else source.weight


def requirements(questionnaire: Questionnaire, node: Node, profile: str | None) -> tuple[tuple, tuple]:
    """A levels node's inputs as the requirements of its gating nodes, each with its domain and domain weight."""
    inputs, domains = [], []
    for source in node.inputs:
        domain_weight = weight_of(source, profile)
        for requirement in questionnaire.nodes[source.ref].inputs:
            inputs.append((requirement.ref, weight_of(requirement, profile), requirement.level))
            domains.append((source.ref, domain_weight))
    return tuple(inputs), tuple(domains)
