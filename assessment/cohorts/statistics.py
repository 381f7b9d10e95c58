"""Statistics of every cohort of a population, as array arithmetic: no Flask, no database.

A population is the entries of one questionnaire in one period (or the changes of those assessed in two), held
as arrays: scores and levels per node, classifications as small integers. Every kind of cohort (region level ×
industry level × size level) is then a grouping of the same arrays; see `assessment/cohorts/groups.py` for what a cohort
is and how quantiles are defined.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from operator import itemgetter
from typing import NamedTuple

import numpy as np

from assessment.cohorts.groups import (
    ALL,
    INDUSTRY_LEVELS,
    LEVELS,
    QUANTILES,
    REGION_LEVELS,
    SIZE_LEVELS,
    STORED_FIELDS,
    CellKey,
    EntryRow,
)
from assessment.cohorts.perturbation import banded_levels, perturb, spread
from questionnaires.vocabulary import INDUSTRY_TYPES

CLASSIFICATIONS = ("province", "city", "division", "type", "size")  # an entry's classifications, as Population codes


class EntryBlock(NamedTuple):
    """Entries of one questionnaire version, column by column, as a database can hand them over in bulk: the
    scores, levels and noise laid out as that version benchmarks its nodes; each classification as fixed-width
    ASCII codes (bytes, padded with spaces; a blank city is none)."""

    version: str
    enterprise_ids: np.ndarray  # int64
    synthetic: np.ndarray  # bool
    classifications: dict[str, np.ndarray]  # CLASSIFICATIONS -> bytes codes
    scores: np.ndarray  # entries × the version's nodes, float64
    levels: np.ndarray  # int8, -1: none
    noise: np.ndarray  # float32
    drawn: np.ndarray  # bool: whether the entry has its noise (else its noise row is missing)


def _picker(positions: list[int] | slice):
    """Takes the values at `positions` from a column (a list)."""
    if isinstance(positions, slice):
        return lambda column: column[positions]
    return lambda column: [column[r] for r in positions]


def _factorized(codes: np.ndarray) -> tuple[list[bytes], np.ndarray]:
    """The distinct codes (fixed-width bytes) in order, and each one's number: codes of up to 8 bytes are compared
    as integers, which numpy sorts six times faster than bytes."""
    width = codes.dtype.itemsize
    if width > 8:
        found, inverse = np.unique(codes, return_inverse=True)
        return found.tolist(), inverse.reshape(-1)
    padded = np.zeros((len(codes), 8), dtype=np.uint8)
    padded[:, :width] = np.ascontiguousarray(codes).view(np.uint8).reshape(-1, width)
    found, inverse = np.unique(padded.view(">u8").reshape(-1), return_inverse=True)  # big-endian: in byte order
    return found.astype(">u8").view("S8").tolist(), inverse.reshape(-1)  # S8 drops the padding


def _label_order(label: str | None) -> tuple[bool, str]:
    """How a classification's labels are numbered: in order, none last."""
    return label is None, label or ""


class Population:
    """The entries of one questionnaire in one period (or its change since a base period), as arrays."""

    def __init__(self, node_ids: Sequence[str], dimension_ids: Iterable[str], rows: Iterable[EntryRow],
                 layouts: dict[str, Sequence[str]]) -> None:
        moves = self._columns(node_ids, dimension_ids, layouts)
        # Column by column (the fields of EntryRow, in order): a million rows are read once per field by C code
        # (zip(*rows) takes three times as long: it holds an iterator per row).
        rows = rows if isinstance(rows, Sequence) else list(rows)
        columns = [list(map(itemgetter(field), rows)) for field in range(len(EntryRow._fields))]
        ids, versions, provinces, cities, divisions, types, sizes, synthetic, scores, levels, noise = columns
        n, m = len(ids), len(self.node_ids)
        self.scores = np.full((n, m), np.nan)
        self.levels = np.full((n, m), -1, dtype=np.int8)
        self.noise = np.full((n, m), np.nan)
        by_version: dict[str, list[int] | slice] = {}
        if len(set(versions)) == 1:  # as usual: every entry of one version, taken whole
            by_version[versions[0]] = slice(None)
        else:
            for r, version in enumerate(versions):
                by_version.setdefault(version, []).append(r)
        for version, positions in by_version.items():  # one buffer per version: no per-row unpacking
            to, source = moves[version]
            width = len(layouts[version])
            picked = _picker(positions)
            at = (positions, to) if isinstance(positions, slice) else np.ix_(positions, to)
            self.scores[at] = np.frombuffer(b"".join(picked(scores)), "<f8").reshape(-1, width)[:, source]
            self.levels[at] = np.frombuffer(b"".join(picked(levels)), "i1").reshape(-1, width)[:, source]
            drawn = picked(noise)
            if None not in drawn:
                self.noise[at] = np.frombuffer(b"".join(drawn), "<f4").reshape(-1, width)[:, source]
                continue
            indices = range(n)[positions] if isinstance(positions, slice) else positions
            rows_drawn = [r for r, value in zip(indices, drawn, strict=True) if value is not None]
            if rows_drawn:
                block = np.frombuffer(b"".join(value for value in drawn if value is not None), "<f4")
                self.noise[np.ix_(rows_drawn, to)] = block.reshape(-1, width)[:, source]
        self.enterprise_ids = np.array(ids, dtype=np.int64)
        self.synthetic = np.array(synthetic, dtype=bool)
        # Classifications as small integers (an index into `labels`), so that grouping is integer arithmetic.
        self.labels: dict[str, list[str | None]] = {}
        self.codes: dict[str, np.ndarray] = {}
        for name, values in zip(CLASSIFICATIONS, (provinces, cities, divisions, types, sizes), strict=True):
            labels = sorted(set(values), key=_label_order)
            index = {label: i for i, label in enumerate(labels)}
            self.labels[name] = labels
            self.codes[name] = np.fromiter(map(index.__getitem__, values), dtype=np.int64, count=n)

    def _columns(self, node_ids: Sequence[str], dimension_ids: Iterable[str], layouts: dict[str, Sequence[str]]
                 ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Set the nodes and dimension columns; per version, where its nodes go (columns) and come from."""
        self.node_ids = tuple(node_ids)
        column = {node_id: c for c, node_id in enumerate(self.node_ids)}
        self.dimension_columns = [column[d] for d in dimension_ids if d in column]
        return {version: (np.array([column[n] for n in nodes if n in column], dtype=np.int64),
                          np.array([i for i, n in enumerate(nodes) if n in column], dtype=np.int64))
                for version, nodes in layouts.items()}

    @classmethod
    def from_blocks(cls, node_ids: Sequence[str], dimension_ids: Iterable[str], blocks: Sequence[EntryBlock],
                    layouts: dict[str, Sequence[str]]) -> Population:
        """The population of these entries, given column by column (one block per version), in the order of their
        enterprise ids: the same as from their rows, without a Python object per value."""
        population = object.__new__(cls)
        moves = population._columns(node_ids, dimension_ids, layouts)
        ids = np.concatenate([block.enterprise_ids for block in blocks]) if blocks else np.zeros(0, np.int64)
        n, m = len(ids), len(population.node_ids)
        order = np.argsort(ids, kind="stable")
        scores, levels, noise = np.full((n, m), np.nan), np.full((n, m), -1, dtype=np.int8), np.full((n, m), np.nan)
        start = 0
        for block in blocks:
            to, source = moves[block.version]
            end = start + len(block.enterprise_ids)
            scores[start:end, to] = block.scores[:, source]
            levels[start:end, to] = block.levels[:, source]
            drawn = start + np.flatnonzero(block.drawn)
            noise[np.ix_(drawn, to)] = block.noise[block.drawn][:, source]
            start = end
        population.scores, population.levels, population.noise = scores[order], levels[order], noise[order]
        population.enterprise_ids = ids[order]
        population.synthetic = np.concatenate([block.synthetic for block in blocks])[order] if blocks \
            else np.zeros(0, dtype=bool)
        population.labels, population.codes = {}, {}
        for name in CLASSIFICATIONS:
            codes = np.concatenate([block.classifications[name] for block in blocks]) if blocks \
                else np.zeros(0, dtype="S1")
            found, inverse = _factorized(codes[order])
            labels = [code.decode().strip() or None for code in found]
            ranked = sorted(range(len(labels)), key=lambda i: _label_order(labels[i]))  # as from rows: none last
            renumber = np.empty(len(labels), dtype=np.int64)
            renumber[ranked] = np.arange(len(labels))
            population.labels[name] = [labels[i] for i in ranked]
            population.codes[name] = renumber[inverse.reshape(-1)]
        return population

    def __len__(self) -> int:
        return len(self.enterprise_ids)

    def released(self, scales: Sequence[float], bands: Sequence[tuple[tuple, tuple] | None]) -> Population:
        """The population as releases see it: every score perturbed by its entry's noise, every level the band of
        the perturbed score (`scales` and `bands` per node, in `node_ids` order)."""
        part = self.subset(np.arange(len(self)))
        spreads = [spread(scale, table) for scale, table in zip(scales, bands, strict=True)]
        part.scores = perturb(self.scores, self.noise, spreads)
        part.levels = banded_levels(part.scores, self.levels, bands)
        return part

    def subset(self, rows: np.ndarray) -> Population:
        """The entries at the given positions (or where a mask is true)."""
        part = object.__new__(Population)
        part.node_ids, part.dimension_columns, part.labels = self.node_ids, self.dimension_columns, self.labels
        part.scores, part.levels, part.noise = self.scores[rows], self.levels[rows], self.noise[rows]
        part.enterprise_ids, part.synthetic = self.enterprise_ids[rows], self.synthetic[rows]
        part.codes = {name: codes[rows] for name, codes in self.codes.items()}
        return part

    def in_cell(self, cell: CellKey, country_code: str) -> np.ndarray:
        """A mask of the entries that belong to a cohort's cell."""
        region, industry, size = cell
        mask = np.ones(len(self), dtype=bool)
        if region != country_code:
            mask &= self._matches("province", region) | self._matches("city", region)
        if industry != ALL:
            mask &= self._matches("type" if industry in INDUSTRY_TYPES else "division", industry)
        if size != ALL:
            mask &= self._matches("size", size)
        return mask

    def _matches(self, name: str, label: str) -> np.ndarray:
        labels = self.labels[name]
        return self.codes[name] == labels.index(label) if label in labels else np.zeros(len(self), dtype=bool)

    def change_since(self, base: Population) -> Population:
        """Enterprises in both populations, classified as now, with their score changes (no levels)."""
        common, here, there = np.intersect1d(self.enterprise_ids, base.enterprise_ids, return_indices=True)
        changed = self.subset(here)
        base_columns = {node_id: c for c, node_id in enumerate(base.node_ids)}
        for c, node_id in enumerate(self.node_ids):
            base_scores = base.scores[there, base_columns[node_id]] if node_id in base_columns else np.nan
            changed.scores[:, c] -= base_scores
        changed.levels = np.full(changed.scores.shape, -1, dtype=np.int8)
        return changed




def cohort_kinds() -> list[tuple[str, str, str]]:
    """Every combination of region, industry and size level that statistics are kept for."""
    return [(r, i, s) for r in REGION_LEVELS for i in INDUSTRY_LEVELS for s in SIZE_LEVELS]


def group_codes(population: Population, kind: tuple[str, str, str], country_code: str
                ) -> tuple[np.ndarray, np.ndarray, list[CellKey]]:
    """For one kind of cohort: which entries belong to one (a mask), each one's cohort number, and the cells."""
    region_level, industry_level, size_level = kind
    n = len(population)
    zeros, codes, labels = np.zeros(n, dtype=np.int64), population.codes, population.labels
    region, region_labels = {"country": (zeros, [country_code]), "province": (codes["province"], labels["province"]),
                             "city": (codes["city"], labels["city"])}[region_level]
    industry, industry_labels = {"division": (codes["division"], labels["division"]),
                                 "type": (codes["type"], labels["type"]), ALL: (zeros, [ALL])}[industry_level]
    size, size_labels = {"class": (codes["size"], labels["size"]), ALL: (zeros, [ALL])}[size_level]
    rows = np.array([region_labels[r] is not None for r in range(len(region_labels))])[region]
    combined = ((region * len(industry_labels) + industry) * len(size_labels) + size)[rows]
    # The cells that occur, numbered in order, by counting (the combinations are few): no sort of the entries
    occurs = np.bincount(combined, minlength=len(region_labels) * len(industry_labels) * len(size_labels)) > 0
    unique, groups = np.flatnonzero(occurs), (np.cumsum(occurs) - 1)[combined]
    cells = []
    for value in unique.tolist():
        rest, s = divmod(value, len(size_labels))
        r, i = divmod(rest, len(industry_labels))
        cells.append((region_labels[r], industry_labels[i], size_labels[s]))
    return rows, groups.reshape(-1), cells


class CohortTable:
    """The statistics of every non-empty cohort of a population, as arrays: one row per cell (in `cells`), with its
    count and synthetic count as plain lists. A cell's figures are built as stored (`figures`) only when asked for:
    most cells of a large population are withheld, and their figures are never written."""

    def __init__(self, node_ids: Sequence[str], kinds: list[tuple]) -> None:
        self.node_ids = tuple(node_ids)
        self.cells: list[CellKey] = [cell for labels, *_ in kinds for cell in labels]
        self.counts: list[int] = [n for _, totals, *_ in kinds for n in totals]
        self.synthetic: list[int] = [n for _, _, synthetic, *_ in kinds for n in synthetic]
        self._table = (np.concatenate([table for *_, table, _ in kinds]) if kinds
                       else np.zeros((0, len(self.node_ids), len(STORED_FIELDS))))
        levels = kinds[0][-1].keys() if kinds else ()
        self._lagging = {level: np.concatenate([lag[level] for *_, lag in kinds]) for level in levels}

    def figures(self, rows: Sequence[int]) -> list[dict]:
        """The stored figures of the cells at these rows: {"nodes": {node: [the STORED_FIELDS]}, "lagging":
        {level: [enterprises with 0, 1, ... dimensions below it]}}, nodes without a score left out."""
        return [{"nodes": {node_id: values.tolist() for node_id, values in found["nodes"].items()},
                 "lagging": {level: counts.tolist() for level, counts in found["lagging"].items()}}
                for found in self.figure_arrays(rows)]

    def figure_arrays(self, rows: Sequence[int]) -> list[dict]:
        """`figures`, with each node's figures and each level's lagging counts as an array row rather than a list:
        for a writer that turns arrays into text itself (a release's 50,000 rows skip making 7 million floats)."""
        block = self.figure_block(rows)
        kept = block.kept.tolist()
        return [{"nodes": {node_id: nodes[c] for c, node_id in enumerate(block.node_ids) if kept[g][c]},
                 "lagging": {level: counts[g] for level, counts in block.lagging.items()}}
                for g, nodes in enumerate(block.nodes)]

    def figure_block(self, rows: Sequence[int]) -> FigureBlock:
        """The figures of the cells at these rows as whole arrays (see FigureBlock), for a writer that turns
        arrays into text all at once."""
        # Rounded to 6 places: the statistics of a million entries make a hundred thousand rows, and writing them
        # as JSON is the slow part of a rebuild.
        rows = np.asarray(rows, dtype=np.int64)
        stored = self._table[rows].round(6)
        return FigureBlock(self.node_ids, stored, stored[:, :, 0] != 0,
                           {level: counts[rows] for level, counts in self._lagging.items()})


class FigureBlock(NamedTuple):
    """The figures of some cells: per cell and node the STORED_FIELDS (`nodes`, rounded to 6 places as stored);
    whether each node is kept (`kept`: it has a score in the cell, else its figures are left out); per level, the
    lagging counts (`lagging`: cell × enterprises with 0, 1, ... dimensions below it)."""

    node_ids: tuple[str, ...]
    nodes: np.ndarray
    kept: np.ndarray
    lagging: dict[str, np.ndarray]


def cohort_table(population: Population, country_code: str) -> CohortTable:
    """Statistics of every non-empty cohort of the population (see CohortTable)."""
    if not len(population):
        return CohortTable(population.node_ids, [])
    ranked = _ranked(population)

    def add(kind: tuple[str, str, str]) -> tuple | None:
        rows, groups, labels = group_codes(population, kind, country_code)
        return _kind_table(labels, groups, population, rows, *ranked) if rows.any() else None

    # numpy's sorts and gathers release the GIL: two kinds at a time keep two cores busy
    with ThreadPoolExecutor(max_workers=2) as pool:
        kinds = [found for found in pool.map(add, cohort_kinds()) if found is not None]
    return CohortTable(population.node_ids, kinds)


def compute_stats(population: Population, country_code: str) -> dict[CellKey, dict]:
    """Statistics of every non-empty cohort of the population, keyed by cell, as stored.

    Each value holds "count", "synthetic", "nodes" ({node: [the STORED_FIELDS]}) and "lagging"
    ({level: [enterprises with 0, 1, ... dimensions below it]})."""
    table = cohort_table(population, country_code)
    figures = table.figures(range(len(table.cells)))
    return {cell: {"count": count, "synthetic": synthetic, **found}
            for cell, count, synthetic, found in zip(table.cells, table.counts, table.synthetic, figures, strict=True)}


def _ranked(population: Population) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict, list[int]]:
    """Per node (one row each): the entries in order of their score, those scores, their levels, and how many
    have a score; per entry, the number of dimensions below each level; per node, whether every scored entry has a
    level (1), none has (0: changes have no levels) or some have (-1)."""
    scores = np.ascontiguousarray(population.scores.T)
    missing = np.isnan(scores)
    # Missing scores sort last as infinity (no score is infinite): numpy's vectorised sort refuses arrays holding
    # NaN and falls back to one four times slower. Any order of equal scores gives the same figures: their values
    # are equal, so every sum adds the same numbers in the same order, and every quantile reads the same value.
    order = np.argsort(np.where(missing, np.inf, scores), axis=1)
    by_rank = np.take_along_axis(scores, order, axis=1)
    levels = np.take_along_axis(np.ascontiguousarray(population.levels.T), order, axis=1).astype(np.int64)
    present = len(population) - missing.sum(axis=1)
    below = _dimensions_below(population) if (population.levels >= 0).any() else {}
    known = levels >= 0
    leveled = [1 if known[c, :p].all() else 0 if not known[c, :p].any() else -1 for c, p in enumerate(present)]
    return order, by_rank, levels, present, below, leveled


def _dimensions_below(population: Population) -> dict[int, np.ndarray]:
    levels = population.levels[:, population.dimension_columns]
    known = levels >= 0
    return {level: ((levels < level) & known).sum(axis=1) for level in LEVELS if level > 0}


def _kind_table(labels, groups, population, rows, order, by_rank, levels_by_rank, present, below, leveled) -> tuple:
    """The statistics of every cohort of one kind (`groups` numbers the entries where `rows` is true): its cells,
    their counts and synthetic counts (lists), the table of node figures (cell × node × STORED_FIELDS) and the
    lagging counts per level (cell × dimensions below)."""
    n_groups, m = len(labels), len(population.node_ids)
    # Entries in no cohort of this kind (no city, say) are numbered `n_groups`: they fall in a spare last row that
    # is dropped, and sort after every cohort, so nothing needs copying to leave them out. Per node, the entries
    # in score order are grouped by a stable sort on the cohort number (a radix sort while cohort numbers fit in
    # 16 bits), so each cohort's scores come out sorted without sorting scores again.
    narrow = np.uint16 if n_groups < 2**16 - 1 else np.int64
    group_of = np.full(len(population), n_groups, dtype=narrow)
    group_of[rows] = groups
    size = n_groups + 1
    everyone_scored = np.bincount(group_of, minlength=size)  # a node's counts when every entry has its score
    table = np.zeros((n_groups, m, len(STORED_FIELDS)))
    for c in range(m):
        values, levels = by_rank[c, :present[c]], levels_by_rank[c, :present[c]]
        cohort = group_of[order[c, :present[c]]]
        counts = everyone_scored if present[c] == len(population) else np.bincount(cohort, minlength=size)
        table[:, c, 0] = counts[:n_groups]
        table[:, c, 1] = np.divide(np.bincount(cohort, weights=values, minlength=size)[:n_groups], counts[:n_groups],
                                   out=np.zeros(n_groups), where=counts[:n_groups] > 0)
        if leveled[c]:  # the entries at each level: all have one, or only some (those are picked out)
            key = cohort.astype(np.int64) * 6 + levels
            key = key if leveled[c] > 0 else key[levels >= 0]
            table[:, c, 6:] = np.bincount(key, minlength=size * 6).reshape(-1, 6)[:n_groups]
        values = values[np.argsort(cohort, kind="stable")]
        counts = counts[:n_groups]
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        last = np.minimum(starts + np.maximum(counts - 1, 0), max(len(values) - 1, 0))
        for q, p in enumerate(QUANTILES.values(), start=2):
            position = starts + p * np.maximum(counts - 1, 0)
            low = np.minimum(np.floor(position).astype(np.int64), last)
            high = np.minimum(low + 1, last)
            if len(values):  # cohorts with no score for this node read any value; their row is not kept
                table[:, c, q] = values[low] + (values[high] - values[low]) * (position - low)
    width = len(population.dimension_columns) + 1
    totals = np.bincount(groups, minlength=n_groups).tolist()
    synthetic = np.bincount(groups, weights=population.synthetic[rows], minlength=n_groups).astype(np.int64).tolist()
    lag_rows = {str(level): np.bincount(groups * width + b[rows], minlength=n_groups * width).reshape(-1, width)
                for level, b in below.items()}
    return labels, totals, synthetic, table, lag_rows
