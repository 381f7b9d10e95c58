"""Which cohorts may be shown: none of fewer than k enterprises, and none that would let such a group be worked
out by difference (complementary suppression). Plain functions over cohort counts.

Cohorts add up along three hierarchies: a province is its cities plus the enterprises that named no city, the
country is its provinces; an industry type is its divisions, all industries are the two types; all sizes are the
size classes. Someone who sees a total and all but one of its parts knows the last part, and can chain such steps
across tables. So the rule is checked the way such a person would work: every cell that can be derived from shown
cells, repeatedly, counts as known; a known total whose unknown parts hold fewer than k enterprises (but some) gives
a small group away, and one more part of it is then hidden, the smallest, until nothing small can be derived. A
cell hidden to protect another would be worked back out if it were the only unknown of some total, so it gets a
partner there at once.
The enterprises of a province that named no city form a part that is never shown but can still be derived.

The search runs on cell ids (assessment/cohorts/cell_graph.py): a cell is an integer, a relation a tuple of them,
what is shown or known a bytearray; a release searches tens of thousands of cells, once per period.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import chain

import numpy as np

from assessment.cohorts.cell_graph import CellGraph, cell_graph, unnamed_city
from assessment.cohorts.groups import CellKey

SMALL, COMPLEMENTARY = "small", "complementary"
REASONS = (None, SMALL, COMPLEMENTARY)  # a cell's reason, by its code in the search

Relation = tuple[CellKey, tuple[CellKey, ...]]  # a total and the parts it is the sum of

MIN_GROUP = 5  # k: no statistic of fewer enterprises is ever shown (the app's BENCHMARK_MIN_GROUP by default)

__all__ = ["COMPLEMENTARY", "MIN_GROUP", "SMALL", "relations", "suppress", "unnamed_city"]


def relations(counts: Mapping[CellKey, int], country_code: str, province_of: Callable[[str], str],
              type_of: Callable[[str], str]) -> tuple[dict[CellKey, int], list[Relation]]:
    """All cells (with the unnamed-city parts added) and every total-equals-parts relation among non-empty ones."""
    graph = cell_graph(counts, country_code, province_of, type_of)
    return dict(zip(graph.cells, graph.counts, strict=True)), graph.relations()


def suppress(counts: Mapping[CellKey, int], k: int, country_code: str, province_of: Callable[[str], str],
             type_of: Callable[[str], str], start: Mapping[CellKey, str] | None = None) -> dict[CellKey, str]:
    """The cells to withhold, each with its reason ("small" or "complementary").

    `start` is an earlier answer for nearly the same counts: its complementary cells stay withheld, which keeps
    the pattern stable between rebuilds and makes the search short."""
    graph = cell_graph(counts, country_code, province_of, type_of)
    # Cells holding exactly the same enterprises are decided together, as one: their smallest id stands for all.
    same = graph.identities()
    search = _Search(graph, _links(graph, same), k)
    representative = same == np.arange(len(same))
    # a class is never shown when all its cells are unnamed-city parts
    named = np.bincount(same, weights=~graph.unnamed, minlength=len(same)) > 0
    hidden = np.zeros(len(same), dtype=np.int8)
    hidden[representative & named & (np.array(graph.counts) < k)] = REASONS.index(SMALL)
    if start:
        at = {cell: c for c, cell in enumerate(graph.cells)}
        earlier = [same[at[cell]] for cell, reason in start.items() if reason == COMPLEMENTARY and cell in at]
        earlier = np.array(earlier, dtype=np.int64)
        hidden[earlier[hidden[earlier] == 0]] = REASONS.index(COMPLEMENTARY)
    search.start(shown=representative & named & (hidden == 0), present=representative)
    for cell in search.run():
        hidden[cell] = REASONS.index(COMPLEMENTARY)
    reasons = hidden[same]
    return {graph.cells[c]: REASONS[reasons[c]] for c in np.flatnonzero((reasons > 0) & ~graph.unnamed).tolist()}


def _links(graph: CellGraph, same: np.ndarray) -> list[tuple[int, tuple[int, ...]]]:
    """The relations between representatives, each once, in sorted order: the order decides which partner protects a
    cell, so it must not follow the process's hash order, or two rebuilds over the same entries would withhold
    different partners and together give a small group away (tests/assessment/cohorts/test_suppression_determinism)
    """
    sizes = np.diff(graph.bounds)
    relation = np.repeat(np.arange(len(sizes)), sizes)
    parts = same[graph.parts]
    order = np.lexsort((parts, relation))  # each relation's parts ascending, then each part once
    relation, parts = relation[order], parts[order]
    once = np.ones(len(parts), dtype=bool)
    once[1:] = (parts[1:] != parts[:-1]) | (relation[1:] != relation[:-1])
    relation, parts = relation[once], parts[once]
    sizes = np.bincount(relation, minlength=len(sizes))
    bounds = np.concatenate(([0], np.cumsum(sizes)))
    totals = same[graph.totals]
    first = parts[np.minimum(bounds[:-1], max(len(parts) - 1, 0))] if len(parts) else totals
    # a relation says something when it names a cell besides its total
    kept = np.flatnonzero((sizes > 1) | ((sizes == 1) & (first != totals))).tolist()
    parts, bounds, totals = parts.tolist(), bounds.tolist(), totals.tolist()
    return sorted({(totals[r], tuple(parts[bounds[r]:bounds[r + 1]])) for r in kept})


class _Search:
    """Complementary suppression over cell ids: which shown cells to withhold so that nothing small can be
    derived. Relations are numbered in sorted order; every choice is made in that order or by (count, id)."""

    def __init__(self, graph: CellGraph, links: list[tuple[int, tuple[int, ...]]], k: int) -> None:
        self.k, self.counts = k, graph.counts
        self.totals = [total for total, _ in links]
        self.parts = [parts for _, parts in links]
        self.members = [(total, *parts) for total, parts in links]
        # per cell, the relations it is a member of, ascending (twice where it is a relation's total and a part)
        cells = np.fromiter(chain.from_iterable(self.members), np.int64)
        numbers = np.repeat(np.arange(len(links)), [len(members) for members in self.members])
        order = np.argsort(cells, kind="stable")
        bounds = np.searchsorted(cells[order], np.arange(len(graph.cells) + 1)).tolist()
        numbers = numbers[order].tolist()
        self.member_of = [numbers[bounds[c]:bounds[c + 1]] for c in range(len(graph.cells))]

    def start(self, shown: np.ndarray, present: np.ndarray) -> None:
        """Set what is shown; per relation, how many of its cells are not (only those can give anything away)."""
        self.shown = bytearray(shown.astype(np.uint8).tobytes())
        unshown = np.flatnonzero(present & ~shown)
        self.unshown = [0] * len(self.members)
        for cell in unshown.tolist():
            for number in self.member_of[cell]:
                self.unshown[number] += 1

    def run(self) -> list[int]:
        """The cells to withhold as complements, until nothing small can be derived."""
        extra: list[int] = []
        while True:
            known, derived_by = self._derive()
            chosen = {self._protector(number, known, derived_by, set())
                      for number in self._disclosing(known, derived_by)} - {None}
            if not chosen:
                return extra
            for cell in sorted(chosen):
                self._withhold(cell, extra)

    def _derive(self) -> tuple[bytearray, dict[int, int]]:
        """Cells that follow from shown ones (known: shown or derived), each with the relation that gives it away."""
        known, members, member_of = bytearray(self.shown), self.members, self.member_of
        unknown_in = self.unshown[:]
        # in a fixed order: which relation is found to give a cell away decides which partner protects it
        queue = [number for number, count in enumerate(unknown_in) if count == 1]
        derived_by: dict[int, int] = {}
        while queue:
            number = queue.pop()
            missing = [cell for cell in members[number] if not known[cell]]
            if len(missing) != 1:
                continue
            cell = missing[0]
            known[cell] = 1
            derived_by[cell] = number
            for other in member_of[cell]:
                unknown_in[other] -= 1
                if unknown_in[other] == 1:
                    queue.append(other)
        return known, derived_by

    def _disclosing(self, known: bytearray, derived_by: dict[int, int]) -> set[int]:
        """Relations that give away a group of fewer than k enterprises: a derived small cell, or a known total whose
        unknown parts together are small."""
        k, counts, totals, parts = self.k, self.counts, self.totals, self.parts
        found = {number for cell, number in derived_by.items() if counts[cell] < k}
        for number, count in enumerate(self.unshown):
            if not count or not known[totals[number]]:
                continue
            unknown = 0
            for cell in parts[number]:  # every cell holds at least one enterprise: k unknown ones settle it
                if not known[cell]:
                    unknown += counts[cell]
                    if unknown >= k:
                        break
            if 0 < unknown < k:
                found.add(number)
        return found

    def _smallest_shown(self, number: int) -> int | None:
        """The shown part of a relation with the fewest enterprises (the smallest id among equals), else its total
        if shown."""
        shown, counts = self.shown, self.counts
        best = None
        for cell in self.parts[number]:
            if shown[cell] and (best is None or counts[cell] < counts[best]):
                best = cell  # parts ascend by id: the first of equal counts is the smallest id
        if best is None and shown[self.totals[number]]:
            return self.totals[number]
        return best

    def _withhold(self, cell: int, extra: list[int]) -> None:
        """Withhold a shown cell, and at once a partner for it in every relation where it would be the only unknown
        (it would be derived back at the next look and protect nothing): fewer rounds of the search."""
        queue = [cell]
        while queue:
            cell = queue.pop()
            if not self.shown[cell]:
                continue
            self.shown[cell] = 0
            extra.append(cell)
            for number in self.member_of[cell]:
                self.unshown[number] += 1
                if self.unshown[number] == 1:
                    partner = self._smallest_shown(number)
                    if partner is not None:
                        queue.append(partner)

    def _protector(self, number: int, known: bytearray, derived_by: dict[int, int], seen: set[int]) -> int | None:
        """The smallest shown cell of a relation to hide, looking behind derived cells when none is shown."""
        if number in seen:
            return None
        seen.add(number)
        partner = self._smallest_shown(number)
        if partner is not None:
            return partner
        for cell in self.members[number]:
            if cell in derived_by:
                found = self._protector(derived_by[cell], known, derived_by, seen)
                if found is not None:
                    return found
        return None
