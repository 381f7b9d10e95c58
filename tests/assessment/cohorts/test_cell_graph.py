"""The integer form of a period's cells that the suppression searches: ids in the cells' own sorted order, the
unnamed-city parts, and the relations, checked on a population small enough to write out by hand."""

from __future__ import annotations

from collections import Counter

import pytest

from assessment.cohorts.cell_graph import cell_graph, unnamed_city
from assessment.cohorts.groups import ALL

COUNTRY = "100000"
PARENT = {"370000": COUNTRY, "110000": COUNTRY, "370100": "370000", "370200": "370000"}
TYPE = {"34": "discrete", "13": "process"}

# (province, city or None, division, size): Jinan 3, Qingdao 4, Shandong without a city 2, Beijing 6
ENTERPRISES = ([("370000", "370100", "34", "small")] * 3 + [("370000", "370200", "34", "small")] * 4
               + [("370000", None, "34", "small")] * 2 + [("110000", None, "13", "large")] * 6)


def counts() -> Counter:
    cells: Counter = Counter()
    for province, city, division, size in ENTERPRISES:
        for region in (COUNTRY, province, *([city] if city else [])):
            for industry in (ALL, TYPE[division], division):
                for group in (ALL, size):
                    cells[region, industry, group] += 1
    return cells


def graph():
    return cell_graph(counts(), COUNTRY, PARENT.__getitem__, TYPE.__getitem__)


def test_ids_follow_the_sorted_order_of_the_cells():
    cells = graph().cells
    assert cells == sorted(cells)


def test_a_province_gets_the_part_that_named_no_city():
    found = graph()
    count = dict(zip(found.cells, found.counts, strict=True))
    unnamed = {cell for cell, flag in zip(found.cells, found.unnamed, strict=True) if flag}
    # Shandong 9 - Jinan 3 - Qingdao 4 = 2, in each of its 6 industry x size cells; Beijing names no city either,
    # and all of it (6) is its unnamed part
    assert {cell: count[cell] for cell in unnamed} == {
        **{(unnamed_city("370000"), i, s): 2 for i in (ALL, "discrete", "34") for s in (ALL, "small")},
        **{(unnamed_city("110000"), i, s): 6 for i in (ALL, "process", "13") for s in (ALL, "large")}}
    assert len(found.cells) == len(counts()) + len(unnamed)


def test_every_total_is_the_sum_of_its_parts():
    found = graph()
    count = dict(zip(found.cells, found.counts, strict=True))
    shandong = [set(parts) for total, parts in found.relations() if total == ("370000", ALL, ALL)]
    # its cities and the rest, its industry types (all discrete), its size classes (all small)
    assert sorted(shandong, key=sorted) == sorted([
        {("370100", ALL, ALL), ("370200", ALL, ALL), (unnamed_city("370000"), ALL, ALL)},
        {("370000", "discrete", ALL)}, {("370000", ALL, "small")}], key=sorted)
    for total, parts in found.relations():
        assert count[total] == sum(count[part] for part in parts), (total, parts)


@pytest.mark.parametrize(("cell", "same_as"), [
    # Beijing has one division and one size: all its cells hold the same 6 enterprises, and so does its unnamed part
    (("110000", "13", "large"), ("110000", ALL, ALL)),
    ((unnamed_city("110000"), ALL, ALL), ("110000", ALL, ALL)),
    # Jinan's enterprises are all of one division and size
    (("370100", "34", "small"), ("370100", ALL, ALL)),
])
def test_cells_of_the_same_enterprises_share_one_representative_the_smallest(cell, same_as):
    found = graph()
    at = {c: i for i, c in enumerate(found.cells)}
    same = found.identities()
    assert same[at[cell]] == same[at[same_as]] == min(at[cell], at[same_as], same[at[cell]])


def test_no_cells():
    found = cell_graph({}, COUNTRY, PARENT.__getitem__, TYPE.__getitem__)
    assert found.cells == [] and found.relations() == [] and list(found.identities()) == []
