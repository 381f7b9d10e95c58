"""Small groups stay hidden: no cohort of fewer than k enterprises is shown, and none can be worked out from the
shown ones by adding and subtracting, which is checked here the way an attacker would: with linear algebra."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from assessment.cohorts.groups import ALL
from assessment.cohorts.suppression import COMPLEMENTARY, SMALL, suppress, unnamed_city

COUNTRY = "100000"
PARENT = {"370000": COUNTRY, "320000": COUNTRY, "110000": COUNTRY,
          "370100": "370000", "370200": "370000", "370300": "370000", "320100": "320000", "320200": "320000"}
TYPE = {"13": "process", "26": "process", "34": "discrete", "39": "discrete"}
SIZES = ("micro", "small", "medium", "large")


def cells_of(enterprise) -> list[tuple[str, str, str]]:
    """Every cohort an enterprise (province, city or None, division, size) belongs to."""
    province, city, division, size = enterprise
    regions = [COUNTRY, province] + ([city] if city else [])
    return [(r, i, s) for r in regions for i in (ALL, TYPE[division], division) for s in (ALL, size)]


def counts_of(enterprises) -> Counter:
    return Counter(cell for enterprise in enterprises for cell in cells_of(enterprise))


def run(enterprises, k=5):
    return suppress(counts_of(enterprises), k, COUNTRY, PARENT.__getitem__, TYPE.__getitem__)


def atom(enterprise) -> tuple:
    province, city, division, size = enterprise
    return (city or unnamed_city(province), division, size)


def disclosed_groups(enterprises, hidden, k) -> list:
    """Groups of fewer than k enterprises (a hidden cohort, or a province's enterprises without a city) whose
    totals follow from the shown cohorts by any sums and differences."""
    atoms = sorted({atom(e) for e in enterprises})
    column = {a: i for i, a in enumerate(atoms)}
    members: dict = {}
    for enterprise in enterprises:
        for cell in cells_of(enterprise):
            members.setdefault(cell, set()).add(column[atom(enterprise)])
    shown = [cell for cell in members if cell not in hidden]
    matrix = np.zeros((len(shown), len(atoms)))
    for row, cell in enumerate(shown):
        matrix[row, sorted(members[cell])] = 1
    rank = np.linalg.matrix_rank(matrix) if len(shown) else 0
    sizes = Counter(atom(e) for e in enterprises)
    groups = {cell: cols for cell, cols in members.items() if cell in hidden}
    for province in {e[0] for e in enterprises}:  # each province's enterprises that named no city
        cols = {column[a] for a in atoms if a[0] == unnamed_city(province)}
        if cols:
            groups[("unnamed", province)] = cols
    found = []
    for cell, cols in groups.items():
        n = sum(sizes[atoms[c]] for c in cols)
        if 0 < n < k:
            vector = np.zeros(len(atoms))
            vector[sorted(cols)] = 1
            if np.linalg.matrix_rank(np.vstack([matrix, vector])) == rank:
                found.append((cell, n))
    return found


def test_a_city_of_four_cannot_be_recovered_from_its_province_and_siblings():
    enterprises = ([("370000", "370100", "34", "small")] * 4 + [("370000", "370200", "34", "small")] * 10
                   + [("370000", "370300", "34", "small")] * 8)
    hidden = run(enterprises)
    assert hidden[("370100", "34", "small")] == SMALL
    assert hidden[("370100", ALL, ALL)] == SMALL
    # The province (22) minus the two other cities (10 and 8) would give the city of 4: the smaller one goes too.
    assert hidden[("370300", ALL, ALL)] == COMPLEMENTARY
    assert ("370000", ALL, ALL) not in hidden and ("370200", ALL, ALL) not in hidden
    assert disclosed_groups(enterprises, hidden, 5) == []
    # Without the complementary cells the attack succeeds: the audit itself can fail.
    primary = {cell: reason for cell, reason in hidden.items() if reason == SMALL}
    assert (("370100", ALL, ALL), 4) in disclosed_groups(enterprises, primary, 5)


def test_enterprises_without_a_city_are_protected_like_a_city():
    enterprises = [("370000", None, "34", "small")] * 3 + [("370000", "370200", "34", "small")] * 9
    hidden = run(enterprises)
    assert hidden.get(("370200", ALL, ALL)) == COMPLEMENTARY  # province 12 minus city 9 would give the 3
    assert disclosed_groups(enterprises, hidden, 5) == []


def test_a_group_of_k_or_more_is_shown_and_nothing_is_hidden_without_need():
    enterprises = [("370000", "370100", "34", "small")] * 5 + [("370000", "370200", "34", "small")] * 6
    assert run(enterprises) == {}


@pytest.mark.parametrize("seed", range(12))
def test_no_small_group_can_be_derived_in_random_populations(seed):
    rng = random.Random(seed)
    places = [("370000", "370100"), ("370000", "370200"), ("370000", "370300"), ("370000", None),
              ("320000", "320100"), ("320000", "320200"), ("110000", None)]
    enterprises = [(*rng.choice(places), rng.choice(list(TYPE)), rng.choice(SIZES)) for _ in range(rng.randint(15, 70))]
    hidden = run(enterprises)
    counts = counts_of(enterprises)
    assert all(reason == SMALL for cell, reason in hidden.items() if counts[cell] < 5)
    assert all(cell in hidden for cell, n in counts.items() if n < 5)
    assert disclosed_groups(enterprises, hidden, 5) == []


@pytest.mark.parametrize("seed", range(6))
def test_starting_from_an_earlier_answer_still_hides_every_small_group(seed):
    rng = random.Random(seed)
    places = [("370000", "370100"), ("370000", "370200"), ("370000", None), ("320000", "320100")]
    enterprises = [(*rng.choice(places), rng.choice(list(TYPE)), rng.choice(SIZES)) for _ in range(40)]
    earlier = run(enterprises)
    enterprises.append(("320000", "320200", "13", "micro"))  # one more submission
    hidden = suppress(counts_of(enterprises), 5, COUNTRY, PARENT.__getitem__, TYPE.__getitem__, start=earlier)
    assert disclosed_groups(enterprises, hidden, 5) == []
    assert all(hidden.get(cell) == reason for cell, reason in earlier.items() if reason == COMPLEMENTARY)
