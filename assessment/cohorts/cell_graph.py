"""The cohort cells of one period as integers, and the totals they add up to: what complementary suppression
(assessment/cohorts/suppression.py) searches, built once with array arithmetic instead of per-cell tuples.

A cell's id is its place in sorted order, so ids compare as the cells themselves do: any choice the search makes by
sorting cells (the smallest partner, the order relations are taken in) comes out the same on ids.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from assessment.cohorts.groups import ALL, CellKey
from questionnaires.vocabulary import INDUSTRY_TYPES

HIERARCHIES = 3  # region (city -> province -> country), industry (division -> type -> all), size (class -> all)


def unnamed_city(province_code: str) -> str:
    """The never-shown part of a province: its enterprises that named no city."""
    return f"{province_code}*"


@dataclass
class CellGraph:
    """Every non-empty cell (with the unnamed-city parts added) by id, and every total-equals-parts relation."""

    cells: list[CellKey]  # by id, in sorted order
    counts: list[int]  # enterprises per cell, by id
    unnamed: np.ndarray  # per id: an unnamed-city part (never shown)
    totals: np.ndarray  # per relation: its total's id
    bounds: np.ndarray  # relation r's parts are parts[bounds[r]:bounds[r + 1]], ascending
    parts: np.ndarray

    def relations(self) -> list[tuple[CellKey, tuple[CellKey, ...]]]:
        """The relations as cells: (total, its parts)."""
        cells, parts, bounds = self.cells, self.parts.tolist(), self.bounds.tolist()
        return [(cells[total], tuple(cells[p] for p in parts[bounds[r]:bounds[r + 1]]))
                for r, total in enumerate(self.totals.tolist())]

    def identities(self) -> np.ndarray:
        """Per id, the smallest id of the cells holding exactly the same enterprises: a total with a single part is
        the same group under two names (a municipality and its only slice, say)."""
        parent = np.arange(len(self.cells))
        single = np.flatnonzero(np.diff(self.bounds) == 1)
        links = zip(self.totals[single].tolist(), self.parts[self.bounds[single]].tolist(), strict=True)
        root = parent.tolist()

        def find(cell: int) -> int:
            while root[cell] != cell:
                root[cell] = root[root[cell]]
                cell = root[cell]
            return cell

        for total, part in links:
            a, b = find(total), find(part)
            if a != b:
                root[max(a, b)] = min(a, b)
        parent = np.array(root, dtype=np.int64)
        while True:  # every id straight to its class's root
            higher = parent[parent]
            if np.array_equal(higher, parent):
                return parent
            parent = higher


def cell_graph(counts: Mapping[CellKey, int], country_code: str, province_of: Callable[[str], str],
               type_of: Callable[[str], str]) -> CellGraph:
    """The cells of `counts` holding anyone, the unnamed-city parts, and the relations among them."""
    cells = [cell for cell, n in counts.items() if n > 0]
    columns = list(zip(*cells, strict=True)) or [(), (), ()]  # region, industry, size per cell
    regions, industries, sizes = map(set, columns)
    # Each region's parent and each division's type looked up once, not once per cell that names it.
    parent_of = {region: province_of(region) for region in regions if region != country_code}
    provinces = [region for region, parent in parent_of.items() if parent == country_code]
    type_of_division = {industry: type_of(industry) for industry in industries
                        if industry not in (ALL, *INDUSTRY_TYPES)}
    region_labels = sorted(regions | {p for p in parent_of.values() if p is not None}
                           | {unnamed_city(p) for p in provinces})
    industry_labels = sorted(industries | {t for t in type_of_division.values() if t is not None}
                             | {ALL, *INDUSTRY_TYPES})
    size_labels = sorted(sizes | {ALL})
    at = {axis: {label: i for i, label in enumerate(labels)}
          for axis, labels in enumerate((region_labels, industry_labels, size_labels))}
    # The total each label adds up into (-1: none): a region's parent, an unnamed part's province, a division's
    # type, a type's all industries, a size class's all sizes.
    up_region = np.array([at[0][parent_of[r]] if parent_of.get(r) is not None else -1 for r in region_labels],
                         dtype=np.int64)
    for province in provinces:
        up_region[at[0][unnamed_city(province)]] = at[0][province]
    up_industry = np.array([at[1].get(type_of_division[i], -1) if i in type_of_division
                            else at[1][ALL] if i in INDUSTRY_TYPES else -1 for i in industry_labels], dtype=np.int64)
    up_size = np.array([at[2][ALL] if s != ALL else -1 for s in size_labels], dtype=np.int64)
    shape = (len(region_labels), len(industry_labels), len(size_labels))
    r, i, s = (np.fromiter(map(at[axis].__getitem__, columns[axis]), np.int64, len(cells)) for axis in range(3))
    n = np.fromiter(map(counts.__getitem__, cells), np.int64, len(cells))
    given = len(cells)
    # A province's enterprises that named no city: the province less its cities, a part of its own when some.
    keys = np.ravel_multi_index((r, i, s), shape)
    order = np.argsort(keys)
    inside = _find(keys[order], _up_keys(up_region, r, i, s, shape, axis=0))
    named = np.bincount(order[inside[inside >= 0]], weights=n[inside >= 0], minlength=len(cells)).astype(np.int64)
    is_province = np.zeros(len(region_labels), dtype=bool)
    is_province[[at[0][p] for p in provinces]] = True
    rest = np.where(is_province[r], n - named, 0)
    with_rest = np.flatnonzero(rest > 0)
    unnamed_labels = {at[0][p]: at[0][unnamed_city(p)] for p in provinces}
    r_u = np.array([unnamed_labels[x] for x in r[with_rest].tolist()], dtype=np.int64)
    cells += [(region_labels[a], industry_labels[b], size_labels[c])
              for a, b, c in zip(r_u.tolist(), i[with_rest].tolist(), s[with_rest].tolist(), strict=True)]
    r, i, s = np.concatenate((r, r_u)), np.concatenate((i, i[with_rest])), np.concatenate((s, s[with_rest]))
    n = np.concatenate((n, rest[with_rest]))
    unnamed = np.zeros(len(cells), dtype=bool)
    unnamed[given:] = True
    # Ids in sorted order of the cells: the labels are numbered in sorted order, so the keys sort as the cells do.
    keys = np.ravel_multi_index((r, i, s), shape)
    order = np.argsort(keys)
    r, i, s, n, unnamed, keys = r[order], i[order], s[order], n[order], unnamed[order], keys[order]
    cells = [cells[j] for j in order.tolist()]
    children, totals, kinds = [], [], []
    for axis, up in enumerate((up_region, up_industry, up_size)):
        total = _find(keys, _up_keys(up, r, i, s, shape, axis))
        found = np.flatnonzero(total >= 0)
        children.append(found)
        totals.append(total[found])
        kinds.append(np.full(len(found), axis))
    children, totals, kinds = np.concatenate(children), np.concatenate(totals), np.concatenate(kinds)
    relation = totals * HIERARCHIES + kinds
    order = np.lexsort((children, relation))
    relation, children = relation[order], children[order]
    first = np.flatnonzero(np.diff(relation, prepend=-1))
    bounds = np.append(first, len(children))
    return CellGraph(cells=cells, counts=n.tolist(), unnamed=unnamed, totals=relation[first] // HIERARCHIES,
                     bounds=bounds, parts=children)


def _up_keys(up: np.ndarray, r, i, s, shape, axis: int) -> np.ndarray:
    """Per cell, the key of the total it is a part of along one hierarchy (-1: none)."""
    coordinates = [r, i, s]
    above = up[coordinates[axis]]
    coordinates[axis] = np.maximum(above, 0)
    return np.where(above >= 0, np.ravel_multi_index(coordinates, shape), -1)


def _find(sorted_keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Per wanted key, its position among the sorted keys (-1: not there)."""
    position = np.minimum(np.searchsorted(sorted_keys, wanted), max(len(sorted_keys) - 1, 0))
    if not len(sorted_keys):
        return np.full(len(wanted), -1)
    return np.where((wanted >= 0) & (sorted_keys[position] == wanted), position, -1)
