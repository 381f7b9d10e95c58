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
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping

from assessment.cohorts.groups import ALL, CellKey
from questionnaires.vocabulary import INDUSTRY_TYPES

SMALL, COMPLEMENTARY = "small", "complementary"

Relation = tuple[CellKey, tuple[CellKey, ...]]  # a total and the parts it is the sum of

MIN_GROUP = 5  # k: no statistic of fewer enterprises is ever shown (the app's BENCHMARK_MIN_GROUP by default)


def unnamed_city(province_code: str) -> str:
    """The never-shown part of a province: its enterprises that named no city."""
    return f"{province_code}*"


def relations(counts: Mapping[CellKey, int], country_code: str, province_of: Callable[[str], str],
              type_of: Callable[[str], str]) -> tuple[dict[CellKey, int], list[Relation]]:
    """All cells (with the unnamed-city parts added) and every total-equals-parts relation among non-empty ones."""
    cells = {cell: n for cell, n in counts.items() if n > 0}
    # Each region's parent and each division's type looked up once, not once per cell that names it.
    parent_of = {region: province_of(region) for region, _, _ in cells if region != country_code}
    type_of_division = {industry: type_of(industry) for _, industry, _ in cells
                        if industry not in (ALL, *INDUSTRY_TYPES)}
    parts: dict[tuple[str, CellKey], list[CellKey]] = defaultdict(list)  # (hierarchy, total) -> its parts
    for cell in list(cells):
        region, industry, size = cell
        if region == country_code:
            continue
        parent = parent_of[region]
        if parent == country_code:  # a province: part of the country
            parts["region", (country_code, industry, size)].append(cell)
        else:  # a city: part of its province
            parts["region", (parent, industry, size)].append(cell)
    for (region, industry, size), n in list(cells.items()):
        if region == country_code or parent_of[region] != country_code:
            continue
        children = parts["region", (region, industry, size)]
        rest = n - sum(cells[c] for c in children)
        if rest > 0:
            unnamed = (unnamed_city(region), industry, size)
            cells[unnamed] = rest
            children.append(unnamed)
    for cell in list(cells):
        region, industry, size = cell
        if industry not in (ALL, *INDUSTRY_TYPES):
            parts["industry", (region, type_of_division[industry], size)].append(cell)
        elif industry != ALL:
            parts["industry", (region, ALL, size)].append(cell)
        if size != ALL:
            parts["size", (region, industry, ALL)].append(cell)
    return cells, [(total, tuple(children)) for (_, total), children in parts.items() if total in cells]


def suppress(counts: Mapping[CellKey, int], k: int, country_code: str, province_of: Callable[[str], str],
             type_of: Callable[[str], str], start: Mapping[CellKey, str] | None = None) -> dict[CellKey, str]:
    """The cells to withhold, each with its reason ("small" or "complementary").

    `start` is an earlier answer for nearly the same counts: its complementary cells stay withheld, which keeps
    the pattern stable between rebuilds and makes the search short."""
    cells, links = relations(counts, country_code, province_of, type_of)
    # A total with a single part is the same group under two names (a municipality and its only slice, say):
    # such cells are decided together, as one.
    same = _identities(cells, links)
    classes: dict[CellKey, list[CellKey]] = defaultdict(list)
    for cell in cells:
        classes[same(cell)].append(cell)
    # The relations between representatives, each once, in sorted order: the order decides which partner protects a
    # cell, so it must not follow the process's hash order, or two rebuilds over the same entries would withhold
    # different partners and together give a small group away (tests/assessment/cohorts/test_suppression_determinism)
    found: set[Relation] = set()
    for total, children in links:
        total, parts = same(total), {same(c) for c in children}
        if len(parts | {total}) > 1:
            found.add((total, tuple(sorted(parts))))
    links = sorted(found)
    members_of, cells = cells, {cell: cells[cell] for cell in classes}
    unnamed = {cell for cell, members in classes.items() if all(_unnamed(m) for m in members)}
    hidden = {cell: SMALL for cell, n in cells.items() if n < k and cell not in unnamed}
    for cell, reason in (start or {}).items():
        if reason == COMPLEMENTARY and cell in members_of and same(cell) not in hidden:
            hidden[same(cell)] = COMPLEMENTARY
    member_of: dict[CellKey, list[int]] = defaultdict(list)
    for number, (total, children) in enumerate(links):
        for cell in (total, *children):
            member_of[cell].append(number)
    shown = {cell for cell in cells if cell not in hidden and cell not in unnamed}
    # Per relation, how many of its cells are not shown. Only relations with such a cell can give anything away,
    # and in a large population they are few; the counts are kept up to date as cells are withheld.
    unshown: Counter[int] = Counter(number for cell in (*hidden, *unnamed) for number in member_of[cell])
    while True:
        derived_by = _derive(links, member_of, shown, unshown)
        chosen = {_protector(number, links, cells, shown, derived_by, set())
                  for number in _disclosing(cells, links, shown, derived_by, k, unshown)} - {None}
        if not chosen:
            break
        extra: set[CellKey] = set()
        for cell in sorted(chosen):
            _withhold(cell, extra, links, cells, shown, member_of, unshown)
        hidden.update(dict.fromkeys(extra, COMPLEMENTARY))
    return {member: reason for cell, reason in hidden.items() for member in classes[cell] if member in counts}


def _identities(cells, links) -> Callable[[CellKey], CellKey]:
    """A function naming one representative for every group of cells that hold exactly the same enterprises."""
    parent = {cell: cell for cell in cells}

    def find(cell: CellKey) -> CellKey:
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    for total, children in links:
        if len(children) == 1:
            a, b = find(total), find(children[0])
            if a != b:
                parent[max(a, b)] = min(a, b)
    # Looked up, not searched: the suppression asks for cells' representatives hundreds of thousands of times.
    return {cell: find(cell) for cell in cells}.__getitem__


def _unnamed(cell: CellKey) -> bool:
    return cell[0].endswith("*")


def _derive(links, member_of, shown, unshown) -> dict[CellKey, int]:
    """Cells that follow from shown ones, each with the relation that gives it away."""
    known = set(shown)
    # in a fixed order: which relation is found to give a cell away decides which partner protects it
    unknown_in = {number: unshown[number] for number in sorted(unshown) if unshown[number]}
    queue = [number for number, count in unknown_in.items() if count == 1]
    derived_by: dict[CellKey, int] = {}
    while queue:
        number = queue.pop()
        total, children = links[number]
        missing = [cell for cell in (total, *children) if cell not in known]
        if len(missing) != 1:
            continue
        cell = missing[0]
        known.add(cell)
        derived_by[cell] = number
        for other in member_of[cell]:
            unknown_in[other] -= 1
            if unknown_in[other] == 1:
                queue.append(other)
    return derived_by


def _disclosing(cells, links, shown, derived_by, k, unshown) -> list[int]:
    """Relations that give away a group of fewer than k enterprises: a derived small cell, or a known total whose
    unknown parts together are small."""
    found = [number for cell, number in derived_by.items() if cells[cell] < k]
    for number, count in unshown.items():
        if not count:
            continue
        total, children = links[number]
        if total in shown or total in derived_by:
            unknown = 0
            for cell in children:  # every cell holds at least one enterprise: k unknown ones settle it
                if cell not in shown and cell not in derived_by:
                    unknown += cells[cell]
                    if unknown >= k:
                        break
            if 0 < unknown < k:
                found.append(number)
    return found


def _withhold(cell, extra, links, cells, shown, member_of, unshown) -> None:
    """Withhold a shown cell, and at once a partner for it in every relation where it would be the only unknown
    (it would be derived back at the next look and protect nothing): fewer rounds of the search."""
    queue = [cell]
    while queue:
        cell = queue.pop()
        if cell not in shown:
            continue
        shown.discard(cell)
        extra.add(cell)
        for number in member_of[cell]:
            unshown[number] += 1
            if unshown[number] == 1:
                total, children = links[number]
                partners = sorted((cells[c], c) for c in children if c in shown) or [(0, total)] * (total in shown)
                if partners:
                    queue.append(partners[0][1])


def _protector(number, links, cells, shown, derived_by, seen) -> CellKey | None:
    """The smallest shown cell of a relation to hide, looking behind derived cells when none is shown."""
    if number in seen:
        return None
    seen.add(number)
    total, children = links[number]
    candidates = sorted((cells[cell], cell) for cell in children if cell in shown)
    if candidates:
        return candidates[0][1]
    if total in shown:
        return total
    for cell in (total, *children):
        if cell in derived_by:
            found = _protector(derived_by[cell], links, cells, shown, derived_by, seen)
            if found is not None:
                return found
    return None
