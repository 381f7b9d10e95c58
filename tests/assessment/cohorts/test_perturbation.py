"""The perturbation releases are computed through: what it does to one score, and what it leaves an attacker who
learns an entry's released score exactly (the most any combination of releases can give: every released figure is
a function of the perturbed entries)."""

from __future__ import annotations

import numpy as np
import pytest

from assessment.cohorts.perturbation import (
    banded_levels,
    consistent_scores,
    draw_noise,
    perturb,
    spread,
)
from assessment.scoring import band_table
from factories import shipped_catalog

LEVELS = ((0.0, 1.0, 2.0, 3.0, 4.0, 5.0), (0, 1, 2, 3, 4, 5))  # the full assessment's level bands
STAGES = ((0.0, 20.0, 50.0, 80.0, 95.0), (0, 1, 2, 3, 4))  # its paradigm stages, on 0-100
DMA = ((0.0, 26.0, 51.0, 76.0), (1, 2, 3, 4))  # the EU DMA's levels, on 0-100


def test_the_spread_of_levels_and_of_paradigm_stages_by_hand():
    # levels: 12 % of 5 = 0.6 (more than 1.1 * half the widest band, 0.55); near the bottom 1.1 * the lowest band
    # (1.0), up to the lowest band's top plus 0.6
    assert spread(5.0, LEVELS) == (5.0, 0.6, pytest.approx(1.1), 1.6, None, None)  # the top band (5) is a point
    # stages: 1.1 * half the widest band (30) = 16.5 (more than 12 % of 100); near the bottom 1.1 * 20 = 22; the top
    # band 95-100 is narrower than 16.5 / 1.1
    assert spread(100.0, STAGES) == (100.0, pytest.approx(16.5), pytest.approx(22.0), pytest.approx(36.5), None, None)
    assert spread(5.0, None) == (5.0, 0.6, 0.6, 0.0, None, None)
    # DMA levels, bands 26 / 25 / 25 / 24 wide: 1.1 * 26 / 2 = 14.3; near the bottom 1.1 * 26 = 28.6 below
    # 26 + 14.3 = 40.3; near the top 1.1 * 24 = 26.4 from 76 - 14.3 = 61.7 on
    assert spread(100.0, DMA) == pytest.approx((100.0, 14.3, 28.6, 40.3, 26.4, 61.7))


def test_a_released_score_is_the_score_moved_by_its_noise_and_kept_on_the_scale():
    scores = np.array([[2.0, 40.0], [0.5, 90.0], [4.9, np.nan]])
    noise = np.array([[0.5, -1.0], [-1.0, 1.0], [1.0, np.nan]])
    spreads = [spread(5.0, LEVELS), spread(100.0, STAGES)]
    released = perturb(scores, noise, spreads)
    # 2.0 + 0.6 * 0.5; 0.5 - 1.1 (below 1.6: the wider spread) clipped to 0; 4.9 + 0.6 clipped to 5
    # 40 - 16.5; 90 + 16.5 clipped to 100
    assert released[:, 0].tolist() == pytest.approx([2.3, 0.0, 5.0])
    assert released[:2, 1].tolist() == pytest.approx([23.5, 100.0]) and np.isnan(released[2, 1])
    levels = banded_levels(released, np.zeros((3, 2), dtype=np.int8), [band_table_of(LEVELS), band_table_of(STAGES)])
    assert levels.tolist() == [[2, 1], [0, 4], [5, -1]]


def band_table_of(bands):
    return tuple(m - 1e-9 for m in bands[0]), bands[1]


def test_a_release_refuses_entries_without_noise():
    with pytest.raises(ValueError, match="needs its noise"):
        perturb(np.array([[1.0]]), np.array([[np.nan]]), [spread(5.0, LEVELS)])


def test_noise_is_fresh_uniform_in_minus_one_to_one_and_round_trips():
    draws = np.concatenate([np.frombuffer(draw_noise(1000), "<f4") for _ in range(20)])
    assert draws.min() >= -1.0 and draws.max() <= 1.0
    assert abs(draws.mean()) < 0.03 and 0.30 < draws.var() < 0.37  # uniform on [-1, 1]: mean 0, variance 1/3
    assert draw_noise(8) != draw_noise(8)


@pytest.mark.parametrize(("scale", "bands", "width"), [(5.0, LEVELS, 0.5), (100.0, STAGES, 10.0), (5.0, None, 0.5),
                                                     (100.0, DMA, 10.0)])
def test_no_released_score_tells_the_true_one_within_a_quarter_point_nor_its_band(scale, bands, width):
    """Exhaustively over true scores and noise: the scores consistent with the released one always include the true
    one, span more than 0.5 on the 0-5 scale (10 points on 0-100: never "within ±0.25"), and fall in at least two
    bands, so neither the score nor the level follows from any release."""
    node = spread(scale, bands)
    candidates = np.linspace(0.0, scale, 2001)
    table = band_table_of(bands) if bands else None
    for true in np.linspace(0.0, scale, 201):
        for noise in np.linspace(-1.0, 1.0, 41):
            released = float(np.clip(true + node.at(np.array([true]))[0] * noise, 0.0, scale))
            possible = candidates[consistent_scores(released, node, candidates)]
            assert possible.min() <= true + 1e-9 and possible.max() >= true - 1e-9, (true, noise)
            assert possible.max() - possible.min() > width, (true, noise, released)
            if table is not None:
                bands_possible = set(banded_levels(possible[:, None], np.zeros((len(possible), 1), np.int8),
                                                   [table])[:, 0].tolist())
                assert len(bands_possible) >= 2, (true, noise, released)


def test_the_shipped_questionnaires_bands_are_the_ones_tested():
    for questionnaire in shipped_catalog().latest():
        for node in (questionnaire.overall_node, *questionnaire.paradigm_nodes.values()):
            bands = questionnaire.bands(node)
            minimums = tuple(band.min for band in bands)
            assert minimums in (LEVELS[0], STAGES[0], DMA[0]), (questionnaire.id, node.id)
            assert band_table(bands)[1] == tuple(band.level for band in bands)
