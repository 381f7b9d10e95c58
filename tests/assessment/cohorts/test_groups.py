"""Cohort statistics against hand-computed tables: quantiles, percentile ranks, every cohort kind, changes."""

from __future__ import annotations

import math
import random
from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment.cohorts.groups import (
    ALL,
    EntryRow,
    NodeStats,
    decode_node,
    pack_scores,
    percentile_rank,
    quantile,
    unpack_scores,
)
from assessment.cohorts.statistics import Population, cohort_table, compute_stats

COUNTRY = "100000"
NODES = ("overall", "digital", "d1", "d2")


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [
        ([1, 2, 3, 4, 5], 0.25, 2.0),
        ([1, 2, 3, 4, 5], 0.9, 4.6),  # position 3.6: 4 + 0.6 * (5 - 4)
        ([1, 2, 4, 8], 0.5, 3.0),  # position 1.5: halfway between 2 and 4
        ([1, 2, 4, 8], 0.75, 5.0),  # position 2.25: 4 + 0.25 * 4
        ([1, 2, 4, 8], 0.9, 6.8),  # position 2.7: 4 + 0.7 * 4
        ([7], 0.9, 7.0),
    ],
)
def test_quantile_interpolates_between_sorted_neighbours(values, p, expected):
    assert quantile(values, p) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("values", "score", "expected"),
    [
        ([1, 2, 3, 4, 5], 3, 50.0),
        ([1, 2, 3, 4, 5], 1, 0.0),
        ([1, 2, 3, 4, 5], 5, 100.0),
        ([1, 2, 3, 4, 5], 3.5, 62.5),  # position 2.5 of 4
        ([1, 2, 3, 4, 5], 0.2, 0.0),  # below everyone
        ([1, 2, 3, 4, 5], 9, 100.0),  # above everyone
        ([1, 2, 2, 2, 5], 2, 50.0),  # ties at positions 1..3: the middle, 2 of 4
        ([1, 3], 2.5, 75.0),
    ],
)
def test_percentile_rank_is_the_inverse_of_the_quantile(values, score, expected):
    assert percentile_rank(values, score) == pytest.approx(expected)


# scores as the questionnaires give them: distinct values at least 0.01 apart (floats a rounding apart would tie)
@given(st.lists(st.integers(0, 500).map(lambda x: x / 100), min_size=2, max_size=30, unique=True), st.floats(0, 1))
def test_percentile_rank_of_a_quantile_gives_back_its_p(values, p):
    values = sorted(values)
    assert percentile_rank(values, quantile(values, p)) == pytest.approx(100 * p, abs=1e-6)


@given(st.lists(st.floats(0, 5), min_size=2, max_size=30), st.floats(0, 5), st.floats(0, 5))
def test_a_higher_score_never_ranks_lower(values, a, b):
    values = sorted(values)
    low, high = sorted((a, b))
    assert percentile_rank(values, low) <= percentile_rank(values, high)


@given(st.lists(st.floats(0, 5), min_size=1, max_size=30))
def test_quantiles_are_ordered(values):
    values = sorted(values)
    q1, median, q3, p90 = (quantile(values, p) for p in (0.25, 0.5, 0.75, 0.9))
    assert values[0] <= q1 <= median <= q3 <= p90 <= values[-1]


def entry(enterprise_id, province, city, division, kind, size, scores, levels, synthetic=False) -> EntryRow:
    packed = pack_scores(scores, levels)
    return EntryRow(enterprise_id, "1", province, city, division, kind, size, synthetic, *packed)


# Five enterprises: four in Shandong (two in Jinan, one in Qingdao, one that named no city), one in Beijing.
ENTRIES = [
    entry(1, "370000", "370100", "13", "process", "small", [1.0, 10, 1, None], [1, 0, 1, None]),
    entry(2, "370000", "370100", "13", "process", "small", [2.0, 20, 2, 3], [2, 1, 2, 3]),
    entry(3, "370000", None, "34", "discrete", "large", [3.0, 30, 3, 3], [3, 1, 3, 3]),
    entry(4, "110000", None, "34", "discrete", "large", [4.0, 40, 4, 5], [4, 2, 4, 5]),
    entry(5, "370000", "370200", "34", "discrete", "small", [5.0, 50, 5, 1], [5, 3, 5, 1], synthetic=True),
]


@pytest.fixture
def stats():
    return compute_stats(Population(NODES, ["d1", "d2"], ENTRIES, {"1": NODES}), COUNTRY)


def node(stats, cell, node_id) -> NodeStats:
    return decode_node(stats[cell]["nodes"][node_id])


def test_country_statistics_of_every_score(stats):
    country = stats[(COUNTRY, ALL, ALL)]
    assert (country["count"], country["synthetic"]) == (5, 1)
    overall = node(stats, (COUNTRY, ALL, ALL), "overall")
    assert overall == NodeStats(count=5, mean=3, q1=2, median=3, q3=4, p90=4.6, levels={1: 1, 2: 1, 3: 1, 4: 1, 5: 1})
    d2 = node(stats, (COUNTRY, ALL, ALL), "d2")  # enterprise 1 has no d2 score: 3, 3, 5, 1
    # p90: position 2.7 of [1, 3, 3, 5] is 3 + 0.7 * 2
    assert d2 == NodeStats(count=4, mean=3, q1=2.5, median=3, q3=3.5, p90=4.4, levels={1: 1, 3: 2, 5: 1})


def test_province_counts_enterprises_without_a_city_but_cities_do_not(stats):
    province = node(stats, ("370000", ALL, ALL), "overall")  # 1, 2, 3, 5
    assert (province.count, province.mean, province.median, province.q1, province.p90) == (4, 2.75, 2.5, 1.75, 4.4)
    assert stats[("370100", ALL, ALL)]["count"] == 2
    assert stats[("370200", ALL, ALL)]["count"] == 1
    assert not any(cell[0] is None for cell in stats)


@pytest.mark.parametrize(
    ("cell", "count", "mean"),
    [
        ((COUNTRY, "discrete", ALL), 3, 4.0),  # 3, 4, 5
        ((COUNTRY, "process", ALL), 2, 1.5),
        ((COUNTRY, "34", "large"), 2, 3.5),
        ((COUNTRY, ALL, "small"), 3, 8 / 3),  # 1, 2, 5
        (("370000", "discrete", "small"), 1, 5.0),
        (("370100", "13", "small"), 2, 1.5),
        (("110000", "34", ALL), 1, 4.0),
    ],
)
def test_every_kind_of_cohort(stats, cell, count, mean):
    assert stats[cell]["count"] == count
    assert node(stats, cell, "overall").mean == pytest.approx(mean)


def test_lagging_counts_dimensions_below_a_level(stats):
    # dimensions below level 2: e1 d1=1 (one), e2 none, e3 none, e4 none, e5 d2=1 (one); e1 has no d2 level
    assert stats[(COUNTRY, ALL, ALL)]["lagging"]["2"] == [3, 2, 0]
    # below level 4: e1 one (d1), e2 two, e3 two, e4 none, e5 one (d2)
    assert stats[(COUNTRY, ALL, ALL)]["lagging"]["4"] == [1, 2, 2]


def test_change_counts_only_enterprises_in_both_periods():
    before = Population(NODES, ["d1", "d2"], ENTRIES[:3], {"1": NODES})
    later = [entry(2, "370000", "370100", "13", "process", "small", [2.5, 30, 2, 4], [2, 1, 2, 4]),
             entry(3, "370000", None, "34", "discrete", "large", [2.0, 30, 3, 3], [2, 1, 3, 3]),
             entry(9, "370000", "370100", "13", "process", "small", [5.0, 50, 5, 5], [5, 3, 5, 5])]
    now = Population(NODES, ["d1", "d2"], later, {"1": NODES})
    change = compute_stats(now.change_since(before), COUNTRY)
    overall = node(change, (COUNTRY, ALL, ALL), "overall")  # +0.5 and -1.0
    assert (change[(COUNTRY, ALL, ALL)]["count"], overall.mean, overall.median) == (2, -0.25, -0.25)
    assert node(change, ("370100", ALL, ALL), "d2").mean == 1.0
    assert overall.levels == {}


@pytest.mark.parametrize("seed", range(5))
def test_every_cohort_matches_its_statistics_worked_out_one_by_one(seed):
    rng = random.Random(seed)
    places = [("370000", "370100"), ("370000", "370200"), ("370000", None), ("110000", None)]
    divisions = {"13": "process", "34": "discrete", "39": "discrete"}
    entries = []
    for number in range(rng.randint(5, 60)):
        province, city = rng.choice(places)
        division = rng.choice(list(divisions))
        scores = [rng.choice([None, round(rng.uniform(0, 5), 2)]) for _ in NODES]
        levels = [None if v is None else int(v) for v in scores]
        entries.append(entry(number, province, city, division, divisions[division], rng.choice(["small", "large"]),
                             scores, levels, synthetic=rng.random() < 0.3))
    population = Population(NODES, ["d1", "d2"], entries, {"1": NODES})
    stats = compute_stats(population, COUNTRY)
    for cell, data in stats.items():
        members = [e for e in entries if population_has(e, cell)]
        assert data["count"] == len(members) and data["synthetic"] == sum(e.synthetic for e in members)
        for column, node_id in enumerate(NODES):
            values = sorted(v for e in members if not math.isnan(v := unpack_scores(e.scores, e.levels)[0][column]))
            if not values:
                assert node_id not in data["nodes"]
                continue
            found = decode_node(data["nodes"][node_id])
            assert found.count == len(values)
            assert found.mean == pytest.approx(sum(values) / len(values), abs=1e-6)
            for name, p in (("q1", 0.25), ("median", 0.5), ("q3", 0.75), ("p90", 0.9)):
                assert getattr(found, name) == pytest.approx(quantile(values, p), abs=1e-6)
            assert found.levels == dict(Counter(int(v) for v in values))


def population_has(row: EntryRow, cell) -> bool:
    region, industry, size = cell
    return (region in (COUNTRY, row.province_code, row.city_code) and industry in (ALL, row.industry_type,
            row.industry_code) and size in (ALL, row.size_class))


def test_levels_are_counted_only_where_an_entry_has_one():
    # Node "digital" scored for all three, with a level for two of them (levels 1 and 3, one without); "d1" scored
    # and leveled for all. The country cell counts digital's levels {1: 1, 3: 1} among 3 scored, d1's {0: 1, 2: 2}.
    entries = [entry(1, "370000", "370100", "13", "process", "small", [1.0, 10, 0, 1], [1, 1, 0, 1]),
               entry(2, "370000", "370100", "13", "process", "small", [2.0, 20, 2, 1], [2, None, 2, 1]),
               entry(3, "370000", None, "34", "discrete", "large", [3.0, 30, 2, 1], [3, 3, 2, 1])]
    stats = compute_stats(Population(NODES, ["d1", "d2"], entries, {"1": NODES}), COUNTRY)
    country = stats[(COUNTRY, ALL, ALL)]["nodes"]
    assert decode_node(country["digital"]).count == 3 and decode_node(country["digital"]).levels == {1: 1, 3: 1}
    assert decode_node(country["d1"]).levels == {0: 1, 2: 2}
    # Jinan (370100) holds entries 1 and 2: digital's levels {1: 1}, from entry 1 only
    assert decode_node(stats[("370100", ALL, ALL)]["nodes"]["digital"]).levels == {1: 1}


def test_figure_arrays_hold_the_figures_as_array_rows():
    population = Population(NODES, ["d1", "d2"], ENTRIES, {"1": NODES})
    table = cohort_table(population, COUNTRY)
    # entry 4 is the only one in Beijing: its figures name all four nodes, count 1 each, and its score 4, 40, 4, 5
    beijing = table.figure_arrays([table.cells.index(("110000", ALL, ALL))])[0]
    assert list(beijing["nodes"]) == list(NODES) and {v[0] for v in beijing["nodes"].values()} == {1.0}
    assert [v[1] for v in beijing["nodes"].values()] == [4.0, 40.0, 4.0, 5.0]
    assert table.figures([table.cells.index(("110000", ALL, ALL))])[0]["nodes"]["d2"][:2] == [1.0, 5.0]


def test_entries_of_two_versions_with_or_without_noise_land_in_their_columns():
    # Version "2" benchmarks two of the four nodes, in another order: d2 then overall. Entry 1 has noise drawn,
    # entry 3 none (recorded before releases drew it): its noise stays missing.
    noise = np.array([0.5, -0.5, 0.25, 0.0], dtype="<f4").tobytes()
    first = entry(1, "370000", "370100", "13", "process", "small", [1.0, 10, 1, 2], [1, 0, 1, 2])._replace(noise=noise)
    scores, levels = pack_scores([7.0, 9.0], [3, 4])
    second = EntryRow(2, "2", "370000", None, "13", "process", "small", False, scores, levels,
                      np.array([0.125, 0.75], dtype="<f4").tobytes())
    third = entry(3, "370000", None, "34", "discrete", "large", [3.0, 30, 3, 3], [3, 1, 3, 3])
    population = Population(NODES, ["d1", "d2"], [first, second, third], {"1": NODES, "2": ("d2", "overall")})
    np.testing.assert_array_equal(population.scores, [[1.0, 10, 1, 2], [9.0, np.nan, np.nan, 7.0], [3.0, 30, 3, 3]])
    np.testing.assert_array_equal(population.levels, [[1, 0, 1, 2], [4, -1, -1, 3], [3, 1, 3, 3]])
    np.testing.assert_array_equal(population.noise, [[0.5, -0.5, 0.25, 0.0], [0.75, np.nan, np.nan, 0.125],
                                                     [np.nan] * 4])
    assert population.labels["city"] == ["370100", None] and population.codes["city"].tolist() == [0, 1, 1]
