"""The perturbation every released statistic is computed through: plain functions over arrays, no Flask, no database.

Each benchmark entry carries a secret noise value per score, drawn once (uniform in [-1, 1]) and drawn anew only
when its scores change. Releases are computed from the perturbed entries, never from the true ones:

    released score = min(max(true score + NOISE_WIDTH * scale * noise, 0), scale)

and a released level is the band that perturbed score falls in. Every figure of every release (means, quantiles,
level counts, changes between periods), whatever the filter, is then a function of the perturbed entries alone. So
no combination of releases tells an attacker more about an enterprise than its own perturbed score, even one who
knows or controls every other member of its groups: the true score can be anywhere within NOISE_WIDTH * scale of it
(an interval at least that wide at the scale's ends, twice as wide elsewhere). This is record-level noise of the kind
the US Census Bureau applies to establishments before tabulating (noise that stays with the record, so differencing
over time or between tables yields noise), rather than cell-level noise, which an attacker averages away over the
many cells one enterprise counts in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

# Half-width of an entry's noise as a share of its score's scale: 0.6 on the 0-5 scale of levels. The interval an
# attacker can narrow a score to is never less than 0.6 wide on that scale, so never within ±0.25.
NOISE_WIDTH = 0.12
# The noise is also wide enough that no score's band (its level, or a paradigm's stage) follows: at least BAND_MARGIN
# times half the widest band everywhere, and BAND_MARGIN times the lowest band's width for scores close to it (else
# a released score near 0 would show the lowest band for certain), and the highest band's for scores close to the top
# (a wide top band, like the EU DMA's 76-100, would otherwise show from a released score near the top).
BAND_MARGIN = 1.1
LEVEL_SCALE, PERCENT_SCALE = 5.0, 100.0

BandTable = tuple[tuple[float, ...], tuple[int, ...]]  # (band minimums, their levels), ascending


class Spread(NamedTuple):
    """How far one score's noise reaches: `low` while the true score is under `below`, `high` from `above` on (when
    `above` is set), else `mid`."""

    scale: float
    mid: float
    low: float
    below: float
    high: float | None = None
    above: float | None = None

    def at(self, scores: np.ndarray) -> np.ndarray:
        """The half-width of the noise of each true score."""
        middle = np.where(scores < self.below, self.low, self.mid)
        if self.above is None:
            return middle
        return np.where(scores >= self.above, np.maximum(middle, self.high), middle)


def spread(scale: float, bands: BandTable | None) -> Spread:
    """The noise of a score with this scale and these bands (see NOISE_WIDTH and BAND_MARGIN)."""
    mid = NOISE_WIDTH * scale
    if bands is None or len(bands[0]) < 2:
        return Spread(scale, mid, mid, 0.0)
    minimums = [max(0.0, m) for m in bands[0]]
    widths = [high - low for low, high in zip(minimums, [*minimums[1:], scale], strict=True)]
    mid = max(mid, BAND_MARGIN * max(widths) / 2)
    low = max(mid, BAND_MARGIN * widths[0])
    high = BAND_MARGIN * widths[-1]
    if high <= mid:  # a narrow top band (5 on levels, 95-100 on stages): the middle noise already hides it
        return Spread(scale, mid, low, minimums[1] + mid)
    return Spread(scale, mid, low, minimums[1] + mid, high, minimums[-1] - mid)


def draw_noise(count: int, rng: np.random.Generator | None = None) -> bytes:
    """A fresh secret noise value per score (float32, uniform in [-1, 1]), as stored with an entry."""
    rng = rng or np.random.default_rng()  # seeded from the operating system's entropy
    return rng.uniform(-1.0, 1.0, count).astype("<f4").tobytes()


def perturb(scores: np.ndarray, noise: np.ndarray, spreads: Sequence[Spread]) -> np.ndarray:
    """Released scores (one column per node): each shifted by its noise times its half-width, kept on its scale."""
    if np.isnan(noise[~np.isnan(scores)]).any():
        raise ValueError("every scored entry needs its noise before a release")
    released = np.empty_like(scores)
    for column, node in enumerate(spreads):
        values = scores[:, column]
        released[:, column] = np.clip(values + node.at(values) * np.nan_to_num(noise[:, column]), 0.0, node.scale)
    return released


def banded_levels(scores: np.ndarray, levels: np.ndarray, tables: Sequence[BandTable | None]) -> np.ndarray:
    """The level of each (perturbed) score in its node's bands; -1 where the node has no level or no score."""
    result = np.full(scores.shape, -1, dtype=np.int8)
    for column, table in enumerate(tables):
        if table is None:
            continue
        minimums, band_levels = np.asarray(table[0]), np.asarray(table[1], dtype=np.int8)
        values = scores[:, column]
        known = ~np.isnan(values) & (levels[:, column] >= 0)
        position = np.maximum(np.searchsorted(minimums, values[known], side="right") - 1, 0)
        result[known, column] = band_levels[position]
    return result


def consistent_scores(released: float, node: Spread, candidates: np.ndarray) -> np.ndarray:
    """Which candidate true scores could have given this released score, for someone who knows the mechanism but not
    the noise: the most any combination of releases can tell about one entry. The audit checks it."""
    reach = node.at(candidates)
    if released <= 0.0:
        return candidates - reach <= 1e-12
    if released >= node.scale:
        return candidates + reach >= node.scale - 1e-12
    return np.abs(candidates - released) <= reach + 1e-12
