"""The rule that every weighting class is a cohort cell of at least k respondents that the release shows
(assessment/cohorts/weighted.py)."""

from __future__ import annotations

import pytest

from assessment.cohorts.weighted import withheld_weighting_classes


def units(*rows: tuple[str, str, str, int]) -> list[dict[str, str]]:
    return [{"region": region, "industry": industry, "size": size}
            for region, industry, size, count in rows for _ in range(count)]


EVERY = {("370100", "discrete", "small"), ("370100", "process", "small"), ("370200", "discrete", "small")}


@pytest.mark.parametrize(("found", "k", "shown", "withheld"), [
    # 4 discrete and 1 process, all small: the process class holds 1 < 5, the discrete one 4 < 5.
    (units(("370100", "discrete", "small", 4), ("370100", "process", "small", 1)), 5, EVERY,
     [("370100", "discrete", "small"), ("370100", "process", "small")]),
    # 5 and 5: both classes reach k.
    (units(("370100", "discrete", "small", 5), ("370100", "process", "small", 5)), 5, EVERY, []),
    # 5 and 5, but the release withholds the discrete cell (complementary suppression): its mean, once known, would
    # let a small group beside it be derived, so it is withheld here too.
    (units(("370100", "discrete", "small", 5), ("370100", "process", "small", 5)), 5,
     EVERY - {("370100", "discrete", "small")}, [("370100", "discrete", "small")]),
    # A province over its cities: each city is a class of its own, so Qingdao's 2 are a small class although the
    # province holds 7 and its one industry and size hold all 7.
    (units(("370100", "discrete", "small", 5), ("370200", "discrete", "small", 2)), 5, EVERY,
     [("370200", "discrete", "small")]),
    # One class of everybody (one category per variable): equal weights, nothing to learn beyond the mean.
    (units(("370100", "discrete", "small", 3)), 3, EVERY, []),
])  # fmt: skip
def test_classes_below_k_or_withheld_are_named(found, k, shown, withheld):
    assert withheld_weighting_classes(found, k, shown) == sorted(withheld)
