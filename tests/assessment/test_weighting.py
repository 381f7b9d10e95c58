"""Raking and weighted estimates (assessment/weighting.py), against small examples worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from assessment.weighting import (
    MAX_WEIGHT_RATIO,
    effective_sample_size,
    level_shares,
    rake,
    share_at_least,
    weighted_mean,
    weighted_share,
    wilson_interval,
)


def units(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"region": region, "size": size} for region, size in pairs]


def test_a_two_by_two_rakes_to_its_margins_in_one_pass():
    # One respondent per cell; population region A 60, B 40; size s 70, l 30 (100 enterprises).
    # Start: 100 / 4 = 25 each.
    # Region: A holds 25 + 25 = 50 -> × 60/50 = 1.2 -> 30, 30; B holds 50 -> × 0.8 -> 20, 20.
    # Size: s holds (A,s) 30 + (B,s) 20 = 50 -> × 70/50 = 1.4 -> 42, 28; l holds 30 + 20 = 50 -> × 0.6 -> 18, 12.
    # Region again: A 42 + 18 = 60, B 28 + 12 = 40: both margins hold after one pass.
    result = rake(units(("A", "s"), ("A", "l"), ("B", "s"), ("B", "l")),
                  {"region": {"A": 60, "B": 40}, "size": {"s": 70, "l": 30}})
    assert result.converged and result.iterations == 1
    assert result.weights == pytest.approx([42, 18, 28, 12])
    assert result.max_ratio == pytest.approx(42 / 25)  # the mean weight is 100 / 4 = 25
    assert result.empty_categories == () and result.unknown == ()


def test_an_uneven_two_by_two_converges_to_both_margins():
    # Three respondents in A (two small, one large), one in B (small): the margins cannot hold after one pass
    # (raking to size moves region A off 60), but iterating brings both within the tolerance.
    sample = units(("A", "s"), ("A", "s"), ("A", "l"), ("B", "s"))
    result = rake(sample, {"region": {"A": 60, "B": 40}, "size": {"s": 70, "l": 30}}, cap=100)
    assert result.converged and result.iterations > 1
    w = result.weights
    assert w[0] + w[1] + w[2] == pytest.approx(60, rel=1e-5) and w[3] == pytest.approx(40, rel=1e-5)
    assert w[0] + w[1] + w[3] == pytest.approx(70, rel=1e-5) and w[2] == pytest.approx(30, rel=1e-5)
    # The only large firm stands for the 30 large; B's only firm for B's 40; the two small A firms share the rest:
    # 60 - 30 = 30, 15 each.
    assert w == pytest.approx([15, 15, 30, 40], rel=1e-5)


def test_the_cap_binds_and_is_reported():
    # Nine respondents in A, one in B; population A 40, B 60. Raking alone gives B's respondent 60 and each A one
    # 40 / 9 = 4.44; the mean weight is 100 / 10 = 10, so B's ratio is 6, above the cap of 5: trimmed to 5 × 10 = 50.
    # Raking again puts it back at 60, so the margins and the cap cannot both hold: not converged, the cap kept
    # (the run ends on a trimmed pass).
    sample = [{"region": "A"}] * 9 + [{"region": "B"}]
    result = rake(sample, {"region": {"A": 40, "B": 60}}, max_iterations=20)
    assert MAX_WEIGHT_RATIO == 5
    assert not result.converged and result.iterations == 20
    assert result.max_ratio <= MAX_WEIGHT_RATIO + 1e-9
    assert result.weights[-1] == pytest.approx(50, rel=1e-3)


def test_the_cap_trims_and_reraking_restores_the_margins():
    # Cells (A,s) 1 respondent, (A,l) 3, (B,s) 3, (B,l) 3; every margin 50 of 100, so the mean weight is 100/10 = 10.
    # Without a cap raking keeps the cells' odds ratio (1·3)/(3·3) = 1/3: cell totals x, 50-x, 50-x, x with
    # x²/(50-x)² = 1/3, x = 50/(1 + √3) = 18.30; the lone (A,s) respondent weighs 18.30, ratio 1.83.
    # With cap 1.5 (limit 15) it is trimmed to 15 and the others raked again: (A,l) 35/3 = 11.67 each,
    # (B,s) 35/3 = 11.67 each, (B,l) 15/3 = 5 each. Both margins hold: A 15 + 35 = 50, s 15 + 35 = 50.
    sample = units(("A", "s"), *[("A", "l")] * 3, *[("B", "s")] * 3, *[("B", "l")] * 3)
    margins = {"region": {"A": 50, "B": 50}, "size": {"s": 50, "l": 50}}
    free = rake(sample, margins, cap=100)
    assert free.weights[0] == pytest.approx(50 / (1 + math.sqrt(3)), rel=1e-5)
    assert free.max_ratio == pytest.approx(50 / (1 + math.sqrt(3)) / 10, rel=1e-5)
    capped = rake(sample, margins, cap=1.5)
    assert capped.converged and capped.max_ratio == pytest.approx(1.5)
    assert capped.weights == pytest.approx([15, *[35 / 3] * 6, 5, 5, 5], rel=1e-5)


def test_a_category_with_population_but_no_respondent_is_reported_not_divided_by():
    result = rake(units(("A", "s"), ("B", "s")), {"region": {"A": 10, "B": 10, "C": 5}, "size": {"s": 25}})
    assert result.weights is None and not result.converged
    assert result.empty_categories == (("region", "C"),)


def test_a_respondent_without_a_population_count_is_left_out_and_reported():
    # The third respondent's region D has no count: weight 0; the other two share A's 10 and B's 10.
    result = rake(units(("A", "s"), ("B", "s"), ("D", "s")), {"region": {"A": 10, "B": 10}, "size": {"s": 20}})
    assert result.unknown == ((2, "region", "D"),)
    assert result.converged
    assert result.weights == pytest.approx([10, 10, 0])


def test_kish_effective_sample_size():
    # (1 + 1 + 2 + 4)² / (1 + 1 + 4 + 16) = 64 / 22 = 2.909
    assert effective_sample_size([1, 1, 2, 4]) == pytest.approx(64 / 22)
    assert effective_sample_size([3, 3, 3]) == pytest.approx(3)  # equal weights: n itself


def test_weighted_mean_interval_by_hand():
    # Values 1, 2, 3, 4 with equal weights: mean 2.5; variance 4/3 × (1.5² + 0.5² + 0.5² + 1.5²) / 4² = 4/3 × 5/16
    # = 0.416667 (= s²/n with s² = 5/3); half-width 1.959964 × √0.416667 = 1.959964 × 0.645497 = 1.265151.
    estimate = weighted_mean([1, 2, 3, 4], [1, 1, 1, 1], scale=(0, 5))
    assert estimate.value == pytest.approx(2.5)
    assert estimate.low == pytest.approx(2.5 - 1.265151, abs=1e-6)
    assert estimate.high == pytest.approx(2.5 + 1.265151, abs=1e-6)
    assert estimate.n_eff == pytest.approx(4)


def test_weighted_mean_interval_is_clipped_to_the_scale():
    # Values 0 and 5, weights 1 and 3: mean 15/4 = 3.75; variance 2/1 × ((1 × -3.75)² + (3 × 1.25)²) / 4²
    # = 2 × 28.125 / 16 = 3.515625; sd 1.875; half-width 1.959964 × 1.875 = 3.674933: 0.075067 to 7.42, clipped to 5.
    estimate = weighted_mean([0, 5], [1, 3], scale=(0, 5))
    assert estimate.value == pytest.approx(3.75)
    assert estimate.low == pytest.approx(0.075068, abs=1e-5)
    assert estimate.high == 5
    assert estimate.n_eff == pytest.approx(16 / 10)  # (1 + 3)² / (1 + 9)


def test_missing_values_and_zero_weights_are_left_out_of_the_mean():
    estimate = weighted_mean([1, np.nan, 3, 100], [1, 1, 1, 0], scale=(0, 5))
    assert estimate.value == pytest.approx(2)
    assert weighted_mean([np.nan], [1], scale=(0, 5)) is None


def test_wilson_interval_by_hand():
    # 2 of 10: z² = 3.841459, z²/n = 0.384146; centre (0.2 + 0.192073) / 1.384146 = 0.283261;
    # half 1.959964 / 1.384146 × √(0.016 + 3.841459 / 400) = 1.416008 × 0.160011 = 0.226577: 0.056684 to 0.509838.
    low, high = wilson_interval(0.2, 10)
    assert low == pytest.approx(0.056684, abs=1e-5) and high == pytest.approx(0.509838, abs=1e-5)


def test_weighted_share_uses_the_effective_sample_size():
    # Weights 1, 1, 2, 4, the last one "yes": share 4/8 = 0.5 at n_eff 64/22 = 2.909 (not 4): z²/n = 1.320501;
    # centre 0.5; half 1.959964 / 2.320501 × √(0.25 / 2.909091 + 3.841459 / (4 × 8.462810)) = 0.844630 × 0.445052
    # = 0.377180: 0.122820 to 0.877180.
    estimate = weighted_share([False, False, False, True], [1, 1, 2, 4])
    assert estimate.value == pytest.approx(0.5)
    assert estimate.n_eff == pytest.approx(64 / 22)
    assert estimate.low == pytest.approx(0.122820, abs=1e-5) and estimate.high == pytest.approx(0.877180, abs=1e-5)


def test_level_shares_and_share_at_least():
    # Levels 1, 2, 2, 3 and one with no level (-1), weights 1, 1, 2, 4, 9: the unlevelled one is left out.
    # At least 2: (1 + 2 + 4) / 8 = 0.875; level 2: 3/8; level 5: 0 (with an interval above 0).
    levels, weights = [1, 2, 2, 3, -1], [1, 1, 2, 4, 9]
    assert share_at_least(levels, weights, 2).value == pytest.approx(0.875)
    shares = level_shares(levels, weights, range(6))
    assert shares[2].value == pytest.approx(3 / 8)
    assert shares[5].value == 0 and shares[5].low == 0 and shares[5].high > 0
    assert math.isclose(sum(shares[level].value for level in range(6)), 1)
