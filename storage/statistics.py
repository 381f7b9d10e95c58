"""Benchmarks in the database: entries kept as assessments are submitted, cohort statistics rebuilt from them, and
what a page may read (published cohorts only). Every function takes the session as a keyword argument."""

from __future__ import annotations

import fcntl
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import NamedTuple

import numpy as np
from sqlalchemy import delete, exists, false, insert, text, tuple_, update
from sqlmodel import Session, select

from assessment.classifications import load_industries, load_regions
from assessment.cohorts.groups import (
    ALL,
    FALLBACK_PATH,
    CellKey,
    Cohort,
    CohortComparison,
    CohortStats,
    Hidden,
    NodeComparison,
    benchmark_nodes,
    pack_scores,
    percentile_rank,
    stats_from_json,
)
from assessment.cohorts.statistics import Population, compute_stats
from assessment.cohorts.suppression import suppress
from assessment.scoring import Result
from questionnaires.catalog import Catalog
from questionnaires.loader import Questionnaire
from storage.tables import Assessment, BenchmarkEntry, CohortStat, Enterprise, utcnow


def period_of(submitted_at: datetime) -> int:
    """The period an assessment counts in: the calendar year it was submitted (UTC)."""
    return submitted_at.year


class Recorded(NamedTuple):
    """A period whose entries changed, and the cells that changed with them."""

    period: int
    cells: frozenset[CellKey]


def entry_cells(entry: BenchmarkEntry, country_code: str) -> set[CellKey]:
    """Every cohort cell an entry counts in."""
    regions = [country_code, entry.province_code] + ([entry.city_code] if entry.city_code else [])
    return {(region, industry, size) for region in regions
            for industry in (ALL, entry.industry_type, entry.industry_code) for size in (ALL, entry.size_class)}


def record_submission(*, session: Session, assessment: Assessment, questionnaire: Questionnaire, result: Result,
                      enterprise: Enterprise) -> Recorded | None:
    """Make a submitted assessment its enterprise's entry for the period, unless a later one already is.

    Returns what changed (the statistics to refresh), or None."""
    period = period_of(assessment.submitted_at)
    key = (questionnaire.id, period, enterprise.id)
    entry = session.get(BenchmarkEntry, key)
    if entry is not None and entry.assessment_id != assessment.id:
        current = session.get(Assessment, entry.assessment_id)
        if current is not None and _as_utc(current.submitted_at) > _as_utc(assessment.submitted_at):
            return None
    nodes = [result.nodes[node_id] for node_id in benchmark_nodes(questionnaire)]
    scores, levels = pack_scores([n.score for n in nodes], [n.level for n in nodes])
    tree = load_regions()
    cells = entry_cells(entry, tree.country.code) if entry is not None else set()  # where it counted until now
    regions = [region.code for region in tree.path(enterprise.region_code)]
    values = dict(
        assessment_id=assessment.id, questionnaire_version=questionnaire.version, province_code=regions[1],
        city_code=regions[2] if len(regions) > 2 else None, industry_code=enterprise.industry_code,
        industry_type=enterprise.industry_type, size_class=enterprise.size_class, synthetic=enterprise.synthetic,
        scores=scores, levels=levels,
    )
    if entry is None:
        entry = BenchmarkEntry(questionnaire_id=questionnaire.id, period=period, enterprise_id=enterprise.id, **values)
    else:
        for name, value in values.items():
            setattr(entry, name, value)
    session.add(entry)
    session.commit()
    return Recorded(period, frozenset(cells | entry_cells(entry, tree.country.code)))


def _as_utc(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they are stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def load_population(*, session: Session, catalog: Catalog, questionnaire_id: str, period: int,
                    where: Iterable = ()) -> Population:
    """The entries of a questionnaire in a period (optionally filtered) as arrays, without those of enterprises that
    withdrew their consent to count in benchmarks.

    Every statistic is computed from here (`rebuild`, `refresh`, the percentile ranks of `comparison`), so a change
    of consent counts wherever statistics are next computed: stored statistics are not touched when it changes, and
    the next rebuild brings every cohort in line. The entries themselves are still recorded on submission."""
    # Looked up by primary key per entry (an anti-join): cheap for one cohort's comparison, no scan of enterprises.
    withdrawn = exists().where(Enterprise.id == BenchmarkEntry.enterprise_id, Enterprise.benchmark_consent == false())
    # Through the connection, not the ORM: a million plain rows, no objects to build per row.
    rows = session.connection().execute(
        select(BenchmarkEntry.enterprise_id, BenchmarkEntry.questionnaire_version, BenchmarkEntry.province_code,
               BenchmarkEntry.city_code, BenchmarkEntry.industry_code, BenchmarkEntry.industry_type,
               BenchmarkEntry.size_class, BenchmarkEntry.synthetic, BenchmarkEntry.scores, BenchmarkEntry.levels)
        .where(BenchmarkEntry.questionnaire_id == questionnaire_id, BenchmarkEntry.period == period,
               ~withdrawn, *where)
    ).all()
    versions = {row[1] for row in rows}
    latest = catalog.get(questionnaire_id)
    layouts = {version: benchmark_nodes(catalog.get(questionnaire_id, version) or latest) for version in versions}
    node_ids = list(benchmark_nodes(latest))
    node_ids += sorted({n for nodes in layouts.values() for n in nodes} - set(node_ids))
    dimensions = [d.id for d in latest.dimensions]
    return Population(node_ids, dimensions, rows, layouts)  # rows hold the fields of EntryRow, in order


def entry_periods(*, session: Session, questionnaire_id: str) -> list[int]:
    """The periods with at least one entry, oldest first."""
    return list(session.exec(select(BenchmarkEntry.period).where(BenchmarkEntry.questionnaire_id == questionnaire_id)
                             .distinct().order_by(BenchmarkEntry.period)))


def refresh(*, session: Session, catalog: Catalog, questionnaire_id: str, period: int, k: int,
            cells: Collection[CellKey] | None = None) -> None:
    """Recompute the statistics of a period, and the changes into and out of it, from the entries: every cohort,
    or only the given cells (those one submission touched) with the withheld cells checked anew."""
    with statistics_lock(session):
        periods = entry_periods(session=session, questionnaire_id=questionnaire_id)
        if period not in periods:
            return
        at = periods.index(period)
        populations = {p: load_population(session=session, catalog=catalog, questionnaire_id=questionnaire_id, period=p)
                       for p in periods[max(at - 1, 0):at + 2]}
        before, after = periods[at - 1] if at else None, periods[at + 1] if at + 1 < len(periods) else None

        def recompute(base_period: int, population: Population) -> None:
            if cells is None:
                _store(session, questionnaire_id, period, base_period, population, k)
            else:
                _update(session, questionnaire_id, period, base_period, population, cells, k)

        recompute(0, populations[period])
        if before is not None:
            recompute(before, populations[period].change_since(populations[before]))
        if after is not None:  # an entry for an earlier period changes the later period's changes: rare, done in full
            _store(session, questionnaire_id, after, period, populations[after].change_since(populations[period]), k)
        session.commit()


def rebuild(*, session: Session, catalog: Catalog, k: int) -> dict[tuple[str, int], int]:
    """Recompute every cohort statistic from the entries; returns the number of cohorts per questionnaire and period."""
    with statistics_lock(session):
        session.execute(delete(CohortStat))
        built = {}
        for questionnaire_id in session.exec(select(BenchmarkEntry.questionnaire_id).distinct()).all():
            periods = entry_periods(session=session, questionnaire_id=questionnaire_id)
            previous = None
            for period in periods:
                population = load_population(session=session, catalog=catalog, questionnaire_id=questionnaire_id,
                                             period=period)
                built[questionnaire_id, period] = _store(session, questionnaire_id, period, 0, population, k)
                if previous is not None:
                    _store(session, questionnaire_id, period, previous[0], population.change_since(previous[1]), k)
                previous = (period, population)
        session.commit()
    return built


# The key of the PostgreSQL advisory lock that writers of cohort statistics take (any constant 64-bit number).
STATISTICS_LOCK = 0x696D72_7374617473  # "imr" "stats"


@contextmanager
def statistics_lock(session: Session) -> Iterator[None]:
    """Let one writer of cohort statistics run at a time, from here until the transaction is committed.

    Two refreshes that read the entries at the same time and then replace the same cells would collide (duplicate
    keys, deadlocks) or store figures missing the other's submission. On PostgreSQL an advisory lock, released with
    the transaction, serialises them across every process and machine; on SQLite a lock on a file beside the
    database does, across the processes of the one machine that can share it."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": STATISTICS_LOCK})
        yield
        return
    database = bind.url.database
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.statistics-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            session.commit()  # end any snapshot taken before the lock: the entries are read after it
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _store(session: Session, questionnaire_id: str, period: int, base_period: int, population: Population,
           k: int) -> int:
    """Replace the stored statistics of one period (or change) with those of `population`."""
    session.execute(delete(CohortStat).where(*_scope(questionnaire_id, period, base_period)))
    if not len(population):
        return 0
    country = load_regions().country.code
    cells = compute_stats(population, country)
    hidden = _suppress({cell: data["count"] for cell, data in cells.items()}, k)
    session.execute(insert(CohortStat.__table__), _rows(questionnaire_id, period, base_period, cells, hidden))
    return len(cells)


def _update(session: Session, questionnaire_id: str, period: int, base_period: int, population: Population,
            cells: Collection[CellKey], k: int) -> None:
    """Recompute some cells of a period (or change), then check which cells must be withheld, starting from the
    stored answer."""
    fresh = compute_stats(population, load_regions().country.code, only=cells)
    stored = session.execute(select(CohortStat.region_code, CohortStat.industry, CohortStat.size, CohortStat.count,
                                    CohortStat.suppressed).where(*_scope(questionnaire_id, period, base_period))).all()
    counts = {(r, i, s): n for r, i, s, n, _ in stored}
    before = {(r, i, s): reason for r, i, s, _, reason in stored if reason}
    counts.update({cell: fresh[cell]["count"] if cell in fresh else 0 for cell in cells})
    hidden = _suppress(counts, k, start=before)
    keys = list(cells)
    for start in range(0, len(keys), 500):
        session.execute(delete(CohortStat).where(
            *_scope(questionnaire_id, period, base_period),
            tuple_(CohortStat.region_code, CohortStat.industry, CohortStat.size).in_(keys[start:start + 500])))
    if fresh:
        session.execute(insert(CohortStat.__table__), _rows(questionnaire_id, period, base_period, fresh, hidden))
    changed = [dict(questionnaire_id=questionnaire_id, period=period, base_period=base_period, region_code=cell[0],
                    industry=cell[1], size=cell[2], suppressed=hidden.get(cell))
               for cell, n in counts.items() if n and cell not in fresh and hidden.get(cell) != before.get(cell)]
    if changed:
        session.execute(update(CohortStat), changed)


def _scope(questionnaire_id: str, period: int, base_period: int) -> tuple:
    """SQL conditions selecting the statistics of one questionnaire, period and base period."""
    return (CohortStat.questionnaire_id == questionnaire_id, CohortStat.period == period,
            CohortStat.base_period == base_period)


def _suppress(counts: dict[CellKey, int], k: int, start: dict[CellKey, str] | None = None) -> dict[CellKey, str]:
    """The withheld cells among our regions and industries."""
    regions, industries = load_regions(), load_industries()
    return suppress(counts, k, regions.country.code, lambda code: regions.get(code).parent_code,
                    lambda code: industries[code].type, start=start)


def _rows(questionnaire_id: str, period: int, base_period: int, cells: dict[CellKey, dict],
          hidden: dict[CellKey, str]) -> list[dict]:
    """Cohort statistics as rows of the table."""
    now = utcnow()
    return [dict(questionnaire_id=questionnaire_id, period=period, base_period=base_period, region_code=cell[0],
                 industry=cell[1], size=cell[2], count=data["count"], synthetic=data["synthetic"],
                 suppressed=hidden.get(cell), stats={"nodes": data["nodes"], "lagging": data["lagging"]},
                 updated_at=now)
            for cell, data in cells.items()]


def cohort_stats(*, session: Session, cohorts: Iterable[Cohort]) -> dict[Cohort, CohortStats | Hidden | None]:
    """What may be shown of each cohort: its statistics, Hidden (no figures at all), or None when it is empty."""
    wanted = list(dict.fromkeys(cohorts))
    found: dict[Cohort, CohortStats | Hidden | None] = dict.fromkeys(wanted)
    groups: dict[tuple[str, int, int], list[Cohort]] = {}
    for cohort in wanted:
        groups.setdefault((cohort.questionnaire_id, cohort.period, cohort.base_period), []).append(cohort)
    for (questionnaire_id, period, base_period), members in groups.items():
        keys = {(c.region_code, c.industry, c.size) for c in members}
        regions = sorted({key[0] for key in keys})
        for start in range(0, len(regions), 500):
            # Conditions on each column (the first ones those of the primary key) let every database use the
            # index; the few extra rows they match are dropped here.
            rows = session.exec(select(CohortStat).where(
                *_scope(questionnaire_id, period, base_period), CohortStat.region_code.in_(regions[start:start + 500]),
                CohortStat.industry.in_({key[1] for key in keys}), CohortStat.size.in_({key[2] for key in keys}),
            )).all()
            for row in rows:
                if (row.region_code, row.industry, row.size) not in keys:
                    continue
                cohort = Cohort(questionnaire_id, period, row.region_code, row.industry, row.size, base_period)
                found[cohort] = (Hidden(cohort, row.suppressed) if row.suppressed else
                                 stats_from_json(cohort, row.count, row.synthetic, row.stats))
    return found


def stats_periods(*, session: Session, questionnaire_id: str) -> list[int]:
    """The periods that have statistics, oldest first."""
    return list(session.exec(select(CohortStat.period).where(CohortStat.questionnaire_id == questionnaire_id,
                                                             CohortStat.base_period == 0)
                             .distinct().order_by(CohortStat.period)))


def periods_with_statistics(*, session: Session, catalog: Catalog) -> dict[str, list[int]]:
    """The periods with statistics (oldest first) of each offered questionnaire that has any, in the catalog's order
    (`Catalog.latest`): what the agencies' page and the API let one choose from."""
    found = {q.id: stats_periods(session=session, questionnaire_id=q.id) for q in catalog.latest()}
    return {questionnaire_id: periods for questionnaire_id, periods in found.items() if periods}


def fallback_cohorts(entry: BenchmarkEntry, country_code: str) -> list[tuple[tuple[str, str, str], Cohort]]:
    """The cohorts an entry is compared with, closest first, along FALLBACK_PATH (city steps need a city)."""
    region = {"city": entry.city_code, "province": entry.province_code, "country": country_code}
    industry = {"division": entry.industry_code, "type": entry.industry_type, ALL: ALL}
    size = {"class": entry.size_class, ALL: ALL}
    return [(kind, Cohort(entry.questionnaire_id, entry.period, region[kind[0]], industry[kind[1]], size[kind[2]]))
            for kind in FALLBACK_PATH if region[kind[0]] is not None]


def comparison(*, session: Session, catalog: Catalog, assessment: Assessment, result: Result,
               questionnaire: Questionnaire) -> CohortComparison | None:
    """The assessment against the closest published cohort of its period, or None if there is none yet."""
    entry = session.get(BenchmarkEntry, (questionnaire.id, period_of(assessment.submitted_at),
                                         assessment.enterprise_id))
    if entry is None:
        return None
    path = fallback_cohorts(entry, load_regions().country.code)
    stats = cohort_stats(session=session, cohorts=[cohort for _, cohort in path])
    usable = [step for step, (_, cohort) in enumerate(path) if isinstance(stats[cohort], CohortStats)]
    if not usable:
        return None
    kind, cohort = path[usable[0]]
    found = stats[cohort]
    passed = [closer for _, closer in path[:usable[0]]]
    population = load_population(session=session, catalog=catalog, questionnaire_id=questionnaire.id,
                                 period=entry.period, where=_filters(kind, cohort))
    nodes = {}
    for column, node_id in enumerate(population.node_ids):
        mine, node_stats = result.nodes.get(node_id), found.nodes.get(node_id)
        values = population.scores[:, column]
        values = np.sort(values[~np.isnan(values)])
        if mine is None or mine.score is None or node_stats is None or not len(values):
            continue
        nodes[node_id] = NodeComparison(score=mine.score, rank=percentile_rank(values, mine.score), q1=node_stats.q1,
                                        median=node_stats.median, q3=node_stats.q3, p90=node_stats.p90)
    return CohortComparison(cohort=cohort, kind=kind, count=found.count, synthetic=found.synthetic, nodes=nodes,
                      passed=tuple(passed))


def _filters(kind: tuple[str, str, str], cohort: Cohort) -> list:
    """SQL conditions selecting the entries of a cohort."""
    region_level, industry_level, size_level = kind
    conditions = []
    if region_level == "city":  # the province too, so that the index on province is used
        conditions.append(BenchmarkEntry.province_code == load_regions().get(cohort.region_code).parent_code)
        conditions.append(BenchmarkEntry.city_code == cohort.region_code)
    elif region_level == "province":
        conditions.append(BenchmarkEntry.province_code == cohort.region_code)
    if industry_level == "division":
        conditions.append(BenchmarkEntry.industry_code == cohort.industry)
    elif industry_level == "type":
        conditions.append(BenchmarkEntry.industry_type == cohort.industry)
    if size_level == "class":
        conditions.append(BenchmarkEntry.size_class == cohort.size)
    return conditions
