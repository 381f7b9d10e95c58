"""Statistics releases: what other people see of the submissions changes only when one is made.

A release recomputes every cohort statistic of every questionnaire and period from the entries that count (their
trust level and consent), through each entry's perturbation (assessment/cohorts/perturbation.py), withholds small
groups and their complements (assessment/cohorts/suppression.py), and stores the result under a new release id.
Earlier releases are kept as they were: they are dated, listed, and a figure cited in a report names its release.
Releases are made by `flask benchmarks rebuild`, by an administrator's button, and on the administrator's schedule.

Verified-only statistics: once any entry is verified (signed off by a reviewer, storage/verification.py), every
release is followed by a companion release (`verified_only`) computed the same way from the verified entries alone,
for the agencies' view restricted to verified assessments. It goes through the same perturbation and the same
small-group protection, k applying to the verified population itself; each entry keeps its one noise in both, so
comparing the two releases yields nothing but perturbed entries, as comparing any two releases does.

Weighted figures: a release also stores, for each region that imported population margins cover
(storage/margins.py), its figures weighted to that population (assessment/cohorts/weighted.py), computed from the
same perturbed entries. A region whose cohort cell the release withholds gets the same reason and no figure.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from itertools import repeat
from operator import add

import numpy as np
from sqlalchemy import false, insert, true, update
from sqlmodel import Session, func, select

from assessment.classifications import load_industries, load_regions
from assessment.cohorts.groups import ALL, CellKey, release_scales
from assessment.cohorts.perturbation import draw_noise
from assessment.cohorts.statistics import CohortTable, FigureBlock, Population, cohort_table
from assessment.cohorts.suppression import SMALL, suppress
from assessment.cohorts.weighted import region_weighted
from assessment.margins import covers, one_way_margins
from assessment.trust import DEFAULT_MIN_TRUST
from questionnaires.catalog import Catalog
from questionnaires.loader import Questionnaire
from storage.bulk import RowWriter, Same, json_rows, json_text, stored_value
from storage.margins import MarginImport, margin_imports
from storage.settings import COUNT_ANONYMOUS, RELEASE_INTERVAL_DAYS, get_setting
from storage.statistics import latest_release, load_population, statistics_lock
from storage.tables import BenchmarkEntry, CohortStat, Enterprise, StatisticsRelease, WeightedStat, utcnow

WITHHELD_STATS = "{}"  # the stored figures of a withheld cell: none


def min_trust(*, session: Session) -> str:
    """The least trusted entries releases count, as the administrator set it."""
    return "anonymous" if get_setting(session=session, key=COUNT_ANONYMOUS) == "yes" else DEFAULT_MIN_TRUST


# Told how far a release has come: (verified_only, steps done, steps in all). A step is one stored entry of a
# period: each entry counts once for its period's statistics, and once more for the change since the period before.
Progress = Callable[[bool, int, int], None]


def make_release(*, session: Session, catalog: Catalog, k: int, trigger: str = "command",
                 progress: Progress | None = None) -> StatisticsRelease:
    """Publish a new release of every cohort statistic (committed), and return it; when any entry is verified, its
    verified-only companion follows it. `progress`, if given, is told how far each has come."""
    with _no_cycle_collection():
        release = _make_release(session=session, catalog=catalog, k=k, trigger=trigger, verified_only=False,
                                progress=progress)
        if session.exec(select(BenchmarkEntry.enterprise_id).where(BenchmarkEntry.verified == true())
                        .limit(1)).first():
            _make_release(session=session, catalog=catalog, k=k, trigger=trigger, verified_only=True,
                          progress=progress)
    return release


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while a release is made, and restart it after (if it was running).

    A release makes millions of small lists, tuples and dicts (the entries, every cell's figures and rows) that
    reference counting frees; each few hundred of them set off the collector, which walks the whole heap again and
    again for cycles there are none of: about a fifth of a rebuild's CPU time at 20,000 entries."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


def _make_release(*, session: Session, catalog: Catalog, k: int, trigger: str, verified_only: bool,
                  progress: Progress | None) -> StatisticsRelease:
    started = time.perf_counter()
    with statistics_lock(session):
        _draw_missing_noise(session)
        trust = min_trust(session=session)
        # With real enterprises present, no figure says how many of a group are synthetic: the demo population is
        # public (its seed is), and such a count would tell an attacker which members to subtract.
        any_real = session.exec(select(Enterprise.id).where(~Enterprise.synthetic).limit(1)).first() is not None
        release = StatisticsRelease(trigger=trigger, min_trust=trust, verified_only=verified_only)
        only = [BenchmarkEntry.excluded == false()]  # junk a campaign's owner excluded never counts
        only += [BenchmarkEntry.verified == true()] if verified_only else []
        session.add(release)
        session.flush()
        entries = cells = withheld = 0
        margins = margin_imports(session=session)
        plan = _plan(session, catalog)
        steps = sum(n * (1 if number == 0 else 2) for periods in plan.values() for number, (_, n) in enumerate(periods))
        done = 0
        report = progress or (lambda *_: None)
        report(verified_only, done, steps)
        with RowWriter(session) as writer:
            for questionnaire_id, periods in plan.items():
                questionnaire = catalog.get(questionnaire_id)
                writer.wait()  # the session is the writer's until it has written the rows before
                populations: list[tuple[int, Population]] = []
                # Each table's rows are written (by the database, on a thread) while the next table is computed
                for period, base_period, recorded, table in _tables(session, catalog, questionnaire, periods, trust,
                                                                    only, populations):
                    stored, hidden = _store(writer, release.id, questionnaire_id, period, base_period, table, k,
                                            any_real)
                    cells, withheld = cells + stored, withheld + hidden
                    done += recorded
                    report(verified_only, done, steps)
                writer.wait()
                entries += sum(len(population) for _, population in populations)
                for period, population in populations:
                    _store_weighted(session, release.id, questionnaire, period, population, k, margins)
        release.entries, release.cells, release.withheld = entries, cells, withheld
        release.seconds = round(time.perf_counter() - started, 3)
        session.add(release)
        session.commit()
        session.refresh(release)
    return release


def _tables(session: Session, catalog: Catalog, questionnaire: Questionnaire, periods: list[tuple[int, int]],
            trust: str, only: list, populations: list[tuple[int, Population]]
            ) -> Iterator[tuple[int, int, int, CohortTable]]:
    """The cohort table of each period and of its change since the period before, in order: (period, base period
    or 0, entries recorded, table); each period's released population is added to `populations` as it is read.

    The periods' entries are read on a thread (it is mostly the database's work: see load_population), the first
    period's tables computed meanwhile; every period is read before the first table comes out, so that the session
    is free for writing its rows."""
    country = load_regions().country.code

    def read(period: int) -> Population:
        population = load_population(session=session, catalog=catalog, questionnaire_id=questionnaire.id,
                                     period=period, min_trust=trust, where=only)
        return population.released(*release_scales(questionnaire, population.node_ids))

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="entry-reader") as reader:
        reads = [reader.submit(read, period) for period, _ in periods]  # one after another
        first = cohort_table(reads[0].result(), country) if reads else None
        read_all = [each.result() for each in reads]
    for number, ((period, recorded), population) in enumerate(zip(periods, read_all, strict=True)):
        yield period, 0, recorded, first if number == 0 else cohort_table(population, country)
        if populations:
            base_period, base = populations[-1]
            yield period, base_period, recorded, cohort_table(population.change_since(base), country)
        populations.append((period, population))


def _plan(session: Session, catalog: Catalog) -> dict[str, list[tuple[int, int]]]:
    """Per questionnaire of the catalog with entries: its periods, oldest first, each with its recorded entries."""
    plan: dict[str, list[tuple[int, int]]] = {}
    for questionnaire_id, period, recorded in session.exec(
            select(BenchmarkEntry.questionnaire_id, BenchmarkEntry.period, func.count())
            .group_by(BenchmarkEntry.questionnaire_id, BenchmarkEntry.period)
            .order_by(BenchmarkEntry.questionnaire_id, BenchmarkEntry.period)):
        if catalog.get(questionnaire_id) is not None:
            plan.setdefault(questionnaire_id, []).append((period, recorded))
    return plan


def _draw_missing_noise(session: Session) -> None:
    """Give every entry recorded without noise (before releases existed) its own."""
    missing = session.connection().execute(
        select(BenchmarkEntry.questionnaire_id, BenchmarkEntry.period, BenchmarkEntry.enterprise_id,
               func.length(BenchmarkEntry.levels)).where(BenchmarkEntry.noise.is_(None))).all()
    rng = np.random.default_rng()
    for start in range(0, len(missing), 5000):
        session.execute(update(BenchmarkEntry), [
            dict(questionnaire_id=q, period=p, enterprise_id=e, noise=draw_noise(width, rng))
            for q, p, e, width in missing[start:start + 5000]])


def _store(writer: RowWriter, release_id: int, questionnaire_id: str, period: int, base_period: int,
           table: CohortTable, k: int, any_real: bool) -> tuple[int, int]:
    """Store the statistics of one period (or change) in a release through `writer`; returns how many cells, and how
    many withheld."""
    if not table.cells:
        return 0, 0
    hidden = withheld_cells(dict(zip(table.cells, table.counts, strict=True)), k)
    now = stored_value(writer.session, CohortStat.__table__, "updated_at", utcnow())
    # A withheld cell is stored without its figures: no page or answer reads them (they show Hidden), and figures
    # of a small group kept in the database would be a backup away from being read. Only the shown cells' figures
    # are built and written as JSON, which is most of a rebuild's time saved: most cells are withheld.
    shown = [g for g, cell in enumerate(table.cells) if cell not in hidden]
    stats = [WITHHELD_STATS] * len(table.cells)
    for g, text in zip(shown, figure_texts(table.figure_block(shown)), strict=True):
        stats[g] = text
    regions, industries, sizes = zip(*table.cells, strict=True)
    writer.write_columns(CohortStat.__table__, dict(
        release_id=Same(release_id), questionnaire_id=Same(questionnaire_id), period=Same(period),
        base_period=Same(base_period), region_code=regions, industry=industries, size=sizes, count=table.counts,
        synthetic=Same(0) if any_real else table.synthetic, suppressed=[hidden.get(cell) for cell in table.cells],
        stats=stats, updated_at=Same(now)))
    return len(table.cells), len(hidden)


def figure_texts(block: FigureBlock) -> list[str]:
    """The stored JSON of each cell's figures (CohortTable.figures), built from whole arrays: the numbers are
    written by one call per array, and the keys around them by one template for the cells that have every node
    (nearly all), node by node only for the others (a release writes 50,000 cells' figures per period)."""
    m, cells = len(block.node_ids), len(block.kept)
    numbers = json_rows(block.nodes)  # cell by cell, node by node
    keys = [json_text(node_id) for node_id in block.node_ids]
    lag_keys = [json_text(level) for level in block.lagging]
    lagging = list(zip(*map(json_rows, block.lagging.values()), strict=True)) or [()] * cells
    # A cell with every node: its nodes' numbers, then its levels' counts, each at a %s
    slots = [",".join(f"{key.replace('%', '%%')}:[%s]" for key in names) for names in (keys, lag_keys)]
    template = f'{{"nodes":{{{slots[0]}}},"lagging":{{{slots[1]}}}}}'
    every_node = zip(*(numbers[c::m] for c in range(m)), strict=True) if m else repeat((), cells)
    texts = list(map(template.__mod__, map(add, every_node, lagging)))
    for g in np.flatnonzero(~block.kept.all(axis=1)).tolist():  # cells where some node has no score
        kept = block.kept[g].tolist()
        nodes = ",".join([f"{keys[c]}:[{numbers[g * m + c]}]" for c in range(m) if kept[c]])
        lags = ",".join([f"{key}:[{rows}]" for key, rows in zip(lag_keys, lagging[g], strict=True)])
        texts[g] = f'{{"nodes":{{{nodes}}},"lagging":{{{lags}}}}}'
    return texts


def _store_weighted(session: Session, release_id: int, questionnaire: Questionnaire, period: int,
                    population: Population, k: int, margins: list[MarginImport]) -> None:
    """Store the weighted figures of every region with population margins (the newest that cover it), computed
    from the release's own perturbed entries. A region whose cohort cell the release withholds, that holds fewer
    than k respondents, or one of whose weighting classes is not a cohort cell the release shows
    (assessment/cohorts/weighted.py), gets its reason and no figures at all."""
    if not margins or not len(population):
        return
    regions = load_regions()
    given = [(each, {row.region_code for row in each.rows}) for each in margins]
    region_cells = session.exec(select(CohortStat.region_code, CohortStat.count, CohortStat.suppressed).where(
        CohortStat.release_id == release_id, CohortStat.questionnaire_id == questionnaire.id,
        CohortStat.period == period, CohortStat.base_period == 0, CohortStat.industry == ALL,
        CohortStat.size == ALL)).all()
    overall = questionnaire.overall_node
    leveled = questionnaire.standard_node or overall  # the level the agencies' table shows shares of
    node_ids = list(population.node_ids)
    shown = {tuple(cell) for cell in session.exec(select(CohortStat.region_code, CohortStat.industry, CohortStat.size)
             .where(CohortStat.release_id == release_id, CohortStat.questionnaire_id == questionnaire.id,
                    CohortStat.period == period, CohortStat.base_period == 0, CohortStat.suppressed.is_(None)))}
    rows = []
    for code, count, suppressed in region_cells:
        chosen = next((each for each, codes in given if covers(regions, code, codes)), None)
        if chosen is None:
            continue
        withheld = suppressed or (SMALL if count < k else None)
        stats = {} if withheld else region_weighted(
            population, one_way_margins(chosen.rows, regions, code, source=chosen.source, year=chosen.year),
            regions, code, mean_column=node_ids.index(overall.id), level_column=node_ids.index(leveled.id),
            scale=questionnaire.score_tops[overall.id], levels=[band.level for band in questionnaire.bands(leveled)],
            k=k, shown=shown)
        if "withheld" in stats:  # a weighting class below k or withheld: the reason, and no figure stored
            withheld, stats = stats["withheld"], {}
        rows.append(dict(release_id=release_id, questionnaire_id=questionnaire.id, period=period, region_code=code,
                         source=chosen.source, year=chosen.year, count=count, suppressed=withheld, stats=stats))
    if rows:
        session.execute(insert(WeightedStat.__table__), rows)


def withheld_cells(counts: dict[CellKey, int], k: int) -> dict[CellKey, str]:
    """The withheld cells among our regions and industries."""
    regions, industries = load_regions(), load_industries()
    return suppress(counts, k, regions.country.code, lambda code: regions.get(code).parent_code,
                    lambda code: industries[code].type)


def releases(*, session: Session) -> list[StatisticsRelease]:
    """Every release, the latest first (verified-only companions left out: they follow their release)."""
    return list(session.exec(select(StatisticsRelease).where(StatisticsRelease.verified_only == false())
                             .order_by(StatisticsRelease.id.desc())))


def release_due(*, session: Session) -> bool:
    """Whether the administrator's schedule asks for a release now (never, if no schedule is set)."""
    days = int(get_setting(session=session, key=RELEASE_INTERVAL_DAYS) or 0)
    if days <= 0:
        return False
    latest = latest_release(session=session)
    if latest is None:
        return session.exec(select(BenchmarkEntry.enterprise_id).limit(1)).first() is not None
    made = latest.created_at if latest.created_at.tzinfo else latest.created_at.replace(tzinfo=utcnow().tzinfo)
    return utcnow() - made >= timedelta(days=days)

